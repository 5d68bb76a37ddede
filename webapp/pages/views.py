"""The front page, the dashboards and a health check."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.access.rules import logged_in, public
from webapp.accounts.models import Role
from webapp.pages.services import staff_summary

bp = Blueprint("pages", __name__, template_folder="templates")


@bp.route("/")
@public
def home() -> Response | str:
    if current_user.is_authenticated:
        return redirect(url_for("pages.dashboard"))
    return render_template("pages/home.html")


@bp.route("/dashboard")
@logged_in
def dashboard() -> str:
    if current_user.role is Role.LEARNER:
        return render_template("pages/dashboard_learner.html", profile=current_user.learner_profile)
    return render_template("pages/dashboard_staff.html", summary=staff_summary(current_user))


@bp.route("/healthz")
@public
def healthz() -> tuple[str, int, dict[str, str]]:
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}
