"""Translated names for the values stored in the database (roles, kinds, education, ...)."""

from __future__ import annotations

import enum

from flask import Flask
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from webapp.accounts.models import Role
from webapp.learners.levels import Education
from webapp.learners.models import Employment, FirstLanguage
from webapp.organisations.models import OrganisationKind

ROLE_LABELS: dict[Role, LazyString] = {
    Role.LEARNER: _l("Learner"),
    Role.TEACHER: _l("Teacher"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.PROVIDER_ADMIN: _l("Provider administrator"),
    Role.ADMIN: _l("Administrator"),
}

KIND_LABELS: dict[OrganisationKind, LazyString] = {
    OrganisationKind.MUNICIPALITY: _l("Municipality"),
    OrganisationKind.PROVIDER: _l("Training provider"),
    OrganisationKind.BOTH: _l("Municipal adult-education centre (both)"),
}

EDUCATION_LABELS: dict[Education, LazyString] = {
    Education.NONE: _l("No schooling"),
    Education.PRIMARY: _l("Primary school"),
    Education.LOWER_SECONDARY: _l("Lower secondary school"),
    Education.UPPER_SECONDARY: _l("Upper secondary school"),
    Education.HIGHER: _l("Higher education (college or university)"),
}

FIRST_LANGUAGE_LABELS: dict[FirstLanguage, LazyString] = {
    FirstLanguage.UKRAINIAN: _l("Ukrainian"),
    FirstLanguage.RUSSIAN: _l("Russian"),
    FirstLanguage.OTHER: _l("Another language"),
}

EMPLOYMENT_LABELS: dict[Employment, LazyString] = {
    Employment.NOT_WORKING: _l("Not working"),
    Employment.PART_TIME: _l("Working part time"),
    Employment.FULL_TIME: _l("Working full time"),
    Employment.SHIFT_WORK: _l("Working shifts"),
}

_ALL_LABELS: dict[enum.Enum, LazyString] = {
    **ROLE_LABELS,
    **KIND_LABELS,
    **EDUCATION_LABELS,
    **FIRST_LANGUAGE_LABELS,
    **EMPLOYMENT_LABELS,
}


def choices(labels: dict) -> list[tuple[str, LazyString]]:
    """Select-field choices from a label table."""
    return [(member.value, text) for member, text in labels.items()]


def label(value: enum.Enum | None) -> str:
    """The translated name of a stored value; an empty string for None."""
    if value is None:
        return ""
    text = _ALL_LABELS.get(value)
    return str(text) if text is not None else str(value.value)


def init_app(app: Flask) -> None:
    """Offer ``label`` to templates as a filter."""
    app.add_template_filter(label, "label")
