"""The scheduler process: one per deployment, never inside web workers."""

from __future__ import annotations

import logging
from collections.abc import Callable

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from scheduling.jobs import JOBS, JobSpec

logger = logging.getLogger(__name__)


def _in_app_context(app: Flask, job: JobSpec) -> Callable[[], None]:
    def run() -> None:
        with app.app_context():
            try:
                job.function()
            except Exception:
                logger.exception("job %s failed", job.name)
                from webapp.extensions import db

                db.session.rollback()

    return run


def run_once(app: Flask) -> None:
    """Run every job a single time, in order (for cron, tests and debugging)."""
    for job in JOBS:
        _in_app_context(app, job)()


def run_forever(app: Flask) -> None:
    """Run the jobs on their intervals until the process is stopped."""
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
            _in_app_context(app, job),
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
