"""The pure rules of reminders: never at night, never during the learner's shift, a session
reminder moved past a shift only while the session allows, a nudge only after idle days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.availability import FULL_DAY, Availability, from_cells
from scheduling.reminders import (
    MIN_NOTICE,
    OSLO,
    at_work,
    first_open_moment,
    is_night,
    is_quiet,
    iso_week,
    nudge_due,
    session_reminder_at,
    session_reminder_due,
)

MONDAY = date(2026, 1, 5)

moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
).map(lambda m: m.replace(second=0, microsecond=0))
leads = st.integers(min_value=31, max_value=24 * 60).map(lambda m: timedelta(minutes=m))
masks = st.integers(min_value=0, max_value=FULL_DAY)
availabilities = st.one_of(
    st.none(),
    st.builds(
        lambda weeks: Availability(MONDAY, tuple(tuple(week) for week in weeks)),
        st.lists(st.lists(masks, min_size=7, max_size=7), min_size=1, max_size=4),
    ),
)


def oslo(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), OSLO).astimezone(UTC)


def free_except(weekday: int, first: int, last: int) -> Availability:
    """Free every hour of the week except ``first``..``last - 1`` on ``weekday`` (a shift)."""
    cells = [
        (0, day, hour)
        for day in range(7)
        for hour in range(24)
        if not (day == weekday and first <= hour < last)
    ]
    return from_cells(MONDAY, 1, cells)


def hours_between(start: datetime, end: datetime):
    """``start`` and every full Oslo hour after it up to ``end``."""
    yield start
    local = start.astimezone(OSLO).replace(minute=0, second=0, microsecond=0)
    moment = local + timedelta(hours=1)
    while moment.astimezone(UTC) <= end:
        yield moment.astimezone(UTC)
        moment += timedelta(hours=1)


@settings(max_examples=300, deadline=None)
@given(starts_at=moments, lead=leads, free=availabilities)
def test_a_session_reminder_is_never_quiet_and_never_early_or_too_late(starts_at, lead, free):
    moment = session_reminder_at(starts_at, lead, free)
    ideal = starts_at - lead
    if moment is None:  # skipped: every moment it could have gone was quiet
        assert all(is_quiet(m, free) for m in hours_between(ideal, starts_at - MIN_NOTICE))
        return
    assert ideal <= moment <= starts_at - MIN_NOTICE
    assert not is_quiet(moment, free)
    assert not is_night(moment)
    assert not at_work(moment, free)
    # moved only past quiet time: nothing open between the ideal moment and the one chosen
    assert all(is_quiet(m, free) for m in hours_between(ideal, moment) if m < moment)


@settings(max_examples=300, deadline=None)
@given(now=moments, starts_at=moments, lead=leads, free=availabilities)
def test_a_session_reminder_is_due_only_in_open_time_between_its_moment_and_the_start(
    now, starts_at, lead, free
):
    if session_reminder_due(now, starts_at, lead, free):
        assert not is_quiet(now, free)
        assert starts_at - lead <= now <= starts_at - MIN_NOTICE


def test_three_hours_ahead_in_free_time_the_reminder_goes_at_once():
    start = oslo(MONDAY + timedelta(days=2), 18)
    assert session_reminder_at(start, timedelta(hours=3), None) == oslo(
        MONDAY + timedelta(days=2), 15
    )


def test_a_reminder_falling_in_a_shift_moves_to_its_end_or_is_skipped():
    wednesday = MONDAY + timedelta(days=2)
    shift_to_16 = free_except(wednesday.weekday(), 8, 16)
    start = oslo(wednesday, 18)
    assert session_reminder_at(start, timedelta(hours=3), shift_to_16) == oslo(wednesday, 16)
    assert not session_reminder_due(oslo(wednesday, 15, 30), start, timedelta(hours=3), shift_to_16)
    assert session_reminder_due(oslo(wednesday, 16, 5), start, timedelta(hours=3), shift_to_16)
    # the shift ends 30 minutes before the class at the latest: no room to remind
    shift_to_18 = free_except(wednesday.weekday(), 8, 18)
    assert session_reminder_at(start, timedelta(hours=3), shift_to_18) is None


def test_a_morning_class_is_not_reminded_at_night_but_at_seven():
    start = oslo(MONDAY, 9)
    assert session_reminder_at(start, timedelta(hours=3), None) == oslo(MONDAY, 7)
    assert session_reminder_at(oslo(MONDAY, 7, 20), timedelta(hours=3), None) is None


@settings(max_examples=300, deadline=None)
@given(now=moments, due=st.integers(0, 500), idle=st.integers(0, 30), free=availabilities)
def test_a_nudge_is_never_sent_at_night_at_work_without_reviews_or_after_recent_study(
    now, due, idle, free
):
    last_day = now.astimezone(OSLO).date() - timedelta(days=idle)
    if nudge_due(now, due, last_day, free):
        assert due > 0
        assert idle >= 3
        local_hour = now.astimezone(OSLO).hour
        assert 7 <= local_hour < 22
        assert not at_work(now, free)


def test_a_nudge_after_three_idle_days_in_the_evening_but_not_at_night():
    day = MONDAY + timedelta(days=3)
    assert nudge_due(oslo(day, 19), 5, day - timedelta(days=3), None)
    assert not nudge_due(oslo(day, 19), 5, day - timedelta(days=2), None)
    assert not nudge_due(oslo(day, 23), 5, day - timedelta(days=3), None)
    assert not nudge_due(oslo(day, 6, 59), 5, None, None)
    assert not nudge_due(oslo(day, 19), 0, None, None)


def test_first_open_moment_and_iso_week():
    night = oslo(MONDAY, 23)
    assert first_open_moment(night, night + timedelta(hours=12), None) == oslo(
        MONDAY + timedelta(days=1), 7
    )
    assert first_open_moment(night, night + timedelta(hours=2), None) is None
    assert iso_week(date(2026, 12, 7)) == "2026-W50"
    assert iso_week(date(2027, 1, 1)) == "2026-W53"


def test_the_lead_time_is_configured_in_minutes_three_hours_by_default(tmp_path):
    from webapp.config import ConfigError, build_config

    assert build_config(tmp_path, {})["NORSKVEI_REMINDER_LEAD_MINUTES"] == 180
    config = build_config(tmp_path, {"NORSKVEI_REMINDER_LEAD_MINUTES": "90"})
    assert config["NORSKVEI_REMINDER_LEAD_MINUTES"] == 90
    for wrong in ("20", "5000", "soon"):
        with pytest.raises(ConfigError, match="NORSKVEI_REMINDER_LEAD_MINUTES"):
            build_config(tmp_path, {"NORSKVEI_REMINDER_LEAD_MINUTES": wrong})
