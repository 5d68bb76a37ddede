"""Translated messages for the refusals of the entitlement rules and services."""

from __future__ import annotations

from flask_babel import gettext as _


def refusal_message(code: str) -> str:
    """The message shown for a refused change, in the interface language."""
    messages = {
        "months_out_of_range": _("An extension decision is for 1 to 6 months."),
        "too_many_decisions": _(
            "No more extension decisions are possible. Learners with completed upper "
            "secondary education or more can have one decision; others can have up to four."
        ),
        "too_many_months": _(
            "This decision goes beyond the limit: 6 months in total for learners with "
            "completed upper secondary education or more, 24 months for others."
        ),
        "leave_ends_before_start": _("The leave cannot end before it starts."),
        "leave_before_start": _(
            "Leave is leave from training: it cannot begin before the training started. "
            "Nothing was registered."
        ),
        "leave_after_end": _(
            "Leave is leave from training: it cannot begin after the last day of training. "
            "Nothing was registered."
        ),
        "decision_before_start": _(
            "An extension decision cannot be dated before the training started. "
            "Nothing was registered."
        ),
        "decision_after_end": _(
            "An extension decision must be made while the training is running: this date is "
            "after the last day of training. Nothing was registered."
        ),
        "not_started": _("Register the start date first."),
        "start_before_settlement": _(
            "Training cannot start before the date the learner was settled."
        ),
        "dropout_before_start": _("The learner cannot drop out before training started."),
        "no_such_record": _("That registration no longer exists. Reload the page."),
        "not_a_learner": _("This person is not a learner."),
        "no_municipality": _("The learner has no home municipality."),
        "changed_meanwhile": _(
            "Someone else changed this learner's right to training while you were working on "
            "it. Nothing was saved: check the page as it is now and try again."
        ),
    }
    return messages.get(code, _("The change was refused."))
