"""A learner's own sessions: the next one they are booked for, and "I can't come"."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import Select, and_, bindparam, exists, or_, select
from sqlalchemy.orm import contains_eager

from webapp.classes.models import (
    Attendance,
    AttendanceMark,
    Booking,
    BookingStatus,
    ClassSeries,
    ClassSession,
    SessionStatus,
)
from webapp.extensions import db


def booked_for(session_table=ClassSession):
    """The condition "the learner (bind ``learner``) holds a confirmed place at the session":
    a booking of its whole series or of this one session."""
    return exists().where(
        Booking.learner_id == bindparam("learner"),
        Booking.series_id == session_table.series_id,
        Booking.status == BookingStatus.CONFIRMED,
        or_(Booking.session_id.is_(None), Booking.session_id == session_table.id),
    )


def excused(session_table=ClassSession):
    """The condition "the learner (bind ``learner``) said they cannot come to the session"."""
    return exists().where(
        Attendance.session_id == session_table.id,
        Attendance.learner_id == bindparam("learner"),
        Attendance.mark == AttendanceMark.EXCUSED,
    )


@cache
def _next_session_statement() -> Select[tuple[ClassSession]]:
    # Built on first use (loader options configure every mapper), then run with bound values.
    return (
        select(ClassSession)
        .join(ClassSeries, ClassSeries.id == ClassSession.series_id)
        .options(contains_eager(ClassSession.series))
        .where(
            ClassSession.status == SessionStatus.SCHEDULED,
            ClassSession.ends_at > bindparam("now"),
            and_(booked_for(), ~excused()),
        )
        .order_by(ClassSession.starts_at, ClassSession.id)
        .limit(1)
    )


def next_booked_session(learner_id: int, now: datetime) -> ClassSession | None:
    """The learner's next session (or the one under way) with its series, in one statement."""
    values = {"learner": learner_id, "now": now}
    return db.session.scalars(_next_session_statement(), values).first()
