"""The learner switches reminders on and off (a section of the profile page)."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.access.rules import roles
from webapp.accounts.models import Role
from webapp.extensions import db
from webapp.reminders import services
from webapp.reminders.forms import ReminderSettingsForm

bp = Blueprint("reminders", __name__, template_folder="templates")


def switches_form() -> ReminderSettingsForm | None:
    """The current learner's switches, for the profile page (None for staff)."""
    if not current_user.is_authenticated or current_user.role is not Role.LEARNER:
        return None
    settings = services.settings_of(current_user)
    return ReminderSettingsForm(
        formdata=None, prefix="reminders", sessions=settings.sessions, nudges=settings.nudges
    )


@bp.route("/profile/reminders", methods=["POST"])
@roles(Role.LEARNER)
def save() -> Response:
    form = ReminderSettingsForm(prefix="reminders")
    if not form.validate_on_submit():
        abort(400)
    services.save_settings(current_user, bool(form.sessions.data), bool(form.nudges.data))
    db.session.commit()
    flash(_("Your reminders are saved."), "success")
    return redirect(url_for("accounts.profile"))


def init_app(app: Flask) -> None:
    """Give the profile page the learner's reminder switches."""
    app.add_template_global(switches_form, "reminder_switches")
