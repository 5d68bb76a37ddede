"""Recurrence and free-time rules, exhaustively, and the ``classes preview`` command."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling import availability as free_time
from scheduling import recurrence as rec

OSLO = ZoneInfo("Europe/Oslo")

weekday_sets = st.frozensets(st.integers(0, 6), min_size=1)
times = st.times().map(lambda t: t.replace(second=0, microsecond=0))


@settings(max_examples=150, deadline=None)
@given(
    weekdays=weekday_sets,
    start=times,
    length=st.integers(15, 240),
    first=st.dates(date(2024, 1, 1), date(2030, 12, 31)),
    days=st.integers(0, 370),
    cancelled=st.lists(st.integers(0, 370), max_size=5),
)
def test_every_session_keeps_its_wall_clock_time_and_weekday(
    weekdays, start, length, first, days, cancelled
):
    end_minutes = start.hour * 60 + start.minute + length
    if end_minutes >= 24 * 60:
        return
    end = time(end_minutes // 60, end_minutes % 60)
    last = first + timedelta(days=days)
    cancelled_dates = frozenset(first + timedelta(days=n) for n in cancelled)
    expansion = rec.expand(
        rec.Recurrence(weekdays, start, end, first, last, frozenset(), cancelled_dates)
    )
    pattern = [
        first + timedelta(days=n)
        for n in range(days + 1)
        if (first + timedelta(days=n)).weekday() in weekdays
    ]
    # Every pattern date is either a session or a skipped date, never both, never lost.
    assert (
        sorted([s.date for s in expansion.sessions] + [s.date for s in expansion.skipped])
        == pattern
    )
    for session in expansion.sessions:
        local = session.start_utc.astimezone(OSLO)
        if not _in_spring_gap(session.date, start):
            assert (local.hour, local.minute) == (start.hour, start.minute)
        assert session.date not in cancelled_dates
        assert rec.holiday_name(session.date) is None
        assert session.slot == rec.slot_category(session.date, start)
        assert session.end_utc > session.start_utc or _in_spring_gap(session.date, start)
    starts = [s.start_utc for s in expansion.sessions]
    assert starts == sorted(starts)
    assert len(set(starts)) == len(starts)
    for skipped in expansion.skipped:
        assert skipped.date in cancelled_dates or rec.holiday_name(skipped.date) == skipped.reason


def _in_spring_gap(day: date, at: time) -> bool:
    return day.month == 3 and day.weekday() == 6 and day.day > 24 and at.hour == 2


def test_an_evening_class_stays_at_18_across_both_changes():
    spring = rec.expand(
        rec.Recurrence(frozenset({1}), time(18), time(20), date(2025, 3, 18), date(2025, 4, 1))
    )
    assert [s.start_utc.hour for s in spring.sessions] == [17, 17, 16]
    autumn = rec.expand(
        rec.Recurrence(frozenset({6}), time(10), time(12), date(2025, 10, 19), date(2025, 11, 2))
    )
    assert [s.start_utc.hour for s in autumn.sessions] == [8, 9, 9]


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2025, 4, 17), "Skjærtorsdag"),
        (date(2025, 4, 21), "Andre påskedag"),
        (date(2025, 5, 17), "Grunnlovsdag"),
        (date(2025, 12, 25), "Første juledag"),
        (date(2025, 5, 1), "Arbeidernes dag"),
    ],
)
def test_norwegian_public_holidays_have_their_norwegian_names(day, name):
    assert rec.holiday_name(day) == name


def test_sundays_and_ordinary_days_are_not_holidays():
    assert rec.holiday_name(date(2025, 3, 23)) is None  # a Sunday
    assert rec.holiday_name(date(2025, 3, 24)) is None


def test_slots():
    assert rec.slot_category(date(2025, 3, 24), time(16, 29)) == "daytime"
    assert rec.slot_category(date(2025, 3, 24), time(16, 30)) == "evening"
    assert rec.slot_category(date(2025, 3, 29), time(9)) == "weekend"
    assert rec.slot_category(date(2025, 3, 30), time(19)) == "weekend"


def test_local_instants_in_the_gap_and_the_fold():
    assert (
        rec.local_instant(date(2025, 3, 30), time(2, 30)).isoformat() == "2025-03-30T01:30:00+00:00"
    )
    assert (
        rec.local_instant(date(2025, 10, 26), time(2, 30)).isoformat()
        == "2025-10-26T00:30:00+00:00"
    )


@pytest.mark.parametrize(
    ("recurrence", "code"),
    [
        (
            rec.Recurrence(frozenset(), time(18), time(20), date(2025, 1, 1), date(2025, 2, 1)),
            "no_weekdays",
        ),
        (
            rec.Recurrence(frozenset({1}), time(18), time(18), date(2025, 1, 1), date(2025, 2, 1)),
            "ends_before_start",
        ),
        (
            rec.Recurrence(frozenset({1}), time(18), time(20), date(2025, 2, 1), date(2025, 1, 1)),
            "last_before_first",
        ),
        (
            rec.Recurrence(frozenset({1}), time(18), time(20), date(2025, 1, 1), date(2028, 1, 1)),
            "too_long",
        ),
    ],
)
def test_impossible_recurrences_are_refused(recurrence, code):
    with pytest.raises(rec.RecurrenceError) as refused:
        rec.expand(recurrence)
    assert refused.value.code == code


def test_weekday_codes_round_trip_and_refuse_nonsense():
    assert rec.parse_weekdays("Tue, THU") == frozenset({1, 3})
    assert rec.weekday_codes({3, 1}) == "tue,thu"
    with pytest.raises(rec.RecurrenceError):
        rec.parse_weekdays("tue,xyz")


def test_extra_dates_count_even_on_holidays_and_cancelled_dates_win():
    expansion = rec.expand(
        rec.Recurrence(
            frozenset({1}),
            time(18),
            time(20),
            date(2025, 4, 14),
            date(2025, 4, 30),
            extra_dates=frozenset({date(2025, 4, 17), date(2025, 4, 24)}),
            cancelled_dates=frozenset({date(2025, 4, 22), date(2025, 4, 24)}),
        )
    )
    assert [s.date for s in expansion.sessions] == [
        date(2025, 4, 15),
        date(2025, 4, 17),
        date(2025, 4, 29),
    ]
    assert [s.extra for s in expansion.sessions] == [False, True, False]
    assert [(s.date, s.reason) for s in expansion.skipped] == [
        (date(2025, 4, 22), "cancelled"),
        (date(2025, 4, 24), "cancelled"),
    ]


# Free time ---------------------------------------------------------------------------------------


def test_hours_masks():
    assert free_time.hours_mask(time(18), time(20)) == (1 << 18) | (1 << 19)
    assert free_time.hours_mask(time(17, 30), time(19)) == (1 << 17) | (1 << 18)
    assert free_time.hours_mask(time(18), time(18, 30)) == 1 << 18
    assert free_time.hours_mask(time(20), time(18)) == 0


cells = st.sets(st.tuples(st.integers(0, 3), st.integers(0, 6), st.integers(0, 23)), max_size=80)


@settings(max_examples=150, deadline=None)
@given(cells=cells, weeks=st.integers(1, 4), start=st.dates(date(2024, 1, 1), date(2030, 1, 1)))
def test_cells_round_trip_and_always_free_is_free_every_week(cells, weeks, start):
    value = free_time.from_cells(start, weeks, cells)
    kept = {cell for cell in cells if cell[0] < weeks}
    assert free_time.cells_of(value) == kept
    assert value.cycle_start.weekday() == 0
    always = free_time.always_free(value)
    for day in range(7):
        for hour in range(24):
            every_week = all((week, day, hour) in kept for week in range(weeks))
            assert bool(always[day] >> hour & 1) == every_week


def test_a_rotating_rota_counts_weeks_from_its_monday_also_backwards():
    value = free_time.from_cells(date(2030, 1, 9), 2, [(0, 1, 18), (0, 1, 19)])
    assert value.cycle_start == date(2030, 1, 7)
    assert free_time.is_free(value, date(2030, 1, 8), time(18), time(20))  # week 1
    assert not free_time.is_free(value, date(2030, 1, 15), time(18), time(20))  # week 2
    assert free_time.is_free(value, date(2030, 1, 22), time(18), time(20))  # week 1 again
    assert not free_time.is_free(
        value, date(2029, 12, 31 - 0) + timedelta(days=1), time(18), time(20)
    )
    assert free_time.is_free(value, date(2029, 12, 25), time(18), time(20))  # two weeks before
    assert not free_time.is_free(value, date(2030, 1, 8), time(17), time(20))  # 17:00 not free


def test_fit_counts_sessions_and_names_the_clashing_weekdays_and_weeks():
    value = free_time.from_cells(date(2030, 1, 7), 2, [(0, 1, 18), (0, 1, 19), (1, 1, 18)])
    sessions = [
        free_time.SessionTime(date(2030, 1, 8) + timedelta(days=7 * n), time(18), time(20))
        for n in range(4)
    ]
    result = free_time.fit(value, sessions)
    assert (result.fitting, result.total) == (2, 4)
    assert result.clashing_weekdays == (1,)
    assert result.clashing_week_numbers == (2,)
    assert result.share == 0.5
    assert not result.fits_all


def _fit_by_hand(value: free_time.Availability, sessions) -> tuple:
    """The fit rule from first principles: a session fits when it ends after it starts and
    every hour it touches is free in its weekday of the rota week it falls in."""
    fitting, weekdays, weeks = 0, set(), set()
    for session in sessions:
        week = ((session.date - value.cycle_start).days // 7) % value.cycle_weeks
        free = value.weeks[week][session.date.weekday()]
        end = session.end_local
        last = end.hour if end.minute or end.second else end.hour - 1
        touched = range(session.start_local.hour, last + 1)
        if end > session.start_local and all(free >> hour & 1 for hour in touched):
            fitting += 1
        else:
            weekdays.add(session.date.weekday())
            weeks.add(week)
    return fitting, len(sessions), tuple(sorted(weekdays)), tuple(sorted(weeks))


session_times = st.builds(
    free_time.SessionTime,
    st.dates(date(2024, 1, 1), date(2031, 12, 31)),
    st.times(time(6), time(22, 59)).map(lambda t: t.replace(second=0, microsecond=0)),
    st.times(time(6), time(23, 59)).map(lambda t: t.replace(second=0, microsecond=0)),
)


@settings(max_examples=300, deadline=None)
@given(
    cells=cells,
    weeks=st.integers(1, 4),
    start=st.dates(date(2024, 1, 1), date(2031, 12, 31)),
    series=st.lists(st.lists(session_times, max_size=12), min_size=1, max_size=4),
)
def test_counting_sessions_by_kind_fits_as_each_session_does(cells, weeks, start, series):
    value = free_time.from_cells(start, weeks, cells)
    judged: dict = {}  # shared across the series, as the ranking shares it
    for sessions in series:
        result = free_time.fit(value, sessions)
        expected = _fit_by_hand(value, sessions)
        assert (
            result.fitting,
            result.total,
            result.clashing_weekdays,
            result.clashing_weeks,
        ) == expected
        kinds: dict = {}
        for session in sessions:
            kind = free_time.kind_of(value, session)
            kinds[kind] = kinds.get(kind, 0) + 1
        assert free_time.fit_kinds(value, list(kinds.items()), judged) == result


def test_demand_windows_are_unique_and_fit_when_free_on_every_day():
    windows = free_time.demand_windows()
    assert len({w.code for w in windows}) == len(windows)
    tue_thu_18 = next(w for w in windows if w.code == "13-18")
    free = [0] * 7
    free[1] = free[3] = (1 << 18) | (1 << 19)
    assert free_time.fits_window(free, tue_thu_18)
    free[3] = 1 << 18
    assert not free_time.fits_window(free, tue_thu_18)


# The preview command -----------------------------------------------------------------------------


def test_the_preview_prints_the_issue_example_exactly(runner):
    result = runner.invoke(
        args=[
            "classes",
            "preview",
            "--weekdays",
            "tue,thu",
            "--start",
            "18:00",
            "--end",
            "20:00",
            "--from",
            "2025-03-25",
            "--to",
            "2025-04-24",
            "--json",
        ]
    )
    assert result.exit_code == 0, result.output
    expected_dates = [
        "2025-03-25",
        "2025-03-27",
        "2025-04-01",
        "2025-04-03",
        "2025-04-08",
        "2025-04-10",
        "2025-04-15",
        "2025-04-22",
        "2025-04-24",
    ]
    data = json.loads(result.output)
    assert [s["date"] for s in data["sessions"]] == expected_dates
    assert data["sessions"][0] == {
        "date": "2025-03-25",
        "start_local": "18:00",
        "end_local": "20:00",
        "start_utc": "2025-03-25T17:00:00Z",
        "slot": "evening",
    }
    assert data["sessions"][2]["start_utc"] == "2025-04-01T16:00:00Z"
    assert data["skipped"] == [{"date": "2025-04-17", "reason": "Skjærtorsdag"}]
    assert "Skjærtorsdag" in result.output  # not escaped


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"--weekdays": "tue,xyz"}, "--weekdays"),
        ({"--start": "6pm"}, "--start takes a time as HH:MM"),
        ({"--end": "17:00"}, "--end must be later than --start"),
        ({"--from": "25.03.2025"}, "--from takes a date as YYYY-MM-DD"),
        ({"--to": "2025-03-01"}, "--to must not be before --from"),
    ],
)
def test_bad_preview_arguments_exit_2_with_one_line(runner, changes, message):
    options = {
        "--weekdays": "tue",
        "--start": "18:00",
        "--end": "20:00",
        "--from": "2025-03-25",
        "--to": "2025-04-24",
    }
    options.update(changes)
    args = ["classes", "preview"] + [part for pair in options.items() for part in pair]
    result = runner.invoke(args=args)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert message in lines[0]


def test_an_ambiguous_autumn_time_is_its_first_occurrence_whatever_its_fold():
    night = date(2024, 10, 27)  # clocks go back from 03:00 to 02:00
    first = rec.local_instant(night, time(2, 0))
    assert rec.local_instant(night, time(2, 0, fold=1)) == first
    assert first == datetime(2024, 10, 27, 0, 0, tzinfo=UTC)
    session = rec.plan_session(night, time(2, 0, fold=1), time(2, 15))
    assert session.end_utc - session.start_utc == timedelta(minutes=15)
