"""The scheduler process killed in the middle of a run loses and duplicates no notification.

Real processes are killed with SIGKILL at the worst moments: inside the daily sweep after its
notifications are written but before the commit, and inside delivery after a message went out
but before it was recorded.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent

PRELUDE = textwrap.dedent(
    """
    import os, signal, sys
    from webapp import create_app
    from webapp.extensions import db
    app = create_app({"SQLALCHEMY_DATABASE_URI": os.environ["CRASH_DB"], "MAIL_SERVER": ""})
    """
)


def run_python(code: str, database: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CRASH_DB": database, "SECRET_KEY": "crash-test-secret-key-0123456789"}
    return subprocess.run(
        [sys.executable, "-c", PRELUDE + textwrap.dedent(code)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def run_scheduler_once(database: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "SECRET_KEY": "crash-test-secret-key-0123456789",
        "MAIL_SERVER": "",
    }
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "run", "--once"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def scalar(database: str, sql: str) -> int:
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(sql)).scalar() or 0)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> str:
    database = f"sqlite:///{tmp_path_factory.mktemp('crash') / 'crash.sqlite3'}"
    done = run_python(
        """
        from datetime import timedelta
        from webapp.clock import oslo_today
        from webapp.demo.services import seed_demo
        from webapp.entitlement.sweep import run_daily_sweep
        with app.app_context():
            db.create_all()
            seed_demo()
            db.session.commit()
            # The first sweep ever, two years ago before the demo's periods ran out: silent.
            baseline = run_daily_sweep(oslo_today() - timedelta(days=730))
            db.session.commit()
            print("baseline notifications", baseline.notifications, flush=True)
        """,
        database,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["baseline", "notifications", "0"]
    assert scalar(database, "SELECT count(*) FROM sweep_runs") == 1
    return database


def test_a_sweep_killed_before_its_commit_leaves_nothing_and_the_rerun_notifies_once(seeded):
    # Since the silent baseline sweep, the demo's learners have crossed their thresholds.
    before = scalar(seeded, "SELECT count(*) FROM outbox_messages")
    killed = run_python(
        """
        from webapp.clock import oslo_today
        from webapp.entitlement.sweep import run_daily_sweep
        with app.app_context():
            run = run_daily_sweep(oslo_today())
            db.session.flush()
            print("notifications written", run.notifications, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        """,
        seeded,
    )
    assert killed.returncode == -signal.SIGKILL
    written = int(killed.stdout.split()[-1])
    assert written > 10  # the demo has learners near their deadline
    assert scalar(seeded, "SELECT count(*) FROM outbox_messages") == before
    assert scalar(seeded, "SELECT count(*) FROM sweep_runs") == 1  # only the baseline

    reminders_before = scalar(seeded, "SELECT count(*) FROM sent_reminders")
    first = run_scheduler_once(seeded)
    assert first.returncode == 0, first.stderr
    after_first = scalar(seeded, "SELECT count(*) FROM outbox_messages")
    # The same run also sends the reminders that are due at this hour (a demo class this
    # evening, a weekly nudge): each is recorded in sent_reminders with its message.
    reminders = scalar(seeded, "SELECT count(*) FROM sent_reminders") - reminders_before
    assert after_first - before - reminders == written
    second = run_scheduler_once(seeded)
    assert second.returncode == 0, second.stderr
    assert scalar(seeded, "SELECT count(*) FROM outbox_messages") == after_first
    assert scalar(seeded, "SELECT count(*) FROM outbox_messages WHERE sent_at IS NULL") == 0


def test_delivery_killed_after_sending_resends_the_same_message_and_loses_none(seeded):
    queued = run_python(
        """
        from webapp.mail.services import deliver_pending, queue_mail
        with app.app_context():
            while deliver_pending():  # whatever earlier runs left, so only these five remain
                pass
            for n in range(5):
                queue_mail(f"crash{n}@example.org", f"Melding {n}", "Hei")
            db.session.commit()
        """,
        seeded,
    )
    assert queued.returncode == 0, queued.stderr
    killed = run_python(
        """
        import logging
        from webapp.mail import services
        sent = []
        real_info = services.logger.info
        def info(message, *args):
            if str(message).startswith("e-mail"):
                sent.append(args[0])
                print("sent", args[0], flush=True)
                if len(sent) == 3:
                    os.kill(os.getpid(), signal.SIGKILL)  # sent, not yet recorded
            return real_info(message, *args)
        services.logger.info = info
        with app.app_context():
            services.deliver_pending()
        """,
        seeded,
    )
    assert killed.returncode == -signal.SIGKILL
    ids_before_crash = [line.split()[1] for line in killed.stdout.splitlines()]
    assert len(ids_before_crash) == 3
    assert (
        scalar(
            seeded,
            "SELECT count(*) FROM outbox_messages "
            "WHERE to_address LIKE 'crash%' AND sent_at IS NOT NULL",
        )
        == 2
    )

    resumed = run_python(
        """
        from webapp.mail import services
        real_info = services.logger.info
        def info(message, *args):
            if str(message).startswith("e-mail"):
                print("sent", args[0], flush=True)
            return real_info(message, *args)
        services.logger.info = info
        with app.app_context():
            services.deliver_pending()
        """,
        seeded,
    )
    assert resumed.returncode == 0, resumed.stderr
    ids_after = [line.split()[1] for line in resumed.stdout.splitlines() if line.startswith("sent")]
    # Nothing is lost: every message is recorded as sent.
    assert scalar(seeded, "SELECT count(*) FROM outbox_messages WHERE sent_at IS NULL") == 0
    # The one interrupted between sending and recording goes again with the same Message-ID,
    # so mail systems treat it as the same message; the two recorded ones are not sent again.
    assert ids_before_crash[2] in ids_after
    assert not set(ids_before_crash[:2]) & set(ids_after)
    assert len(ids_after) == 3


def test_an_import_killed_while_writing_leaves_nothing_and_the_next_tick_imports_it(tmp_path):
    database = f"sqlite:///{tmp_path / 'import.sqlite3'}"
    queued = run_python(
        """
        from webapp.accounts.models import Role, User
        from webapp.learners.import_jobs import queue_import
        from webapp.organisations.models import Organisation, OrganisationKind
        lines = ["name,email,birth_date,settlement_date,first_language,education,employment"]
        lines += [f"L {n},l{n}@example.org,1980-01-01,2025-01-01,uk,none,part_time"
                  for n in range(300)]
        with app.app_context():
            db.create_all()
            town = Organisation(name="Flesberg", kind=OrganisationKind.MUNICIPALITY,
                                municipality_number="3050")
            db.session.add(town)
            db.session.flush()
            coordinator = User(email="c@example.org", name="C", password_hash="!",
                               role=Role.COORDINATOR, organisation_id=town.id)
            db.session.add(coordinator)
            db.session.flush()
            queue_import(coordinator, "\\n".join(lines).encode(), False, 300)
            db.session.commit()
        """,
        database,
    )
    assert queued.returncode == 0, queued.stderr
    killed = run_python(
        """
        from webapp.learners import services
        from webapp.learners.import_jobs import run_import_jobs
        services.IMPORT_CHUNK = 100
        written = []
        real = services._write_chunk
        def write_then_die(actor, municipality, rows):
            real(actor, municipality, rows)
            written.append(len(rows))
            if len(written) == 2:
                db.session.flush()
                print("written", sum(written), flush=True)
                os.kill(os.getpid(), signal.SIGKILL)
        services._write_chunk = write_then_die
        with app.app_context():
            run_import_jobs()
        """,
        database,
    )
    assert killed.returncode == -signal.SIGKILL
    assert killed.stdout.split() == ["written", "200"]
    assert scalar(database, "SELECT count(*) FROM learner_profiles") == 0
    assert scalar(database, "SELECT count(*) FROM users") == 1
    assert scalar(database, "SELECT count(*) FROM outbox_messages") == 0
    assert scalar(database, "SELECT count(*) FROM import_jobs WHERE status = 'running'") == 1

    # The next tick leaves a job whose heartbeat is fresh to its runner ...
    assert run_scheduler_once(database).returncode == 0
    assert scalar(database, "SELECT count(*) FROM import_jobs WHERE status = 'running'") == 1
    # ... and takes it back once the heartbeat is older than STALE_AFTER.
    engine = create_engine(database)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE import_jobs SET heartbeat_at = datetime(heartbeat_at, '-3 minutes')")
        )
    engine.dispose()
    rerun = run_scheduler_once(database)
    assert rerun.returncode == 0, rerun.stderr
    assert scalar(database, "SELECT count(*) FROM import_jobs WHERE status = 'succeeded'") == 1
    assert scalar(database, "SELECT attempts FROM import_jobs") == 2
    assert scalar(database, "SELECT count(*) FROM learner_profiles") == 300
    # the invitations went out in the same run of the scheduler, each once
    assert scalar(database, "SELECT count(*) FROM outbox_messages WHERE sent_at IS NULL") == 0
    assert scalar(database, "SELECT count(DISTINCT to_address) FROM outbox_messages") == 300
