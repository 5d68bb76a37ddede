"""A request that only read ends its transaction with COMMIT (PostgreSQL then keeps the
statements psycopg prepared); one that wrote without committing, or failed, still rolls back."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import OperationalError

from tests.conftest import login_as
from webapp.accounts.models import Role, User
from webapp.extensions import db
from webapp.organisations.models import Organisation, OrganisationKind
from webapp.transactions import end_read_only_transaction


@pytest.fixture
def endings(app):
    seen: list[str] = []
    engine = db.engine
    listeners = {
        name: (lambda _conn, name=name: seen.append(name)) for name in ("commit", "rollback")
    }
    for name, listener in listeners.items():
        event.listen(engine, name, listener)
    yield seen
    for name, listener in listeners.items():
        event.remove(engine, name, listener)


def test_a_read_only_request_commits(client, factory, endings):
    learner = factory.learner()
    login_as(client, learner)
    db.session.commit()
    endings.clear()
    assert client.get("/dashboard").status_code == 200
    assert endings == ["commit"]


def test_prepared_statements_outlive_read_only_requests(client, factory):
    learner = factory.learner()
    login_as(client, learner)
    db.session.remove()
    db.engine.dispose()  # one connection, reused by every request below
    for _ in range(7):
        assert client.get("/dashboard").status_code == 200
        db.session.remove()  # as at the end of every request in production
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        assert connection.dialect.name == "sqlite"  # nothing is prepared on SQLite
        return
    prepared = connection.connection.driver_connection._prepared  # psycopg's statement cache
    assert prepared._names, "statements seen on every request were prepared and kept"


def organisations() -> int:
    return db.session.scalar(select(func.count()).select_from(Organisation))


def test_pending_or_flushed_writes_are_not_committed(app):
    db.session.add(Organisation(name="Uncommitted", kind=OrganisationKind.PROVIDER))
    end_read_only_transaction(None)
    db.session.rollback()
    assert organisations() == 0

    db.session.add(Organisation(name="Flushed", kind=OrganisationKind.PROVIDER))
    db.session.flush()
    end_read_only_transaction(None)
    db.session.rollback()
    assert organisations() == 0


def test_a_failed_request_is_not_committed(app):
    db.session.add(Organisation(name="Failed", kind=OrganisationKind.PROVIDER))
    db.session.flush()
    end_read_only_transaction(RuntimeError("the view failed"))
    db.session.rollback()
    assert organisations() == 0


def test_a_write_statement_is_not_committed(app, factory):
    user = factory.user(Role.ADMIN)
    db.session.execute(db.update(User).where(User.id == user.id).values(name="Changed"))
    db.session.expire_all()
    end_read_only_transaction(None)
    db.session.rollback()
    assert db.session.get(User, user.id).name != "Changed"


def test_a_failing_commit_does_not_spoil_the_answer(client, factory, monkeypatch, caplog):
    learner = factory.learner()
    login_as(client, learner)

    def lost(*_args, **_kwargs):
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(type(db.session()), "commit", lost)
    assert client.get("/dashboard").status_code == 200
    assert "could not end a read-only transaction" in caplog.text


def test_sqlite_runs_in_wal_mode_and_postgresql_heartbeats_skip_the_disk_wait(client, factory):
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    learner = factory.learner()
    login_as(client, learner)
    assert client.post("/study/heartbeat", data={"source": "lesson"}).status_code == 200
    if connection.dialect.name == "postgresql":  # SET LOCAL lasted only for that transaction
        assert db.session.execute(text("SHOW synchronous_commit")).scalar() == "on"
