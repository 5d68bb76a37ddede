"""Large learner imports run as jobs the scheduler picks up, with progress the page polls.

The scheduler's sweep is called directly here (``run_import_jobs``), as the scheduler process
calls it every few seconds.
"""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select, text

from tests.conftest import login_as
from tests.test_learner_import import csv_bytes
from webapp.accounts.models import PasswordResetToken, Role, User
from webapp.db_types import utcnow
from webapp.entitlement.models import Entitlement, EntitlementAudit
from webapp.extensions import db
from webapp.learners import import_jobs, importing, services
from webapp.learners.import_jobs import (
    IMPORT_IN_BACKGROUND_FROM_ROWS,
    MAX_ATTEMPTS,
    STALE_AFTER,
    run_import_jobs,
)
from webapp.learners.models import ImportJob, ImportStatus, LearnerProfile
from webapp.mail.models import OutboxMessage
from webapp.organisations.models import OrganisationKind


def rows(count: int, start: int = 0) -> list[str]:
    return [
        f"Learner {n},learner{n}@example.org,1980-01-01,2025-01-01,"
        f"{('uk', 'ru', 'other')[n % 3]},higher,full_time,,"
        for n in range(start, start + count)
    ]


@pytest.fixture
def coordinator(factory):
    home = factory.organisation(OrganisationKind.MUNICIPALITY, "Flesberg")
    return factory.user(Role.COORDINATOR, home, locale="en")


@pytest.fixture
def small_jobs(monkeypatch):
    """Files of 20 rows or more go to the scheduler, written 5 rows at a time."""
    monkeypatch.setattr(import_jobs, "IMPORT_IN_BACKGROUND_FROM_ROWS", 20)
    monkeypatch.setattr("webapp.learners.views.IMPORT_IN_BACKGROUND_FROM_ROWS", 20)
    monkeypatch.setattr(services, "IMPORT_CHUNK", 5)


def upload(client, data: bytes, only_valid: bool = False):
    form = {"file": (io.BytesIO(data), "learners.csv")}
    if only_valid:
        form["only_valid"] = "y"
    return client.post("/learners/import", data=form, content_type="multipart/form-data")


def queued_job(client, data: bytes, only_valid: bool = False) -> int:
    response = upload(client, data, only_valid)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/learners/import/jobs/")
    return int(location.rsplit("/", 1)[1])


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def job_row(job_id: int) -> ImportJob:
    db.session.expire_all()
    return db.session.get(ImportJob, job_id)


def status(client, job_id: int) -> dict:
    response = client.get(f"/learners/import/jobs/{job_id}/status")
    assert response.status_code == 200
    return response.get_json()


def nothing_imported() -> None:
    db.session.rollback()
    assert count(LearnerProfile) == 0
    assert db.session.scalar(select(func.count()).where(User.role == Role.LEARNER)) == 0
    assert count(Entitlement) == count(EntitlementAudit) == 0
    assert count(PasswordResetToken) == 0
    assert count(OutboxMessage) == 0


def test_a_large_file_is_queued_and_the_scheduler_imports_it_with_rising_progress(
    app, client, coordinator, monkeypatch
):
    monkeypatch.setattr(services, "IMPORT_CHUNK", 100)
    total = IMPORT_IN_BACKGROUND_FROM_ROWS + 200
    login_as(client, coordinator)
    job_id = queued_job(client, csv_bytes(rows(total)))
    assert count(LearnerProfile) == 0  # nothing happened inside the request
    waiting = status(client, job_id)
    assert (waiting["status"], waiting["finished"], waiting["value"]) == ("queued", False, None)
    assert waiting["text"] == "The import is waiting to start."
    page = client.get(f"/learners/import/jobs/{job_id}").get_data(as_text=True)
    assert "<progress" in page
    assert "js/import-progress.js" in page
    assert '<noscript><meta http-equiv="refresh"' in page

    # What another connection (the page's) sees each time the job reports progress.
    seen: list[tuple] = []
    report = import_jobs.ProgressWriter.__call__

    def watched(self, stage, done, total_rows):
        report(self, stage, done, total_rows)
        with db.engine.connect() as other:
            job = other.execute(
                text(
                    "SELECT status, rows_checked, rows_to_import, rows_imported "
                    "FROM import_jobs WHERE id = :id"
                ),
                {"id": job_id},
            ).one()
            learners = other.execute(text("SELECT count(*) FROM learner_profiles")).scalar()
        seen.append((stage, *job, learners))

    monkeypatch.setattr(import_jobs.ProgressWriter, "__call__", watched)
    assert run_import_jobs() == 1

    checking = [s for s in seen if s[0] == "checking"]
    importing_ = [s for s in seen if s[0] == "importing"]
    assert [s[2] for s in checking] == [1000, total]  # rows checked, seen as they go
    assert all(s[1] == "running" for s in seen)
    assert [s[3] for s in importing_] == [total] * len(importing_)  # rows to import
    assert all(s[5] == 0 for s in seen)  # no learner is visible before the commit
    written = [s[4] for s in importing_]
    if db.engine.dialect.name == "sqlite":
        # One writer at a time: the count is unknown while the import writes.
        assert written == [None] * len(importing_)
    else:
        assert written == list(range(0, total, 100)) + [total]

    job = job_row(job_id)
    assert job.status is ImportStatus.SUCCEEDED
    assert (job.rows_imported, job.file_data, job.runner, job.attempts) == (total, None, None, 1)
    assert count(LearnerProfile) == count(Entitlement) == count(OutboxMessage) == total
    done = status(client, job_id)
    assert (done["status"], done["finished"]) == ("succeeded", True)
    page = client.get(f"/learners/import/jobs/{job_id}").get_data(as_text=True)
    assert f"{total} learners are imported and invited by e-mail." in page
    assert "<progress" not in page
    assert "noscript" not in page
    assert run_import_jobs() == 0  # nothing is left to do


def test_imported_learners_get_everything_a_single_import_gives(client, coordinator, small_jobs):
    login_as(client, coordinator)
    data = csv_bytes(
        rows(20)
        + [
            "Åse Ødegård,ase@example.org,02.01.1980,2024-05-06,ru,primary,part_time,"
            "+47 912 34 567,B1"
        ]
    )
    job_id = queued_job(client, data)
    run_import_jobs()
    assert job_row(job_id).status is ImportStatus.SUCCEEDED
    ase = db.session.scalar(select(User).where(User.email == "ase@example.org"))
    assert (ase.name, ase.locale, ase.role, ase.organisation_id) == (
        "Åse Ødegård",
        "ru",
        Role.LEARNER,
        coordinator.organisation_id,
    )
    assert ase.password_hash == services.UNUSABLE_PASSWORD  # no hashing: they choose one
    profile = ase.learner_profile
    assert (profile.birth_date, profile.phone, profile.current_level.value) == (
        date(1980, 1, 2),
        "+47 912 34 567",
        "B1",
    )
    entitlement = db.session.get(Entitlement, ase.id)
    assert (entitlement.settlement_date, entitlement.entitled, entitlement.last_day) == (
        date(2024, 5, 6),
        True,
        None,
    )
    audit = db.session.scalar(select(EntitlementAudit).where(EntitlementAudit.learner_id == ase.id))
    assert (audit.action, audit.actor_id) == ("opened", coordinator.id)
    assert json.loads(audit.after)["settlement_date"] == "2024-05-06"
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == ase.email))
    assert "Åse Ødegård" in mail.body_text
    assert "Flesberg" in mail.body_text
    assert "\x00" not in mail.body_text + mail.subject
    link = mail.body_text.split("http://norskvei.test/password/reset/", 1)[1].split()[0]
    assert client.get(f"/password/reset/{link}").status_code == 200  # the link works
    tokens = db.session.scalars(select(PasswordResetToken.user_id)).all()
    assert sorted(tokens) == sorted(db.session.scalars(select(LearnerProfile.user_id)))
    assert count(OutboxMessage) == 21


def test_a_file_with_problems_is_rejected_by_the_job_with_the_report_by_line(
    client, coordinator, small_jobs
):
    login_as(client, coordinator)
    bad = "Bad Row,broken,1987-03-14,2025-02-02,uk,higher,shift_work,,"
    job_id = queued_job(client, csv_bytes([*rows(10), bad, *rows(15, start=10)]))
    run_import_jobs()
    job = job_row(job_id)
    assert job.status is ImportStatus.REJECTED
    assert job.file_data is None
    nothing_imported()
    page = client.get(f"/learners/import/jobs/{job_id}").get_data(as_text=True)
    assert "Nothing was imported" in page
    assert '<td class="number">12</td>' in page
    assert "is not a valid e-mail address" in page
    assert "26 rows were read." in page


def test_only_the_valid_rows_are_imported_when_the_coordinator_chooses_so(
    client, coordinator, small_jobs
):
    login_as(client, coordinator)
    bad = "Bad Row,broken,1987-03-14,2025-02-02,uk,higher,shift_work,,"
    job_id = queued_job(client, csv_bytes([*rows(10), bad, *rows(15, start=10)]), True)
    run_import_jobs()
    assert job_row(job_id).status is ImportStatus.SUCCEEDED
    assert count(LearnerProfile) == 25
    page = client.get(f"/learners/import/jobs/{job_id}").get_data(as_text=True)
    assert "25 learners are imported and invited by e-mail." in page
    assert "1 row with problems is left out." in page
    assert '<td class="number">12</td>' in page


@pytest.mark.parametrize("failing_row", [1, 17, 30])
def test_a_failure_at_any_row_leaves_nothing_and_sends_nothing(
    client, coordinator, small_jobs, monkeypatch, caplog, failing_row
):
    real = services._write_chunk

    def failing(actor, municipality, chunk):
        real(actor, municipality, chunk)  # the chunk is written, then the import breaks
        if any(row.line == failing_row + 1 for row in chunk):
            raise RuntimeError("the disk is full")

    monkeypatch.setattr(services, "_write_chunk", failing)
    login_as(client, coordinator)
    job_id = queued_job(client, csv_bytes(rows(30)))
    assert run_import_jobs() == 1  # the sweep itself carries on
    job = job_row(job_id)
    assert (job.status, job.error, job.file_data) == (ImportStatus.FAILED, "crashed", None)
    assert f"import job {job_id} failed" in caplog.text
    assert "the disk is full" in caplog.text  # the traceback is logged
    nothing_imported()
    result = status(client, job_id)
    assert (result["status"], result["finished"]) == ("failed", True)
    page = client.get(f"/learners/import/jobs/{job_id}").get_data(as_text=True)
    assert "The import failed and nothing was saved. Try again." in page
    assert run_import_jobs() == 0  # a failed job is not run again


def test_the_failure_message_is_in_the_viewers_language(client, coordinator, small_jobs):
    coordinator.locale = "uk"
    db.session.commit()
    login_as(client, coordinator)
    job_id = queued_job(client, csv_bytes(rows(20)))
    db.session.execute(
        ImportJob.__table__.update().values(status="failed", error="crashed", file_data=None)
    )
    db.session.commit()
    page = client.get(f"/learners/import/jobs/{job_id}").get_data(as_text=True)
    assert "The import failed" not in page
    assert "Імпорт не вдався" in page


def claim_as_dead_runner(job_id: int, heartbeat_age: timedelta, attempts: int = 1) -> None:
    """Leave a job as a scheduler killed mid-run leaves it."""
    db.session.execute(
        ImportJob.__table__.update()
        .where(ImportJob.__table__.c.id == job_id)
        .values(
            status="running",
            runner="4242:dead",
            attempts=attempts,
            rows_checked=500,
            heartbeat_at=utcnow() - heartbeat_age,
        )
    )
    db.session.commit()


def test_a_job_a_killed_scheduler_left_running_is_run_again_on_the_next_tick(
    client, coordinator, small_jobs
):
    login_as(client, coordinator)
    job_id = queued_job(client, csv_bytes(rows(20)))
    claim_as_dead_runner(job_id, STALE_AFTER + timedelta(seconds=5))
    assert run_import_jobs() == 1
    job = job_row(job_id)
    assert (job.status, job.attempts, job.rows_imported) == (ImportStatus.SUCCEEDED, 2, 20)
    assert count(LearnerProfile) == 20
    assert run_import_jobs() == 0  # and only once


def test_a_job_with_a_recent_heartbeat_is_left_to_its_runner(client, coordinator, small_jobs):
    login_as(client, coordinator)
    job_id = queued_job(client, csv_bytes(rows(20)))
    claim_as_dead_runner(job_id, STALE_AFTER - timedelta(seconds=30))
    assert run_import_jobs() == 0
    job = job_row(job_id)
    assert (job.status, job.runner) == (ImportStatus.RUNNING, "4242:dead")
    assert count(LearnerProfile) == 0


def test_a_job_interrupted_too_often_is_marked_failed(client, coordinator, small_jobs):
    login_as(client, coordinator)
    job_id = queued_job(client, csv_bytes(rows(20)))
    claim_as_dead_runner(job_id, STALE_AFTER * 2, attempts=MAX_ATTEMPTS)
    assert run_import_jobs() == 0
    job = job_row(job_id)
    assert (job.status, job.error, job.file_data) == (ImportStatus.FAILED, "interrupted", None)
    assert import_jobs.recover_abandoned() == 0  # idempotent
    page = client.get(f"/learners/import/jobs/{job_id}").get_data(as_text=True)
    assert "The import failed and nothing was saved. Try again." in page


def test_a_run_whose_job_was_taken_back_undoes_its_work(client, coordinator, small_jobs):
    """Two schedulers by mistake: the one whose claim was taken back must not commit."""
    login_as(client, coordinator)
    job_id = queued_job(client, csv_bytes(rows(20)))
    job_id_claimed, runner = import_jobs.claim_next()
    assert job_id_claimed == job_id
    db.session.execute(
        ImportJob.__table__.update().values(runner="another-scheduler")
    )  # taken back and claimed again elsewhere
    db.session.commit()
    import_jobs.run_job(job_id, runner)
    nothing_imported()
    job = job_row(job_id)
    assert (job.status, job.runner) == (ImportStatus.RUNNING, "another-scheduler")


def test_a_job_whose_coordinator_left_fails_without_importing(
    client, coordinator, small_jobs, factory
):
    login_as(client, coordinator)
    job_id = queued_job(client, csv_bytes(rows(20)))
    coordinator.active = False
    db.session.commit()
    run_import_jobs()
    job = job_row(job_id)
    assert (job.status, job.error) == (ImportStatus.FAILED, "starter_gone")
    nothing_imported()


def test_jobs_are_seen_only_by_their_municipality_and_admins(
    app, client, coordinator, factory, small_jobs
):
    login_as(client, coordinator)
    job_id = queued_job(client, csv_bytes(rows(20)))
    colleague = factory.user(Role.COORDINATOR, coordinator.organisation)
    other = factory.user(
        Role.COORDINATOR, factory.organisation(OrganisationKind.MUNICIPALITY, "Rollag")
    )
    expected = {
        colleague: 200,
        factory.user(Role.ADMIN): 200,
        other: 404,
        factory.learner(home=coordinator.organisation): 403,
        factory.user(Role.TEACHER): 403,
    }
    for user, code in expected.items():
        browser = app.test_client()
        login_as(browser, user)
        for path in (f"/learners/import/jobs/{job_id}", f"/learners/import/jobs/{job_id}/status"):
            assert browser.get(path).status_code == code, (user, path)
    assert app.test_client().get(f"/learners/import/jobs/{job_id}/status").status_code == 302
    assert client.get(f"/learners/import/jobs/{job_id + 1}").status_code == 404

    # The import page lists the municipality's recent imports, and no one else's.
    other_browser = app.test_client()
    login_as(other_browser, other)
    assert f"/learners/import/jobs/{job_id}" not in other_browser.get("/learners/import").text
    assert f"/learners/import/jobs/{job_id}" in client.get("/learners/import").text


def statements(function) -> int:
    found: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        found.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        function()
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return len(found)


def test_the_job_pages_cost_the_same_statements_for_few_and_many_jobs_and_problems(
    app, coordinator, factory
):
    client = app.test_client()
    login_as(client, coordinator)

    def add_jobs(number: int, problems: int) -> int:
        parsed = importing.parse(csv_bytes(["x,y"] * problems), date(2026, 11, 28))
        report = importing.report_of(parsed, services.MAX_REPORTED).to_json()
        for _ in range(number):
            job = ImportJob(
                organisation_id=coordinator.organisation_id,
                started_by_id=coordinator.id,
                status=ImportStatus.REJECTED,
                total_rows=problems,
                report=report,
            )
            db.session.add(job)
        db.session.commit()
        return job.id

    few = add_jobs(1, 2)
    pages = (
        "/learners/import",
        f"/learners/import/jobs/{few}",
        f"/learners/import/jobs/{few}/status",
    )
    small = [statements(lambda p=p: client.get(p)) for p in pages]
    many = add_jobs(40, 600)
    pages = (
        "/learners/import",
        f"/learners/import/jobs/{many}",
        f"/learners/import/jobs/{many}/status",
    )
    big = [statements(lambda p=p: client.get(p)) for p in pages]
    assert small == big
    assert "Only the first 300 problems are shown." in client.get(pages[1]).text


def test_the_file_is_stored_as_uploaded_and_not_read_by_the_pages(client, coordinator, small_jobs):
    login_as(client, coordinator)
    data = csv_bytes(
        [*rows(24), "Åse Ødegård,ase@example.org,1980-01-02,2024-05-06,uk,none,part_time,,"],
        sep=";",
        encoding="cp1252",
    )
    job_id = queued_job(client, data)
    assert job_row(job_id).file_data == data
    loaded: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        loaded.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        client.get(f"/learners/import/jobs/{job_id}/status")
        client.get(f"/learners/import/jobs/{job_id}")
        client.get("/learners/import")
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert not [s for s in loaded if "file_data" in s and s.lstrip().startswith("SELECT")]
    run_import_jobs()
    report = importing.ImportReport.from_json(job_row(job_id).report)
    assert (report.encoding, report.separator, report.total_rows) == ("windows-1252", ";", 25)


def test_a_large_file_with_missing_columns_is_reported_by_the_job(client, coordinator):
    login_as(client, coordinator)
    data = ("name;email\n" + "\n".join(f"A{n};a{n}@example.org" for n in range(1500))).encode()
    response = upload(client, data)
    assert response.status_code == 302  # counted as 1,500 rows: the job reports the columns
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    run_import_jobs()
    page = client.get(f"/learners/import/jobs/{job_id}").text
    assert "The column “birth_date” is missing from the header row." in page


def test_the_scheduler_runs_the_import_sweep_every_few_seconds():
    from scheduling.jobs import JOBS

    sweep = next(job for job in JOBS if job.name == "run_queued_import_jobs")
    assert sweep.every_seconds is not None
    assert sweep.every_seconds <= 5
    assert [job.name for job in JOBS].index("run_queued_import_jobs") < [
        job.name for job in JOBS
    ].index("deliver_outbox")  # invitations go out in the same run
