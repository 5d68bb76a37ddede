"""Filters for the learner list and the CSV import form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SearchField, SubmitField
from wtforms.validators import Length, Optional

from webapp.forms import Form


class LearnerSearchForm(Form):
    """Search learners by name or e-mail (a GET form; no CSRF token needed)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search by name or e-mail"), validators=[Optional(), Length(max=100)])


class ImportForm(Form):
    """A CSV file of learners, and whether to import the valid rows when some are not."""

    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(message=_l("Choose a file."))],
    )
    only_valid = BooleanField(_l("If some rows have problems, import the valid rows anyway"))
    submit = SubmitField(_l("Check and import"))
