"""The base of every form: what any typed text, date or number must be, whatever the field.

Every feature's forms derive from ``Form`` instead of ``FlaskForm``. Before a form reads its
input, each field gets the house rules on top of its own:

- text (one line or several) is normalised to NFC and trimmed; text with control characters
  (tabs and line breaks are fine in several lines), direction overrides or invisible characters
  is refused with a message, since such text spoofs names and titles and breaks e-mail headers;
- required text that is only spaces is refused as if it were empty (``InputRequired`` looks at
  the text as typed, before trimming);
- dates must lie between 1900 and 2100 (year 1 or 9999 overflow the date arithmetic);
- whole numbers must fit the database's integer columns.

Passwords are left exactly as typed.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, Field, IntegerField, PasswordField, StringField, TextAreaField
from wtforms.validators import InputRequired, StopValidation

from webapp.text_rules import FORBIDDEN_IN_LINE, FORBIDDEN_IN_TEXT

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)
LARGEST_NUMBER = 2_000_000_000  # PostgreSQL's integer holds up to 2,147,483,647


def clean_text(value: Any) -> Any:
    """Typed text as stored: NFC, without surrounding spaces (anything else as it is)."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip()
    return value


def refuse_hidden_characters(form: FlaskForm, field: Field) -> None:
    """Refuse text with control, direction-changing or invisible characters."""
    pattern = FORBIDDEN_IN_TEXT if isinstance(field, TextAreaField) else FORBIDDEN_IN_LINE
    if isinstance(field.data, str) and pattern.search(field.data):
        raise StopValidation(
            _l("Remove the invisible or control characters from this text, then try again.")
        )


_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,10}")


def whole_number(raw: str | None) -> int | None:
    """A number from a query string or a form read by hand, when it is written in ASCII digits
    and fits the database's integer columns, else None. (``type=int`` would read "１２" as 12
    and hand "99999999999" to a database that cannot hold it.)"""
    if raw is None or not _WHOLE_NUMBER.fullmatch(raw):
        return None
    number = int(raw)
    return number if abs(number) <= LARGEST_NUMBER else None


class NotBlank:
    """Refuse required text that trimming left empty, with the field's "required" message."""

    def __init__(self, message: Any) -> None:
        self.message = message

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if field.data == "":
            raise StopValidation(self.message or field.gettext(_WTFORMS_REQUIRED))


_WTFORMS_REQUIRED = "This field is required."  # InputRequired's own, translated by WTForms


def plausible_date(form: FlaskForm, field: Field) -> None:
    """Refuse dates before 1900 or after 2100."""
    if isinstance(field.data, date) and not EARLIEST_DATE <= field.data <= LATEST_DATE:
        raise StopValidation(_l("Enter a date between 1900 and 2100."))


def storable_number(form: FlaskForm, field: Field) -> None:
    """Refuse whole numbers too large for the database."""
    if isinstance(field.data, int) and abs(field.data) > LARGEST_NUMBER:
        raise StopValidation(_l("Enter a smaller number."))


class Form(FlaskForm):
    """A Flask-WTF form with the house rules for text, dates and numbers (see the module)."""

    def process(self, formdata: Any = None, obj: Any = None, data: Any = None, **kwargs: Any):
        for field in self:
            _add_house_rules(field)
        super().process(formdata, obj, data=data, **kwargs)


def _add_house_rules(field: Field) -> None:
    if getattr(field, "_house_rules", False):
        return
    field._house_rules = True  # type: ignore[attr-defined]
    if isinstance(field, PasswordField):
        return
    if isinstance(field, StringField):  # TextAreaField, EmailField and SearchField included
        field.filters = (clean_text, *field.filters)
        validators = [refuse_hidden_characters]
        for validator in field.validators:
            validators.append(validator)
            if isinstance(validator, InputRequired):
                validators.append(NotBlank(validator.message))
        field.validators = validators
    elif isinstance(field, DateField):
        field.validators = [*field.validators, plausible_date]
    elif isinstance(field, IntegerField):
        field.validators = [*field.validators, storable_number]
