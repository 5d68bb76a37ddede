"""The learner's reminder switches."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SubmitField

from webapp.forms import Form


class ReminderSettingsForm(Form):
    """Which reminders the learner gets by e-mail."""

    sessions = BooleanField(_l("A reminder a few hours before each class I have booked"))
    nudges = BooleanField(_l("A weekly nudge when words wait for review and I have not studied"))
    submit = SubmitField(_l("Save reminders"))
