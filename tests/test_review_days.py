"""Spreading vocabulary reviews over the learner's free days (pure rules, checked exhaustively)."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.review_days import (
    DueReview,
    day_weight,
    earliest_day,
    free_waking_hours,
    fuzz_delta,
    plan_days,
    window,
)

TODAY = date(2026, 12, 7)  # a Monday


def free_by_weekday(hours: list[int]):
    return lambda day: hours[day.weekday()]


reviews_strategy = st.lists(
    st.builds(
        lambda key, ahead, interval: DueReview(key, TODAY + timedelta(days=ahead), interval),
        st.integers(0, 10_000),
        st.integers(-5, 40),
        st.integers(0, 400),
    ),
    max_size=60,
    unique_by=lambda review: review.key,
)
weekly_hours = st.lists(st.integers(0, 18), min_size=7, max_size=7)


@settings(max_examples=400, deadline=None)
@given(
    reviews=reviews_strategy,
    hours=weekly_hours,
    already=st.dictionaries(
        st.integers(0, 45).map(lambda n: TODAY + timedelta(days=n)), st.integers(0, 20), max_size=10
    ),
)
def test_no_review_is_ever_shown_after_its_due_day_or_before_its_fuzz_range(
    reviews, hours, already
):
    plan = plan_days(reviews, free_by_weekday(hours), TODAY, already)
    assert set(plan) == {review.key for review in reviews}
    for review in reviews:
        day = plan[review.key]
        assert day >= TODAY
        assert day <= max(review.due, TODAY)  # overdue reviews are shown today, never later
        if review.due >= TODAY:
            assert (review.due - day).days <= math.ceil(fuzz_delta(review.interval_days))
            assert (review.due - day).days <= max(0, review.interval_days - 2)


@settings(max_examples=400, deadline=None)
@given(reviews=reviews_strategy, hours=weekly_hours)
def test_busier_days_never_get_more_reviews_than_freer_days_a_review_could_move_to(reviews, hours):
    free = free_by_weekday(hours)
    plan = plan_days(reviews, free, TODAY)
    load = Counter(plan.values())
    for review in reviews:
        day = plan[review.key]
        for other in window(review, TODAY):
            if day_weight(free(other)) > day_weight(free(day)):
                assert load[day] <= load[other], (review, day, other, load)


@settings(max_examples=200, deadline=None)
@given(reviews=reviews_strategy)
def test_with_equal_days_the_load_is_level_where_the_windows_allow(reviews):
    plan = plan_days(reviews, lambda day: 18, TODAY)
    load = Counter(plan.values())
    for review in reviews:
        for other in window(review, TODAY):
            assert load[plan[review.key]] <= load[other] + 1


def test_short_intervals_and_overdue_reviews_do_not_move():
    assert window(DueReview(1, TODAY + timedelta(days=2), 2), TODAY) == [TODAY + timedelta(2)]
    assert window(DueReview(2, TODAY - timedelta(days=3), 30), TODAY) == [TODAY]
    assert earliest_day(DueReview(3, TODAY + timedelta(days=30), 30), TODAY) == TODAY + timedelta(
        27
    )  # FSRS may fuzz a 30-day interval down to 27 days (30 - 3.475, rounded)


def test_a_twelve_hour_tuesday_gets_fewer_reviews_than_a_free_wednesday():
    monday = TODAY
    hours = [18, 6, 18, 18, 18, 18, 18]  # Tuesday: a 12-hour shift leaves 6 of 18 waking hours
    reviews = [
        DueReview(key, monday + timedelta(days=1 + key % 3), 30) for key in range(60)
    ]  # 20 each due Tuesday, Wednesday, Thursday
    load = Counter(plan_days(reviews, free_by_weekday(hours), monday - timedelta(days=7)).values())
    tuesday, wednesday = monday + timedelta(1), monday + timedelta(2)
    assert load[tuesday] < load[wednesday]
    assert sum(load.values()) == 60


def test_free_waking_hours_counts_06_to_24():
    assert free_waking_hours((1 << 24) - 1) == 18
    assert free_waking_hours(sum(1 << h for h in range(0, 6))) == 0
    evenings = sum(1 << h for h in range(17, 22))
    assert free_waking_hours(evenings) == 5
