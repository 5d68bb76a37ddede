"""Fixtures: one app per test session, a clean database per test, factories for common rows.

The suite runs on SQLite by default and on PostgreSQL when ``TEST_DATABASE_URL`` names one.
"""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient

from lessons.loader import lesson_files
from webapp import create_app
from webapp.accounts import services as account_services
from webapp.accounts.login import SESSION_TOKEN_KEY
from webapp.accounts.models import Role, User
from webapp.accounts.passwords import hash_password
from webapp.entitlement.overview_rows import refresh_learner
from webapp.extensions import db, login_manager
from webapp.learners.levels import Education, default_targets
from webapp.learners.models import Employment, FirstLanguage, LearnerProfile
from webapp.lessons import services as lesson_services
from webapp.organisations.models import Organisation, OrganisationKind

PASSWORD = "Fjordhest-og-brunost-42"
PASSWORD_HASH = hash_password(PASSWORD)
TEST_SECRET = "test-secret-key-not-for-production-0123456789"
LESSON_FIXTURES = Path(__file__).parent / "fixtures" / "lessons"
# Requests the fuzz run sent, by database (tests/test_fuzz_fields.py), for the summary.
FUZZ_REQUESTS = pytest.StashKey[dict[str, int]]()


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Say how many hostile requests the fuzz run sent."""
    counts = config.stash.get(FUZZ_REQUESTS, None)
    for dialect, count in sorted((counts or {}).items()):
        terminalreporter.write_line(f"fuzz run: {count:,} requests on {dialect}")


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    path = Path(tmp_path_factory.mktemp("db")) / "test.sqlite3"
    return f"sqlite:///{path}"


class FreshRequestClient(FlaskClient):
    """A test client whose requests start with empty ``g``, as they do in production.

    Each test holds an app context open (so it can use ``db.session``); Flask reuses it for
    requests, and without this reset the user Flask-Login cached for one request, or the
    locale Flask-Babel chose, would leak into the next.
    """

    def open(self, *args, **kwargs):
        _reset_request_globals()
        try:
            return super().open(*args, **kwargs)
        finally:
            _reset_request_globals()


def _reset_request_globals() -> None:
    if has_app_context():
        for key in list(vars(g)):
            delattr(g, key)


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The application, on a fresh schema, for the whole test session."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": TEST_SECRET,
            "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path_factory),
            "WTF_CSRF_ENABLED": False,
            "MAIL_SERVER": "",
            "NORSKVEI_BASE_URL": "http://norskvei.test",
            "RECORDINGS_FOLDER": str(tmp_path_factory.mktemp("recordings")),
            # Tests register starts around today, after the temporary rules' registered end
            # (1 July 2026): they run under an assumed prolongation, as the demo does.
            "NORSKVEI_ASSUMED_RULES_UNTIL": "2099-07-01",
        }
    )
    app.test_client_class = FreshRequestClient
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def clean_database(app: Flask) -> Iterator[None]:
    """Give each test empty tables and default settings."""
    saved = dict(app.config)
    with app.app_context():
        yield
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # DELETE, not TRUNCATE: TRUNCATE gives each of the tables and their indexes new
                # files, 330 ms a test here, where deleting the few rows a test made takes 25 ms.
                # Every statement in one round trip; the ids start at 1 again, as on SQLite.
                deletes = "; ".join(f"DELETE FROM {table.name}" for table in tables)
                restart = "SELECT setval(oid, 1, false) FROM pg_class WHERE relkind = 'S'"
                connection.exec_driver_sql(f"{deletes}; {restart}")
            else:
                for table in tables:
                    connection.execute(table.delete())
    app.config.clear()
    app.config.update(saved)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser without cookies."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    """Runs ``flask`` commands against the test app."""
    return app.test_cli_runner()


class Factory:
    """Creates organisations and users with sensible defaults; every call makes new rows."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def organisation(
        self, kind: OrganisationKind = OrganisationKind.MUNICIPALITY, name: str | None = None
    ) -> Organisation:
        n = next(self._counter)
        org = Organisation(
            name=name or f"{kind.value.title()} {n}",
            kind=kind,
            municipality_number=None if kind is OrganisationKind.PROVIDER else f"{n % 10000:04d}",
        )
        db.session.add(org)
        db.session.commit()
        return org

    def user(
        self,
        role: Role,
        organisation: Organisation | None = None,
        email: str | None = None,
        locale: str = "nb",
        name: str | None = None,
    ) -> User:
        n = next(self._counter)
        if organisation is None and role is not Role.ADMIN:
            kind = (
                OrganisationKind.MUNICIPALITY
                if role is Role.COORDINATOR
                else OrganisationKind.PROVIDER
            )
            organisation = self.organisation(kind)
        user = User(
            email=email or f"{role.value}{n}@example.org",
            name=name or f"{role.value.title()} {n}",
            password_hash=PASSWORD_HASH,
            locale=locale,
            role=role,
            organisation=organisation,
        )
        db.session.add(user)
        db.session.commit()
        return user

    def learner(
        self,
        organisation: Organisation | None = None,
        home: Organisation | None = None,
        email: str | None = None,
        locale: str = "uk",
        education: Education = Education.HIGHER,
        birth_date: date = date(1985, 5, 17),
        settlement_date: date = date(2025, 9, 1),
        employment: Employment = Employment.NOT_WORKING,
        name: str | None = None,
    ) -> User:
        home = home or self.organisation(OrganisationKind.MUNICIPALITY)
        organisation = organisation or home
        user = self.user(Role.LEARNER, organisation, email=email, locale=locale, name=name)
        targets = default_targets(education)
        db.session.add(
            LearnerProfile(
                user=user,
                birth_date=birth_date,
                settlement_date=settlement_date,
                home_municipality=home,
                first_language=FirstLanguage.UKRAINIAN,
                education=education,
                target_listening=targets.listening,
                target_reading=targets.reading,
                target_writing=targets.writing,
                target_oral=targets.oral,
                employment=employment,
            )
        )
        db.session.flush()
        refresh_learner(user)  # as every service that creates a learner does
        db.session.commit()
        return user


@pytest.fixture
def factory(app: Flask) -> Factory:
    """Build rows for a test."""
    return Factory()


def login(client: FlaskClient, user_or_email: User | str, password: str = PASSWORD):
    """Log ``client`` in and return the response."""
    email = user_or_email if isinstance(user_or_email, str) else user_or_email.email
    return client.post("/login", data={"email": email, "password": password})


def login_as(client: FlaskClient, user: User) -> None:
    """Put ``user`` in the client's session without a password check (for access-rule tests).

    The real log-in, with its password hashing, is tested in test_login.py; authorization
    tests log in hundreds of times and only need the session.
    """
    # A session as a real log-in leaves it: login_user stores the browser's identifier, and the
    # log-in form left a CSRF token. Without them the first request would add them, changing
    # the cookie as it does for a browser whose address changed.
    with client.application.test_request_context(environ_base=client.environ_base):
        identifier = login_manager._session_identifier_generator()
        token = account_services.open_login_session(user)
    db.session.commit()
    with client.session_transaction() as session:
        session[SESSION_TOKEN_KEY] = token
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["_id"] = identifier
        session.setdefault("csrf_token", secrets.token_hex(20))


def copy_fixture_lesson(root: Path) -> Path:
    """Put the valid fixture lesson in a content tree under ``root``; return its file."""
    folder = root / "working-life"
    folder.mkdir()
    path = folder / "a1-01-a.md"
    shutil.copy(LESSON_FIXTURES / "valid" / "working-life" / "a1-01-fixture.md", path)
    return path


def sync_lessons_in(root: Path) -> lesson_services.SyncReport:
    """Load the lessons under ``root`` into the database and commit."""
    report = lesson_services.sync_lessons(lesson_files(root), root)
    db.session.commit()
    return report


@pytest.fixture
def synced_lesson(tmp_path: Path) -> Path:
    """A content tree with the fixture lesson (id ``fixture-first-day``), already loaded."""
    copy_fixture_lesson(tmp_path)
    sync_lessons_in(tmp_path)
    return tmp_path


def backdate_bookings(series_id: int, days: int = 60) -> None:
    """Move a series' bookings ``days`` back, as if made before its past sessions (a session's
    register only counts learners who booked before it started)."""
    from sqlalchemy import select

    from webapp.classes.models import Booking

    for booking in db.session.scalars(select(Booking).where(Booking.series_id == series_id)):
        booking.created_at -= timedelta(days=days)
        if booking.confirmed_at is not None:
            booking.confirmed_at -= timedelta(days=days)
    db.session.commit()
