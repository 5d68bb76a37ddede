"""The learner's own data (see, download, ask for erasure) and erasure by an administrator."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from webapp.access.rules import roles
from webapp.accounts.models import Role, User
from webapp.extensions import db
from webapp.privacy import services
from webapp.privacy.forms import EraseForm, ErasureRequestForm

bp = Blueprint("privacy", __name__, template_folder="templates")


@bp.route("/my/data")
@roles(Role.LEARNER)
def my_data() -> str:
    data = services.learner_data(current_user)
    return render_template(
        "privacy/mine.html",
        profile=current_user.learner_profile,
        counts={table: len(rows) for table, rows in data.items()},
        requested=services.erasure_requested(current_user),
        form=ErasureRequestForm(),
    )


@bp.route("/my/data.<kind>")
@roles(Role.LEARNER)
def my_data_file(kind: str) -> Response:
    if kind not in ("json", "csv"):
        abort(404)
    body = (
        services.data_as_json(current_user)
        if kind == "json"
        else services.data_as_csv(current_user)
    )
    return Response(
        body,
        mimetype="application/json" if kind == "json" else "text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="norskvei-my-data.{kind}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/my/data/erasure", methods=["POST"])
@roles(Role.LEARNER)
def request_erasure() -> WerkzeugResponse:
    if not ErasureRequestForm().validate_on_submit():
        abort(400)
    services.request_erasure(current_user)
    db.session.commit()
    flash(_("Your request is sent. An administrator will erase your data."), "success")
    return redirect(url_for("privacy.my_data"))


@bp.route("/admin/erasures")
@roles(Role.ADMIN)
def erasures() -> str:
    return render_template(
        "privacy/erasures.html", learners=services.pending_requests(), form=EraseForm()
    )


@bp.route("/learners/<int:user_id>/erase", methods=["POST"])
@roles(Role.ADMIN)
def erase(user_id: int) -> WerkzeugResponse | tuple[str, int]:
    learner = db.get_or_404(User, user_id)
    form = EraseForm()
    # The box carries the learner's id, so a post meant for one learner never erases another.
    if not form.validate_on_submit() or form.confirm.raw_data != [f"erase-{learner.id}"]:
        flash(_("Tick the box to confirm."), "error")
        return redirect(url_for("privacy.erasures"))
    try:
        services.erase_learner(current_user, learner)
    except services.PrivacyError as refusal:
        db.session.rollback()
        messages = {
            "not_a_learner": _("Only learners' data is erased here."),
            "already_erased": _("This learner's data is already erased."),
        }
        flash(messages.get(refusal.code, _("The change was refused.")), "error")
    else:
        db.session.commit()
        flash(_("The learner's personal data is erased."), "success")
    return redirect(url_for("privacy.erasures"))
