"""The stored timetable of each series (SeriesTimetable): rewritten by every change to a series'
sessions, and by the scheduler for series whose next counted session has started."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, insert, select

from scheduling.availability import hours_mask
from scheduling.timetable import TimedSession, summarise, week_counts_text
from webapp.classes.models import ClassSession, SeriesTimetable, SessionStatus
from webapp.db_types import utcnow
from webapp.extensions import db

# Series rewritten per statement by the scheduler (and the bulk rebuild).
BATCH = 500


def refresh_timetables(series_ids: Iterable[int], now: datetime | None = None) -> int:
    """Rewrite the stored timetable of these series from their scheduled sessions that start
    after ``now``; return how many kinds of session were stored."""
    ids = sorted(set(series_ids))
    now = now or utcnow()
    stored = 0
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        db.session.execute(delete(SeriesTimetable).where(SeriesTimetable.series_id.in_(batch)))
        sessions: dict[int, list[TimedSession]] = defaultdict(list)
        rows = db.session.execute(
            select(
                ClassSession.series_id,
                ClassSession.local_date,
                ClassSession.start_local,
                ClassSession.end_local,
                ClassSession.starts_at,
            ).where(
                ClassSession.series_id.in_(batch),
                ClassSession.status == SessionStatus.SCHEDULED,
                ClassSession.starts_at > now,
            )
        )
        for series_id, day, start_local, end_local, starts_at in rows:
            sessions[series_id].append(TimedSession(day, start_local, end_local, starts_at))
        values = [
            {
                "series_id": series_id,
                "weekday": kind.weekday,
                "start_local": kind.start_local,
                "end_local": kind.end_local,
                "next_start": kind.next_start,
                "first_date": kind.first_date,
                "last_date": kind.last_date,
                "sessions": kind.sessions,
                "week_counts": week_counts_text(kind.week_counts),
                "hours_mask": hours_mask(kind.start_local, kind.end_local),
            }
            for series_id, members in sessions.items()
            for kind in summarise(members)
        ]
        if values:
            db.session.execute(insert(SeriesTimetable), values)
        stored += len(values)
    return stored


def refresh_started_timetables(now: datetime | None = None) -> int:
    """Rewrite the timetable of every series whose first counted session has started; return
    how many series were rewritten."""
    now = now or utcnow()
    started = db.session.scalars(
        select(SeriesTimetable.series_id).where(SeriesTimetable.next_start <= now).distinct()
    ).all()
    refresh_timetables(started, now)
    return len(started)


def rebuild_all_timetables(now: datetime | None = None) -> int:
    """Rewrite the timetable of every series with a session ahead (after a bulk load)."""
    now = now or utcnow()
    ids = db.session.scalars(
        select(ClassSession.series_id)
        .where(ClassSession.status == SessionStatus.SCHEDULED, ClassSession.starts_at > now)
        .distinct()
    ).all()
    db.session.execute(delete(SeriesTimetable))
    return refresh_timetables(ids, now)
