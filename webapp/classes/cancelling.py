"""What a cancellation will do, shown on its confirmation page before anything changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from webapp.classes.models import Booking, BookingStatus, ClassSession
from webapp.classes.services import expected_learners, future_sessions, may_self_cancel
from webapp.extensions import db


@dataclass(frozen=True)
class BookingCancellation:
    """The consequences of a learner cancelling one of their bookings."""

    booking: Booking
    sessions: list[ClassSession]  # the sessions the learner gives up, soonest first
    waiting: int  # learners on the series' waiting list, who may get the place
    allowed: bool  # False when it is too late to cancel here (or the municipality's seat)
    seat_held: bool  # a seat the municipality bought: released by its coordinator only

    @property
    def waitlisted(self) -> bool:
        return self.booking.status is BookingStatus.WAITLISTED

    @property
    def frees_a_place(self) -> bool:
        return self.booking.status is BookingStatus.CONFIRMED and self.waiting > 0


def booking_cancellation(booking: Booking, now: datetime) -> BookingCancellation:
    """Which sessions a booking gives up and whether someone waits for the place."""
    if booking.session_id is None:
        sessions = future_sessions(booking.series_id, now)
    else:
        assert booking.session is not None
        sessions = [booking.session] if booking.session.starts_at > now else []
    waiting = db.session.scalar(
        select(func.count()).where(
            Booking.series_id == booking.series_id,
            Booking.status == BookingStatus.WAITLISTED,
            Booking.id != booking.id,
        )
    )
    return BookingCancellation(
        booking=booking,
        sessions=sessions,
        waiting=waiting or 0,
        allowed=may_self_cancel(booking, now),
        seat_held=booking.seat_held,
    )


@dataclass(frozen=True)
class SessionCancellation:
    """The consequences of staff cancelling one session."""

    session: ClassSession
    booked: int  # learners with a place at it, each told by e-mail in their language


def session_cancellation(session: ClassSession) -> SessionCancellation:
    """How many booked learners a session's cancellation will tell."""
    return SessionCancellation(session=session, booked=len(expected_learners(session)))
