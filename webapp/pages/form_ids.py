"""Distinct element ids for pages that show several forms with the same field names."""

from __future__ import annotations

from typing import TypeVar

from flask_wtf import FlaskForm

F = TypeVar("F", bound=FlaskForm)


def with_id_prefix(form: F, prefix: str) -> F:
    """Prefix the ids (not the names) of a form's fields, keeping labels pointing at them.

    Field names stay as they are, so what the form posts does not change; only the HTML ids,
    which must be unique on a page, do.
    """
    for field in form:
        if field.type == "CSRFTokenField":
            continue
        field.id = f"{prefix}-{field.id}"
        field.label.field_id = field.id
    return form
