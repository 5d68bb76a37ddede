"""CSV export of the overview: UTF-8 with BOM and semicolons, so Excel opens it cleanly."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import Select

from webapp.entitlement.overview import to_row
from webapp.extensions import db
from webapp.i18n.labels import flag_label, label, status_label

BOM = "\ufeff"


def _cell(value: str) -> str:
    """Neutralise spreadsheet formulas in user-entered text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def overview_csv(stmt: Select[Any], today: date) -> str:
    """The whole filtered overview (all pages) as CSV text."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(
        [
            _("Name"),
            _("E-mail address"),
            _("Home municipality"),
            _("Status"),
            _("Start date"),
            _("Last day"),
            _("Days left"),
            _("Level now"),
            _("Goal"),
            _("Work"),
            _("Study hours, last 4 weeks"),
            _("Days in class, last 4 weeks"),
            _("Flags"),
        ]
    )
    for result in db.session.execute(stmt.execution_options(yield_per=500)):
        row = to_row(result, today)
        entitlement = row.entitlement
        profile = row.profile
        start = entitlement.start_date if entitlement else None
        last = entitlement.last_day if entitlement else None
        writer.writerow(
            [
                _cell(row.learner.name),
                _cell(row.learner.email),
                _cell(profile.home_municipality.name),
                status_label(row.status),
                start.isoformat() if start else "",
                last.isoformat() if last else "",
                "" if row.days_left is None else str(row.days_left),
                profile.current_level.value if profile.current_level else "",
                "/".join(
                    level.value
                    for level in (
                        profile.target_listening,
                        profile.target_reading,
                        profile.target_writing,
                        profile.target_oral,
                    )
                ),
                label(profile.employment),
                format_decimal(row.study_hours, format="0.0"),
                str(row.class_days),
                ", ".join(flag_label(flag) for flag in row.flags),
            ]
        )
    return buffer.getvalue()
