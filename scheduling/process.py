"""The scheduler process: one per deployment, never inside web workers.

Only the process holding the scheduler lock (``scheduling.singleton``) runs jobs; another one
started beside it waits on standby and takes over when the first stops.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from scheduling.jobs import JOBS, JobSpec
from scheduling.singleton import SchedulerLock

logger = logging.getLogger(__name__)

STANDBY_SECONDS = 15  # how often a scheduler on standby tries to take the lock


class AnotherSchedulerRuns(Exception):
    """The lock is held by another scheduler process."""


def _in_app_context(app: Flask, job: JobSpec, lock: SchedulerLock) -> Callable[[], None]:
    def run() -> None:
        with app.app_context():
            if not lock.acquire():  # the lock's connection was cut and someone else took it
                logger.warning("job %s skipped: another scheduler holds the lock", job.name)
                return
            try:
                job.function()
            except Exception:
                logger.exception("job %s failed", job.name)
                from webapp.extensions import db

                db.session.rollback()

    return run


def _lock_for(app: Flask) -> SchedulerLock:
    from webapp.extensions import db

    with app.app_context():
        return SchedulerLock(db.engine)


def run_once(app: Flask) -> None:
    """Run every job a single time, in order (for cron, tests and debugging); refuse with
    ``AnotherSchedulerRuns`` when another scheduler holds the lock."""
    lock = _lock_for(app)
    if not lock.acquire():
        raise AnotherSchedulerRuns
    try:
        for job in JOBS:
            _in_app_context(app, job, lock)()
    finally:
        lock.release()


def wait_for_lock(lock: SchedulerLock, pause: float = STANDBY_SECONDS) -> None:
    """Block until this process holds the scheduler lock (standby while another runs)."""
    if lock.acquire():
        return
    logger.info("another scheduler is running: standing by until it stops")
    while not lock.acquire():
        time.sleep(pause)
    logger.info("took over as the scheduler")


def run_forever(app: Flask) -> None:
    """Run the jobs on their intervals until the process is stopped, once this process holds
    the scheduler lock."""
    lock = _lock_for(app)
    wait_for_lock(lock)
    scheduler = BlockingScheduler(timezone="Europe/Oslo")
    for job in JOBS:
        if job.daily_at:
            hour, minute = job.daily_at.split(":")
            trigger: dict[str, object] = {
                "trigger": "cron",
                "hour": int(hour),
                "minute": int(minute),
            }
        else:
            trigger = {"trigger": "interval", "seconds": job.every_seconds}
        scheduler.add_job(
            _in_app_context(app, job, lock),
            **trigger,
            id=job.name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=3600,
        )
    logger.info("scheduler started with %s job(s)", len(JOBS))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        logger.info("scheduler stopped")
    finally:
        lock.release()
