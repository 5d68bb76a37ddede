"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from tests.conftest import TEST_SECRET
from webapp import create_app
from webapp.extensions import db


@pytest.fixture
def empty_database_url(tmp_path) -> Iterator[str]:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"norskvei_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_matches_models_and_downgrade_empties(empty_database_url):
    app = create_app({"SECRET_KEY": TEST_SECRET, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "organisations", "learner_profiles", "outbox_messages"} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_series_dates_are_widened_to_span_every_session(empty_database_url):
    """0010: a series whose extra sessions lie outside its pattern's dates gets dates that
    span them, so classes that fit can choose series by their dates alone."""
    app = create_app({"SECRET_KEY": TEST_SECRET, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision="0008_no_change_stamps")
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO organisations (id, name, kind, created_at)"
                    " VALUES (1, 'Skolen', 'provider', '2030-01-01 08:00:00')"
                )
            )
            for series_id, first, last in (
                (1, "2030-03-01", "2030-03-31"),
                (2, "2030-03-01", "2030-03-31"),
            ):
                connection.execute(
                    text(
                        "INSERT INTO class_series (id, provider_id, title, description, level,"
                        " modality, address, meeting_link, capacity, weekdays, start_local,"
                        " end_local, first_date, last_date, drop_in_allowed, seat_price_nok,"
                        " booking_version, created_at) VALUES (:id, 1, 'Kurs', '', 'A2',"
                        " 'online', '', '', 10, 'fri', '18:00:00', '20:00:00', :first, :last,"
                        " false, 0, 0, '2030-01-01 08:00:00')"
                    ),
                    {"id": series_id, "first": first, "last": last},
                )
            sessions = ((1, "2030-02-20"), (1, "2030-03-08"), (1, "2030-04-10"), (2, "2030-03-08"))
            for number, (series_id, day) in enumerate(sessions):
                connection.execute(
                    text(
                        "INSERT INTO class_sessions (series_id, local_date, start_local,"
                        " end_local, starts_at, ends_at, status, is_extra, sequence) VALUES"
                        " (:series, :day, '18:00:00', '20:00:00', :starts, :ends, 'scheduled',"
                        " false, 0)"
                    ),
                    {
                        "series": series_id,
                        "day": day,
                        "starts": f"{day} 17:00:{number:02d}",
                        "ends": f"{day} 19:00:00",
                    },
                )
        upgrade()
        with db.engine.connect() as connection:
            dates = connection.execute(
                text("SELECT id, first_date, last_date FROM class_series ORDER BY id")
            ).all()
        assert [(row[0], str(row[1]), str(row[2])) for row in dates] == [
            (1, "2030-02-20", "2030-04-10"),  # widened to the extra sessions
            (2, "2030-03-01", "2030-03-31"),  # already spanning its one session
        ]
        downgrade(revision="base")
        db.engine.dispose()
