"""When to remind a learner, as pure rules: never at night, never during their shift.

A learner's shift is any hour their registered free time (``scheduling.availability``) does not
mark free; without registered free time only the night is quiet. A session reminder is due a
fixed lead before the session; if that moment is quiet it moves to the first moment after,
and is skipped when that would leave less than ``MIN_NOTICE`` before the session. A study
nudge goes once a week, at the first moment that is not quiet.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from scheduling.availability import Availability, week_index

OSLO = ZoneInfo("Europe/Oslo")
NIGHT_STARTS = 22  # local hour: no reminder from 22:00 ...
NIGHT_ENDS = 7  # ... until 07:00
MIN_NOTICE = timedelta(minutes=30)
STEP = timedelta(minutes=15)
IDLE_DAYS = 3  # a nudge only after this many days without study


def is_night(moment: datetime) -> bool:
    """True from 22:00 to 07:00 Oslo time."""
    hour = moment.astimezone(OSLO).hour
    return hour >= NIGHT_STARTS or hour < NIGHT_ENDS


def at_work(moment: datetime, free: Availability | None) -> bool:
    """True when the learner's registered free time does not mark this local hour free."""
    if free is None:
        return False
    local = moment.astimezone(OSLO)
    mask = free.weeks[week_index(free, local.date())][local.weekday()]
    return not mask >> local.hour & 1


def is_quiet(moment: datetime, free: Availability | None) -> bool:
    """No reminder now: it is night, or the learner is at work."""
    return is_night(moment) or at_work(moment, free)


def _next_hour(moment: datetime) -> datetime:
    """The next full hour in Oslo time (quiet rules change only on the hour)."""
    local = moment.astimezone(OSLO)
    return (local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)).astimezone(
        moment.tzinfo
    )


def first_open_moment(
    earliest: datetime, latest: datetime, free: Availability | None
) -> datetime | None:
    """The first moment from ``earliest`` up to ``latest`` that is not quiet, or None."""
    moment = earliest
    while moment <= latest:
        if not is_quiet(moment, free):
            return moment
        moment = _next_hour(moment)
    return None


def session_reminder_at(
    starts_at: datetime, lead: timedelta, free: Availability | None
) -> datetime | None:
    """When to remind of a session starting at ``starts_at``: ``lead`` before it, moved past a
    shift or the night; None when no open moment leaves ``MIN_NOTICE`` before the start."""
    return first_open_moment(starts_at - lead, starts_at - MIN_NOTICE, free)


def session_reminder_due(
    now: datetime, starts_at: datetime, lead: timedelta, free: Availability | None
) -> bool:
    """True when a session reminder not sent yet may go out at ``now``: its moment has come,
    there is still ``MIN_NOTICE`` before the start, and it is not quiet now (a scheduler that
    was away and comes back in the learner's shift waits, or lets it go)."""
    moment = session_reminder_at(starts_at, lead, free)
    return (
        moment is not None and moment <= now <= starts_at - MIN_NOTICE and not is_quiet(now, free)
    )


def iso_week(day: date) -> str:
    """The ISO week a day is in, as ``2026-W49``: a nudge goes at most once per week."""
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def nudge_due(
    now: datetime,
    due_reviews: int,
    last_study_day: date | None,
    free: Availability | None,
) -> bool:
    """True when a learner with reviews due, who has not studied for ``IDLE_DAYS`` days
    (Oslo calendar days), may be nudged now: not at night, not at work."""
    if due_reviews <= 0:
        return False
    today = now.astimezone(OSLO).date()
    if last_study_day is not None and (today - last_study_day).days < IDLE_DAYS:
        return False
    return not is_quiet(now, free)
