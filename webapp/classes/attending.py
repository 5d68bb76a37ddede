"""A learner's own sessions: the next one they are booked for, and "I can't come"."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Select, and_, bindparam, exists, or_, select
from sqlalchemy.orm import contains_eager

from webapp.accounts.models import User
from webapp.classes.models import (
    Attendance,
    AttendanceMark,
    Booking,
    BookingStatus,
    ClassSeries,
    ClassSession,
    SessionStatus,
)
from webapp.classes.services import ClassError, lock_series, promote_waitlist
from webapp.db_types import utcnow
from webapp.extensions import db


def booked_for(learner: Any = None) -> Any:
    """The condition "the learner (bind ``learner`` unless given) holds a confirmed place at the
    session": a booking of its whole series or of this one session."""
    return exists().where(
        Booking.learner_id == (bindparam("learner") if learner is None else learner),
        Booking.series_id == ClassSession.series_id,
        Booking.status == BookingStatus.CONFIRMED,
        or_(Booking.session_id.is_(None), Booking.session_id == ClassSession.id),
    )


def excused(learner: Any = None) -> Any:
    """The condition "the learner (bind ``learner`` unless given) said they cannot come to the
    session"."""
    return exists().where(
        Attendance.session_id == ClassSession.id,
        Attendance.learner_id == (bindparam("learner") if learner is None else learner),
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
            # Driven by the learner's few booked series, not by every future session.
            ClassSession.series_id.in_(
                select(Booking.series_id).where(
                    Booking.learner_id == bindparam("learner"),
                    Booking.status == BookingStatus.CONFIRMED,
                )
            ),
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


# "I can't come" -------------------------------------------------------------------------------

CANT_COME_SALT = "classes.cant-come"


def cant_come_token(learner_id: int, session_id: int) -> str:
    """The signed token of a learner's "I can't come" link for one session."""
    return URLSafeSerializer(current_app.secret_key, salt=CANT_COME_SALT).dumps(
        [learner_id, session_id]
    )


def read_cant_come_token(token: str) -> tuple[int, int] | None:
    """The learner and session a "I can't come" token names, or None when it is not ours."""
    if not token or len(token) > 200:
        return None
    try:
        learner_id, session_id = URLSafeSerializer(
            current_app.secret_key, salt=CANT_COME_SALT
        ).loads(token)
    except (BadSignature, TypeError, ValueError):
        return None
    if not isinstance(learner_id, int) or not isinstance(session_id, int):
        return None
    return learner_id, session_id


def booking_at(learner_id: int, session: ClassSession) -> Booking | None:
    """The learner's confirmed place at a session: the drop-in booking, else the series'."""
    return db.session.scalar(
        select(Booking)
        .where(
            Booking.learner_id == learner_id,
            Booking.series_id == session.series_id,
            Booking.status == BookingStatus.CONFIRMED,
            or_(Booking.session_id.is_(None), Booking.session_id == session.id),
        )
        .order_by(Booking.session_id.is_(None), Booking.id)
        .limit(1)
    )


def has_excused_itself(learner_id: int, session: ClassSession) -> bool:
    """True when the learner already said they cannot come to this session."""
    mark = db.session.scalar(
        select(Attendance.mark).where(
            Attendance.session_id == session.id, Attendance.learner_id == learner_id
        )
    )
    return mark is AttendanceMark.EXCUSED


def cant_come(learner: User, session: ClassSession, now: datetime | None = None) -> list[Booking]:
    """The learner gives up their place at one session and the waiting list moves up: a drop-in
    booking is cancelled; a whole-series place is kept for the other sessions and marked
    excused for this one, which frees it here. Returns the bookings promoted."""
    now = now or utcnow()
    lock_series(session.series)
    db.session.refresh(session, ["status"])
    if session.status is not SessionStatus.SCHEDULED:
        raise ClassError("session_cancelled")
    if session.starts_at <= now:
        raise ClassError("session_started")
    booking = booking_at(learner.id, session)
    if booking is None:
        raise ClassError("not_booked")
    if booking.session_id is not None:
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = now
    elif has_excused_itself(learner.id, session):
        raise ClassError("already_cancelled")
    else:
        db.session.add(
            Attendance(
                session_id=session.id,
                learner_id=learner.id,
                mark=AttendanceMark.EXCUSED,
                marked_by_id=learner.id,
                marked_at=now,
            )
        )
    db.session.flush()
    return promote_waitlist(session.series, now)
