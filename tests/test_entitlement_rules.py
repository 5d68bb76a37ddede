"""The § 37 d entitlement rules: table tests for the edges, properties for the invariants."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webapp.entitlement.rules import (
    EDUCATION_LEVELS,
    RULE_SETS,
    TCP_37D_2023,
    EntitlementInputs,
    EntitlementRefusal,
    ExtensionCap,
    ExtensionRefused,
    GrantRate,
    InputRefused,
    Leave,
    LeaveRefused,
    add_months,
    age_on,
    anniversary,
    birthday,
    check_extension,
    compute,
    get_rule_set,
    grant_lines,
    grant_nok,
    last_day,
    leave_days,
    validate_leave,
)

RULES = TCP_37D_2023
D = date.fromisoformat


def inputs(start: str = "2024-01-01", education: str = "primary", **kwargs) -> EntitlementInputs:
    return EntitlementInputs(start=D(start), education=education, **kwargs)


def leaves(*pairs: tuple[str, str]) -> tuple[Leave, ...]:
    return tuple(Leave(D(first), D(last)) for first, last in pairs)


def test_registry_holds_the_rule_set():
    assert RULE_SETS["tcp_37d_2023"] is RULES
    assert get_rule_set("tcp_37d_2023") is RULES
    with pytest.raises(InputRefused) as refused:
        get_rule_set("ordinary")
    assert refused.value.code == "unknown_rule_set"


# --- Month ends and leap years --------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "extensions", "expected_anniversary", "expected_last_day"),
    [
        ("2024-01-01", (), "2025-01-01", "2024-12-31"),
        ("2023-01-31", (), "2024-01-31", "2024-01-30"),
        # 31 January plus 13 months: no 31 February, so the anniversary is the month's last day.
        ("2023-01-31", (1,), "2024-02-29", "2024-02-28"),  # into a leap year
        ("2024-01-31", (1,), "2025-02-28", "2025-02-27"),  # into a common year
        ("2022-08-31", (6,), "2024-02-29", "2024-02-28"),  # 18 months into a leap February
        ("2023-08-31", (6,), "2025-02-28", "2025-02-27"),
        ("2024-03-31", (2,), "2025-05-31", "2025-05-30"),
        ("2024-05-31", (1,), "2025-06-30", "2025-06-29"),
        # Starting on 29 February.
        ("2024-02-29", (), "2025-02-28", "2025-02-27"),
        ("2024-02-29", (6, 6, 6, 6), "2027-02-28", "2027-02-27"),
        # Around 29 February of a leap year.
        ("2023-02-28", (), "2024-02-28", "2024-02-27"),
        ("2023-03-01", (), "2024-03-01", "2024-02-29"),
        ("2024-03-01", (), "2025-03-01", "2025-02-28"),
        ("2023-12-31", (), "2024-12-31", "2024-12-30"),
        ("2023-12-31", (2,), "2025-02-28", "2025-02-27"),
    ],
)
def test_anniversary_and_last_day(start, extensions, expected_anniversary, expected_last_day):
    learner = inputs(start, "primary", extension_months=extensions)
    assert anniversary(RULES, D(start), extensions) == D(expected_anniversary)
    assert last_day(RULES, learner) == D(expected_last_day)
    assert compute(RULES, learner, D(start)).last_day == D(expected_last_day)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        ("2024-01-31", 1, "2024-02-29"),
        ("2023-01-31", 1, "2023-02-28"),
        ("2024-12-15", 1, "2025-01-15"),
        ("2024-11-30", 3, "2025-02-28"),
        ("2024-02-29", 48, "2028-02-29"),
        ("2024-03-31", -1, "2024-02-29"),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(D(day), months) == D(expected)


@pytest.mark.parametrize(
    ("birth", "age", "expected"),
    [
        ("1958-06-15", 67, "2025-06-15"),
        ("1960-02-29", 67, "2027-03-01"),  # common year: 1 March
        ("1964-02-29", 64, "2028-02-29"),  # leap year: 29 February
        ("2004-02-29", 18, "2022-03-01"),
    ],
)
def test_birthday(birth, age, expected):
    assert birthday(D(birth), age) == D(expected)


@pytest.mark.parametrize(
    ("birth", "day", "expected"),
    [
        ("2006-09-01", "2024-08-31", 17),
        ("2006-09-01", "2024-09-01", 18),
        ("2004-02-29", "2022-02-28", 17),
        ("2004-02-29", "2022-03-01", 18),
        ("2004-02-29", "2024-02-29", 20),
    ],
)
def test_age_on(birth, day, expected):
    assert age_on(D(birth), D(day)) == expected


# --- Leave ----------------------------------------------------------------------------------

# Start 2024-01-01: anniversary 2025-01-01, so last_day without leave is 2024-12-31.


@pytest.mark.parametrize(
    ("periods", "days", "expected_last_day"),
    [
        ((), 0, "2024-12-31"),
        ((("2024-03-05", "2024-03-05"),), 1, "2025-01-01"),  # a single day adds one day
        ((("2024-03-01", "2024-03-10"),), 10, "2025-01-10"),
        ((("2024-03-01", "2024-03-10"), ("2024-03-05", "2024-03-12")), 12, "2025-01-12"),
        ((("2024-03-05", "2024-03-12"), ("2024-03-01", "2024-03-10")), 12, "2025-01-12"),
        ((("2024-03-01", "2024-03-10"), ("2024-03-11", "2024-03-20")), 20, "2025-01-20"),
        ((("2024-03-01", "2024-03-10"), ("2024-03-10", "2024-03-20")), 20, "2025-01-20"),
        ((("2024-03-01", "2024-03-31"), ("2024-03-10", "2024-03-15")), 31, "2025-01-31"),
        ((("2024-03-01", "2024-03-10"), ("2024-03-01", "2024-03-10")), 10, "2025-01-10"),
        ((("2024-03-01", "2024-03-10"), ("2024-03-12", "2024-03-20")), 19, "2025-01-19"),
        (
            (
                ("2024-02-01", "2024-02-29"),
                ("2024-02-10", "2024-03-05"),
                ("2024-03-01", "2024-03-02"),
            ),
            34,
            "2025-02-03",
        ),
    ],
)
def test_leave_moves_the_last_day(periods, days, expected_last_day):
    learner = inputs(leaves=leaves(*periods))
    assert leave_days(learner.leaves) == days
    assert last_day(RULES, learner) == D(expected_last_day)


def test_a_leave_ending_before_it_starts_is_refused():
    validate_leave(D("2024-03-05"), D("2024-03-05"))  # a single day is fine
    with pytest.raises(LeaveRefused) as refused:
        validate_leave(D("2024-03-05"), D("2024-03-04"))
    assert refused.value.code == "leave_ends_before_start"
    assert "\n" not in str(refused.value)
    learner = inputs(leaves=leaves(("2024-03-05", "2024-03-04")))
    with pytest.raises(LeaveRefused):
        compute(RULES, learner, D("2024-06-01"))


# --- The 67th birthday ----------------------------------------------------------------------

# Start 2024-09-01: last_day without a birth date is 2025-08-31.


@pytest.mark.parametrize(
    ("birth", "expected_last_day"),
    [
        (None, "2025-08-31"),
        ("1958-06-15", "2025-06-14"),  # turns 67 during the period: the day before the birthday
        ("1958-08-30", "2025-08-29"),  # turns 67 the day before the last day
        ("1958-08-31", "2025-08-31"),  # turns 67 on the last day: not *before* it, no change
        ("1958-09-01", "2025-08-31"),  # turns 67 the day after the last day: no change
        ("1960-01-01", "2025-08-31"),  # turns 67 long after: no change
    ],
)
def test_the_67th_birthday_cuts_the_period(birth, expected_last_day):
    learner = inputs("2024-09-01", birth_date=D(birth) if birth else None)
    assert last_day(RULES, learner) == D(expected_last_day)


def test_the_67th_birthday_of_someone_born_on_29_february():
    # 67th birthday in 2027 (a common year) is 1 March, so the last day is 28 February.
    learner = inputs("2026-06-01", birth_date=D("1960-02-29"))
    assert last_day(RULES, learner) == D("2027-02-28")


def test_the_67th_birthday_cuts_extensions_and_leave_too():
    learner = inputs(
        "2024-09-01",
        extension_months=(6, 6),
        leaves=leaves(("2024-10-01", "2024-10-31")),
        birth_date=D("1958-12-24"),
    )
    assert last_day(RULES, learner) == D("2025-12-23")


# --- Age at settlement ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "settled", "status"),
    [
        ("2006-09-02", "2024-09-01", "not_entitled"),  # 17 at settlement
        ("2006-09-01", "2024-09-01", "active"),  # 18 on the day of settlement
        ("2004-02-29", "2022-02-28", "not_entitled"),  # 17: 18th birthday is 1 March 2022
        ("2004-02-29", "2022-03-01", "active"),
        ("1957-09-01", "2024-09-01", "not_entitled"),  # 67 on the day of settlement
        ("1957-09-02", "2024-09-01", "active"),  # 66 at settlement
    ],
)
def test_age_at_settlement(birth, settled, status):
    learner = inputs("2024-09-01", birth_date=D(birth), settlement_date=D(settled))
    result = compute(RULES, learner, D("2024-09-01"))
    assert result.status == status
    if status == "not_entitled":
        assert result.flags == ()


def test_age_is_only_checked_with_both_dates():
    assert compute(RULES, inputs(birth_date=D("2010-01-01")), D("2024-02-01")).status == "active"
    assert compute(RULES, inputs(settlement_date=D("2024-01-01")), D("2024-02-01")).status == (
        "active"
    )


# --- Status and days left -------------------------------------------------------------------

# Start 2024-01-01, last_day 2024-12-31 (366 days, 2024 is a leap year).


@pytest.mark.parametrize(
    ("today", "status", "days"),
    [
        ("2023-06-01", "not_started", 366),  # before the start: the whole period
        ("2023-12-31", "not_started", 366),
        ("2024-01-01", "active", 366),  # the start day
        ("2024-01-02", "active", 365),
        ("2024-12-30", "active", 2),
        ("2024-12-31", "active", 1),  # the last day
        ("2025-01-01", "expired", 0),  # the day after
        ("2030-01-01", "expired", 0),
    ],
)
def test_status_and_days_left_on_the_boundaries(today, status, days):
    result = compute(RULES, inputs(), D(today))
    assert (result.status, result.days_left, result.last_day) == (status, days, D("2024-12-31"))


@pytest.mark.parametrize(
    ("today", "status"),
    [
        ("2024-02-29", "active"),
        ("2024-03-01", "on_leave"),
        ("2024-03-10", "on_leave"),
        ("2024-03-11", "active"),
        ("2025-01-10", "active"),  # last day, moved on by ten days of leave
        ("2025-01-11", "expired"),
    ],
)
def test_on_leave(today, status):
    learner = inputs(leaves=leaves(("2024-03-01", "2024-03-10")))
    result = compute(RULES, learner, D(today))
    assert result.status == status
    assert ("on_leave" in result.flags) is (status == "on_leave")


@pytest.mark.parametrize(
    ("discontinued", "today", "status"),
    [
        ("2024-06-01", "2024-05-31", "active"),
        ("2024-06-01", "2024-06-01", "discontinued"),  # dropped out today
        ("2024-06-01", "2025-06-01", "discontinued"),  # beats expired
        ("2023-12-01", "2023-12-15", "discontinued"),  # beats not_started
        ("2024-03-05", "2024-03-05", "discontinued"),  # beats on_leave
    ],
)
def test_dropping_out(discontinued, today, status):
    learner = inputs(discontinued_on=D(discontinued), leaves=leaves(("2024-03-01", "2024-03-10")))
    result = compute(RULES, learner, D(today))
    assert result.status == status
    if status == "discontinued":
        assert result.flags == ()


def test_not_entitled_comes_first():
    learner = inputs(
        birth_date=D("2007-01-01"),
        settlement_date=D("2023-06-01"),
        discontinued_on=D("2024-02-01"),
    )
    assert compute(RULES, learner, D("2024-03-01")).status == "not_entitled"


# --- Flags ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "education", "extensions", "flags"),
    [
        ("2024-10-02", "primary", (), ()),  # 91 days left
        ("2024-10-03", "primary", (), ("deadline_90",)),  # 90 days left
        ("2024-11-01", "primary", (), ("deadline_90",)),  # 61 days left
        ("2024-11-02", "primary", (), ("deadline_90", "extension_possible")),  # 60
        ("2024-12-01", "primary", (), ("deadline_90", "extension_possible")),  # 31
        ("2024-12-02", "primary", (), ("deadline_90", "deadline_30", "extension_possible")),
        ("2024-12-31", "primary", (), ("deadline_90", "deadline_30", "extension_possible")),
        ("2025-01-01", "primary", (), ("expired",)),
        ("2023-12-01", "primary", (), ()),  # not started
        ("2024-12-02", "higher", (), ("deadline_90", "deadline_30", "extension_possible")),
    ],
)
def test_flags(today, education, extensions, flags):
    learner = inputs(education=education, extension_months=extensions)
    assert compute(RULES, learner, D(today)).flags == flags


@pytest.mark.parametrize(
    ("education", "extensions", "possible"),
    [
        ("higher", (6,), False),  # one decision, the cap
        ("upper_secondary", (1,), False),  # one decision, months remain but decisions do not
        ("primary", (6, 6, 6), True),
        ("primary", (1, 1, 1, 1), False),  # four decisions
        ("none", (6, 6, 6, 6), False),  # 24 months
    ],
)
def test_extension_possible_needs_room_under_both_caps(education, extensions, possible):
    learner = inputs(education=education, extension_months=extensions)
    last = last_day(RULES, learner)
    result = compute(RULES, learner, last - timedelta(days=10))
    assert ("extension_possible" in result.flags) is possible


def test_flags_while_on_leave_near_the_deadline():
    # Rule 2: the leave begins inside the period (last_day 2024-12-31 + 5 days = 2025-01-05).
    learner = inputs(leaves=leaves(("2024-12-30", "2025-01-03")))
    result = compute(RULES, learner, D("2025-01-03"))
    assert result.status == "on_leave"
    assert result.flags == ("deadline_90", "deadline_30", "on_leave", "extension_possible")


def test_thresholds_come_from_the_rule_set():
    rules = replace(RULES, deadline_90_days=100, deadline_30_days=50, extension_window_days=10)
    result = compute(rules, inputs(), D("2024-11-12"))  # 50 days left
    assert result.flags == ("deadline_90", "deadline_30")
    assert compute(rules, inputs(), D("2024-12-22")).flags[-1] == "extension_possible"


# --- Extensions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("education", "existing", "new", "code"),
    [
        ("primary", [], 0, "months_out_of_range"),
        ("primary", [], 7, "months_out_of_range"),
        ("primary", [], -1, "months_out_of_range"),
        ("higher", [], 0, "months_out_of_range"),
        ("upper_secondary", [], 7, "months_out_of_range"),
        ("upper_secondary", [3], 1, "too_many_decisions"),
        ("higher", [6], 1, "too_many_decisions"),
        ("none", [1, 1, 1, 1], 1, "too_many_decisions"),
        ("lower_secondary", [6, 6, 6, 6], 6, "too_many_decisions"),
    ],
)
def test_extension_refusals(education, existing, new, code):
    with pytest.raises(ExtensionRefused) as refused:
        check_extension(RULES, education, existing, new)
    assert refused.value.code == code
    assert isinstance(refused.value, EntitlementRefusal)
    assert isinstance(refused.value, ValueError)
    assert refused.value.message
    assert "\n" not in refused.value.message


def test_too_many_months():
    # With 6-month decisions the month caps equal decisions × 6 and cannot be hit on their own;
    # a rule set with a lower month cap shows the refusal.
    rules = replace(RULES, extension_caps={"primary": ExtensionCap(max_decisions=4, max_months=10)})
    check_extension(rules, "primary", [6], 4)
    with pytest.raises(ExtensionRefused) as refused:
        check_extension(rules, "primary", [6], 5)
    assert refused.value.code == "too_many_months"


@pytest.mark.parametrize(
    ("education", "existing", "new"),
    [
        ("higher", [], 6),
        ("upper_secondary", [], 1),
        ("primary", [6, 6, 6], 6),
        ("none", [1, 2, 3], 6),
    ],
)
def test_extension_accepted(education, existing, new):
    check_extension(RULES, education, existing, new)


def test_unknown_education_is_refused():
    with pytest.raises(InputRefused) as refused:
        check_extension(RULES, "doctorate", [], 1)
    assert refused.value.code == "unknown_education"


def test_compute_refuses_extensions_beyond_the_cap():
    with pytest.raises(ExtensionRefused) as refused:
        compute(RULES, inputs(education="higher", extension_months=(3, 3)), D("2024-06-01"))
    assert refused.value.code == "too_many_decisions"


@pytest.mark.parametrize(
    ("education", "extensions", "used", "left", "months_left"),
    [
        ("higher", (), 0, 1, 6),
        ("higher", (4,), 1, 0, 2),
        ("primary", (), 0, 4, 24),
        ("primary", (3, 2), 2, 2, 19),
    ],
)
def test_extension_counts(education, extensions, used, left, months_left):
    result = compute(
        RULES, inputs(education=education, extension_months=extensions), D("2024-06-01")
    )
    assert (result.extensions_used, result.extensions_left, result.extension_months_left) == (
        used,
        left,
        months_left,
    )


# --- Grants ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "decided", "grant"),
    [
        ("2023-03-01", (), 45_000),
        ("2023-03-01", ("2023-12-01", "2023-12-20"), 45_000 + 2 * 27_450),
        # Rule 2: each decision at its own year's rate, and no year borrows another's.
        ("2022-08-01", ("2023-07-15",), None),  # no 2022 rate for the person grant
        ("2023-08-01", ("2024-07-15",), None),  # no 2024 rate for the decision
        ("2025-08-01", (), None),
    ],
)
def test_grant(start, decided, grant):
    assert grant_nok(RULES, D(start), [D(day) for day in decided]) == grant


def test_grant_lines_name_the_years_without_a_rate():
    lines = grant_lines(RULES, D("2022-08-01"), [D("2023-07-15"), D("2024-01-10")])
    assert [(line.kind, line.year, line.nok) for line in lines] == [
        ("person", 2022, None),
        ("extension", 2023, 27_450),
        ("extension", 2024, None),
    ]


def test_grant_uses_only_the_year_s_own_rate():
    rules = replace(
        RULES, grant_rates={2023: GrantRate(45_000, 27_450), 2025: GrantRate(50_000, 30_000)}
    )
    assert grant_nok(rules, D("2024-12-31"), []) is None
    assert grant_nok(rules, D("2023-12-31"), [D("2024-12-01")]) is None
    assert grant_nok(rules, D("2023-12-31"), [D("2025-01-01")]) == 75_000
    assert grant_nok(rules, D("2025-01-01"), [D("2025-06-01"), D("2025-12-01")]) == 110_000


def test_compute_reports_the_grant():
    learner = inputs("2023-09-01", extension_months=(6, 3))
    assert compute(RULES, learner, D("2024-01-01")).grant_nok == 45_000 + 2 * 27_450


# --- Properties -----------------------------------------------------------------------------

PROPERTY = settings(max_examples=300, deadline=None)

starts = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))
births = st.none() | st.dates(min_value=date(1945, 1, 1), max_value=date(2010, 12, 31))
leave_periods = st.builds(
    lambda first, length: (first, length),
    st.integers(min_value=-60, max_value=900),
    st.integers(min_value=0, max_value=120),
)


def to_leaves(start: date, periods: list[tuple[int, int]]) -> tuple[Leave, ...]:
    return tuple(
        Leave(start + timedelta(days=first), start + timedelta(days=first + length))
        for first, length in periods
    )


@st.composite
def valid_extensions(draw, education: str | None = None) -> tuple[str, tuple[int, ...]]:
    """An education level and a list of extension decisions the rules accept."""
    education = education or draw(st.sampled_from(EDUCATION_LEVELS))
    cap = RULES.extension_caps[education]
    count = draw(st.integers(min_value=0, max_value=cap.max_decisions))
    months = draw(st.lists(st.integers(1, 6), min_size=count, max_size=count))
    return education, tuple(months)


def never_shorter(more_leave: EntitlementInputs, less_leave: EntitlementInputs) -> bool:
    """More leave never ends the period earlier, with one exception the age rule makes: a
    period that ends on the 67th birthday itself keeps that day (the learner does not turn 67
    *before* it), while leave that carries it past the birthday cuts it to the day before."""
    longer, shorter = last_day(RULES, more_leave), last_day(RULES, less_leave)
    if longer >= shorter:
        return True
    limit = birthday(less_leave.birth_date, RULES.max_age) if less_leave.birth_date else None
    return shorter == limit and longer == limit - timedelta(days=1)


@PROPERTY
@given(starts, births, st.lists(leave_periods, max_size=5), valid_extensions())
def test_leave_never_shortens_the_period(start, birth, periods, extension):
    education, months = extension
    without = EntitlementInputs(start, education, (), months, birth_date=birth)
    assert never_shorter(replace(without, leaves=to_leaves(start, periods)), without)


@PROPERTY
@given(starts, births, st.lists(leave_periods, max_size=4), leave_periods, valid_extensions())
def test_adding_a_leave_never_decreases_the_last_day(start, birth, periods, extra, extension):
    education, months = extension
    before = EntitlementInputs(
        start, education, to_leaves(start, periods), months, birth_date=birth
    )
    after = replace(before, leaves=before.leaves + to_leaves(start, [extra]))
    assert never_shorter(after, before)


def test_leave_past_the_67th_birthday_cuts_the_period_to_the_day_before_it():
    start, birth = date(2015, 1, 1), date(1949, 1, 1)  # 67 on 1 January 2016
    one_day = EntitlementInputs(start, "none", (Leave(start, start),), (), birth_date=birth)
    assert last_day(RULES, one_day) == date(2016, 1, 1)  # ends on the birthday: not cut
    two_days = replace(one_day, leaves=(Leave(start, start + timedelta(days=1)),))
    assert last_day(RULES, two_days) == date(2015, 12, 31)  # would end after it: cut


@PROPERTY
@given(starts, st.lists(leave_periods, max_size=6))
def test_leave_days_count_distinct_days(start, periods):
    spans = to_leaves(start, periods)
    distinct = {
        leave.start + timedelta(days=n)
        for leave in spans
        for n in range((leave.end - leave.start).days + 1)
    }
    assert leave_days(spans) == len(distinct)


@PROPERTY
@given(st.sampled_from(EDUCATION_LEVELS), st.lists(st.integers(-2, 9), max_size=12))
def test_accepted_extensions_never_exceed_the_caps(education, requests):
    accepted: list[int] = []
    for months in requests:
        try:
            check_extension(RULES, education, accepted, months)
        except ExtensionRefused:
            continue
        accepted.append(months)
    high = education in {"upper_secondary", "higher"}
    assert len(accepted) <= (1 if high else 4)
    assert sum(accepted) <= (6 if high else 24)
    assert all(1 <= months <= 6 for months in accepted)


@PROPERTY
@given(
    starts,
    births,
    st.lists(leave_periods, max_size=3),
    valid_extensions(),
    st.integers(min_value=-400, max_value=1600),
)
def test_days_left_agrees_with_the_last_day(start, birth, periods, extension, offset):
    education, months = extension
    learner = EntitlementInputs(
        start, education, to_leaves(start, periods), months, birth_date=birth
    )
    today = start + timedelta(days=offset)
    # Generated leave may lie outside the period: computed as a stored record (it does not count).
    result = compute(RULES, learner, today, strict=False)
    assert result.last_day == last_day(RULES, learner)
    assert result.days_left >= 0
    if start <= today <= result.last_day:
        assert result.days_left == (result.last_day - today).days + 1
    elif today > result.last_day:
        assert result.days_left == 0
        assert result.status == "expired" or today < start
    else:  # before the start
        assert result.days_left == max(0, (result.last_day - start).days + 1)


@PROPERTY
@given(
    starts,
    births,
    st.lists(leave_periods, max_size=3),
    valid_extensions("primary"),
    valid_extensions("primary"),
)
def test_last_day_is_monotone_in_extension_months(start, birth, periods, first, second):
    shorter, longer = sorted([first[1], second[1]], key=sum)
    base = EntitlementInputs(start, "primary", to_leaves(start, periods), birth_date=birth)
    assert last_day(RULES, replace(base, extension_months=shorter)) <= last_day(
        RULES, replace(base, extension_months=longer)
    )
