"""A series' timetable counted by kind of session, as pure rules: what "classes that fit" stores
for each series, so that ranking a thousand series reads a few rows each instead of every session.

A kind is a weekday and local times. Learners on a rota of several weeks need to know which week
of their cycle each session falls in; every cycle length (1 to MAX_CYCLE_WEEKS) divides
WEEK_BUCKETS, so counting a kind's sessions by their week number modulo WEEK_BUCKETS keeps
enough to work out, for any learner, how many fall in each week of their own cycle.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from scheduling.availability import MAX_CYCLE_WEEKS, Availability, SessionKind, monday_of

EPOCH_MONDAY = date(1970, 1, 5)
WEEK_BUCKETS = 12
assert all(WEEK_BUCKETS % weeks == 0 for weeks in range(1, MAX_CYCLE_WEEKS + 1))


@dataclass(frozen=True, slots=True)
class TimedSession:
    """A scheduled session as the timetable needs it: local date and times, and its UTC start."""

    local_date: date
    start_local: time
    end_local: time
    starts_at: datetime


@dataclass(frozen=True, slots=True)
class KindCount:
    """A series' sessions of one kind: how many, the first and last, and how many fall in each
    week bucket (week number since EPOCH_MONDAY, modulo WEEK_BUCKETS)."""

    weekday: int
    start_local: time
    end_local: time
    first_date: date
    sessions: int
    week_counts: tuple[int, ...]  # WEEK_BUCKETS counts
    next_start: datetime | None = None  # the UTC start of the first of them
    last_date: date | None = None


def epoch_week(day: date) -> int:
    """The number of the week ``day`` falls in, counted in whole weeks from EPOCH_MONDAY."""
    return (monday_of(day) - EPOCH_MONDAY).days // 7


def summarise(sessions: Iterable[TimedSession]) -> list[KindCount]:
    """Count ``sessions`` by kind, ordered by weekday and times."""
    grouped: dict[tuple[int, time, time], list[TimedSession]] = {}
    for session in sessions:
        key = (session.local_date.weekday(), session.start_local, session.end_local)
        grouped.setdefault(key, []).append(session)
    kinds = []
    for (weekday, start, end), members in sorted(grouped.items()):
        counts = [0] * WEEK_BUCKETS
        for session in members:
            counts[epoch_week(session.local_date) % WEEK_BUCKETS] += 1
        kinds.append(
            KindCount(
                weekday=weekday,
                start_local=start,
                end_local=end,
                next_start=min(s.starts_at for s in members),
                first_date=min(s.local_date for s in members),
                last_date=max(s.local_date for s in members),
                sessions=len(members),
                week_counts=tuple(counts),
            )
        )
    return kinds


def counted_kinds(
    kinds: Iterable[KindCount], availability: Availability | None
) -> list[tuple[SessionKind, int]]:
    """The sessions of ``kinds`` as the fit rule counts them for a learner: by weekday, times and
    the week of the learner's rota cycle (week 0 for everyone without a rota)."""
    weeks = availability.cycle_weeks if availability else 1
    counted: list[tuple[SessionKind, int]] = []
    for kind in kinds:
        if weeks == 1:
            counted.append(
                (SessionKind(kind.weekday, 0, kind.start_local, kind.end_local), kind.sessions)
            )
            continue
        assert availability is not None
        origin = epoch_week(availability.cycle_start)
        per_week = [0] * weeks
        for bucket, count in enumerate(kind.week_counts):
            per_week[(bucket - origin) % weeks] += count
        counted += [
            (SessionKind(kind.weekday, week, kind.start_local, kind.end_local), count)
            for week, count in enumerate(per_week)
            if count
        ]
    return counted


def week_counts_text(counts: tuple[int, ...]) -> str:
    """The week counts as stored: comma-separated."""
    return ",".join(str(count) for count in counts)


def week_counts_of(text: str) -> tuple[int, ...]:
    """The week counts from their stored text."""
    return tuple(int(part) for part in text.split(","))
