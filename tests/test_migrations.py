"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from tests.conftest import TEST_SECRET
from webapp import create_app
from webapp.entitlement import rules
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
        db.engine.dispose()  # before the database is dropped under its connections


def test_the_overview_columns_are_filled_for_the_learners_already_there(empty_database_url):
    """0009 gives every existing learner an overview row: the sweep's values for today."""
    from sqlalchemy import insert, select

    from webapp.accounts.models import User
    from webapp.clock import oslo_today
    from webapp.entitlement.flags import flag_settings
    from webapp.entitlement.models import Entitlement, LearnerOverview
    from webapp.entitlement.overview_rows import learner_standing, refresh_all
    from webapp.learners.models import LearnerProfile
    from webapp.organisations.models import Organisation

    app = create_app({"SECRET_KEY": TEST_SECRET, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    today = oslo_today()
    with app.app_context():
        upgrade(revision="0008_no_change_stamps")
        with db.engine.begin() as connection:  # rows as 0008 knew them, written without the app
            [home, school] = connection.execute(
                insert(Organisation.__table__).returning(
                    Organisation.__table__.c.id, sort_by_parameter_order=True
                ),
                [
                    {
                        "name": "Fjordby kommune",
                        "kind": "municipality",
                        "municipality_number": "0001",
                        "created_at": datetime(2025, 1, 1, tzinfo=UTC),
                    },
                    {
                        "name": "Skolen",
                        "kind": "provider",
                        "municipality_number": None,
                        "created_at": datetime(2025, 1, 1, tzinfo=UTC),
                    },
                ],  # fmt: skip
            ).scalars()
            names = ("Anna Aktiv", "Dina Utløpt", "Erik Venter", "Frida Uregistrert")
            learners = (
                connection.execute(
                    insert(User.__table__).returning(
                        User.__table__.c.id, sort_by_parameter_order=True
                    ),
                    [
                        {
                            "email": f"l{n}@example.org",
                            "name": name,
                            "password_hash": "!",
                            "locale": "uk",
                            "role": "learner",
                            "organisation_id": school,
                            "active": True,
                            "session_version": 1,
                            "created_at": datetime(2025, 1, 1, tzinfo=UTC),
                        }
                        for n, name in enumerate(names)
                    ],  # fmt: skip
                )
                .scalars()
                .all()
            )
            connection.execute(
                insert(LearnerProfile.__table__),
                [
                    {
                        "user_id": learner_id,
                        "birth_date": date(1985, 5, 17),
                        "settlement_date": today - timedelta(days=900),
                        "home_municipality_id": home,
                        "first_language": "uk",
                        "education": "higher",
                        "current_level": "B2",
                        "target_listening": "B1",
                        "target_reading": "B1",
                        "target_writing": "B1",
                        "target_oral": "B2",
                        "employment": "not_working",
                        "working_hours": "",
                        "updated_at": datetime(2025, 1, 1, tzinfo=UTC),
                    }
                    for learner_id in learners
                ],  # fmt: skip
            )
            starts = {  # last day = start + 12 months - 1 day
                learners[0]: today - timedelta(days=300),  # active, about 65 days left
                learners[1]: today - timedelta(days=400),  # expired
                learners[2]: today + timedelta(days=20),  # not started
            }
            connection.execute(
                insert(Entitlement.__table__),
                [
                    {
                        "learner_id": learner_id,
                        "rule_set": "tcp_37d_2023",
                        "settlement_date": today - timedelta(days=900),
                        "start_date": start,
                        "entitled": True,
                        "last_day": rules.add_months(start, 12) - timedelta(days=1),
                        "extensions_used": 0,
                        "extension_months": 0,
                        "updated_at": datetime(2025, 1, 1, tzinfo=UTC),
                    }
                    for learner_id, start in starts.items()
                ],  # fmt: skip
            )

        upgrade()

        rows = {row.learner_id: row for row in db.session.scalars(select(LearnerOverview))}
        assert {learner_id: rows[learner_id].status for learner_id in learners} == {
            learners[0]: "active",
            learners[1]: "expired",
            learners[2]: "not_started",
            learners[3]: "no_record",
        }
        assert [rows[learner_id].name for learner_id in learners] == list(names)
        assert {row.municipality_id for row in rows.values()} == {home}
        assert {row.organisation_id for row in rows.values()} == {school}
        assert rows[learners[0]].last_day == rules.add_months(starts[learners[0]], 12) - timedelta(
            days=1
        )
        settings = flag_settings()
        for learner_id in learners:  # the values the writes' pure function gives
            expected = learner_standing(db.session.get(User, learner_id), today, settings)
            row = rows[learner_id]
            assert (row.status, row.flags, row.sort_rank, row.last_day) == (
                expected.status,
                expected.flags,
                expected.sort_rank,
                expected.last_day,
            )
        assert rows[learners[0]].flags != 0  # 90 days or fewer left
        assert refresh_all(today) == 0  # the sweep finds nothing to correct
        db.session.rollback()
        downgrade(revision="0008_no_change_stamps")
        assert "learner_overview" not in inspect(db.engine).get_table_names()
        db.session.remove()
        db.engine.dispose()


def test_reverse_cards_made_before_their_word_was_recalled_are_withdrawn(empty_database_url):
    """0015: a reverse card nobody reviewed goes unless its word's forward card was recalled."""
    app = create_app({"SECRET_KEY": TEST_SECRET, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision="0013_outbox_failed_at")
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO organisations (id, name, kind, municipality_number, created_at)"
                    " VALUES (1, 'Fjordby kommune', 'municipality', '0001', '2030-01-01 08:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO users (id, email, name, password_hash, locale, role,"
                    " organisation_id, active, session_version, created_at) VALUES (1,"
                    " 'olena@example.org', 'Olena', 'x', 'uk', 'learner', 1, true, 1,"
                    " '2030-01-01 08:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO lessons (id, track, level, position, minutes, title_nb, digest,"
                    " version, content, updated_at) VALUES ('l1', 'working-life', 'A1', 1, 10,"
                    " 'Første dag', 'd', 1, '{}', '2030-01-01 08:00')"
                )
            )
            cards = (  # id, word, direction, reviews
                (1, "en kollega", "from_nb", 1),  # recalled (rated good)
                (2, "en kollega", "to_nb", 0),
                (3, "en pause", "from_nb", 1),  # forgotten (rated again)
                (4, "en pause", "to_nb", 0),
                (5, "å begynne", "from_nb", 0),
                (6, "å begynne", "to_nb", 1),  # reviewed already: kept
            )
            for card_id, word, direction, reviews in cards:
                connection.execute(
                    text(
                        "INSERT INTO vocab_cards (id, learner_id, lesson_id, word_nb, meaning,"
                        " example, direction, due, state, reviews) VALUES (:id, 1, 'l1', :word,"
                        " 'm', '', :direction, '2030-01-02 08:00', '{}', :reviews)"
                    ),
                    {"id": card_id, "word": word, "direction": direction, "reviews": reviews},
                )
            for card_id, rating in ((1, 3), (3, 1), (6, 3)):
                connection.execute(
                    text(
                        "INSERT INTO vocab_reviews (card_id, rating, reviewed_at)"
                        " VALUES (:card, :rating, '2030-01-02 08:00')"
                    ),
                    {"card": card_id, "rating": rating},
                )
        upgrade()
        with db.engine.connect() as connection:
            kept = connection.execute(text("SELECT id FROM vocab_cards ORDER BY id")).scalars()
            assert list(kept) == [1, 2, 3, 5, 6]
        downgrade(revision="base")
        db.engine.dispose()  # before the database is dropped under its connections


def test_first_tries_and_first_try_scores_are_filled_in_for_answers_already_there(
    empty_database_url,
):
    """0018: an answer tried more than once was wrong the first time; one right try was right;
    free writing has no first try. Lesson scores become first-try scores."""
    import json

    app = create_app({"SECRET_KEY": TEST_SECRET, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    exercises = [{"id": f"e{n}", "type": "choice"} for n in range(1, 5)]
    exercises.append({"id": "w", "type": "writing"})
    with app.app_context():
        upgrade(revision="0013_outbox_failed_at")
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO organisations (id, name, kind, created_at)"
                    " VALUES (1, 'Skolen', 'provider', '2030-01-01 08:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO users (id, email, name, password_hash, locale, role,"
                    " organisation_id, active, session_version, created_at) VALUES (7,"
                    " 'l@example.org', 'Olena', '!', 'uk', 'learner', 1, true, 1,"
                    " '2030-01-01 08:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO lessons (id, track, level, position, minutes, title_nb, digest,"
                    " version, content, updated_at) VALUES ('l1', 'office', 'A1', 1, 10, 'L',"
                    " 'd', 1, :content, '2030-01-01 08:00:00')"
                ),
                {"content": json.dumps({"exercises": exercises})},
            )
            connection.execute(
                text(
                    "INSERT INTO lesson_progress (learner_id, lesson_id, started_at, updated_at,"
                    " completed_at, best_score) VALUES (7, 'l1', '2030-01-01 08:00:00',"
                    " '2030-01-01 08:10:00', '2030-01-01 08:10:00', 100)"
                )
            )
            for exercise_id, correct, attempts in (
                ("e1", True, 1),
                ("e2", True, 3),
                ("e3", False, 1),
                ("e4", False, 2),
                ("w", None, 1),
            ):
                connection.execute(
                    text(
                        "INSERT INTO exercise_answers (learner_id, lesson_id, exercise_id,"
                        " answer, correct, attempts, answered_at) VALUES (7, 'l1', :id, '\"x\"',"
                        " :correct, :attempts, '2030-01-01 08:05:00')"
                    ),
                    {"id": exercise_id, "correct": correct, "attempts": attempts},
                )
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT exercise_id, first_try_correct, right_again FROM exercise_answers"
                    " ORDER BY exercise_id"
                )
            ).all()
            score = connection.execute(text("SELECT best_score FROM lesson_progress")).scalar()
        assert [(r[0], r[1], bool(r[2])) for r in rows] == [
            ("e1", True, False),
            ("e2", False, False),  # right in the end, on the third try
            ("e3", False, False),
            ("e4", False, False),
            ("w", None, False),
        ]
        assert score == 25  # one of four right the first time, not 100
        downgrade(revision="base")
        db.engine.dispose()


def test_texts_already_answered_stop_waiting(empty_database_url):
    """0026: a text with a reply is no longer waiting; the others still are."""
    app = create_app({"SECRET_KEY": TEST_SECRET, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision="0025_writing_provider")
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO organisations (id, name, kind, created_at)"
                    " VALUES (1, 'Skolen', 'provider', '2030-01-01 08:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO users (id, email, name, password_hash, locale, role,"
                    " organisation_id, active, session_version, created_at) VALUES (7,"
                    " 'l@example.org', 'Olena', '!', 'uk', 'learner', 1, true, 1,"
                    " '2030-01-01 08:00:00')"
                )
            )
            for text_id, replied_at in ((1, None), (2, "2030-01-02 09:00:00")):
                connection.execute(
                    text(
                        "INSERT INTO writing_submissions (id, learner_id, provider_id,"
                        " practice_set, exercise_id, text, submitted_at, replied_at) VALUES"
                        " (:id, 7, 1, 'p1', 'w', 'Hei', '2030-01-01 08:00:00', :replied_at)"
                    ),
                    {"id": text_id, "replied_at": replied_at},
                )
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, waiting FROM writing_submissions ORDER BY id")
            ).all()
        assert [(row[0], bool(row[1])) for row in rows] == [(1, True), (2, False)]
        downgrade(revision="base")
        db.engine.dispose()
