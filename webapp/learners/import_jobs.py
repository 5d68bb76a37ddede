"""Imports too large for a request: stored as import jobs and run by the scheduler's sweep.

The sweep (``run_import_jobs``, every few seconds in the scheduler process) first takes back
jobs whose runner stopped beating (the scheduler was killed: the database rolled back the
import's open transaction when its connection closed, so nothing of the attempt remains) and
queues them again, up to ``MAX_ATTEMPTS`` runs, after which they fail. Then it claims the
oldest queued job, runs it, and goes on until none is left.

A run checks every row before it writes any, writes every learner in one transaction (their
invitations go to the outbox in the same transaction), and records the job's outcome in that
transaction too: learners committed and "succeeded" are one fact. Progress and the heartbeat
are written on a second connection in short transactions of their own, so the page sees them
while the import's transaction is open. SQLite lets one connection write at a time, so there
the number of learners written is only known when the import ends.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, or_, select, update

from webapp.access import policy
from webapp.accounts.models import Role, User
from webapp.clock import oslo_today
from webapp.db_types import utcnow
from webapp.extensions import db
from webapp.learners.models import ImportJob, ImportStatus
from webapp.learners.services import run_import

logger = logging.getLogger(__name__)

# Files with this many rows or more are imported by the scheduler, not inside the request.
IMPORT_IN_BACKGROUND_FROM_ROWS = 1000
# A running job is taken as abandoned when its heartbeat is this old. Heartbeats come with
# every chunk of progress; on SQLite not while writing, which takes well under a minute.
STALE_AFTER = timedelta(minutes=2)
# A job interrupted this many times is marked failed instead of being run again.
MAX_ATTEMPTS = 3

_JOBS = ImportJob.__table__


class JobTakenOver(Exception):
    """The job's claim is no longer this run's (it was taken back as abandoned)."""


def queue_import(actor: User, data: bytes, only_valid: bool, total_rows: int) -> ImportJob:
    """Store an uploaded file as a job for the scheduler; the caller commits."""
    job = ImportJob(
        organisation_id=actor.organisation_id,
        started_by_id=actor.id,
        status=ImportStatus.QUEUED,
        only_valid=only_valid,
        file_data=data,
        total_rows=total_rows,
    )
    db.session.add(job)
    db.session.flush()
    return job


def recent_imports(actor: User, limit: int) -> list[ImportJob]:
    """The latest imports ``actor`` may follow, newest first (their file is not loaded)."""
    return list(
        db.session.scalars(
            policy.import_jobs_visible_to(actor)
            .order_by(ImportJob.created_at.desc(), ImportJob.id.desc())
            .limit(limit)
        )
    )


def run_import_jobs() -> int:
    """The scheduler's sweep: take back abandoned jobs, then run the queued ones in turn."""
    recover_abandoned()
    ran = 0
    while (claim := claim_next()) is not None:
        run_job(*claim)
        ran += 1
    return ran


def recover_abandoned(now: datetime | None = None) -> int:
    """Queue again, or fail after ``MAX_ATTEMPTS`` runs, the running jobs whose heartbeat
    stopped; committed at once. Running it twice changes nothing more."""
    now = now or utcnow()
    abandoned = and_(
        ImportJob.status == ImportStatus.RUNNING,
        or_(ImportJob.heartbeat_at.is_(None), ImportJob.heartbeat_at < now - STALE_AFTER),
    )
    requeued = db.session.execute(
        update(ImportJob)
        .where(abandoned, ImportJob.attempts < MAX_ATTEMPTS)
        .values(status=ImportStatus.QUEUED, runner=None, heartbeat_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    failed = db.session.execute(
        update(ImportJob)
        .where(abandoned)
        .values(
            status=ImportStatus.FAILED,
            error="interrupted",
            runner=None,
            file_data=None,
            finished_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if requeued or failed:
        logger.warning(
            "import jobs abandoned by a stopped scheduler: %s queued again, %s failed",
            requeued,
            failed,
        )
    return requeued + failed


def claim_next() -> tuple[int, str] | None:
    """Mark the oldest queued job as running under a new claim; committed at once."""
    while True:
        job_id = db.session.scalar(
            select(ImportJob.id)
            .where(ImportJob.status == ImportStatus.QUEUED)
            .order_by(ImportJob.id)
            .limit(1)
        )
        if job_id is None:
            db.session.commit()
            return None
        runner = f"{os.getpid()}:{secrets.token_hex(8)}"
        now = utcnow()
        claimed = db.session.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id, ImportJob.status == ImportStatus.QUEUED)
            .values(
                status=ImportStatus.RUNNING,
                runner=runner,
                attempts=ImportJob.attempts + 1,
                started_at=now,
                heartbeat_at=now,
                rows_checked=0,
                rows_to_import=None,
                rows_imported=0,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if claimed:
            return job_id, runner
        # another scheduler took it between the two statements: look again


def run_job(job_id: int, runner: str) -> None:
    """Run one claimed job: check, write, and record the outcome in the same transaction."""
    job = db.session.execute(
        select(
            ImportJob.organisation_id,
            ImportJob.started_by_id,
            ImportJob.only_valid,
            ImportJob.file_data,
        ).where(ImportJob.id == job_id)
    ).one()
    actor = db.session.get(User, job.started_by_id) if job.started_by_id else None
    if (
        actor is None
        or not actor.active
        or actor.role is not Role.COORDINATOR
        or actor.organisation_id != job.organisation_id
    ):
        logger.warning("import job %s: the coordinator who started it is gone", job_id)
        _finish(job_id, runner, ImportStatus.FAILED, error="starter_gone")
        db.session.commit()
        return
    progress = ProgressWriter(job_id, runner)
    try:
        base_url = current_app.config["NORSKVEI_BASE_URL"]
        with current_app.test_request_context("/", base_url=base_url), _readers_welcome():
            outcome = run_import(
                actor, job.file_data or b"", job.only_valid, oslo_today(), progress
            )
        status = ImportStatus.REJECTED if outcome.refused else ImportStatus.SUCCEEDED
        if not _finish(
            job_id,
            runner,
            status,
            report=outcome.report.to_json(),
            rows_imported=outcome.imported,
            rows_to_import=outcome.report.importable if outcome.refused else outcome.imported,
        ):
            raise JobTakenOver(job_id)
        db.session.commit()
        logger.info("import job %s: %s, %s learner(s)", job_id, status.value, outcome.imported)
    except JobTakenOver:
        db.session.rollback()
        logger.warning("import job %s was taken back as abandoned; this run is undone", job_id)
    except Exception:
        db.session.rollback()
        logger.exception("import job %s failed; nothing was saved", job_id)
        _finish(job_id, runner, ImportStatus.FAILED, error="crashed")
        db.session.commit()


@contextmanager
def _readers_welcome() -> Iterator[None]:
    """On SQLite, keep the import's changes in memory until its commit: spilling them into
    the file midway would lock every reader (the progress page too) out until the end."""
    if db.engine.dialect.name != "sqlite":
        yield
        return
    connection = db.session.connection()  # the import's transaction stays on this connection
    connection.exec_driver_sql("PRAGMA cache_spill = OFF")
    try:
        yield
    finally:
        connection.exec_driver_sql("PRAGMA cache_spill = ON")  # before the pool reuses it


def _finish(job_id: int, runner: str, status: ImportStatus, **values: Any) -> bool:
    """Record a job's outcome in the session's transaction, if the claim is still ours."""
    updated = db.session.execute(
        update(ImportJob)
        .where(
            ImportJob.id == job_id,
            ImportJob.runner == runner,
            ImportJob.status == ImportStatus.RUNNING,
        )
        .values(
            status=status,
            file_data=None,
            runner=None,
            finished_at=utcnow(),
            heartbeat_at=None,
            **values,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    return updated == 1


class ProgressWriter:
    """Writes a running job's progress and heartbeat on a connection of its own, each in a
    short transaction, so the page sees them while the import's transaction is still open."""

    def __init__(self, job_id: int, runner: str) -> None:
        self.job_id = job_id
        self.runner = runner
        self.engine = db.engine
        # SQLite has one writer at a time: once the import has written, nobody else can.
        self.live_while_writing = self.engine.dialect.name != "sqlite"

    def __call__(self, stage: str, done: int, total: int) -> None:
        values: dict[str, Any]
        if stage == "checking":
            values = {"rows_checked": done}
            if total:
                values["total_rows"] = total
        elif done == 0:  # about to write: the import's transaction has only read so far
            values = {
                "rows_to_import": total,
                "rows_imported": 0 if self.live_while_writing else None,
            }
        elif self.live_while_writing:
            values = {"rows_imported": done}
        else:
            return
        values["heartbeat_at"] = utcnow()
        with self.engine.begin() as connection:
            updated = connection.execute(
                _JOBS.update()
                .where(
                    _JOBS.c.id == self.job_id,
                    _JOBS.c.runner == self.runner,
                    _JOBS.c.status == ImportStatus.RUNNING,
                )
                .values(**values)
            ).rowcount
        if updated != 1:
            raise JobTakenOver(self.job_id)
