"""Translated names for the values stored in the database (roles, kinds, education, ...)."""

from __future__ import annotations

import enum

from flask import Flask
from flask_babel import LazyString, lazy_pgettext
from flask_babel import lazy_gettext as _l

from webapp.accounts.models import Role
from webapp.classes.models import AttendanceMark, BookingStatus, Modality
from webapp.learners.levels import Education
from webapp.learners.models import Employment, FirstLanguage, ImportStatus
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
    Education.UPPER_SECONDARY: _l("Completed upper secondary school"),
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

STATUS_LABELS: dict[str, LazyString] = {
    "not_entitled": _l("Not entitled"),
    "discontinued": _l("Dropped out"),
    "not_started": _l("Not started"),
    "expired": _l("Period over"),
    "on_leave": _l("On leave"),
    "active": _l("Active"),
    "no_record": _l("Not registered"),
}

FLAG_LABELS: dict[str, LazyString] = {
    "deadline_90": _l("90 days or fewer left"),
    "deadline_30": _l("30 days or fewer left"),
    "expired": _l("Period over"),
    "on_leave": _l("On leave"),
    "at_risk": _l("At risk"),
    "extension_possible": _l("Extension possible"),
    "time_running_unused": _l("Working, time running unused"),
}

AUDIT_ACTION_LABELS: dict[str, LazyString] = {
    "opened": _l("Record opened"),
    "start": _l("Start registered"),
    "leave_added": _l("Leave registered"),
    "leave_removed": _l("Leave removed"),
    "extension_added": _l("Extension registered"),
    "extension_removed": _l("Extension removed"),
    "discontinued": _l("Dropping out registered"),
    "discontinuation_withdrawn": _l("Dropping out withdrawn"),
}

TRACK_LABELS: dict[str, LazyString] = {
    "working-life": _l("Norwegian working life"),
    "health-care": _l("Health and care"),
    "construction": _l("Construction"),
    "cleaning": _l("Cleaning and facility services"),
    "hospitality": _l("Hotel, restaurant and kitchen"),
    "agri-fish": _l("Agriculture and fish processing"),
    "logistics": _l("Warehouse, transport and logistics"),
    "retail": _l("Retail and customer service"),
    "childcare": _l("Kindergarten and school assistant"),
    "industry": _l("Industry and production"),
    "office": _l("Office and administration"),
    "transport": _l("Bus, lorry, taxi and delivery driving"),
    "professionals": _l("Professionals: engineers, IT, teachers, economists, health"),
}

EXERCISE_INSTRUCTIONS: dict[str, LazyString] = {
    "choice": _l("Choose the right answer"),
    "fill": _l("Fill in the missing word"),
    "match": _l("Match the pairs"),
    "order": _l("Put the words in the right order"),
    "listen": _l("Listen and choose"),
    "dialogue": _l("Complete the dialogue"),
    "writing": _l("Write a short text"),
}

MODALITY_LABELS: dict[Modality, LazyString] = {
    Modality.ONLINE: _l("Online"),
    Modality.IN_PERSON: _l("In person"),
    Modality.HYBRID: _l("In person and online"),
}

BOOKING_STATUS_LABELS: dict[BookingStatus, LazyString] = {
    BookingStatus.CONFIRMED: _l("Booked"),
    BookingStatus.WAITLISTED: _l("On the waiting list"),
    BookingStatus.CANCELLED: _l("Cancelled"),
}

ATTENDANCE_LABELS: dict[AttendanceMark, LazyString] = {
    AttendanceMark.PRESENT: _l("Present"),
    AttendanceMark.ABSENT: _l("Absent"),
    AttendanceMark.EXCUSED: _l("Excused"),
}

IMPORT_STATUS_LABELS: dict[ImportStatus, LazyString] = {
    ImportStatus.QUEUED: lazy_pgettext("import", "Waiting"),
    ImportStatus.RUNNING: lazy_pgettext("import", "In progress"),
    ImportStatus.SUCCEEDED: lazy_pgettext("import", "Imported"),
    ImportStatus.REJECTED: _l("Nothing was imported"),
    ImportStatus.FAILED: lazy_pgettext("import", "Failed"),
}

SLOT_LABELS: dict[str, LazyString] = {
    "evening": _l("Evening"),
    "weekend": _l("Weekend"),
    "daytime": _l("Daytime"),
}

_ALL_LABELS: dict[enum.Enum, LazyString] = {
    **MODALITY_LABELS,
    **BOOKING_STATUS_LABELS,
    **ATTENDANCE_LABELS,
    **ROLE_LABELS,
    **KIND_LABELS,
    **EDUCATION_LABELS,
    **FIRST_LANGUAGE_LABELS,
    **EMPLOYMENT_LABELS,
    **IMPORT_STATUS_LABELS,
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


def status_label(code: str) -> str:
    """The translated name of an entitlement status."""
    return str(STATUS_LABELS.get(code, code))


def flag_label(code: str) -> str:
    """The translated name of a flag."""
    return str(FLAG_LABELS.get(code, code))


def audit_action_label(code: str) -> str:
    """The translated name of an audited change."""
    return str(AUDIT_ACTION_LABELS.get(code, code))


def track_label(code: str) -> str:
    """The translated name of a lesson track."""
    return str(TRACK_LABELS.get(code, code))


def exercise_instruction(kind: str) -> str:
    """The instruction for an exercise type, in the interface language."""
    return str(EXERCISE_INSTRUCTIONS.get(kind, kind))


def slot_label(code: str) -> str:
    """The translated name of a class slot (evening, weekend, daytime)."""
    return str(SLOT_LABELS.get(code, code))


def init_app(app: Flask) -> None:
    """Offer the label functions to templates as filters."""
    app.add_template_filter(track_label, "track_label")
    app.add_template_filter(exercise_instruction, "exercise_instruction")
    app.add_template_filter(label, "label")
    app.add_template_filter(status_label, "status_label")
    app.add_template_filter(flag_label, "flag_label")
    app.add_template_filter(audit_action_label, "audit_action_label")
    app.add_template_filter(slot_label, "slot_label")
