"""Translated messages for refused teaching changes."""

from __future__ import annotations

from flask_babel import gettext as _


def refusal_message(code: str) -> str:
    """The message shown when a teaching service refuses a change."""
    messages = {
        "not_a_teacher": _("Only teachers and provider administrators create groups."),
        "unknown_series": _("Choose one of your organisation's classes."),
        "unknown_teacher": _("Choose a teacher who works for your organisation."),
        "unknown_learner": _("No learner you follow has that e-mail address."),
        "choose_one": _("Choose one lesson, one track or one level."),
        "unknown_lesson": _("That lesson is no longer in the catalogue."),
        "not_in_group": _("That learner is not in the group."),
        "not_yours": _("This belongs to another organisation."),
        "empty_reply": _("Write a reply."),
        "empty_message": _("Write a message."),
        "unknown_audience": _("Choose a class, a session or a group of your organisation."),
        "no_recipients": _("No learner is booked there yet, so no one would get the message."),
    }
    return messages.get(code, _("The change was refused."))
