"""Classes that fit me: the series a learner is offered, best fit for their free time first.

Candidates are narrowed in SQL (level, modality, online or a provider within reach, meeting in
the next eight weeks); each candidate's sessions ahead are read from its stored timetable
(SeriesTimetable: a few rows per series, whatever its number of sessions) and scored against the
learner's free time; only the page shown loads series, next sessions and bookings.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Float, Select, and_, bindparam, case, cast, func, or_, select, union
from sqlalchemy.orm import aliased, joinedload

from scheduling import availability as free_time
from scheduling.timetable import KindCount, counted_kinds, week_counts_of
from webapp.accounts.models import User
from webapp.classes.models import (
    Booking,
    BookingStatus,
    ClassSeries,
    ClassSession,
    Modality,
    SeriesTimetable,
    SessionStatus,
)
from webapp.classes.services import ACTIVE, availability_of
from webapp.clock import oslo_day_of
from webapp.db_types import utcnow
from webapp.extensions import db
from webapp.learners.models import LearnerProfile
from webapp.organisations.models import Organisation, OrganisationKind
from webapp.pages.listing import RowPage, cut_page


@dataclass(frozen=True)
class SeriesFit:
    """A series as "classes that fit me" shows it."""

    series: ClassSeries
    fit: free_time.Fit | None  # None when the learner has not given their free time
    upcoming: int
    next_session: ClassSession | None
    full: bool
    booking: Booking | None


@dataclass(frozen=True, slots=True)
class _Ranked:
    """A series as the ranking sees it: ids, counts and times, no loaded objects."""

    series_id: int
    fit: free_time.Fit | None
    upcoming: int
    next_local: tuple[date, time]  # the next session's local date and start: Oslo wall-clock


# Classes that fit list the series that meet within this many days: a learner looks for a
# class to join now, and the window keeps the candidates few.
START_WITHIN_DAYS = 56


def _county(number: Any) -> Any:
    """The county (fylke) of a municipality number: its first two digits."""
    return func.substr(number, 1, 2)


@cache
def _candidate_conditions(by_level: bool, by_modality: bool) -> list[Any]:
    """Which series a learner is offered: level and modality as chosen; online classes from
    anywhere; classes in person (or hybrid) only from a provider within the learner's reach;
    and only series that meet between ``today`` and ``last_start`` (their first and last dates
    span every session, so this reads no session).

    A provider is within reach when it is the learner's own school, when it is located in the
    learner's county (a municipal centre, by its municipality number), or when it sells seats
    to a municipality of that county (a pending or accepted order that has not ended).
    Built on first use, once per filter combination (the seat models import the classes).
    """
    from webapp.seats.models import HOLDING, Offering, SeatOrder

    learner = bindparam("learner")
    county = (
        select(_county(Organisation.municipality_number))
        .join(LearnerProfile, LearnerProfile.home_municipality_id == Organisation.id)
        .where(LearnerProfile.user_id == learner)
        .scalar_subquery()
    )
    buyer = aliased(Organisation)
    reachable = union(
        select(User.organisation_id).where(User.id == learner),
        select(Organisation.id).where(
            Organisation.kind != OrganisationKind.MUNICIPALITY,
            _county(Organisation.municipality_number) == county,
        ),
        select(Offering.provider_id)
        .join(SeatOrder, SeatOrder.offering_id == Offering.id)
        .join(buyer, buyer.id == SeatOrder.municipality_id)
        .where(
            SeatOrder.status.in_(HOLDING),
            SeatOrder.last_day >= bindparam("today"),
            _county(buyer.municipality_number) == county,
        ),
    )
    conditions = [
        ClassSeries.last_date >= bindparam("today"),
        ClassSeries.first_date <= bindparam("last_start"),
        or_(ClassSeries.modality == Modality.ONLINE, ClassSeries.provider_id.in_(reachable)),
    ]
    if by_level:
        conditions.append(ClassSeries.level == bindparam("level"))
    if by_modality:
        conditions.append(ClassSeries.modality == bindparam("modality"))
    return conditions


def _candidate_values(learner_id: int, level: str, modality: str, today: date) -> dict[str, Any]:
    """The values _candidate_conditions binds, for a learner looking on ``today``."""
    values: dict[str, Any] = {
        "learner": learner_id,
        "today": today,
        "last_start": today + timedelta(days=START_WITHIN_DAYS),
    }
    if level:
        values["level"] = level
    if modality:
        values["modality"] = modality
    return values


# A session's weekday (Monday 0, as in Python) and, for a rota of several weeks, the week of
# the learner's cycle it falls in: the rule of scheduling.availability.week_index, worked out
# by the database so that it can count a series' sessions by kind. The week counts days since
# 1 January 1970 from a ``cycle_origin`` far before any class, so that the division sees no
# negative number (SQL truncates where Python floors).


@cache
def _timetable_statement(by_level: bool, by_modality: bool) -> Select[Any]:
    """The stored timetable rows of the candidate series: a few per series."""
    return select(
        SeriesTimetable.series_id,
        SeriesTimetable.weekday,
        SeriesTimetable.start_local,
        SeriesTimetable.end_local,
        SeriesTimetable.first_date,
        SeriesTimetable.sessions,
        SeriesTimetable.week_counts,
    ).where(
        SeriesTimetable.series_id.in_(
            select(ClassSeries.id).where(*_candidate_conditions(by_level, by_modality))
        )
    )


def _rank(
    learner_id: int,
    free: free_time.Availability | None,
    level: str,
    modality: str,
    now: datetime,
) -> list[_Ranked]:
    """The series offered to the learner as of ``now`` (see _candidate_conditions) whose next
    session is at most START_WITHIN_DAYS ahead, best fit for ``free`` time first (None: not
    given), then the soonest: one statement over the stored timetables of the candidates (a
    session that began since the scheduler last rewrote its series' timetable, a few minutes at
    most, is still counted there; the page's own figures are exact)."""
    today = oslo_day_of(now)
    last_start = today + timedelta(days=START_WITHIN_DAYS)
    values = _candidate_values(learner_id, level, modality, today)
    rota = free is not None and free.cycle_weeks > 1
    statement = _timetable_statement(bool(level), bool(modality))
    counted: dict[int, list[tuple[free_time.SessionKind, int]]] = defaultdict(list)
    nearest: dict[int, tuple[date, time]] = {}
    # On the connection, past the ORM's row handling: plain rows, fetched at once. The counts
    # by week are read only for a learner on a rota.
    for series_id, weekday, start, end, first, sessions, weeks in (
        db.session.connection().execute(statement, values).all()
    ):
        if rota:
            kind = KindCount(weekday, start, end, first, sessions, week_counts_of(weeks))
            counted[series_id] += counted_kinds([kind], free)
        else:
            counted[series_id].append((free_time.SessionKind(weekday, 0, start, end), sessions))
        if series_id not in nearest or (first, start) < nearest[series_id]:
            nearest[series_id] = (first, start)
    judged: dict[free_time.SessionKind, bool] = {}
    ranked = [
        _Ranked(
            series_id=series_id,
            fit=free_time.fit_kinds(free, kinds, judged) if free else None,
            upcoming=sum(count for _kind, count in kinds),
            next_local=nearest[series_id],
        )
        for series_id, kinds in counted.items()
        if nearest[series_id][0] <= last_start
    ]
    ranked.sort(key=lambda r: (-(r.fit.share if r.fit else 0), r.next_local, r.series_id))
    return ranked


@cache
def _ranking_statement(by_level: bool, by_modality: bool) -> Select[Any]:
    """The candidates ranked by the database for a learner whose free hours are the same every
    week (masks ``m0`` to ``m6``, Monday first; all 0 when none are given): per series the
    sessions ahead, those inside the free hours, the weekdays with a clash and the first
    session's local date and start; best share first, then the soonest, then by id; with the
    number of series ranked. The rule is scheduling.availability.fits_kind: a session fits when
    every hour it touches is free. Rotas of several weeks are ranked in Python (_rank)."""
    timetable = SeriesTimetable
    free_hours = case({day: bindparam(f"m{day}") for day in range(7)}, value=timetable.weekday)
    fits = and_(
        timetable.hours_mask != 0,
        free_hours.bitwise_and(timetable.hours_mask) == timetable.hours_mask,
    )
    rows = (
        select(
            timetable.series_id,
            timetable.weekday,
            timetable.start_local,
            timetable.first_date,
            timetable.sessions,
            case((fits, 1), else_=0).label("fits"),
            func.min(timetable.first_date)
            .over(partition_by=timetable.series_id)
            .label("first_day"),
        )
        .where(
            timetable.series_id.in_(
                select(ClassSeries.id).where(*_candidate_conditions(by_level, by_modality))
            )
        )
        .subquery()
    )
    fitting = func.sum(rows.c.sessions * rows.c.fits)
    upcoming = func.sum(rows.c.sessions)
    clashes = [
        func.max(case((and_(rows.c.weekday == day, rows.c.fits == 0), 1), else_=0))
        for day in range(7)
    ]
    next_start = func.min(case((rows.c.first_date == rows.c.first_day, rows.c.start_local)))
    return (
        select(
            rows.c.series_id,
            fitting,
            upcoming,
            func.min(rows.c.first_date),
            next_start,
            func.count().over(),
            *clashes,
        )
        .group_by(rows.c.series_id)
        .having(func.min(rows.c.first_date) <= bindparam("last_start"))
        .order_by(
            (cast(fitting, Float) / upcoming).desc(),
            func.min(rows.c.first_date),
            next_start,
            rows.c.series_id,
        )
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


def _rank_in_sql(
    learner_id: int,
    free: free_time.Availability | None,
    level: str,
    modality: str,
    now: datetime,
    page: int,
    per_page: int | None,
) -> tuple[int, list[_Ranked], int]:
    """Page ``page`` of the series _rank would offer a learner whose free hours are the same
    every week (or not given), ranked by the database in the same order: (page number, its
    series, how many in all). A page past the end is the last page. One statement (two for a
    page past the end)."""
    week = free.weeks[0] if free is not None else (0,) * 7
    values = {
        **_candidate_values(learner_id, level, modality, oslo_day_of(now)),
        **{f"m{day}": mask for day, mask in enumerate(week)},
    }
    statement = _ranking_statement(bool(level), bool(modality))
    connection = db.session.connection()
    limit = per_page if per_page is not None else -1 if _is_sqlite() else None

    def fetch(number: int) -> list[Any]:
        offset = (number - 1) * per_page if per_page is not None else 0
        return connection.execute(statement, {**values, "limit": limit, "offset": offset}).all()

    rows = fetch(page)
    if not rows and page > 1:  # past the end: the last page
        counted = fetch(1)
        total = counted[0][5] if counted else 0
        page = max(1, math.ceil(total / per_page)) if per_page else 1
        rows = fetch(page) if total else []
    total = rows[0][5] if rows else 0
    ranked = []
    for series_id, fitting, upcoming, first_day, start, _total, *clashes in rows:
        weekdays = tuple(day for day, clash in enumerate(clashes) if clash)
        ranked.append(
            _Ranked(
                series_id=series_id,
                fit=free_time.Fit(fitting, upcoming, weekdays, (0,) if weekdays else ())
                if free is not None
                else None,
                upcoming=upcoming,
                next_local=(first_day, start),
            )
        )
    return page, ranked, total


def _ranked_page(
    learner_id: int,
    free: free_time.Availability | None,
    level: str,
    modality: str,
    now: datetime,
    page: int,
    per_page: int | None,
) -> tuple[int, list[_Ranked], int]:
    """Page ``page`` of the ranked series (every one when ``per_page`` is None): (page number,
    its series, how many in all). A rota of several weeks is ranked in Python, any other free
    time (or none) by the database."""
    if free is None or free.cycle_weeks == 1:
        return _rank_in_sql(learner_id, free, level, modality, now, page, per_page)
    ranked = _rank(learner_id, free, level, modality, now)
    number, chosen = cut_page(ranked, page, per_page or max(1, len(ranked)))
    return number, chosen, len(ranked)


def _is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


_AHEAD = and_(
    ClassSession.status == SessionStatus.SCHEDULED, ClassSession.starts_at > bindparam("now")
)


@cache
def _page_statement() -> Select[Any]:
    """The series of a page with their provider, next session (the first scheduled one that has
    not started), sessions ahead, places booked and places held for municipalities: one
    statement. Built on first use (loader options; the seat models import the classes)."""
    from webapp.seats.models import HOLDING, Offering, SeatOrder

    first_ahead = (
        select(ClassSession.id)
        .where(ClassSession.series_id == ClassSeries.id, _AHEAD)
        .order_by(ClassSession.starts_at)
        .limit(1)
        .correlate(ClassSeries)
        .scalar_subquery()
    )
    ahead = (
        select(func.count())
        .where(ClassSession.series_id == ClassSeries.id, _AHEAD)
        .correlate(ClassSeries)
        .scalar_subquery()
    )
    booked = (
        select(func.count())
        .where(
            Booking.series_id == ClassSeries.id,
            Booking.status == BookingStatus.CONFIRMED,
            Booking.session_id.is_(None),
            Booking.seat_held.is_(False),
        )
        .correlate(ClassSeries)
        .scalar_subquery()
    )
    held = (
        select(func.coalesce(func.sum(SeatOrder.seats), 0))
        .join(Offering, SeatOrder.offering_id == Offering.id)
        .where(Offering.series_id == ClassSeries.id, SeatOrder.status.in_(HOLDING))
        .correlate(ClassSeries)
        .scalar_subquery()
    )
    return (
        select(ClassSeries, ClassSession, ahead, booked, held)
        .outerjoin(ClassSession, ClassSession.id == first_ahead)
        .where(ClassSeries.id.in_(bindparam("series", expanding=True)))
        .options(joinedload(ClassSeries.provider))
    )


_MY_SERIES_BOOKINGS = select(Booking).where(
    Booking.learner_id == bindparam("learner"),
    Booking.series_id.in_(bindparam("series", expanding=True)),
    Booking.status.in_(ACTIVE),
    Booking.session_id.is_(None),
)


def _series_fits(learner: User, ranked: Sequence[_Ranked], now: datetime) -> list[SeriesFit]:
    """Load what the page shows of ``ranked`` series, with their sessions ahead counted as of
    ``now`` (two statements, whatever their number)."""
    if not ranked:
        return []
    ids = [r.series_id for r in ranked]
    shown = {
        series.id: (series, session, ahead, booked + held >= series.capacity)
        for series, session, ahead, booked, held in db.session.execute(
            _page_statement(), {"series": ids, "now": now}
        )
    }
    mine = {
        b.series_id: b
        for b in db.session.scalars(_MY_SERIES_BOOKINGS, {"learner": learner.id, "series": ids})
    }
    fits = []
    for r in ranked:
        series, session, ahead, full = shown[r.series_id]
        fits.append(
            SeriesFit(
                series=series,
                fit=r.fit,
                upcoming=ahead,
                next_session=session,
                full=full,
                booking=mine.get(r.series_id),
            )
        )
    return fits


def classes_for_learner(
    learner: User, level: str, modality: str, now: datetime | None = None
) -> list[SeriesFit]:
    """The series offered to the learner (online from anywhere, in person within reach, with a
    session in the next eight weeks), filtered by level and modality, best fit first."""
    now = now or utcnow()
    free = availability_of(learner)
    _page, ranked, _total = _ranked_page(learner.id, free, level, modality, now, 1, None)
    return _series_fits(learner, ranked, now)


def classes_for_learner_page(
    learner: User,
    free: free_time.Availability | None,
    level: str,
    modality: str,
    page: int,
    per_page: int,
    now: datetime | None = None,
) -> RowPage:
    """One page of ``classes_for_learner`` for a learner with ``free`` time; a page past the end
    shows the last one. Only the candidates are scored, and only that page's series loaded."""
    now = now or utcnow()
    number, chosen, total = _ranked_page(learner.id, free, level, modality, now, page, per_page)
    items = _series_fits(learner, chosen, now)
    return RowPage(items=items, page=number, per_page=per_page, total=total)
