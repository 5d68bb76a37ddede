"""Rule version 2 (BRIEF.md, "How the deadline is computed"): leave and extension decisions count
only inside the period; the brief's and the issue's examples, the period's edges, and properties
checked against a day-by-day reading of the brief."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webapp.entitlement.rules import (
    RULE_SETS,
    TCP_37D_2023,
    EntitlementInputs,
    EntitlementRefusal,
    ExtensionRefused,
    Leave,
    LeaveRefused,
    add_months,
    all_ended,
    applies_to,
    birthday,
    check_new_decision,
    check_new_leave,
    compute,
    last_day,
    period_end,
    period_refusals,
    valid_until,
)

RULES = TCP_37D_2023
D = date.fromisoformat


def inputs(
    start: str = "2024-01-01",
    education: str = "none",
    leave: tuple[tuple[str, str], ...] = (),
    decisions: tuple[tuple[int, str], ...] = (),
    **kwargs,
) -> EntitlementInputs:
    return EntitlementInputs(
        start=D(start),
        education=education,
        leaves=tuple(Leave(D(a), D(b)) for a, b in leave),
        extension_months=tuple(months for months, _ in decisions),
        extension_dates=tuple(D(day) for _, day in decisions),
        **kwargs,
    )


def refusal_codes(learner: EntitlementInputs) -> list[str]:
    return [refusal.code for refusal in period_refusals(RULES, learner)]


# --- The examples from the issue: what version 1 got wrong ----------------------------------


def test_leave_in_a_later_year_does_not_revive_an_expired_right():
    learner = inputs("2023-01-01", leave=(("2025-03-01", "2025-03-31"),))
    with pytest.raises(LeaveRefused) as refused:
        compute(RULES, learner, D("2025-03-10"))
    assert refused.value.code == "leave_after_end"
    stored = compute(RULES, learner, D("2025-03-10"), strict=False)
    assert stored.last_day == D("2023-12-31")
    assert stored.status == "expired"


def test_leave_in_the_year_before_the_start_adds_nothing():
    learner = inputs("2024-01-01", leave=(("2023-01-01", "2023-12-31"),))
    assert refusal_codes(learner) == ["leave_before_start"]
    assert last_day(RULES, learner) == D("2024-12-31")  # version 1 gave 2025-12-31 (+365)


def test_a_decision_five_years_after_expiry_is_refused_and_counts_nothing():
    learner = inputs("2023-01-01", decisions=((6, "2028-12-31"),))
    with pytest.raises(ExtensionRefused) as refused:
        compute(RULES, learner, D("2029-01-01"))
    assert refused.value.code == "decision_after_end"
    stored = compute(RULES, learner, D("2029-01-01"), strict=False)
    assert stored.last_day == D("2023-12-31")
    assert stored.extensions_used == 0
    assert stored.grant_nok == 45_000  # the refused decision earns no grant either


# --- The brief's statements -----------------------------------------------------------------


def test_a_leave_beginning_inside_counts_in_full_past_the_original_end():
    # 20 December 2024 to 20 January 2025: 32 days, all counted.
    learner = inputs(leave=(("2024-12-20", "2025-01-20"),))
    assert refusal_codes(learner) == []
    assert last_day(RULES, learner) == D("2024-12-31") + timedelta(days=32)


def test_a_second_leave_in_the_days_the_first_added_counts_too():
    first = (("2024-12-22", "2024-12-31"),)  # 10 days: last day 2025-01-10
    assert last_day(RULES, inputs(leave=first)) == D("2025-01-10")
    second = (*first, ("2025-01-05", "2025-01-06"))  # inside the added days: 2025-01-12
    assert refusal_codes(inputs(leave=second)) == []
    assert last_day(RULES, inputs(leave=second)) == D("2025-01-12")
    on_the_last_day = (*second, ("2025-01-12", "2025-01-12"))
    assert last_day(RULES, inputs(leave=on_the_last_day)) == D("2025-01-13")
    past_it = (*second, ("2025-01-13", "2025-01-14"))
    assert refusal_codes(inputs(leave=past_it)) == ["leave_after_end"]
    assert last_day(RULES, inputs(leave=past_it)) == D("2025-01-12")


def test_overlapping_leave_counts_once():
    learner = inputs(leave=(("2024-03-01", "2024-03-10"), ("2024-03-05", "2024-03-15")))
    assert last_day(RULES, learner) == D("2024-12-31") + timedelta(days=15)


@pytest.mark.parametrize(
    ("first", "code"),
    [
        ("2023-12-31", "leave_before_start"),  # the day before the start
        ("2024-01-01", None),  # the start
        ("2024-12-31", None),  # the last day
        ("2025-01-01", "leave_after_end"),  # the day after it
    ],
)
def test_leave_at_the_period_s_edges(first, code):
    leave = Leave(D(first), D(first) + timedelta(days=4))
    if code is None:
        check_new_leave(RULES, inputs(), leave)
        assert refusal_codes(replace(inputs(), leaves=(leave,))) == []
    else:
        with pytest.raises(LeaveRefused) as refused:
            check_new_leave(RULES, inputs(), leave)
        assert refused.value.code == code
        assert refusal_codes(replace(inputs(), leaves=(leave,))) == [code]


@pytest.mark.parametrize(
    ("decided", "code"),
    [
        ("2023-12-31", "decision_before_start"),
        ("2024-01-01", None),
        ("2024-12-31", None),
        ("2025-01-01", "decision_after_end"),
    ],
)
def test_decisions_at_the_period_s_edges(decided, code):
    if code is None:
        check_new_decision(RULES, inputs(), D(decided), 3)
        assert last_day(RULES, inputs(decisions=((3, decided),))) == D("2025-03-31")
    else:
        with pytest.raises(ExtensionRefused) as refused:
            check_new_decision(RULES, inputs(), D(decided), 3)
        assert refused.value.code == code
        assert last_day(RULES, inputs(decisions=((3, decided),))) == D("2024-12-31")


def test_a_decision_in_the_days_leave_added_or_the_months_a_decision_added_counts():
    with_leave = inputs(leave=(("2024-12-01", "2024-12-10"),))  # last day 2025-01-10
    check_new_decision(RULES, with_leave, D("2025-01-10"), 2)
    with pytest.raises(ExtensionRefused):
        check_new_decision(RULES, with_leave, D("2025-01-11"), 2)
    chained = inputs(decisions=((6, "2024-12-31"),))  # last day 2025-06-30
    check_new_decision(RULES, chained, D("2025-06-30"), 6)
    with pytest.raises(ExtensionRefused):
        check_new_decision(RULES, chained, D("2025-07-01"), 6)


def test_decisions_are_taken_in_date_order_not_registration_order():
    # Registered later but dated earlier: the early one opens the months the late one is in.
    learner = inputs(decisions=((2, "2025-02-15"), (2, "2024-12-01")))
    assert refusal_codes(learner) == []
    assert last_day(RULES, learner) == D("2025-04-30")


def test_the_cap_counts_completed_upper_secondary_as_one_decision():
    learner = inputs(education="upper_secondary", decisions=((3, "2024-06-01"),))
    with pytest.raises(ExtensionRefused) as refused:
        check_new_decision(RULES, learner, D("2024-07-01"), 1)
    assert refused.value.code == "too_many_decisions"


def test_the_67th_birthday_cut_is_reported():
    learner = inputs("2024-09-01", birth_date=D("1958-06-15"))
    result = compute(RULES, learner, D("2025-01-01"))
    assert result.last_day == D("2025-06-14")
    assert result.age_cut
    assert not compute(RULES, inputs("2024-09-01"), D("2025-01-01")).age_cut


def test_on_leave_only_inside_the_period():
    learner = inputs(leave=(("2024-12-30", "2025-01-03"),))  # last day 2025-01-05
    assert compute(RULES, learner, D("2025-01-02")).status == "on_leave"
    assert compute(RULES, learner, D("2025-01-06")).status == "expired"


# --- The rule set's validity ----------------------------------------------------------------


def test_the_rule_set_applies_from_15_june_2022_until_1_july_2026():
    assert not applies_to(RULES, D("2022-06-14"))
    assert applies_to(RULES, D("2022-06-15"))
    assert applies_to(RULES, D("2024-07-01"))  # the first prolongation
    assert applies_to(RULES, D("2026-06-30"))
    assert not applies_to(RULES, D("2026-07-01"))
    assert valid_until(RULES) == D("2026-07-01")
    assert not all_ended(RULE_SETS.values(), D("2026-06-30"))
    assert all_ended(RULE_SETS.values(), D("2026-07-01"))


# --- Properties -----------------------------------------------------------------------------

PROPERTY = settings(max_examples=400, deadline=None)
starts = st.dates(min_value=date(2022, 6, 15), max_value=date(2026, 6, 30))
births = st.none() | st.dates(min_value=date(1950, 1, 1), max_value=date(2006, 12, 31))
offsets = st.builds(
    lambda first, length: (first, length),
    st.integers(min_value=-400, max_value=1200),
    st.integers(min_value=0, max_value=150),
)
dated_decisions = st.lists(
    st.tuples(st.integers(1, 6), st.integers(min_value=-100, max_value=1500)), max_size=4
)


def build(start, periods, decisions, birth=None) -> EntitlementInputs:
    return EntitlementInputs(
        start=start,
        education="none",
        leaves=tuple(
            Leave(start + timedelta(days=a), start + timedelta(days=a + n)) for a, n in periods
        ),
        extension_months=tuple(months for months, _ in decisions),
        extension_dates=tuple(start + timedelta(days=offset) for _, offset in decisions),
        birth_date=birth,
    )


def reference_last_day(learner: EntitlementInputs) -> date:
    """The brief read literally, one day at a time (no shortcut).

    Decisions in date order, each checked against the last day the leave and the decisions
    before it give. Leave: a period beginning before the start, or after the last day as it
    stands on its first day, is refused (it is not leave from training); every day of the
    others, in date order, moves the last day on if it is on or before the last day as it
    stands. Then the age cut.
    """

    def walk(months: int) -> date:
        last = add_months(learner.start, 12 + months) - timedelta(days=1)
        if not learner.leaves:
            return last
        admitted: list[Leave] = []
        day = min(leave.start for leave in learner.leaves)
        while day <= max(leave.end for leave in learner.leaves):
            for leave in learner.leaves:
                if leave.start == day and learner.start <= day <= last:
                    admitted.append(leave)
            in_leave = any(leave.start <= day <= leave.end for leave in admitted)
            if in_leave and learner.start <= day <= last:
                last += timedelta(days=1)
            day += timedelta(days=1)
        return last

    months = 0
    pairs = zip(learner.extension_dates, learner.extension_months, strict=True)
    for day, extra in sorted(pairs, key=lambda pair: pair[0]):
        if learner.start <= day <= walk(months):
            months += extra
    last = walk(months)
    if learner.birth_date is not None:
        limit = birthday(learner.birth_date, 67)
        if limit < last:
            last = limit - timedelta(days=1)
    return last


@PROPERTY
@given(starts, st.lists(offsets, max_size=4), dated_decisions, births)
def test_the_computation_matches_the_brief_read_day_by_day(start, periods, decisions, birth):
    learner = build(start, periods, decisions, birth)
    assert last_day(RULES, learner) == reference_last_day(learner)


@PROPERTY
@given(starts, st.lists(offsets, max_size=3), dated_decisions, offsets, births)
def test_leave_beginning_outside_the_period_never_moves_the_deadline(
    start, periods, decisions, extra, birth
):
    base = build(start, periods, decisions, birth)
    before = last_day(RULES, base)
    first, length = extra
    outside = [
        Leave(start - timedelta(days=abs(first) + length + 1), start - timedelta(days=1)),
        Leave(
            period_end(RULES, start, 24, base.leaves) + timedelta(days=1 + abs(first)),
            period_end(RULES, start, 24, base.leaves) + timedelta(days=1 + abs(first) + length),
        ),
    ]
    for leave in outside:
        assert last_day(RULES, replace(base, leaves=(*base.leaves, leave))) == before


@PROPERTY
@given(starts, st.lists(offsets, max_size=3), dated_decisions, offsets)
def test_a_refused_leave_or_decision_changes_nothing_and_an_accepted_one_refuses_nothing(
    start, periods, decisions, extra
):
    base = build(start, periods, decisions)
    # Only the base's valid entries, as registration would have kept them.
    valid = base
    while period_refusals(RULES, valid):
        refusal = period_refusals(RULES, valid)[0]
        valid = _without(valid, refusal)
    assert period_refusals(RULES, valid) == []
    first, length = extra
    leave = Leave(start + timedelta(days=first), start + timedelta(days=first + length))
    try:
        check_new_leave(RULES, valid, leave)
    except LeaveRefused:
        with_leave = replace(valid, leaves=(*valid.leaves, leave))
        assert last_day(RULES, with_leave) == last_day(RULES, valid)
    else:
        assert period_refusals(RULES, replace(valid, leaves=(*valid.leaves, leave))) == []
    decided = start + timedelta(days=first)
    try:
        check_new_decision(RULES, valid, decided, 1)
    except ExtensionRefused as refused:
        if refused.code in {"decision_before_start", "decision_after_end"}:
            with_decision = replace(
                valid,
                extension_months=(*valid.extension_months, 1),
                extension_dates=(*valid.extension_dates, decided),
            )
            assert last_day(RULES, with_decision) == last_day(RULES, valid)
    else:
        with_decision = replace(
            valid,
            extension_months=(*valid.extension_months, 1),
            extension_dates=(*valid.extension_dates, decided),
        )
        assert period_refusals(RULES, with_decision) == []


def _without(learner: EntitlementInputs, refusal: EntitlementRefusal) -> EntitlementInputs:
    """Drop the entry a refusal names."""
    if isinstance(refusal, LeaveRefused):
        leaves = list(learner.leaves)
        leaves.remove(refusal.entry)
        return replace(learner, leaves=tuple(leaves))
    index = list(learner.extension_dates).index(refusal.entry.decided_on)
    return replace(
        learner,
        extension_months=learner.extension_months[:index] + learner.extension_months[index + 1 :],
        extension_dates=learner.extension_dates[:index] + learner.extension_dates[index + 1 :],
    )
