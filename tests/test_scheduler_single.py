"""One scheduler per deployment: two started together on PostgreSQL deliver each message once
and run the sweep once; outbox rows are claimed so that two deliverers never send one twice;
on SQLite a file lock does the same job."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from scheduling.singleton import SchedulerLock
from tests.conftest import TEST_SECRET
from webapp import create_app
from webapp.entitlement.models import SweepRun
from webapp.extensions import db
from webapp.mail.models import OutboxMessage
from webapp.mail.services import deliver_pending, queue_mail

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1/postgres"
MESSAGES = 40


class SlowRecorder:
    """An SMTP server that takes a moment per message (so two senders overlap) and counts
    every message it receives by its Message-ID."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        await asyncio.sleep(0.03)
        for line in envelope.content.decode(errors="replace").splitlines():
            if line.lower().startswith("message-id:"):
                self.received[line.split(":", 1)[1].strip()] += 1
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[SlowRecorder, int]]:
    recorder, port = SlowRecorder(), free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    yield recorder, port
    controller.stop()


def _postgres_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database with the schema, removed afterwards."""
    if not _postgres_reachable():
        reason = "PostgreSQL is not reachable at 127.0.0.1:5432; the test needs it"
        if os.environ.get("NORSKVEI_REQUIRE_POSTGRES"):
            pytest.fail(reason)
        pytest.skip(reason)
    name = f"norskvei_single_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def app_on(url: str, port: int = 25):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": TEST_SECRET,
            "SQLALCHEMY_DATABASE_URI": url,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": port,
        }
    )


def queue_messages(app) -> None:
    with app.app_context():
        db.create_all()
        for n in range(MESSAGES):
            queue_mail(f"learner{n}@example.org", f"Melding {n}", "Hei!\n")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def test_two_schedulers_started_together_deliver_once_and_sweep_once(postgres_url, smtp):
    recorder, port = smtp
    queue_messages(app_on(postgres_url, port))
    env = {
        **os.environ,
        "DATABASE_URL": postgres_url,
        "SECRET_KEY": TEST_SECRET,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(port),
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "run", "--once"]
    both = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    results = [(process.wait(timeout=120), process.communicate()) for process in both]
    codes = sorted(code for code, _output in results)
    assert codes == [0, 75], results  # one ran; the other found the lock taken and did nothing
    refused = next(output for code, output in results if code == 75)
    assert b"another scheduler process is running" in refused[1]

    assert sum(recorder.received.values()) == MESSAGES
    assert set(recorder.received.values()) == {1}
    app = app_on(postgres_url, port)
    with app.app_context():
        assert db.session.scalar(select(func.count(SweepRun.id))) == 1
        sent = db.session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.sent_at.is_not(None))
        )
        assert sent == MESSAGES
        db.session.remove()
        db.engine.dispose()


def test_two_deliverers_at_once_never_send_a_message_twice(postgres_url, smtp):
    """Without the scheduler lock (two processes that should not exist), each outbox row is
    claimed FOR UPDATE SKIP LOCKED, so each message still goes out once."""
    recorder, port = smtp
    app = app_on(postgres_url, port)
    queue_messages(app)
    counts: list[int] = []

    def deliver() -> None:
        with app.app_context():
            counts.append(deliver_pending(limit=MESSAGES))
            db.session.remove()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sum(counts) == MESSAGES
    assert min(counts) > 0, "both deliverers worked at the same time"
    assert sum(recorder.received.values()) == MESSAGES
    assert set(recorder.received.values()) == {1}
    with app.app_context():
        db.engine.dispose()


def test_the_advisory_lock_is_held_by_one_process_and_released_when_it_stops(postgres_url):
    first_engine, second_engine = create_engine(postgres_url), create_engine(postgres_url)
    first, second = SchedulerLock(first_engine), SchedulerLock(second_engine)
    try:
        assert first.acquire()
        assert first.held()
        assert not second.acquire()
        first.release()
        assert second.acquire()
        assert not first.acquire()
    finally:
        first.release()
        second.release()
        first_engine.dispose()
        second_engine.dispose()


def test_on_sqlite_a_file_lock_keeps_a_second_scheduler_waiting(tmp_path):
    url = f"sqlite:///{tmp_path / 'norskvei.sqlite3'}"
    first_engine, second_engine = create_engine(url), create_engine(url)
    first, second = SchedulerLock(first_engine), SchedulerLock(second_engine)
    try:
        assert first.acquire()
        assert not second.acquire()
        first.release()
        started = time.monotonic()
        assert second.acquire()
        assert time.monotonic() - started < 1
    finally:
        first.release()
        second.release()
