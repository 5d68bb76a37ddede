"""Class series: publishing, sessions, bookings with waitlists, attendance, free time.

Services flush and never commit; notifications are queued in the outbox and leave with the
request's commit. Every booking change first bumps the series row's ``booking_version``: on
PostgreSQL that UPDATE takes the row lock, on SQLite the database write lock, so two learners
booking the last seat at the same moment are served one after the other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    and_,
    bindparam,
    case,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import contains_eager, joinedload

from scheduling import availability as free_time
from scheduling.recurrence import (
    Recurrence,
    RecurrenceError,
    expand,
    overlaps,
    parse_weekdays,
    plan_session,
    weekday_codes,
)
from webapp.accounts.models import Role, User
from webapp.classes.models import (
    Attendance,
    AttendanceMark,
    Booking,
    BookingStatus,
    ClassSeries,
    ClassSession,
    LearnerAvailability,
    Modality,
    SessionStatus,
    SkippedDate,
)
from webapp.classes.timetable import refresh_timetables
from webapp.clock import oslo_day_of
from webapp.db_types import utcnow
from webapp.extensions import db
from webapp.learners.levels import Level
from webapp.learners.models import LearnerProfile
from webapp.mail.services import queue_templated_mail
from webapp.organisations.models import Organisation
from webapp.studytime.models import StudySource
from webapp.studytime.services import adjust_study_time

# Learners may cancel their own booking until this long before the session starts.
SELF_CANCEL_BEFORE = timedelta(hours=2)
ACTIVE = (BookingStatus.CONFIRMED, BookingStatus.WAITLISTED)


class ClassError(Exception):
    """A refused change; ``code`` names the reason for a translated message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# Publishing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesInput:
    """What the series form collects."""

    title: str
    description: str
    level: Level
    track: str | None
    modality: Modality
    address: str
    meeting_link: str
    capacity: int
    teacher_id: int | None
    weekdays: frozenset[int]
    start_local: time
    end_local: time
    first_date: date
    last_date: date
    extra_dates: frozenset[date]
    cancelled_dates: frozenset[date]
    drop_in_allowed: bool
    seat_price_nok: int
    self_paid: bool = False

    def recurrence(self) -> Recurrence:
        return Recurrence(
            weekdays=self.weekdays,
            start_local=self.start_local,
            end_local=self.end_local,
            first=self.first_date,
            last=self.last_date,
            extra_dates=self.extra_dates,
            cancelled_dates=self.cancelled_dates,
        )


def may_manage_series(actor: User, series: ClassSeries) -> bool:
    """Teachers and administrators of the series' provider (and platform admins) run it."""
    if actor.role is Role.ADMIN:
        return True
    return (
        actor.role in (Role.TEACHER, Role.PROVIDER_ADMIN)
        and actor.organisation_id == series.provider_id
    )


def create_series(actor: User, data: SeriesInput) -> ClassSeries:
    """Publish a series for ``actor``'s provider with every session expanded in Oslo time."""
    if actor.organisation is None or not actor.organisation.is_provider:
        raise ClassError("not_a_provider")
    _check_teacher(actor.organisation_id, data.teacher_id)
    try:
        expansion = expand(data.recurrence())
    except RecurrenceError as error:
        raise ClassError(error.code) from None
    if not expansion.sessions:
        raise ClassError("no_sessions")
    series = ClassSeries(
        provider_id=actor.organisation_id,
        weekdays=weekday_codes(data.weekdays),
        booking_version=0,
    )
    _apply_details(series, data)
    series.start_local = data.start_local
    series.end_local = data.end_local
    # The dates span every session, extra dates outside the pattern's too (as add_session keeps
    # them): classes that fit choose series by them without reading sessions.
    days = [planned.date for planned in expansion.sessions]
    series.first_date = min(data.first_date, *days)
    series.last_date = max(data.last_date, *days)
    db.session.add(series)
    db.session.flush()
    for planned in expansion.sessions:
        db.session.add(
            ClassSession(
                series_id=series.id,
                local_date=planned.date,
                start_local=planned.start_local,
                end_local=planned.end_local,
                starts_at=planned.start_utc,
                ends_at=planned.end_utc,
                status=SessionStatus.SCHEDULED,
                is_extra=planned.extra,
                sequence=0,
            )
        )
    for skipped in expansion.skipped:
        db.session.add(
            SkippedDate(series_id=series.id, local_date=skipped.date, reason=skipped.reason)
        )
    db.session.flush()
    refresh_timetables([series.id])
    return series


def _apply_details(series: ClassSeries, data: SeriesInput) -> None:
    series.title = data.title.strip()
    series.description = data.description.strip()
    series.level = data.level
    series.track = data.track or None
    series.modality = data.modality
    series.address = data.address.strip()
    series.meeting_link = data.meeting_link.strip()
    series.capacity = data.capacity
    series.teacher_id = data.teacher_id
    series.drop_in_allowed = data.drop_in_allowed
    series.seat_price_nok = data.seat_price_nok
    series.self_paid = data.self_paid


def _check_teacher(provider_id: int | None, teacher_id: int | None) -> None:
    if teacher_id is None:
        return
    teacher = db.session.get(User, teacher_id)
    if (
        teacher is None
        or teacher.organisation_id != provider_id
        or teacher.role not in (Role.TEACHER, Role.PROVIDER_ADMIN)
    ):
        raise ClassError("unknown_teacher")


def update_series(actor: User, series: ClassSeries, data: SeriesInput) -> list[Booking]:
    """Change a series' details (not its dates); more seats promote from the waitlist."""
    if not may_manage_series(actor, series):
        raise ClassError("not_yours")
    _check_teacher(series.provider_id, data.teacher_id)
    lock_series(series)
    if data.capacity < _confirmed_peak(series.id, utcnow()):
        raise ClassError("capacity_below_bookings")
    _apply_details(series, data)
    db.session.flush()
    return promote_waitlist(series)


def series_recurrence(series: ClassSeries) -> Recurrence:
    """The stored pattern of a series (its weekdays, times and dates)."""
    return Recurrence(
        weekdays=parse_weekdays(series.weekdays) if series.weekdays else frozenset(),
        start_local=series.start_local,
        end_local=series.end_local,
        first=series.first_date,
        last=series.last_date,
    )


def expected_learners(session: ClassSession) -> list[User]:
    """Learners with a confirmed place at a session: the series' and the session's drop-ins,
    confirmed before it started (a learner who booked later was not expected there)."""
    return list(
        db.session.scalars(
            select(User)
            .join(Booking, Booking.learner_id == User.id)
            .where(
                Booking.series_id == session.series_id,
                Booking.status == BookingStatus.CONFIRMED,
                or_(Booking.session_id.is_(None), Booking.session_id == session.id),
                func.coalesce(Booking.confirmed_at, Booking.created_at) < session.starts_at,
            )
            .order_by(User.name, User.id)
        )
    )


def cancel_session(actor: User, session: ClassSession) -> int:
    """Cancel one session and notify every learner booked for it; return how many were told."""
    if not may_manage_series(actor, session.series):
        raise ClassError("not_yours")
    if session.status is SessionStatus.CANCELLED:
        raise ClassError("already_cancelled")
    if session.ends_at <= utcnow():
        raise ClassError("session_over")
    lock_series(session.series)  # after any booking in progress: every booked learner is told
    session.status = SessionStatus.CANCELLED
    session.cancelled_at = utcnow()
    session.sequence += 1
    learners = expected_learners(session)
    for learner in learners:
        queue_templated_mail(
            learner.email, learner.locale, "class_cancelled", user=learner, session=session
        )
    db.session.flush()
    refresh_timetables([session.series_id])
    return len(learners)


def add_session(
    actor: User, series: ClassSeries, day: date, start: time, end: time
) -> ClassSession:
    """Add one extra session to a series (it may fall on a holiday: someone chose it)."""
    if not may_manage_series(actor, series):
        raise ClassError("not_yours")
    if end <= start:
        raise ClassError("ends_before_start")
    lock_series(series)  # one change at a time: two extra sessions cannot both pass the clash check
    planned = plan_session(day, start, end, extra=True)
    if planned.start_utc <= utcnow():
        raise ClassError("in_the_past")
    clash = db.session.scalar(
        select(ClassSession.id).where(
            ClassSession.series_id == series.id,
            ClassSession.status == SessionStatus.SCHEDULED,
            ClassSession.starts_at < planned.end_utc,
            ClassSession.ends_at > planned.start_utc,
        )
    )
    if clash is not None:
        raise ClassError("session_overlaps")
    session = ClassSession(
        series_id=series.id,
        local_date=day,
        start_local=start,
        end_local=end,
        starts_at=planned.start_utc,
        ends_at=planned.end_utc,
        status=SessionStatus.SCHEDULED,
        is_extra=True,
        sequence=0,
    )
    db.session.add(session)
    series.first_date = min(series.first_date, day)
    series.last_date = max(series.last_date, day)
    db.session.flush()
    refresh_timetables([series.id])
    return session


# Seats ------------------------------------------------------------------------------------------


def lock_series(series: ClassSeries) -> None:
    """Serialize booking changes on a series (PostgreSQL row lock, SQLite write lock)."""
    db.session.execute(
        update(ClassSeries)
        .where(ClassSeries.id == series.id)
        .values(booking_version=ClassSeries.booking_version + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(series, ["booking_version", "capacity"])


def future_sessions(series_id: int, now: datetime) -> list[ClassSession]:
    """The series' scheduled sessions that have not started yet."""
    return list(
        db.session.scalars(
            select(ClassSession)
            .where(
                ClassSession.series_id == series_id,
                ClassSession.status == SessionStatus.SCHEDULED,
                ClassSession.starts_at > now,
            )
            .order_by(ClassSession.starts_at)
        )
    )


@dataclass(frozen=True)
class SeatCount:
    """Confirmed places: the whole-series bookings and the drop-ins per session."""

    series: int
    drop_ins: dict[int, int]
    # Per session, series places a learner gave back for that session only ("I can't come").
    released: dict[int, int] = field(default_factory=dict)

    def taken_at(self, session_id: int) -> int:
        return self.series + self.drop_ins.get(session_id, 0) - self.released.get(session_id, 0)


@cache
def _reserved_statement() -> Select[Any]:
    # Built on first use (the seats feature imports this module) and then reused.
    from webapp.seats.models import HOLDING, Offering, SeatOrder

    return (
        select(Offering.series_id, func.sum(SeatOrder.seats))
        .join(SeatOrder, SeatOrder.offering_id == Offering.id)
        .where(
            Offering.series_id.in_(bindparam("series", expanding=True)),
            SeatOrder.status.in_(HOLDING),
        )
        .group_by(Offering.series_id)
    )


def reserved_for_municipalities(series_ids: list[int]) -> dict[int, int]:
    """Places held by municipalities' pending and accepted seat orders, per series (one query)."""
    if not series_ids:
        return {}
    rows = db.session.execute(_reserved_statement(), {"series": series_ids})
    return {series_id: int(total or 0) for series_id, total in rows}


# What seat_count reads, in one statement: confirmed places by session (none: the whole
# series), places held by municipalities' seat orders, and places given back for one session.
_TAKEN, _HELD, _RELEASED = 0, 1, 2


@cache
def _seat_count_statement() -> Any:
    # Built on first use (the seats feature imports this module) and then reused.
    from webapp.seats.models import HOLDING, Offering, SeatOrder

    series = bindparam("series")
    booked = (
        select(literal(_TAKEN), Booking.session_id, func.count())
        .where(
            Booking.series_id == series,
            Booking.status == BookingStatus.CONFIRMED,
            Booking.seat_held.is_(False),
        )
        .group_by(Booking.session_id)
    )
    held = (
        select(literal(_HELD), literal(None, Integer), func.coalesce(func.sum(SeatOrder.seats), 0))
        .select_from(Offering)
        .join(SeatOrder, SeatOrder.offering_id == Offering.id)
        .where(Offering.series_id == series, SeatOrder.status.in_(HOLDING))
    )
    # Per session, the series places whose learners said ahead that they cannot come (an
    # excused mark before the start, on a whole-series booking the place is counted for).
    released = (
        select(literal(_RELEASED), Attendance.session_id, func.count())
        .join(ClassSession, ClassSession.id == Attendance.session_id)
        .join(
            Booking,
            and_(
                Booking.learner_id == Attendance.learner_id,
                Booking.series_id == ClassSession.series_id,
                Booking.session_id.is_(None),
                Booking.status == BookingStatus.CONFIRMED,
                Booking.seat_held.is_(False),
            ),
        )
        .where(
            ClassSession.series_id == series,
            Attendance.mark == AttendanceMark.EXCUSED,
            Attendance.marked_at < ClassSession.starts_at,
        )
        .group_by(Attendance.session_id)
    )
    return union_all(booked, held, released)


def seat_count(series_id: int) -> SeatCount:
    """Count the taken places of a series: bookings, seats held for municipalities and places
    given back for one session (one statement)."""
    series_places = 0
    drop_ins: dict[int, int] = {}
    released: dict[int, int] = {}
    for kind, session_id, count in db.session.execute(
        _seat_count_statement(), {"series": series_id}
    ):
        if kind == _HELD:
            series_places += int(count or 0)
        elif kind == _RELEASED:
            released[session_id] = count
        elif session_id is None:
            series_places += count
        else:
            drop_ins[session_id] = count
    return SeatCount(series_places, drop_ins, released)


def _confirmed_peak(series_id: int, now: datetime) -> int:
    count = seat_count(series_id)
    future = {s.id for s in future_sessions(series_id, now)}
    return count.series + max((n for sid, n in count.drop_ins.items() if sid in future), default=0)


def _has_room(series: ClassSeries, count: SeatCount, sessions: Sequence[ClassSession]) -> bool:
    return all(count.taken_at(s.id) < series.capacity for s in sessions)


def _learner_busy_times(learner_id: int, now: datetime) -> list[tuple[datetime, datetime, int]]:
    """Start, end and series of every future session the learner holds or awaits a place at."""
    bookings = select(Booking.series_id, Booking.session_id).where(
        Booking.learner_id == learner_id, Booking.status.in_(ACTIVE)
    )
    booked = list(db.session.execute(bookings))
    whole = [series_id for series_id, session_id in booked if session_id is None]
    single = [session_id for _series_id, session_id in booked if session_id is not None]
    if not booked:
        return []
    rows = db.session.execute(
        select(ClassSession.starts_at, ClassSession.ends_at, ClassSession.series_id).where(
            ClassSession.status == SessionStatus.SCHEDULED,
            ClassSession.starts_at > now,
            or_(ClassSession.series_id.in_(whole), ClassSession.id.in_(single)),
        )
    )
    return [(start, end, series_id) for start, end, series_id in rows]


def _check_no_overlap(learner: User, sessions: Iterable[ClassSession], now: datetime) -> None:
    busy = _learner_busy_times(learner.id, now)
    for session in sessions:
        for start, end, _series_id in busy:
            if overlaps(session.starts_at, session.ends_at, start, end):
                raise ClassError("overlaps_booking")


def _active_booking(learner: User, series: ClassSeries, session_id: int | None) -> Booking | None:
    """The learner's active whole-series booking, or their booking of this one session."""
    same_place = (
        Booking.session_id.is_(None)
        if session_id is None
        else or_(Booking.session_id.is_(None), Booking.session_id == session_id)
    )
    return db.session.scalar(
        select(Booking).where(
            Booking.learner_id == learner.id,
            Booking.series_id == series.id,
            Booking.status.in_(ACTIVE),
            same_place,
        )
    )


def place_payer(
    learner: User, series: ClassSeries, now: datetime, whole_series: bool = True
) -> tuple[str, Any]:
    """Who pays for the learner's place (``seats.rules.booking_payer``) and, when a seat bought by
    their municipality covers it, that seat (locked); refuse with the rule's code otherwise.

    A seat covers a whole series, so a drop-in to a priced class is never paid by one.
    """
    from webapp.seats import rules as seat_rules
    from webapp.seats import services as seat_services

    profile = learner.learner_profile
    home = profile.home_municipality_id if profile is not None else None
    municipality_paid = series.seat_price_nok > 0 and not series.self_paid
    status = seat_services.entitlement_status(learner.id) if municipality_paid else None
    seat = None
    if municipality_paid and whole_series and home is not None and series.provider_id != home:
        seat = seat_services.free_seat_for(home, series.id, oslo_day_of(now))
    payer, refusal = seat_rules.booking_payer(
        seat_rules.PlaceFacts(
            price_nok=series.seat_price_nok,
            self_paid=series.self_paid,
            provider_id=series.provider_id,
            home_municipality_id=home,
            seat_available=seat is not None,
            entitlement_status=status,
        )
    )
    if payer is None:
        raise ClassError(refusal or "needs_seat")
    return payer, seat if payer == seat_rules.PAYER_SEAT else None


def book_series(learner: User, series: ClassSeries, now: datetime | None = None) -> Booking:
    """Book a learner into every remaining session of a series, or onto its waitlist when full,
    when someone pays for the place (a seat the municipality bought is taken and counted)."""
    from webapp.seats.models import SeatAssignment

    now = now or utcnow()
    if learner.role is not Role.LEARNER:
        raise ClassError("not_a_learner")
    lock_series(series)
    sessions = future_sessions(series.id, now)
    if not sessions:
        raise ClassError("series_over")
    if _active_booking(learner, series, None) is not None:
        raise ClassError("already_booked")
    _check_no_overlap(learner, sessions, now)
    payer, seat = place_payer(learner, series, now)
    # A bought seat is a place held for the municipality: no waitlist.
    room = seat is not None or _has_room(series, seat_count(series.id), sessions)
    booking = Booking(
        learner_id=learner.id,
        series_id=series.id,
        session_id=None,
        status=BookingStatus.CONFIRMED if room else BookingStatus.WAITLISTED,
        created_at=now,
        confirmed_at=now if room else None,
        seat_held=seat is not None,
        payer=payer,
    )
    db.session.add(booking)
    db.session.flush()
    if seat is not None:
        db.session.add(
            SeatAssignment(
                seat_id=seat.id,
                learner_id=learner.id,
                booking_id=booking.id,
                assigned_by_id=learner.id,
                assigned_at=now,
            )
        )
        db.session.flush()
    return booking


def book_drop_in(learner: User, session: ClassSession, now: datetime | None = None) -> Booking:
    """Book a learner into one session of a series that allows drop-ins (or its waitlist)."""
    now = now or utcnow()
    series = session.series
    if learner.role is not Role.LEARNER:
        raise ClassError("not_a_learner")
    if not series.drop_in_allowed:
        raise ClassError("no_drop_in")
    lock_series(series)
    db.session.refresh(session, ["status"])
    if session.status is not SessionStatus.SCHEDULED:
        raise ClassError("session_cancelled")
    if session.starts_at <= now:
        raise ClassError("session_started")
    if _active_booking(learner, series, session.id) is not None:
        raise ClassError("already_booked")
    _check_no_overlap(learner, [session], now)
    payer, _seat = place_payer(learner, series, now, whole_series=False)
    room = _has_room(series, seat_count(series.id), [session])
    booking = Booking(
        learner_id=learner.id,
        series_id=series.id,
        session_id=session.id,
        status=BookingStatus.CONFIRMED if room else BookingStatus.WAITLISTED,
        created_at=now,
        confirmed_at=now if room else None,
        payer=payer,
    )
    db.session.add(booking)
    db.session.flush()
    return booking


def _may_cancel(booking: Booking, now: datetime, next_start: datetime | None) -> bool:
    """The self-cancel rule, given when the booked series next meets (None: no session ahead)."""
    if booking.status not in ACTIVE or booking.seat_held:
        return False  # a seat the municipality bought is released by its coordinator
    if booking.status is BookingStatus.WAITLISTED:
        return True
    if booking.session_id is not None:
        assert booking.session is not None
        return booking.session.starts_at - now >= SELF_CANCEL_BEFORE
    return next_start is None or next_start - now >= SELF_CANCEL_BEFORE


def may_self_cancel(booking: Booking, now: datetime) -> bool:
    """Learners cancel until 2 hours before the session (for a series: before the next one)."""
    return booking.id in self_cancellable([booking], now)


def self_cancellable(bookings: Sequence[Booking], now: datetime) -> set[int]:
    """The ids of ``bookings`` the learner may cancel now (one statement for all of them)."""
    series_ids = {b.series_id for b in bookings if b.session_id is None}
    next_start: dict[int, datetime] = {}
    if series_ids:
        next_start = dict(
            db.session.execute(
                select(ClassSession.series_id, func.min(ClassSession.starts_at))
                .where(
                    ClassSession.series_id.in_(series_ids),
                    ClassSession.status == SessionStatus.SCHEDULED,
                    ClassSession.starts_at > now,
                )
                .group_by(ClassSession.series_id)
            ).all()
        )
    return {b.id for b in bookings if _may_cancel(b, now, next_start.get(b.series_id))}


def cancel_booking(learner: User, booking: Booking, now: datetime | None = None) -> list[Booking]:
    """Cancel a learner's own booking and promote from the waitlist; return the promoted ones."""
    now = now or utcnow()
    if booking.learner_id != learner.id:
        raise ClassError("not_yours")
    lock_series(booking.series)
    db.session.refresh(booking, ["status"])
    if booking.status not in ACTIVE:
        raise ClassError("already_cancelled")
    if not may_self_cancel(booking, now):
        raise ClassError("too_late_to_cancel")
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now
    db.session.flush()
    # The waitlist is read whether or not a place was freed (a waitlisted booking frees none,
    # and then nobody is promoted unless a place stood empty): a cancellation costs the same
    # statements whatever the state of the booking it cancels.
    return promote_waitlist(booking.series, now)


def promote_waitlist(series: ClassSeries, now: datetime | None = None) -> list[Booking]:
    """Confirm waitlisted bookings, oldest first, while seats allow; notify each promoted learner.

    The caller holds the series lock.
    """
    now = now or utcnow()
    waiting = list(
        db.session.scalars(
            select(Booking)
            .where(Booking.series_id == series.id, Booking.status == BookingStatus.WAITLISTED)
            .order_by(Booking.created_at, Booking.id)
        )
    )
    if not waiting:
        return []
    sessions = future_sessions(series.id, now)
    by_id = {s.id: s for s in sessions}
    count = seat_count(series.id)
    promoted: list[Booking] = []
    for booking in waiting:
        if booking.session_id is None:
            wanted = sessions
        else:
            wanted = [by_id[booking.session_id]] if booking.session_id in by_id else []
        if not wanted or not _has_room(series, count, wanted):
            continue
        booking.status = BookingStatus.CONFIRMED
        booking.confirmed_at = now
        if booking.session_id is None:
            count = SeatCount(count.series + 1, count.drop_ins, count.released)
        else:
            drop_ins = dict(count.drop_ins)
            drop_ins[booking.session_id] = drop_ins.get(booking.session_id, 0) + 1
            count = SeatCount(count.series, drop_ins, count.released)
        promoted.append(booking)
        learner = booking.learner
        queue_templated_mail(
            learner.email, learner.locale, "waitlist_promoted", user=learner, booking=booking
        )
    db.session.flush()
    return promoted


# The pages of "classes that fit me" run these on every visit: built once, run with bound
# values (building a statement costs more than running it).
# (Built on first use, not at import: loader options configure every mapper, and not every
# model is imported yet when this module is.)
@cache
def _learner_bookings_statement() -> Select[tuple[Booking]]:
    return (
        select(Booking)
        .join(ClassSeries, ClassSeries.id == Booking.series_id)
        .options(contains_eager(Booking.series), joinedload(Booking.session))
        .where(Booking.learner_id == bindparam("learner"), Booking.status.in_(ACTIVE))
        .order_by(ClassSeries.first_date, Booking.id)
    )


def learner_bookings(learner: User) -> list[Booking]:
    """A learner's active bookings, soonest series first."""
    return list(db.session.scalars(_learner_bookings_statement(), {"learner": learner.id}))


# Attendance -------------------------------------------------------------------------------------


def session_seconds(session: ClassSession) -> int:
    """How long a session lasts, in seconds."""
    return int((session.ends_at - session.starts_at).total_seconds())


def mark_attendance(actor: User, session: ClassSession, marks: dict[int, AttendanceMark]) -> int:
    """Store the teacher's marks; time at a session counts as the learner's study time."""
    if not may_manage_series(actor, session.series):
        raise ClassError("not_yours")
    if session.status is SessionStatus.CANCELLED:
        raise ClassError("session_cancelled")
    if session.starts_at > utcnow():
        raise ClassError("session_not_started")
    expected = {learner.id for learner in expected_learners(session)}
    existing = {
        learner_id: mark
        for learner_id, mark in db.session.execute(
            select(Attendance.learner_id, Attendance.mark).where(
                Attendance.session_id == session.id
            )
        )
    }
    expected |= set(existing)  # a learner who cancelled after being marked can still be fixed
    seconds = session_seconds(session)
    now = utcnow()
    inserts, updates, deltas = [], [], {}
    for learner_id, mark in marks.items():
        if learner_id not in expected:
            raise ClassError("not_on_roster")
        before = existing.get(learner_id)
        if before is mark:
            continue
        values = {
            "session_id": session.id,
            "learner_id": learner_id,
            "mark": mark,
            "marked_by_id": actor.id,
            "marked_at": now,
        }
        (inserts if before is None else updates).append(values)
        deltas[learner_id] = (seconds if mark is AttendanceMark.PRESENT else 0) - (
            seconds if before is AttendanceMark.PRESENT else 0
        )
    # Set-based, so that saving a roster of 40 costs the statements of a roster of 4.
    if inserts:
        db.session.execute(insert(Attendance), inserts)
    if updates:  # by primary key, as one executemany
        db.session.execute(update(Attendance), updates)
    adjust_study_time(session.local_date, StudySource.CLASS, deltas)
    return len(inserts) + len(updates)


def attendance_marks(session: ClassSession) -> dict[int, AttendanceMark]:
    """The marks stored for a session, by learner."""
    return {
        row.learner_id: row.mark
        for row in db.session.scalars(select(Attendance).where(Attendance.session_id == session.id))
    }


# Free time and fitting classes ----------------------------------------------------------------


def availability_of(learner: User) -> free_time.Availability | None:
    """The learner's stored free time, or None when they have not filled it in."""
    row = db.session.get(LearnerAvailability, learner.id)
    return to_availability(row) if row else None


def to_availability(row: LearnerAvailability) -> free_time.Availability:
    """Read the stored pattern text back into masks."""
    weeks = tuple(tuple(int(mask) for mask in week.split(",")) for week in row.pattern.split(";"))
    return free_time.Availability(row.cycle_start, weeks[: row.cycle_weeks])


def save_availability(learner: User, value: free_time.Availability) -> LearnerAvailability:
    """Store a learner's free time and the hours free in every week of the cycle."""
    row = db.session.get(LearnerAvailability, learner.id)
    if row is None:
        row = LearnerAvailability(learner_id=learner.id)
        db.session.add(row)
    row.cycle_start = value.cycle_start
    row.cycle_weeks = value.cycle_weeks
    row.pattern = ";".join(",".join(str(mask) for mask in week) for week in value.weeks)
    always = free_time.always_free(value)
    (
        row.free_mon,
        row.free_tue,
        row.free_wed,
        row.free_thu,
        row.free_fri,
        row.free_sat,
        row.free_sun,
    ) = always
    db.session.flush()
    return row


def bookings_shown_to(actor: User, series: ClassSeries) -> list[Booking]:
    """The active bookings of ``series`` with their learners, in one statement; a coordinator
    sees only the learners who live in their municipality."""
    stmt = (
        select(Booking)
        .where(Booking.series_id == series.id, Booking.status.in_(ACTIVE))
        .options(joinedload(Booking.learner))
        .order_by(Booking.status, Booking.created_at, Booking.id)
    )
    if actor.role is Role.COORDINATOR:
        stmt = stmt.join(LearnerProfile, LearnerProfile.user_id == Booking.learner_id).where(
            LearnerProfile.home_municipality_id == actor.organisation_id
        )
    return list(db.session.scalars(stmt).unique())


# Demand -----------------------------------------------------------------------------------------

FREE_COLUMNS = (
    LearnerAvailability.free_mon,
    LearnerAvailability.free_tue,
    LearnerAvailability.free_wed,
    LearnerAvailability.free_thu,
    LearnerAvailability.free_fri,
    LearnerAvailability.free_sat,
    LearnerAvailability.free_sun,
)

# Counts below this are shown as "fewer than", so that no one can be singled out.
SMALLEST_COUNT_SHOWN = 3


@dataclass(frozen=True, slots=True)
class DemandCell:
    """How many learners of a level in a municipality are free at a window."""

    level: str | None
    municipality: str
    window: free_time.Window
    learners: int


def demand(level: str = "", municipality_id: int | None = None) -> list[DemandCell]:
    """Count, in one query, the learners free at each candidate class time, by level and
    municipality."""
    return _count_demand(level, municipality_id)


def _count_demand(level: str, municipality_id: int | None) -> list[DemandCell]:
    """Count, in one query, the learners free at each candidate class time (see ``demand``)."""
    windows = free_time.demand_windows()
    sums = []
    for window in windows:
        mask = window.mask
        condition = and_(*(FREE_COLUMNS[day].op("&")(mask) == mask for day in window.weekdays))
        sums.append(func.sum(case((condition, 1), else_=0)))
    stmt = (
        select(LearnerProfile.current_level, Organisation.name, *sums)
        .join(LearnerAvailability, LearnerAvailability.learner_id == LearnerProfile.user_id)
        .join(Organisation, Organisation.id == LearnerProfile.home_municipality_id)
        .group_by(LearnerProfile.current_level, Organisation.name)
    )
    if level:
        stmt = stmt.where(LearnerProfile.current_level == level)
    if municipality_id:
        stmt = stmt.where(LearnerProfile.home_municipality_id == municipality_id)
    cells = []
    for found_level, name, *counts in db.session.execute(stmt).all():
        level_code = found_level.value if found_level else None
        cells.extend(
            DemandCell(level=level_code, municipality=name, window=window, learners=int(count))
            for window, count in zip(windows, counts, strict=True)
            if count
        )
    return cells
