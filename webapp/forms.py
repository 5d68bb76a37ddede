"""The base of every form: what any typed text, date or number must be, whatever the field.

Every feature's forms derive from ``Form`` instead of ``FlaskForm``. Before a form reads its
input, each field gets the house rules on top of its own:

- text (one line or several) is normalised to NFC and trimmed; text with control characters
  (tabs and line breaks are fine in several lines), direction overrides or invisible characters
  is refused with a message, since such text spoofs names and titles and breaks e-mail headers;
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
from wtforms.validators import StopValidation

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)
LARGEST_NUMBER = 2_000_000_000  # PostgreSQL's integer holds up to 2,147,483,647

# Never in typed text: C0 and C1 controls and DEL, line and paragraph separators, direction
# embeddings, overrides and isolates, zero-width space, word joiner, invisible operators, BOM.
_INVISIBLE = "\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200b\u2060-\u2064\ufeff"
_FORBIDDEN_IN_LINE = re.compile(f"[\x00-\x1f{_INVISIBLE}]")
_FORBIDDEN_IN_TEXT = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f{_INVISIBLE}]")  # tab, newline: fine


def clean_text(value: Any) -> Any:
    """Typed text as stored: NFC, without surrounding spaces (anything else as it is)."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip()
    return value


def refuse_hidden_characters(form: FlaskForm, field: Field) -> None:
    """Refuse text with control, direction-changing or invisible characters."""
    pattern = _FORBIDDEN_IN_TEXT if isinstance(field, TextAreaField) else _FORBIDDEN_IN_LINE
    if isinstance(field.data, str) and pattern.search(field.data):
        raise StopValidation(
            _l("Remove the invisible or control characters from this text, then try again.")
        )


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
        field.validators = [refuse_hidden_characters, *field.validators]
    elif isinstance(field, DateField):
        field.validators = [*field.validators, plausible_date]
    elif isinstance(field, IntegerField):
        field.validators = [*field.validators, storable_number]
