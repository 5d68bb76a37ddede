"""Forms for offerings, seat orders and giving a seat to a learner."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from webapp.forms import Form
from webapp.seats.models import OfferingKind


class OfferingForm(Form):
    """A new offering: a place in one of the provider's classes, or a self-study licence."""

    kind = SelectField(_l("What you sell"))
    title = StringField(
        _l("Title"),
        validators=[
            InputRequired(message=_l("Give the offering a title.")),
            Length(max=160, message=_l("Keep it under 160 characters.")),
        ],
    )
    description = TextAreaField(
        _l("Description (optional)"),
        validators=[Optional(), Length(max=2000, message=_l("Keep it under 2,000 characters."))],
    )
    series = SelectField(_l("Class (for places in a class)"))
    months = IntegerField(
        _l("Months of access (for a licence)"),
        validators=[
            Optional(),
            NumberRange(min=1, max=24, message=_l("A licence lasts 1 to 24 months.")),
        ],
    )
    price_nok = IntegerField(
        _l("Price per seat (NOK)"),
        validators=[
            InputRequired(message=_l("Enter a number.")),
            NumberRange(min=0, max=1_000_000, message=_l("Enter a price from 0 to 1,000,000.")),
        ],
    )
    seats_for_sale = IntegerField(
        _l("Seats for sale"),
        validators=[
            InputRequired(message=_l("Enter a number.")),
            NumberRange(min=1, max=10_000, message=_l("Offer 1 to 10,000 seats.")),
        ],
    )
    submit = SubmitField(_l("Publish the offering"))

    def validate_series(self, field: SelectField) -> None:
        if self.kind.data == OfferingKind.CLASS_SEAT and not field.data:
            raise ValidationError(_l("Choose the class."))

    def validate_months(self, field: IntegerField) -> None:
        if self.kind.data == OfferingKind.LICENCE and not field.data:
            raise ValidationError(_l("Enter how many months the licence lasts."))


class OrderForm(Form):
    """A coordinator's order of seats for a period."""

    seats = IntegerField(
        _l("Number of seats"),
        validators=[
            InputRequired(message=_l("Enter a number.")),
            NumberRange(min=1, max=10_000, message=_l("Order 1 to 10,000 seats.")),
        ],
    )
    first_day = DateField(_l("From"), validators=[InputRequired(message=_l("Enter a date."))])
    last_day = DateField(_l("To"), validators=[InputRequired(message=_l("Enter a date."))])
    note = StringField(
        _l("Message to the provider (optional)"),
        validators=[Optional(), Length(max=500, message=_l("Keep it under 500 characters."))],
    )
    # The price per seat the coordinator saw on the confirmation step.
    price_seen = HiddenField()
    submit = SubmitField(_l("Check the order"))
    confirm = SubmitField(_l("Confirm the order"))
    change = SubmitField(_l("Change the order"))

    def validate_last_day(self, field: DateField) -> None:
        if field.data and self.first_day.data and field.data < self.first_day.data:
            raise ValidationError(_l("The period cannot end before it starts."))


class AssignSeatForm(Form):
    """Give a seat to a learner, found by e-mail address."""

    email = EmailField(
        _l("The learner's e-mail address"),
        validators=[
            InputRequired(message=_l("Enter an e-mail address.")),
            Length(max=254, message=_l("Keep it under 254 characters.")),
        ],
    )
    submit = SubmitField(_l("Give the seat"))
