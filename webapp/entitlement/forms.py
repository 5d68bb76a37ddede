"""Forms for registering entitlement decisions and filtering the overview."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SearchField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from webapp.forms import Form

REASON_LENGTH = Length(max=500, message=_l("Keep it under 500 characters."))


class StartForm(Form):
    """The decision on training and the day the period starts."""

    decision_date = DateField(_l("Date of the decision (optional)"), validators=[Optional()])
    start_date = DateField(
        _l("Start date"), validators=[InputRequired(message=_l("Enter a date."))]
    )
    reason = StringField(_l("Note (optional)"), validators=[Optional(), REASON_LENGTH])
    submit = SubmitField(_l("Save the start"))


class LeaveForm(Form):
    """An approved leave period, both days included."""

    first_day = DateField(
        _l("First day of leave"), validators=[InputRequired(message=_l("Enter a date."))]
    )
    last_day = DateField(
        _l("Last day of leave"), validators=[InputRequired(message=_l("Enter a date."))]
    )
    reason = StringField(
        _l("Reason"),
        validators=[InputRequired(message=_l("Give a short reason.")), REASON_LENGTH],
    )
    submit = SubmitField(_l("Register the leave"))

    def validate_last_day(self, field: DateField) -> None:
        if field.data and self.first_day.data and field.data < self.first_day.data:
            raise ValidationError(_l("The leave cannot end before it starts."))


class ExtensionForm(Form):
    """A decision on extended training."""

    decided_on = DateField(
        _l("Date of the decision"), validators=[InputRequired(message=_l("Enter a date."))]
    )
    months = IntegerField(
        _l("Months"),
        validators=[
            InputRequired(message=_l("Enter a number.")),
            NumberRange(min=1, max=6, message=_l("A decision is for 1 to 6 months.")),
        ],
    )
    note = StringField(_l("Note (optional)"), validators=[Optional(), REASON_LENGTH])
    submit = SubmitField(_l("Register the extension"))


class DropoutForm(Form):
    """The learner dropped out of training they began."""

    on = DateField(
        _l("Date the learner dropped out"),
        validators=[InputRequired(message=_l("Enter a date."))],
    )
    reason = StringField(
        _l("Reason"),
        validators=[InputRequired(message=_l("Give a short reason.")), REASON_LENGTH],
    )
    submit = SubmitField(_l("Register dropping out"))


class CorrectionForm(Form):
    """Undo a registration made by mistake; the reason goes into the audit trail."""

    reason = StringField(
        _l("Why is this being corrected?"),
        validators=[InputRequired(message=_l("Give a short reason.")), REASON_LENGTH],
    )
    submit = SubmitField(_l("Remove"))


class OverviewForm(Form):
    """Filters and sorting for the overview (a GET form)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Name"), validators=[Optional(), Length(max=100)])
    status = SelectField(_l("Status"), choices=[], validate_choice=False)
    flag = SelectField(_l("Flag"), choices=[], validate_choice=False)
    sort = SelectField(_l("Sort by"), choices=[], validate_choice=False)


class GrantRateForm(Form):
    """A year's grant rates, with the legal source they come from."""

    year = IntegerField(
        _l("Year"),
        validators=[
            InputRequired(message=_l("Enter a number.")),
            NumberRange(min=2000, max=2100, message=_l("Enter a year from 2000 to 2100.")),
        ],
    )
    per_person_nok = IntegerField(
        _l("Grant per learner (NOK)"),
        validators=[
            InputRequired(message=_l("Enter a number.")),
            NumberRange(min=0, max=10_000_000, message=_l("Enter an amount from 0.")),
        ],
    )
    per_extension_nok = IntegerField(
        _l("Grant per extension decision (NOK)"),
        validators=[
            InputRequired(message=_l("Enter a number.")),
            NumberRange(min=0, max=10_000_000, message=_l("Enter an amount from 0.")),
        ],
    )
    source = StringField(
        _l("Source (for example the budget proposition)"),
        validators=[
            InputRequired(message=_l("Give the source.")),
            Length(max=200, message=_l("Keep it under 200 characters.")),
        ],
    )
    submit = SubmitField(_l("Register the rates"))
