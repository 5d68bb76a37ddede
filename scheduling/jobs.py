"""The scheduler's jobs: few, fixed, idempotent sweeps over our own tables."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

from webapp.classes.timetable import refresh_started_timetables
from webapp.clock import oslo_today
from webapp.db_types import utcnow
from webapp.entitlement.sweep import run_daily_sweep
from webapp.extensions import db
from webapp.learners.import_jobs import run_import_jobs
from webapp.mail.services import deliver_pending
from webapp.privacy.services import apply_retention
from webapp.recordings.services import delete_expired_answers
from webapp.reminders.services import send_session_reminders, send_study_nudges

logger = logging.getLogger(__name__)


def deliver_outbox() -> int:
    """Send the e-mail that committed requests left in the outbox."""
    total = 0
    while sent := deliver_pending():
        total += sent
    if total:
        logger.info("delivered %s message(s)", total)
    return total


def daily_entitlement_sweep() -> None:
    """Store today's flags for every learner and notify each new crossing once; then anonymise
    learners inactive for ``NORSKVEI_RETENTION_MONTHS`` after their right ended (0: never)."""
    run_daily_sweep(oslo_today())
    db.session.commit()
    apply_retention(oslo_today(), current_app.config.get("NORSKVEI_RETENTION_MONTHS", 0))
    db.session.commit()


def refresh_class_timetables() -> int:
    """Rewrite the stored timetable of every series whose next counted session has started."""
    refreshed = refresh_started_timetables()
    db.session.commit()
    return refreshed


def run_queued_import_jobs() -> int:
    """Run the learner imports coordinators queued (files too large for a request), one by
    one; take back those a stopped scheduler left running."""
    return run_import_jobs()


def send_reminders() -> int:
    """Queue the reminders now due (sessions ahead, weekly study nudges), each only once."""
    now = utcnow()
    queued = send_session_reminders(now) + send_study_nudges(now)
    db.session.commit()
    if queued:
        logger.info("queued %s reminder(s)", queued)
    return queued


def delete_expired_recordings() -> int:
    """Delete learners' spoken answers older than the retention period (personal data)."""
    return len(delete_expired_answers())


@dataclass(frozen=True)
class JobSpec:
    """A job and when it runs: every N seconds, or daily at an Oslo time."""

    name: str
    function: Callable[[], object]
    every_seconds: int | None = None
    daily_at: str | None = None  # "HH:MM", Europe/Oslo


# The sweep and the reminders run before the outbox is emptied, so their messages go out in
# the same tick.
JOBS: tuple[JobSpec, ...] = (
    JobSpec("daily_entitlement_sweep", daily_entitlement_sweep, daily_at="06:00"),
    JobSpec("refresh_class_timetables", refresh_class_timetables, every_seconds=300),
    JobSpec("run_queued_import_jobs", run_queued_import_jobs, every_seconds=3),
    JobSpec("send_reminders", send_reminders, every_seconds=300),
    JobSpec("deliver_outbox", deliver_outbox, every_seconds=30),
    JobSpec("delete_expired_recordings", delete_expired_recordings, daily_at="03:30"),
)
