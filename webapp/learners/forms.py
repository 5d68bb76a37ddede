"""Filters for the learner list."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SearchField
from wtforms.validators import Length, Optional


class LearnerSearchForm(FlaskForm):
    """Search learners by name or e-mail (a GET form; no CSRF token needed)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search by name or e-mail"), validators=[Optional(), Length(max=100)])
