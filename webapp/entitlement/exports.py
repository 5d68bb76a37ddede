"""CSV export of the overview: UTF-8 with BOM and semicolons, so Excel opens it cleanly."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from babel.numbers import get_decimal_symbol
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import Select

from webapp.csv_files import safe_cell
from webapp.entitlement.overview import to_row
from webapp.extensions import db
from webapp.i18n.labels import flag_label, label, status_label

BOM = "\ufeff"


class _Memo(dict[Any, str]):
    """A label function's answers, each value looked up once."""

    def __init__(self, function: Callable[[Any], str]) -> None:
        super().__init__()
        self.function = function

    def __call__(self, value: Any) -> str:
        found = self.get(value)
        if found is None:
            found = self[value] = str(self.function(value))
        return found


# Rows written between two chunks of the streamed file.
CHUNK_ROWS = 500


def overview_csv(stmt: Select[Any], today: date) -> Iterator[str]:
    """The whole filtered overview (all pages) as CSV text, in chunks of ``CHUNK_ROWS`` rows:
    a country's 100,000 learners stream out without being held in memory."""
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
    # Forty thousand rows ask for the same few labels over and over: look each up once.
    statuses = _Memo(status_label)
    employments = _Memo(label)
    flags = _Memo(flag_label)
    decimal_symbol = get_decimal_symbol(get_locale())
    for number, result in enumerate(
        db.session.execute(stmt.execution_options(yield_per=CHUNK_ROWS)), start=1
    ):
        if number % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        row = to_row(result, today)
        entitlement = row.entitlement
        profile = row.profile
        start = entitlement.start_date if entitlement else None
        last = entitlement.last_day if entitlement else None
        writer.writerow(
            [
                safe_cell(row.learner.name),
                safe_cell(row.learner.email),
                safe_cell(profile.home_municipality.name),
                statuses(row.status),
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
                employments(profile.employment),
                f"{row.study_hours:.1f}".replace(".", decimal_symbol),
                str(row.class_days),
                ", ".join(flags(flag) for flag in row.flags),
            ]
        )
    yield buffer.getvalue()
