"""Forms for publishing class series, adding sessions, booking and recording free time."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import (
    BooleanField,
    DateField,
    Field,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, html_params

from webapp.classes.models import Modality
from webapp.forms import EARLIEST_DATE, LATEST_DATE, Form

REQUIRED_DATE = InputRequired(message=_l("Enter a date."))
REQUIRED_TIME = InputRequired(message=_l("Enter a time as HH:MM."))
MAX_LISTED_DATES = 60


class CheckboxesField(SelectMultipleField):
    """A group of checkboxes (weekdays)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DatePickers:
    """One date picker per listed date, then a few blank ones for more dates."""

    def __call__(self, field: DateListField, **kwargs) -> Markup:
        first_id = kwargs.pop("id", field.id)
        values = [*field.listed(), *[""] * field.blank_pickers]
        pickers = []
        for number, value in enumerate(values, start=1):
            attrs = {**kwargs, "type": "date", "name": field.name, "value": value}
            if number == 1:
                attrs["id"] = first_id
            else:
                attrs["id"] = f"{first_id}-{number}"
                attrs["aria-label"] = f"{field.label.text} ({number})"
            pickers.append(Markup("<input %s>") % Markup(html_params(**attrs)))
        return Markup('<span class="date-pickers">%s</span>') % Markup("").join(pickers)


class DateListField(Field):
    """Several dates, each chosen with the browser's date picker (in the interface's format).

    The data is the dates as YYYY-MM-DD separated by spaces, checked by the form's validators;
    a list typed by hand with commas is read the same way."""

    widget = DatePickers()

    def __init__(self, label=None, validators=None, blank_pickers: int = 3, **kwargs) -> None:
        super().__init__(label, validators, **kwargs)
        self.blank_pickers = blank_pickers

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = " ".join(value.strip() for value in valuelist if value and value.strip())

    def listed(self) -> list[str]:
        """The dates as sent (one text per picker)."""
        return (self.data or "").replace(",", " ").split()

    def _value(self) -> str:
        return self.data or ""


def parse_date_list(text: str) -> list[date]:
    """Parse dates written as YYYY-MM-DD, separated by commas, spaces or new lines."""
    found = []
    for part in text.replace(",", " ").split():
        found.append(date.fromisoformat(part.strip()))
    return found


class SeriesDetailsForm(Form):
    """What can change after a series is published."""

    title = StringField(
        _l("Title"),
        validators=[
            InputRequired(message=_l("Give the class a title.")),
            Length(max=120, message=_l("Keep it under 120 characters.")),
        ],
    )
    description = TextAreaField(
        _l("Description (optional)"),
        validators=[Optional(), Length(max=2000, message=_l("Keep it under 2,000 characters."))],
    )
    level = SelectField(_l("Level"))
    track = SelectField(_l("Work track (optional)"))
    modality = SelectField(_l("Where the class meets"))
    address = StringField(
        _l("Address"),
        validators=[Length(max=300, message=_l("Keep it under 300 characters."))],
    )
    meeting_link = StringField(
        _l("Meeting link (shown only to booked learners)"),
        validators=[Length(max=500, message=_l("Keep it under 500 characters."))],
    )
    capacity = IntegerField(
        _l("Places"),
        validators=[
            InputRequired(message=_l("Enter a number.")),
            NumberRange(min=1, max=500, message=_l("A class has 1 to 500 places.")),
        ],
    )
    teacher = SelectField(_l("Teacher"))
    drop_in_allowed = BooleanField(_l("Learners may drop in to single sessions"))
    seat_price_nok = IntegerField(
        _l("Price per place for municipalities (NOK)"),
        default=0,
        validators=[
            InputRequired(message=_l("Enter a number.")),
            NumberRange(min=0, max=1_000_000, message=_l("Enter a price from 0 to 1,000,000.")),
        ],
    )
    self_paid = BooleanField(_l("Learners pay for their own place (no municipality pays)"))
    save = SubmitField(_l("Save"))

    def validate_address(self, field: StringField) -> None:
        if (
            self.modality.data in (Modality.IN_PERSON, Modality.HYBRID)
            and not (field.data or "").strip()
        ):
            raise ValidationError(_l("Give the address where the class meets."))

    def validate_meeting_link(self, field: StringField) -> None:
        link = (field.data or "").strip()
        if self.modality.data in (Modality.ONLINE, Modality.HYBRID) and not link:
            raise ValidationError(_l("Give the link learners use to join."))
        if link and not link.startswith("https://"):
            raise ValidationError(_l("The link must start with https://."))


class SeriesForm(SeriesDetailsForm):
    """A new series: its details and when it meets."""

    weekdays = CheckboxesField(_l("Weekdays"), coerce=int)
    start_local = TimeField(_l("Starts at"), validators=[REQUIRED_TIME])
    end_local = TimeField(_l("Ends at"), validators=[REQUIRED_TIME])
    first_date = DateField(_l("First date"), validators=[REQUIRED_DATE])
    last_date = DateField(_l("Last date"), validators=[REQUIRED_DATE])
    extra_dates = DateListField(
        _l("Extra dates (optional)"),
        validators=[Length(max=2000)],
    )
    cancelled_dates = DateListField(
        _l("Dates without class (optional)"),
        validators=[Length(max=2000)],
    )
    preview = SubmitField(_l("Show the sessions"))
    save = SubmitField(_l("Publish the class"))

    def validate_weekdays(self, field: CheckboxesField) -> None:
        if not field.data and not (self.extra_dates.data or "").strip():
            raise ValidationError(_l("Choose at least one weekday."))

    def validate_end_local(self, field: TimeField) -> None:
        if field.data and self.start_local.data and field.data <= self.start_local.data:
            raise ValidationError(_l("The class must end after it starts."))

    def validate_last_date(self, field: DateField) -> None:
        if field.data and self.first_date.data:
            if field.data < self.first_date.data:
                raise ValidationError(_l("The last date cannot be before the first."))
            if (field.data - self.first_date.data).days > 731:
                raise ValidationError(_l("A series can last at most two years."))

    def _dates(self, field: DateListField) -> None:
        try:
            listed = parse_date_list(field.data or "")
        except ValueError:
            raise ValidationError(
                _l("One of the dates is not a date. Choose it in the calendar.")
            ) from None
        if len(listed) > MAX_LISTED_DATES:
            raise ValidationError(_l("List at most 60 dates."))
        if any(not EARLIEST_DATE <= day <= LATEST_DATE for day in listed):
            raise ValidationError(_l("Enter a date between 1900 and 2100."))

    def validate_extra_dates(self, field: DateListField) -> None:
        self._dates(field)

    def validate_cancelled_dates(self, field: DateListField) -> None:
        self._dates(field)


class SessionForm(Form):
    """One extra session."""

    day = DateField(_l("Date"), validators=[REQUIRED_DATE])
    start_local = TimeField(_l("Starts at"), validators=[REQUIRED_TIME])
    end_local = TimeField(_l("Ends at"), validators=[REQUIRED_TIME])
    submit = SubmitField(_l("Add the session"))

    def validate_end_local(self, field: TimeField) -> None:
        if field.data and self.start_local.data and field.data <= self.start_local.data:
            raise ValidationError(_l("The class must end after it starts."))


class ConfirmForm(Form):
    """A button that only carries the CSRF token (book, cancel, renew)."""


class AvailabilityForm(Form):
    """The rota: how many weeks it repeats over and the Monday week 1 starts."""

    cycle_weeks = SelectField(
        _l("My hours repeat every"),
        coerce=int,
        choices=[
            (1, _l("week (the same every week)")),
            (2, _l("2 weeks")),
            (3, _l("3 weeks")),
            (4, _l("4 weeks")),
        ],
    )
    cycle_start = DateField(_l("Week 1 of my rota starts"), validators=[REQUIRED_DATE])
    save = SubmitField(_l("Save my free time"))


class FitFilterForm(Form):
    """Filters of "classes that fit me" (a GET form, no CSRF)."""

    class Meta:
        csrf = False

    level = SelectField(_l("Level"))
    modality = SelectField(_l("Where"))


class DemandFilterForm(Form):
    """Filters of the demand view (a GET form, no CSRF)."""

    class Meta:
        csrf = False

    level = SelectField(_l("Level"))
    municipality = SelectField(_l("Municipality"))
