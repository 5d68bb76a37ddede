"""Translated messages for refused class changes."""

from __future__ import annotations

from flask_babel import gettext as _


def refusal_message(code: str) -> str:
    """The message shown when a class service refuses a change, in the interface language."""
    messages = {
        "not_a_provider": _("Only training providers publish classes."),
        "unknown_teacher": _("Choose a teacher who works for your organisation."),
        "no_weekdays": _("Choose at least one weekday."),
        "ends_before_start": _("The class must end after it starts."),
        "last_before_first": _("The last date cannot be before the first."),
        "too_long": _("A series can last at most two years."),
        "bad_weekday": _("Choose at least one weekday."),
        "no_sessions": _(
            "These dates give no sessions: every day is a holiday or listed without class."
        ),
        "not_yours": _("This class belongs to another provider."),
        "capacity_below_bookings": _(
            "More learners have booked than that. Places can only be cut to the number booked."
        ),
        "already_cancelled": _("That is already cancelled."),
        "session_over": _("That session is over."),
        "in_the_past": _("Choose a time that has not passed."),
        "session_overlaps": _("The class already has a session at that time."),
        "not_a_learner": _("Only learners book classes."),
        "series_over": _("This class has no sessions left."),
        "already_booked": _("You have already booked this."),
        "overlaps_booking": _(
            "You have booked another class at the same time. Cancel that one first."
        ),
        "no_drop_in": _("This class takes bookings for the whole series only."),
        "session_cancelled": _("That session is cancelled."),
        "session_started": _("That session has already started."),
        "too_late_to_cancel": _(
            "It is less than 2 hours until the session starts, too late to cancel here. "
            "Tell your teacher instead."
        ),
        "session_not_started": _("Attendance can be taken once the session has started."),
        "not_on_roster": _("That learner is not booked for this session."),
        "not_booked": _("You have no place at this session."),
        "needs_seat": _(
            "Your municipality pays for places in this class, and it has no free place for "
            "you. Ask your coordinator: you can send a request below."
        ),
        "no_paid_place": _(
            "Your right to Norwegian training has ended, so your municipality cannot pay for "
            "a place in this class. Talk to your coordinator."
        ),
    }
    return messages.get(code, _("The change was refused."))
