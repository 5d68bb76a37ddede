"""Class recurrence as pure rules: weekly sessions in Oslo local time, holidays skipped.

A series meets on some weekdays at a local start and end time between a first and a last date.
Each session keeps its local wall-clock time across daylight-saving changes (an 18:00 class is
18:00 in March and in November); its UTC instant is derived per date. Norwegian public holidays
are skipped and reported, with their Norwegian names, so a preview can show them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

OSLO = ZoneInfo("Europe/Oslo")

WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# A weekday class starting at this local time or later is an evening class.
EVENING_FROM = time(16, 30)

# Longest series we expand, a guard against typing 2205 for 2025.
MAX_SERIES_DAYS = 2 * 366


class RecurrenceError(ValueError):
    """A recurrence that cannot be expanded; ``code`` names the problem for translation."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Recurrence:
    """When a series meets: weekdays (0 = Monday), local times, dates, extras and cancellations."""

    weekdays: frozenset[int]
    start_local: time
    end_local: time
    first: date
    last: date
    extra_dates: frozenset[date] = field(default_factory=frozenset)
    cancelled_dates: frozenset[date] = field(default_factory=frozenset)


@dataclass(frozen=True)
class PlannedSession:
    """One expanded session: its local date and times, its UTC instants and its slot."""

    date: date
    start_local: time
    end_local: time
    start_utc: datetime
    end_utc: datetime
    slot: str
    extra: bool = False


@dataclass(frozen=True)
class SkippedDate:
    """A date the pattern would have met on but does not, and why."""

    date: date
    reason: str  # a holiday's Norwegian name, or "cancelled"


@dataclass(frozen=True)
class Expansion:
    """The sessions of a recurrence and the dates it skips."""

    sessions: tuple[PlannedSession, ...]
    skipped: tuple[SkippedDate, ...]


def parse_weekdays(text: str) -> frozenset[int]:
    """Parse ``"tue,thu"`` into weekday numbers; raise RecurrenceError on anything else."""
    days: set[int] = set()
    for part in text.split(","):
        code = part.strip().lower()[:3]
        if code not in WEEKDAY_CODES:
            raise RecurrenceError("bad_weekday")
        days.add(WEEKDAY_CODES.index(code))
    return frozenset(days)


def weekday_codes(weekdays: Iterable[int]) -> str:
    """The inverse of :func:`parse_weekdays`: ``{1, 3}`` becomes ``"tue,thu"``."""
    return ",".join(WEEKDAY_CODES[day] for day in sorted(weekdays))


def slot_category(day: date, start_local: time) -> str:
    """``weekend`` on Saturday and Sunday, ``evening`` from 16:30 on weekdays, else ``daytime``."""
    if day.weekday() >= 5:
        return "weekend"
    return "evening" if start_local >= EVENING_FROM else "daytime"


@lru_cache(maxsize=64)
def _norwegian_holidays(year: int) -> dict[date, str]:
    # Sundays are not holidays for us: weekend classes meet on Sundays.
    table = holidays.Norway(years=year, include_sundays=False, language="no")
    return dict(table.items())


def holiday_name(day: date) -> str | None:
    """The Norwegian name of the public holiday on ``day``, or None."""
    return _norwegian_holidays(day.year).get(day)


def local_instant(day: date, at: time) -> datetime:
    """The UTC instant of a local Oslo wall-clock time on a day.

    A time that does not exist (inside the spring-forward gap) moves forward by the gap, and an
    ambiguous autumn time takes its first occurrence, as a wall clock would.
    """
    # PEP 495: fold=0 reads a time in the gap with the offset before the change (so it lands
    # after the jump) and an ambiguous time as its first occurrence. A wall-clock time says
    # nothing of folds, so one that carries fold=1 is read the same way.
    return datetime.combine(day, at.replace(fold=0), tzinfo=OSLO).astimezone(UTC)


def validate(recurrence: Recurrence) -> None:
    """Raise RecurrenceError when a recurrence makes no sense."""
    if not recurrence.weekdays and not recurrence.extra_dates:
        raise RecurrenceError("no_weekdays")
    if recurrence.end_local <= recurrence.start_local:
        raise RecurrenceError("ends_before_start")
    if recurrence.last < recurrence.first:
        raise RecurrenceError("last_before_first")
    if (recurrence.last - recurrence.first).days > MAX_SERIES_DAYS:
        raise RecurrenceError("too_long")


def plan_session(day: date, start_local: time, end_local: time, extra: bool = False):
    """One session on ``day`` at local times, with its UTC instants and slot."""
    return PlannedSession(
        date=day,
        start_local=start_local,
        end_local=end_local,
        start_utc=local_instant(day, start_local),
        end_utc=local_instant(day, end_local),
        slot=slot_category(day, start_local),
        extra=extra,
    )


def expand(recurrence: Recurrence) -> Expansion:
    """Every session of a recurrence in date order, with skipped holidays and cancellations.

    Extra dates are kept even on holidays (someone chose them on purpose); cancelled dates win
    over both the pattern and the extras.
    """
    validate(recurrence)
    sessions: list[PlannedSession] = []
    skipped: list[SkippedDate] = []
    day = recurrence.first
    while day <= recurrence.last:
        if day.weekday() in recurrence.weekdays and day not in recurrence.extra_dates:
            holiday = holiday_name(day)
            if day in recurrence.cancelled_dates:
                skipped.append(SkippedDate(day, "cancelled"))
            elif holiday:
                skipped.append(SkippedDate(day, holiday))
            else:
                sessions.append(plan_session(day, recurrence.start_local, recurrence.end_local))
        day += timedelta(days=1)
    for extra in sorted(recurrence.extra_dates):
        if extra in recurrence.cancelled_dates:
            skipped.append(SkippedDate(extra, "cancelled"))
        else:
            sessions.append(
                plan_session(extra, recurrence.start_local, recurrence.end_local, extra=True)
            )
    sessions.sort(key=lambda s: s.start_utc)
    skipped.sort(key=lambda s: s.date)
    return Expansion(tuple(sessions), tuple(skipped))


def preview_json(expansion: Expansion) -> dict[str, list[dict[str, str]]]:
    """The preview as the CLI prints it: local and UTC times, slots and skipped dates."""
    return {
        "sessions": [
            {
                "date": s.date.isoformat(),
                "start_local": s.start_local.strftime("%H:%M"),
                "end_local": s.end_local.strftime("%H:%M"),
                "start_utc": s.start_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "slot": s.slot,
            }
            for s in expansion.sessions
        ],
        "skipped": [{"date": s.date.isoformat(), "reason": s.reason} for s in expansion.skipped],
    }


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """True when two half-open time ranges share any moment."""
    return a_start < b_end and b_start < a_end
