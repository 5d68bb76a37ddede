"""The language switcher."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.access.redirects import safe_next
from webapp.access.rules import public
from webapp.extensions import db
from webapp.i18n.forms import LanguageForm
from webapp.i18n.locales import LOCALE_COOKIE

bp = Blueprint("i18n", __name__)

ONE_YEAR = 365 * 24 * 3600


@bp.route("/language", methods=["POST"])
@public
def switch_language() -> Response:
    form = LanguageForm()
    target = safe_next(request.form.get("next"), url_for("pages.home"))
    response = redirect(target)
    if form.validate_on_submit():
        locale = form.locale.data
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
        response.set_cookie(
            LOCALE_COOKIE,
            locale,
            max_age=ONE_YEAR,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response
