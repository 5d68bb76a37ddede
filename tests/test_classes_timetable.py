"""The stored timetable classes that fit ranks by: the pure counting agrees with the fit rule for
every rota, and every change to a series' sessions (and time passing) rewrites it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from scheduling import availability as free_time
from scheduling.timetable import (
    WEEK_BUCKETS,
    TimedSession,
    counted_kinds,
    epoch_week,
    summarise,
    week_counts_of,
    week_counts_text,
)
from tests.test_classes_fit import organisation, publish
from webapp.accounts.models import Role
from webapp.classes import services
from webapp.classes.models import Modality, SeriesTimetable
from webapp.classes.timetable import rebuild_all_timetables, refresh_started_timetables
from webapp.db_types import utcnow
from webapp.extensions import db
from webapp.organisations.models import OrganisationKind

TIMES = st.sampled_from([(time(8), time(10)), (time(17), time(19, 30)), (time(18), time(20))])
DAYS = st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31))


@st.composite
def sessions(draw) -> list[TimedSession]:
    chosen = []
    for day in draw(st.lists(DAYS, min_size=0, max_size=40, unique=True)):
        start, end = draw(TIMES)
        starts_at = datetime.combine(day, start, tzinfo=UTC)
        chosen.append(TimedSession(day, start, end, starts_at))
    return chosen


@st.composite
def availabilities(draw) -> free_time.Availability:
    weeks = draw(st.integers(1, free_time.MAX_CYCLE_WEEKS))
    masks = st.integers(0, free_time.FULL_DAY)
    grid = tuple(tuple(draw(masks) for _day in range(7)) for _week in range(weeks))
    return free_time.Availability(free_time.monday_of(draw(DAYS)), grid)


@given(sessions(), availabilities())
@settings(max_examples=300, deadline=None)
def test_counting_by_kind_agrees_with_the_fit_rule_for_every_rota(chosen, free):
    times = [free_time.SessionTime(s.local_date, s.start_local, s.end_local) for s in chosen]
    assert free_time.fit_kinds(free, counted_kinds(summarise(chosen), free)) == free_time.fit(
        free, times
    )


@given(sessions())
def test_a_summary_keeps_every_session_once(chosen):
    kinds = summarise(chosen)
    assert sum(kind.sessions for kind in kinds) == len(chosen)
    for kind in kinds:
        assert sum(kind.week_counts) == kind.sessions
        assert len(kind.week_counts) == WEEK_BUCKETS
        assert week_counts_of(week_counts_text(kind.week_counts)) == kind.week_counts
        assert kind.first_date <= kind.last_date
    if chosen:
        assert min(kind.next_start for kind in kinds) == min(s.starts_at for s in chosen)


def test_weeks_are_counted_from_a_monday():
    assert epoch_week(date(1970, 1, 5)) == 0
    assert epoch_week(date(1970, 1, 11)) == 0
    assert epoch_week(date(1970, 1, 12)) == 1
    assert epoch_week(date(1970, 1, 4)) == -1


def _stored(series_id: int) -> dict[tuple[int, time], int]:
    rows = db.session.scalars(
        select(SeriesTimetable).where(SeriesTimetable.series_id == series_id)
    ).all()
    return {(row.weekday, row.start_local): row.sessions for row in rows}


def test_every_change_to_a_series_sessions_rewrites_its_timetable(factory):
    school = organisation("Skolen", OrganisationKind.PROVIDER)
    teacher = factory.user(Role.TEACHER, school)
    series = publish(teacher, "Kveld", modality=Modality.ONLINE)  # 4 weekly sessions at 18:00
    weekday = series.first_date.weekday()
    assert _stored(series.id) == {(weekday, time(18)): 4}

    extra_day = series.first_date + timedelta(days=2)
    services.add_session(teacher, series, extra_day, time(9), time(11))
    db.session.commit()
    assert _stored(series.id) == {(weekday, time(18)): 4, (extra_day.weekday(), time(9)): 1}

    first = series.sessions[0]
    services.cancel_session(teacher, first)
    db.session.commit()
    assert _stored(series.id)[(weekday, time(18))] == 3

    # Time passes: once the first counted session has begun, the scheduler's sweep drops it.
    second = min(
        (s for s in series.sessions if s.start_local == time(9)), key=lambda s: s.starts_at
    )
    assert refresh_started_timetables(second.starts_at - timedelta(minutes=1)) == 0
    assert refresh_started_timetables(second.starts_at + timedelta(minutes=1)) == 1
    db.session.commit()
    assert _stored(series.id) == {(weekday, time(18)): 3}

    # A bulk rebuild (after a bulk load) stores the same.
    rebuild_all_timetables(second.starts_at + timedelta(minutes=1))
    db.session.commit()
    assert _stored(series.id) == {(weekday, time(18)): 3}
    assert rebuild_all_timetables(utcnow() + timedelta(days=400)) == 0
    assert _stored(series.id) == {}
