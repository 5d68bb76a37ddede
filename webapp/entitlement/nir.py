"""Registrations shaped for the national introduction register (NIR), per learner and month.

Municipalities register hours, absence and leave in NIR within two months and are paid grants
from those registrations. This builds, for one municipality and one month, a row per learner
whose training period touches the month or who studied or was marked at a class in it:
self-study hours and class hours kept apart, teacher contact (live class hours and the
teacher's replies to the learner's texts), absence, approved leave, and the month's start,
extension decisions and dropping out. The columns are fixed, machine-readable names, documented
in the README; a page lists the months and which were marked exported.

The row arithmetic is pure (:func:`build_rows`); :func:`registrations` gathers its inputs in a
fixed number of grouped queries, whatever the number of learners.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select

from webapp.accounts.models import User
from webapp.classes.models import Attendance, AttendanceMark, ClassSession
from webapp.clock import OSLO
from webapp.db_types import utcnow
from webapp.entitlement.models import Entitlement, ExtensionDecision, LeavePeriod, NirExport
from webapp.extensions import db
from webapp.learners.models import LearnerProfile
from webapp.lessons.models import WritingSubmission
from webapp.organisations.models import Organisation
from webapp.seats.rules import month_end
from webapp.studytime.models import StudyDay, StudySource

#: The export's columns, in order (documented in the README, "NIR export").
COLUMNS = (
    "municipality_number",
    "month",
    "learner_id",
    "name",
    "birth_date",
    "start_date",
    "self_study_hours",
    "class_hours",
    "teacher_contact_hours",
    "teacher_replies",
    "absence_hours",
    "excused_absence_hours",
    "leave_days",
    "extension_decisions",
    "extension_months",
    "dropped_out_on",
)


@dataclass
class NirRow:
    """One learner's registrations for one month."""

    municipality_number: str
    month: str  # YYYY-MM
    learner_id: int
    name: str
    birth_date: str
    start_date: str  # the start, when it falls in the month; else empty
    self_study_hours: float = 0.0
    class_hours: float = 0.0
    teacher_contact_hours: float = 0.0
    teacher_replies: int = 0
    absence_hours: float = 0.0
    excused_absence_hours: float = 0.0
    leave_days: int = 0
    extension_decisions: int = 0
    extension_months: int = 0
    dropped_out_on: str = ""


@dataclass
class LearnerMonth:
    """The raw facts of one learner's month, as the queries give them (seconds, days)."""

    learner_id: int
    name: str
    birth_date: date
    start_date: date | None
    self_study_seconds: int = 0
    present_seconds: int = 0
    absent_seconds: int = 0
    excused_seconds: int = 0
    replies: int = 0
    leaves: list[tuple[date, date]] = field(default_factory=list)
    decisions: list[int] = field(default_factory=list)  # months of each decision
    dropped_out_on: date | None = None


def leave_days_in(leaves: Iterable[tuple[date, date]], first: date, last: date) -> int:
    """Distinct days of approved leave between ``first`` and ``last`` (overlaps counted once)."""
    days: set[date] = set()
    for start, end in leaves:
        day = max(start, first)
        while day <= min(end, last):
            days.add(day)
            day += timedelta(days=1)
    return len(days)


def _hours(seconds: int) -> float:
    return round(seconds / 3600, 2)


def build_rows(
    municipality_number: str, month: date, facts: Sequence[LearnerMonth]
) -> list[NirRow]:
    """The month's rows, by learner id: class hours are attended sessions (marked present);
    teacher contact is those live hours (the replies are counted beside them)."""
    last = month_end(month)
    rows = []
    for fact in sorted(facts, key=lambda item: item.learner_id):
        started = fact.start_date if fact.start_date and month <= fact.start_date <= last else None
        rows.append(
            NirRow(
                municipality_number=municipality_number,
                month=month.strftime("%Y-%m"),
                learner_id=fact.learner_id,
                name=fact.name,
                birth_date=fact.birth_date.isoformat(),
                start_date=started.isoformat() if started else "",
                self_study_hours=_hours(fact.self_study_seconds),
                class_hours=_hours(fact.present_seconds),
                teacher_contact_hours=_hours(fact.present_seconds),
                teacher_replies=fact.replies,
                absence_hours=_hours(fact.absent_seconds),
                excused_absence_hours=_hours(fact.excused_seconds),
                leave_days=leave_days_in(fact.leaves, month, last),
                extension_decisions=len(fact.decisions),
                extension_months=sum(fact.decisions),
                dropped_out_on=fact.dropped_out_on.isoformat() if fact.dropped_out_on else "",
            )
        )
    return rows


def _utc_bounds(month: date) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's, Oslo time (aware, compared as UTC)."""
    following = month_end(month) + timedelta(days=1)
    return datetime.combine(month, time(), OSLO), datetime.combine(following, time(), OSLO)


def registrations(municipality: Organisation, month: date) -> list[NirRow]:
    """The month's rows for the municipality's learners (home municipality), in seven queries."""
    first, last = month, month_end(month)
    since, until = _utc_bounds(month)
    home = LearnerProfile.home_municipality_id == municipality.id
    # Learners whose period touches the month, or with study or class marks in it.
    in_period = select(Entitlement.learner_id).where(
        Entitlement.start_date.is_not(None),
        Entitlement.start_date <= last,
        or_(Entitlement.last_day.is_(None), Entitlement.last_day >= first),
    )
    studied = select(StudyDay.learner_id).where(StudyDay.day >= first, StudyDay.day <= last)
    marked = (
        select(Attendance.learner_id)
        .join(ClassSession, ClassSession.id == Attendance.session_id)
        .where(ClassSession.starts_at >= since, ClassSession.starts_at < until)
    )
    people = db.session.execute(
        select(User.id, User.name, LearnerProfile.birth_date, Entitlement.start_date)
        .join(LearnerProfile, LearnerProfile.user_id == User.id)
        .outerjoin(Entitlement, Entitlement.learner_id == User.id)
        .where(
            home,
            or_(User.id.in_(in_period), User.id.in_(studied), User.id.in_(marked)),
        )
    ).all()
    facts = {
        learner_id: LearnerMonth(learner_id, name, birth, start)
        for learner_id, name, birth, start in people
    }
    ids = list(facts)
    if not ids:
        return []
    for learner_id, seconds in db.session.execute(
        select(StudyDay.learner_id, func.sum(StudyDay.seconds))
        .where(
            StudyDay.learner_id.in_(ids),
            StudyDay.day >= first,
            StudyDay.day <= last,
            StudyDay.source != StudySource.CLASS,
        )
        .group_by(StudyDay.learner_id)
    ):
        facts[learner_id].self_study_seconds = int(seconds or 0)
    for learner_id, mark, starts_at, ends_at in db.session.execute(
        select(Attendance.learner_id, Attendance.mark, ClassSession.starts_at, ClassSession.ends_at)
        .join(ClassSession, ClassSession.id == Attendance.session_id)
        .where(
            Attendance.learner_id.in_(ids),
            ClassSession.starts_at >= since,
            ClassSession.starts_at < until,
        )
    ):
        seconds = int((ends_at - starts_at).total_seconds())
        fact = facts[learner_id]
        if mark is AttendanceMark.PRESENT:
            fact.present_seconds += seconds
        elif mark is AttendanceMark.ABSENT:
            fact.absent_seconds += seconds
        else:
            fact.excused_seconds += seconds
    for learner_id, replies in db.session.execute(
        select(WritingSubmission.learner_id, func.count())
        .where(
            WritingSubmission.learner_id.in_(ids),
            WritingSubmission.replied_at >= since,
            WritingSubmission.replied_at < until,
        )
        .group_by(WritingSubmission.learner_id)
    ):
        facts[learner_id].replies = int(replies)
    for learner_id, start, end in db.session.execute(
        select(LeavePeriod.learner_id, LeavePeriod.first_day, LeavePeriod.last_day).where(
            LeavePeriod.learner_id.in_(ids),
            LeavePeriod.first_day <= last,
            LeavePeriod.last_day >= first,
        )
    ):
        facts[learner_id].leaves.append((start, end))
    for learner_id, months, dropped in db.session.execute(
        select(Entitlement.learner_id, ExtensionDecision.months, Entitlement.discontinued_on)
        .outerjoin(
            ExtensionDecision,
            and_(
                ExtensionDecision.learner_id == Entitlement.learner_id,
                ExtensionDecision.decided_on >= first,
                ExtensionDecision.decided_on <= last,
            ),
        )
        .where(Entitlement.learner_id.in_(ids))
    ):
        fact = facts[learner_id]
        if months is not None:
            fact.decisions.append(int(months))
        if dropped is not None and first <= dropped <= last:
            fact.dropped_out_on = dropped
    return build_rows(municipality.municipality_number or "", month, list(facts.values()))


def to_csv(rows: Iterable[NirRow]) -> str:
    """The rows as CSV: UTF-8 with BOM, semicolons, the fixed column names, dot decimals."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        values = asdict(row)
        writer.writerow([_cell(values[column]) for column in COLUMNS])
    return buffer.getvalue()


def _cell(value: object) -> str:
    """A CSV cell; text that a spreadsheet would run as a formula is quoted with an apostrophe."""
    text = str(value)
    if isinstance(value, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def to_json(rows: Iterable[NirRow]) -> str:
    """The rows as a JSON array of objects with the same keys as the CSV columns."""
    return json.dumps([asdict(row) for row in rows], ensure_ascii=False, indent=1)


@dataclass(frozen=True)
class MonthStatus:
    """A month on the export page: whether and when it was marked exported."""

    month: date
    export: NirExport | None

    @property
    def due(self) -> date:
        """NIR wants registrations within two months of the month's end."""
        following = month_end(self.month) + timedelta(days=1)
        return month_end(month_end(following) + timedelta(days=1))


def months_for(municipality_id: int, today: date, count: int = 12) -> list[MonthStatus]:
    """The last ``count`` months before this one, newest first, with their export marks."""
    months = []
    current = today.replace(day=1)
    for _ in range(count):
        current = (current - timedelta(days=1)).replace(day=1)
        months.append(current)
    marks = {
        export.month: export
        for export in db.session.scalars(
            select(NirExport).where(
                NirExport.municipality_id == municipality_id, NirExport.month.in_(months)
            )
        )
    }
    return [MonthStatus(month, marks.get(month)) for month in months]


def mark_exported(actor: User, municipality: Organisation, month: date) -> NirExport:
    """Mark a month exported (again): when, by whom and how many rows it held."""
    rows = len(registrations(municipality, month))
    export = db.session.scalar(
        select(NirExport).where(
            NirExport.municipality_id == municipality.id, NirExport.month == month
        )
    )
    if export is None:
        export = NirExport(municipality_id=municipality.id, month=month)
        db.session.add(export)
    export.rows = rows
    export.exported_at = utcnow()
    export.exported_by_id = actor.id
    db.session.flush()
    return export
