"""Study-time sums for pages and statements."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, case, func, insert, select, text, update

from webapp.extensions import db
from webapp.studytime.models import StudyDay, StudySource


@dataclass(frozen=True)
class MonthHours:
    """Hours studied in one calendar month, by source."""

    month: date  # the first day of the month
    lessons: float
    reviews: float
    classes: float

    @property
    def total(self) -> float:
        return round(self.lessons + self.reviews + self.classes, 2)


def monthly_hours(learner_id: int, first: date, last: date) -> list[MonthHours]:
    """Hours per month between two days (both included), oldest month first."""
    rows = db.session.execute(
        select(StudyDay.day, StudyDay.source, StudyDay.seconds).where(
            StudyDay.learner_id == learner_id, StudyDay.day >= first, StudyDay.day <= last
        )
    )
    seconds: dict[date, dict[StudySource, int]] = defaultdict(lambda: defaultdict(int))
    for day, source, secs in rows:
        seconds[day.replace(day=1)][source] += secs
    return [
        MonthHours(
            month=month,
            lessons=round(by_source[StudySource.LESSON] / 3600, 2),
            reviews=round(by_source[StudySource.REVIEW] / 3600, 2),
            classes=round(by_source[StudySource.CLASS] / 3600, 2),
        )
        for month, by_source in sorted(seconds.items())
    ]


def hours_between(learner_id: int, first: date, last: date) -> float:
    """Total hours studied between two days, both included."""
    seconds = db.session.scalar(
        select(func.coalesce(func.sum(StudyDay.seconds), 0)).where(
            StudyDay.learner_id == learner_id, StudyDay.day >= first, StudyDay.day <= last
        )
    )
    return round((seconds or 0) / 3600, 1)


# Built once: the learner's dashboard and entitlement page run it on every visit.
_SINCE_AND_TOTAL = select(
    func.coalesce(
        func.sum(case((StudyDay.day >= bindparam("since"), StudyDay.seconds), else_=0)), 0
    ),
    func.coalesce(func.sum(StudyDay.seconds), 0),
).where(StudyDay.learner_id == bindparam("learner"), StudyDay.day <= bindparam("today"))


def hours_since_and_in_total(learner_id: int, since: date, today: date) -> tuple[float, float]:
    """Hours studied from ``since`` to today, and up to today in all, in one statement."""
    values = {"learner": learner_id, "since": since, "today": today}
    recent, total = db.session.execute(_SINCE_AND_TOTAL, values).one()
    return round((recent or 0) / 3600, 1), round((total or 0) / 3600, 1)


# Adding seconds to a learner's day, capped at a full day: one upsert, the same text on SQLite
# and PostgreSQL. Written as text because SQLAlchemy cannot cache an ON CONFLICT construct: it
# would compile it again on every heartbeat.
_ADD_SECONDS = text(
    "INSERT INTO study_days (learner_id, day, source, seconds)"
    " VALUES (:learner_id, :day, :source, :seconds)"
    " ON CONFLICT (learner_id, day, source) DO UPDATE SET seconds = CASE"
    " WHEN study_days.seconds + excluded.seconds > 86400 THEN 86400"
    " ELSE study_days.seconds + excluded.seconds END"
).bindparams(
    bindparam("day", type_=StudyDay.__table__.c.day.type),
    bindparam("source", type_=StudyDay.__table__.c.source.type),
)


def record_study_time(learner_id: int, day: date, source: StudySource, seconds: int) -> None:
    """Add seconds to a learner's day (capped at a full day); used by lessons, reviews, classes.

    One statement whether or not the day has a row yet (an upsert on the day's key)."""
    seconds = min(86_400, max(0, seconds))
    values = {"learner_id": learner_id, "day": day, "source": source, "seconds": seconds}
    db.session.execute(_ADD_SECONDS, values)


def adjust_study_time(day: date, source: StudySource, deltas: dict[int, int]) -> None:
    """Add or take back seconds on many learners' day at once (a session's attendance marks,
    corrections included): one read and at most one insert and one update, whatever their
    number."""
    deltas = {learner_id: delta for learner_id, delta in deltas.items() if delta}
    if not deltas:
        return
    existing = {
        row.learner_id: row.seconds
        for row in db.session.execute(
            select(StudyDay.learner_id, StudyDay.seconds).where(
                StudyDay.learner_id.in_(deltas), StudyDay.day == day, StudyDay.source == source
            )
        )
    }
    inserts, updates = [], []
    for learner_id, delta in deltas.items():
        seconds = min(86_400, max(0, existing.get(learner_id, 0) + delta))
        values = {"learner_id": learner_id, "day": day, "source": source, "seconds": seconds}
        (updates if learner_id in existing else inserts).append(values)
    if inserts:
        db.session.execute(insert(StudyDay), inserts)
    if updates:  # by primary key, as one executemany
        db.session.execute(update(StudyDay), updates)
