"""The language switcher form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, SubmitField

from webapp.forms import Form
from webapp.i18n.locales import locale_choices


class LanguageForm(Form):
    """Choose the interface language."""

    locale = SelectField(_l("Language"), choices=locale_choices)
    next = HiddenField()
    submit = SubmitField(_l("Change language"))
