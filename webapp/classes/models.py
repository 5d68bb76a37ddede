"""Class series, their sessions, bookings, attendance, learners' free time and calendar feeds."""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db_types import UTCDateTime, enum_column, utcnow
from webapp.extensions import db
from webapp.learners.levels import Level

if TYPE_CHECKING:
    from webapp.accounts.models import User
    from webapp.organisations.models import Organisation


class Modality(enum.StrEnum):
    """Where a class meets."""

    ONLINE = "online"
    IN_PERSON = "in_person"
    HYBRID = "hybrid"


class SessionStatus(enum.StrEnum):
    """A session is held as planned or cancelled (cancelled sessions stay, for calendars)."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class BookingStatus(enum.StrEnum):
    """Where a booking stands."""

    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class AttendanceMark(enum.StrEnum):
    """The teacher's mark for a learner at one session."""

    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excused"


class ClassSeries(db.Model):
    """A recurring class a provider publishes: evenings, weekends or online."""

    __tablename__ = "class_series"
    __table_args__ = (
        CheckConstraint("capacity > 0 AND capacity <= 500", name="capacity_sensible"),
        CheckConstraint("end_local > start_local", name="ends_after_start"),
        CheckConstraint("last_date >= first_date", name="last_after_first"),
        CheckConstraint("seat_price_nok >= 0", name="price_not_negative"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        # Classes that fit read their candidates from this index alone on PostgreSQL.
        Index(
            "ix_class_series_level_last",
            "level",
            "last_date",
            postgresql_include=["first_date", "modality", "provider_id"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    teacher_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    level: Mapped[Level] = mapped_column(enum_column(Level, "level"))
    track: Mapped[str | None] = mapped_column(String(40))
    modality: Mapped[Modality] = mapped_column(enum_column(Modality, "modality"))
    address: Mapped[str] = mapped_column(String(300), default="")
    meeting_link: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int] = mapped_column(Integer)
    weekdays: Mapped[str] = mapped_column(String(27))  # "tue,thu"
    start_local: Mapped[time] = mapped_column(Time)
    end_local: Mapped[time] = mapped_column(Time)
    # The first and last day the series meets: every session, extra ones too, lies between.
    first_date: Mapped[date] = mapped_column(Date)
    last_date: Mapped[date] = mapped_column(Date)
    drop_in_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    seat_price_nok: Mapped[int] = mapped_column(Integer, default=0)
    # Learners pay the provider themselves: no municipality pays for a place.
    self_paid: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Bumped by every booking change: the row lock that keeps capacity honest.
    booking_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    provider: Mapped[Organisation] = relationship()
    teacher: Mapped[User | None] = relationship()
    sessions: Mapped[list[ClassSession]] = relationship(
        back_populates="series", order_by="ClassSession.starts_at", cascade="all, delete-orphan"
    )


class ClassSession(db.Model):
    """One meeting of a series, at a UTC instant derived from its local date and time."""

    __tablename__ = "class_sessions"
    __table_args__ = (
        UniqueConstraint("series_id", "starts_at", name="one_session_per_start"),
        CheckConstraint("ends_at > starts_at", name="session_ends_after_start"),
        Index("ix_class_sessions_starts_at", "starts_at"),
        # "Classes that fit me" counts a series' scheduled sessions ahead from this index alone.
        Index(
            "ix_class_sessions_timetable",
            "series_id",
            "status",
            "starts_at",
            "local_date",
            "start_local",
            "end_local",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(
        ForeignKey("class_series.id", ondelete="CASCADE"), index=True
    )
    local_date: Mapped[date] = mapped_column(Date)
    start_local: Mapped[time] = mapped_column(Time)
    end_local: Mapped[time] = mapped_column(Time)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[SessionStatus] = mapped_column(
        enum_column(SessionStatus, "session_status"), default=SessionStatus.SCHEDULED
    )
    is_extra: Mapped[bool] = mapped_column(Boolean, default=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Bumped with every change, so calendar clients replace the old copy of the event.
    sequence: Mapped[int] = mapped_column(Integer, default=0)

    series: Mapped[ClassSeries] = relationship(back_populates="sessions")


class SeriesTimetable(db.Model):
    """A series' scheduled sessions that have not started, counted by kind (weekday and local
    times; see scheduling.timetable): what "classes that fit" ranks by, a few rows per series.

    Rewritten for a series by every change to its sessions, and for the series whose first
    counted session has started by the scheduler every few minutes.
    """

    __tablename__ = "class_series_timetable"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("sessions > 0", name="some_sessions"),
        Index("ix_class_series_timetable_next_start", "next_start"),
    )

    series_id: Mapped[int] = mapped_column(
        ForeignKey("class_series.id", ondelete="CASCADE"), primary_key=True
    )
    weekday: Mapped[int] = mapped_column(Integer, primary_key=True)
    start_local: Mapped[time] = mapped_column(Time, primary_key=True)
    end_local: Mapped[time] = mapped_column(Time, primary_key=True)
    next_start: Mapped[datetime] = mapped_column(UTCDateTime())
    first_date: Mapped[date] = mapped_column(Date)
    last_date: Mapped[date] = mapped_column(Date)
    sessions: Mapped[int] = mapped_column(Integer)
    # Sessions per week bucket (scheduling.timetable.WEEK_BUCKETS), comma-separated.
    week_counts: Mapped[str] = mapped_column(String(120))
    # The whole hours the sessions touch (scheduling.availability.hours_mask of the local
    # times): the database compares it with a learner's free hours to rank the series.
    hours_mask: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class SkippedDate(db.Model):
    """A date the series' pattern met on but a public holiday or a cancellation took."""

    __tablename__ = "class_skipped_dates"

    series_id: Mapped[int] = mapped_column(
        ForeignKey("class_series.id", ondelete="CASCADE"), primary_key=True
    )
    local_date: Mapped[date] = mapped_column(Date, primary_key=True)
    reason: Mapped[str] = mapped_column(String(80))


class Booking(db.Model):
    """A learner's place in a whole series (``session_id`` empty) or at one drop-in session."""

    __tablename__ = "class_bookings"
    __table_args__ = (
        Index("ix_class_bookings_series_status", "series_id", "status", "created_at"),
        Index("ix_class_bookings_learner_status", "learner_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    series_id: Mapped[int] = mapped_column(ForeignKey("class_series.id", ondelete="CASCADE"))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("class_sessions.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[BookingStatus] = mapped_column(enum_column(BookingStatus, "booking_status"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A place taken from a seat a municipality bought: counted in the order, not again here.
    seat_held: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Who pays for the place (``seats.rules.PAYERS``); empty for bookings made before payers.
    payer: Mapped[str | None] = mapped_column(String(20))

    learner: Mapped[User] = relationship()
    series: Mapped[ClassSeries] = relationship()
    session: Mapped[ClassSession | None] = relationship()


class Attendance(db.Model):
    """Whether a learner came to a session, as the teacher marked it."""

    __tablename__ = "class_attendance"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("class_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    mark: Mapped[AttendanceMark] = mapped_column(enum_column(AttendanceMark, "mark"))
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class LearnerAvailability(db.Model):
    """A learner's free hours: a weekly grid, or a rota that repeats every few weeks.

    ``pattern`` holds the 24-bit masks of every weekday of every week of the cycle, as text
    (``"w1d1,w1d2,...;w2d1,..."``); ``free_mon`` .. ``free_sun`` hold the hours free in every
    week, which the demand view counts with SQL.
    """

    __tablename__ = "learner_availability"
    __table_args__ = (CheckConstraint("cycle_weeks BETWEEN 1 AND 4", name="cycle_weeks_range"),)

    learner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    cycle_start: Mapped[date] = mapped_column(Date)
    cycle_weeks: Mapped[int] = mapped_column(Integer, default=1)
    pattern: Mapped[str] = mapped_column(String(800))
    free_mon: Mapped[int] = mapped_column(Integer, default=0)
    free_tue: Mapped[int] = mapped_column(Integer, default=0)
    free_wed: Mapped[int] = mapped_column(Integer, default=0)
    free_thu: Mapped[int] = mapped_column(Integer, default=0)
    free_fri: Mapped[int] = mapped_column(Integer, default=0)
    free_sat: Mapped[int] = mapped_column(Integer, default=0)
    free_sun: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class CalendarFeed(db.Model):
    """The secret address of a user's calendar feed; renewing it revokes the old one."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
