"""The search for the highest rate that meets the goals: steps measured in turn, a missed step
measured once more, kept apart from Locust so that it can be tested without it."""

from __future__ import annotations

import sys
from collections.abc import Callable

# A step that misses is measured once more before the search stops: this machine's speed varies
# by two times from minute to minute (/healthz under wrk), so one slow half minute, or one slow
# booking among a handful, must not decide the figure. Both tries are reported.
TRIES = 2


def search(rates: list[int], measure: Callable[[int], dict]) -> list[dict]:
    """Measure the steps in turn until one misses the goals on every one of its ``TRIES``;
    every try is kept, marked with its number."""
    steps = []
    for rate in rates:
        for attempt in range(1, TRIES + 1):
            step = {**measure(rate), "attempt": attempt}
            steps.append(step)
            print(
                f"  offered {rate:>4} actions/s (try {attempt}): achieved "
                f"{step['achieved']:.0f}, generator {step['cpu']['generator']:.0f} % of the cores"
                + ("" if step["passed"] else f"; missed: {'; '.join(step['misses'])}"),
                file=sys.stderr,
            )
            if step["passed"]:
                break
        else:
            return steps
    return steps
