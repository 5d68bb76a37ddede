"""When a learner can study, as pure rules: a weekly grid of free hours, optionally rotating.

Free time is a grid of whole hours (bit ``h`` of a weekday's mask means free from h:00 to h+1:00).
A shift pattern that repeats every N weeks has one grid per week of the cycle; week 1 starts on
the Monday the learner chose. A session fits when every hour it touches is free in the week it
falls in. The demand view uses the hours that are free in *every* week of the cycle, because a
weekly class meets in all of them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import NamedTuple

HOURS = 24
FULL_DAY = (1 << HOURS) - 1
MAX_CYCLE_WEEKS = 4
# The grid learners edit: the hours classes are held.
GRID_HOURS = tuple(range(6, 24))


@dataclass(frozen=True)
class Availability:
    """Free hours per weekday for each week of a rota cycle (one week when hours never change)."""

    cycle_start: date  # a Monday: the first day of week 1
    weeks: tuple[tuple[int, ...], ...]  # weeks[w][weekday] is a 24-bit mask of free hours

    @property
    def cycle_weeks(self) -> int:
        return len(self.weeks)


def monday_of(day: date) -> date:
    """The Monday of the week ``day`` is in."""
    return day - timedelta(days=day.weekday())


def hours_mask(start: time, end: time) -> int:
    """The mask of every whole hour a local time range touches (17:30-19:00 touches 17 and 18)."""
    first = start.hour
    last = end.hour if (end.minute or end.second) else end.hour - 1
    if end <= start:
        return 0
    return sum(1 << hour for hour in range(first, min(last, HOURS - 1) + 1))


def week_index(availability: Availability, day: date) -> int:
    """Which week of the cycle ``day`` falls in (0-based; days before the start count back)."""
    weeks = (monday_of(day) - availability.cycle_start).days // 7
    return weeks % availability.cycle_weeks


def is_free(availability: Availability, day: date, start: time, end: time) -> bool:
    """True when every hour of a local session on ``day`` is free for the learner."""
    return fits_kind(availability, kind_of(availability, SessionTime(day, start, end)))


def always_free(availability: Availability) -> tuple[int, ...]:
    """Per weekday, the hours free in every week of the cycle."""
    masks = [FULL_DAY] * 7
    for week in availability.weeks:
        masks = [mask & day for mask, day in zip(masks, week, strict=True)]
    return tuple(masks)


def from_cells(cycle_start: date, cycle_weeks: int, cells: Iterable[tuple[int, int, int]]):
    """Build an availability from ticked cells ``(week, weekday, hour)``; others are ignored."""
    weeks = [[0] * 7 for _ in range(cycle_weeks)]
    for week, weekday, hour in cells:
        if 0 <= week < cycle_weeks and 0 <= weekday < 7 and 0 <= hour < HOURS:
            weeks[week][weekday] |= 1 << hour
    return Availability(monday_of(cycle_start), tuple(tuple(week) for week in weeks))


def cells_of(availability: Availability) -> set[tuple[int, int, int]]:
    """The ticked grid cells ``(week, weekday, hour)`` of an availability."""
    return {
        (w, d, h)
        for w, week in enumerate(availability.weeks)
        for d, mask in enumerate(week)
        for h in range(HOURS)
        if mask >> h & 1
    }


@dataclass(frozen=True, slots=True)
class SessionTime:
    """A session as the fit rules need it: local date and times."""

    date: date
    start_local: time
    end_local: time


@dataclass(frozen=True)
class Fit:
    """How well a series fits: sessions inside free time, and where the others clash."""

    fitting: int
    total: int
    clashing_weekdays: tuple[int, ...]  # weekdays with at least one clashing session
    clashing_weeks: tuple[int, ...]  # cycle weeks (0-based) with a clash, for rotating rotas

    @property
    def share(self) -> float:
        return self.fitting / self.total if self.total else 0.0

    @property
    def clashing_week_numbers(self) -> tuple[int, ...]:
        """The clashing rota weeks as people count them (week 1, 2, ...)."""
        return tuple(week + 1 for week in self.clashing_weeks)

    @property
    def fits_all(self) -> bool:
        return self.total > 0 and self.fitting == self.total


class SessionKind(NamedTuple):
    """What the fit rule asks of a session: its weekday, the week of the learner's rota cycle it
    falls in (0-based) and its local times. A series' sessions are of a few kinds only, so the
    ranking counts them by kind instead of looking at each (a tuple: hashed fast, as the
    ranking looks thousands up)."""

    weekday: int
    week: int
    start_local: time
    end_local: time


def kind_of(availability: Availability, session: SessionTime) -> SessionKind:
    """The kind of a session for a learner with ``availability``."""
    return SessionKind(
        session.date.weekday(),
        week_index(availability, session.date),
        session.start_local,
        session.end_local,
    )


def fits_kind(availability: Availability, kind: SessionKind) -> bool:
    """True when every hour of a session of this kind is free for the learner."""
    needed = hours_mask(kind.start_local, kind.end_local)
    free = availability.weeks[kind.week][kind.weekday]
    return needed != 0 and free & needed == needed


def fit_kinds(
    availability: Availability,
    kinds: Iterable[tuple[SessionKind, int]],
    judged: dict[SessionKind, bool] | None = None,
) -> Fit:
    """Count the sessions, given as ``(kind, how many)``, that fall entirely inside the
    learner's free time, and where the others clash.

    ``judged`` keeps the verdict on each kind across calls for the same availability: ranking
    a thousand series meets the same few kinds again and again.
    """
    judged = {} if judged is None else judged
    fitting = total = 0
    weekdays: set[int] = set()
    weeks: set[int] = set()
    for kind, count in kinds:
        total += count
        free = judged.get(kind)
        if free is None:
            free = judged[kind] = fits_kind(availability, kind)
        if free:
            fitting += count
        else:
            weekdays.add(kind.weekday)
            weeks.add(kind.week)
    return Fit(fitting, total, tuple(sorted(weekdays)), tuple(sorted(weeks)))


def fit(availability: Availability, sessions: Sequence[SessionTime]) -> Fit:
    """Count the sessions that fall entirely inside the learner's free time."""
    return fit_kinds(availability, Counter(kind_of(availability, s) for s in sessions).items())


@dataclass(frozen=True)
class Window:
    """A candidate class time for the demand view: weekdays and whole local hours."""

    code: str
    weekdays: tuple[int, ...]
    start_hour: int
    end_hour: int

    @property
    def mask(self) -> int:
        return sum(1 << hour for hour in range(self.start_hour, self.end_hour))


def demand_windows() -> tuple[Window, ...]:
    """The class times the demand view counts learners for: evening pairs and weekend days."""
    windows: list[Window] = []
    for start in (17, 18, 19):
        for first in range(5):
            for second in range(first + 1, 5):
                windows.append(
                    Window(f"{first}{second}-{start}", (first, second), start, start + 2)
                )
    for start in (10, 12):
        windows.append(Window(f"5-{start}", (5,), start, start + 2))
        windows.append(Window(f"6-{start}", (6,), start, start + 2))
        windows.append(Window(f"56-{start}", (5, 6), start, start + 2))
    return tuple(windows)


def fits_window(free_by_weekday: Sequence[int], window: Window) -> bool:
    """True when the always-free hours cover the window on each of its weekdays."""
    mask = window.mask
    return all(free_by_weekday[day] & mask == mask for day in window.weekdays)
