"""How long a lesson takes (pure): the median of measured completions, once there are enough."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable

MIN_LEARNERS = 5
# A completion that took longer than this was a lesson left open and finished another day; it
# says nothing about how long the lesson takes, so it is left out.
LONGEST_SECONDS = 3 * 3600


def measured_minutes(durations: Iterable[float]) -> int | None:
    """The median minutes (rounded up) of completions in seconds; None under 5 usable ones."""
    kept = [seconds for seconds in durations if 0 < seconds <= LONGEST_SECONDS]
    if len(kept) < MIN_LEARNERS:
        return None
    return max(1, math.ceil(statistics.median(kept) / 60))


def spent_minutes(seconds: float) -> int | None:
    """Minutes spent on one lesson, shown on its result screen; None when left open for hours."""
    if not 0 <= seconds <= LONGEST_SECONDS:
        return None
    return max(1, round(seconds / 60))
