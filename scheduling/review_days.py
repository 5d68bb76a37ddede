"""Which day each vocabulary review is shown, following the learner's working hours (pure rules).

FSRS gives every card the day its memory is expected to fall to the target retention. A review
may be shown *earlier* than that, never later: an early review is recalled with at least the
target probability, so retention never falls below the scheduler's target. How much earlier is
bounded by the fuzz range FSRS itself allows for the interval (a 30-day interval may become 27),
so cards are not pulled in so early that the review is wasted.

Within those windows, reviews are spread by each day's free hours: a day with a 12-hour shift
has few free hours and gets few reviews, a free evening more (like Anki's "easy days", driven by
the learner's own roster). The spread minimises the sum over days of load² / weight, which
gives each day a share of the reviews in proportion to its weight where the windows allow.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from scheduling.availability import GRID_HOURS

# FSRS (fsrs 6.x, Scheduler._get_fuzzed_interval): intervals under 2.5 days are never fuzzed;
# longer ones may move by 1 day plus a share of the interval in each of these ranges.
FUZZ_RANGES = ((2.5, 7.0, 0.15), (7.0, 20.0, 0.10), (20.0, float("inf"), 0.05))
MIN_FUZZED_INTERVAL = 2


@dataclass(frozen=True)
class DueReview:
    """A review FSRS has due on ``due`` (an Oslo day), ``interval_days`` after the last one."""

    key: int
    due: date
    interval_days: int


def fuzz_delta(interval_days: int) -> float:
    """How many days FSRS may move an interval of ``interval_days`` either way."""
    if interval_days < 2.5:
        return 0.0
    delta = 1.0
    for start, end, factor in FUZZ_RANGES:
        delta += factor * max(min(float(interval_days), end) - start, 0.0)
    return delta


def earliest_day(review: DueReview, today: date) -> date:
    """The earliest day a review may be shown: the low end of its FSRS fuzz range, not before
    today, and never after its due day."""
    delta = fuzz_delta(review.interval_days)
    if delta == 0.0:
        return review.due if review.due >= today else today
    shortest = max(MIN_FUZZED_INTERVAL, round(review.interval_days - delta))
    shortest = min(shortest, review.interval_days)
    earliest = review.due - timedelta(days=review.interval_days - shortest)
    return min(max(earliest, today), max(review.due, today))


def window(review: DueReview, today: date) -> list[date]:
    """The days a review may be shown on, earliest first (overdue reviews: today only)."""
    first = earliest_day(review, today)
    last = max(review.due, today)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def day_weight(free_hours: int) -> int:
    """How much review a day takes: its free waking hours, plus one so a day without any
    still takes a review when nothing else is possible."""
    return max(0, min(free_hours, len(GRID_HOURS))) + 1


def free_waking_hours(mask: int) -> int:
    """The free hours of a day's 24-bit mask within the hours people are awake (06-24)."""
    return sum(1 for hour in GRID_HOURS if mask >> hour & 1)


def _cost_of_adding(load: int, weight: int) -> float:
    """How much adding one review to a day raises the sum of load² / weight."""
    return (2 * load + 1) / weight


def plan_days(
    reviews: Iterable[DueReview],
    free_hours: Callable[[date], int],
    today: date,
    already: Mapping[date, int] | None = None,
) -> dict[int, date]:
    """Pick the day each review is shown: within its window (never after its due day), spread
    so days with fewer free hours get fewer reviews. ``already`` counts reviews fixed on days.

    Greedy first (reviews with the fewest choices placed first, each on the day where it adds
    least to the sum of load² / weight; ties go to the later day, nearest the due day), then
    single moves while one lowers the sum, so no review could move to a better day.
    """
    load: Counter[date] = Counter(already or {})
    weights: dict[date, int] = {}

    def weight(day: date) -> int:
        if day not in weights:
            weights[day] = day_weight(free_hours(day))
        return weights[day]

    windows = {review.key: window(review, today) for review in reviews}
    placed: dict[int, date] = {}
    for key in sorted(windows, key=lambda k: (len(windows[k]), windows[k][-1], k)):
        best = min(reversed(windows[key]), key=lambda day: _cost_of_adding(load[day], weight(day)))
        placed[key] = best
        load[best] += 1
    moved = True
    while moved:
        moved = False
        for key, day in placed.items():
            leaving = (2 * load[day] - 1) / weight(day)
            target = min(
                reversed(windows[key]),
                key=lambda other: _cost_of_adding(load[other], weight(other)),
            )
            if target != day and _cost_of_adding(load[target], weight(target)) < leaving:
                load[day] -= 1
                load[target] += 1
                placed[key] = target
                moved = True
    return placed
