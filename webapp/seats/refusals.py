"""Translated messages for refused seat changes."""

from __future__ import annotations

from flask_babel import gettext as _


def refusal_message(code: str) -> str:
    """The message shown when a seat service refuses a change."""
    messages = {
        "not_a_provider": _("Only a provider's administrators publish offerings."),
        "unknown_series": _("Choose one of your organisation's classes."),
        "more_than_capacity": _("You cannot sell more seats than the class has places."),
        "months_missing": _("Enter how many months the licence lasts."),
        "not_yours": _("This belongs to another organisation."),
        "not_a_coordinator": _("Only municipal coordinators order seats."),
        "period_backwards": _("The period cannot end before it starts."),
        "offering_closed": _("This offering takes no new orders."),
        "not_enough_seats": _("There are not that many seats left. Order fewer."),
        "already_decided": _("The order has already been decided."),
        "order_not_accepted": _("The provider has not accepted this order yet."),
        "order_ended": _("The period of this order is over."),
        "unknown_learner": _("No learner in your municipality has that e-mail address."),
        "seat_taken": _("Someone already has this seat. Release it first."),
        "already_has_seat": _("This learner already has a seat from this order."),
        "series_over": _("The class has no sessions left."),
        "already_booked": _("The learner has already booked this class."),
        "overlaps_booking": _("The learner has booked another class at the same time."),
        "already_released": _("The seat is already free."),
        "not_a_learner": _("Only learners ask for a place."),
        "no_request_needed": _("This class needs no place paid by the municipality: book it."),
        "already_handled": _("Someone has already handled this request."),
        "no_paid_place": _(
            "This learner's right to training has ended (expired, dropped out or not "
            "entitled), so the municipality cannot pay for a place."
        ),
    }
    return messages.get(code, _("The change was refused."))
