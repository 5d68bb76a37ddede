"""Whole pages remembered per session (webapp/remembered): which visits are answered from
memory, and every kind of change that makes a page be worked out again."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from flask import current_app, g
from sqlalchemy import event, insert, update

from tests.conftest import PASSWORD, login_as
from webapp import create_app
from webapp.access.rules import enforce_access_rule
from webapp.accounts.models import Role, User
from webapp.changes.services import read_stamp
from webapp.clock import oslo_today
from webapp.entitlement import services as entitlement_services
from webapp.extensions import db
from webapp.learners.models import LearnerProfile
from webapp.organisations.models import OrganisationKind
from webapp.remembered.services import (
    PageMemory,
    RememberedPage,
    RememberedPages,
    _stamp_reader,
    note_plain_visit,
    page_memory,
)
from webapp.remembered.stamps import (
    ALSO_SHARED,
    NOT_SHOWN,
    PERSON_COLUMNS,
    SHARED_STAMP,
    person_stamp,
    stamps_for_row,
)
from webapp.studytime.models import StudyDay, StudySource


@pytest.fixture
def town(factory):
    municipality = factory.organisation(OrganisationKind.MUNICIPALITY, "Fjordby kommune")
    coordinator = factory.user(Role.COORDINATOR, municipality, locale="en")
    return municipality, coordinator


def visit(client, path: str = "/dashboard") -> tuple[int, str, int]:
    """Status, HTML and how many statements the app's engine ran for one GET of ``path``."""
    db.session.commit()  # the test's own writes are committed, as a request's would be
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return response.status_code, response.get_data(as_text=True), len(statements)


def remembered(client, path: str = "/dashboard") -> str:
    """Visit ``path`` until it is answered from memory (the first visit works it out)."""
    status, _html, worked = visit(client, path)
    assert status == 200
    assert worked > 0
    status, html, statements = visit(client, path)
    assert (status, statements) == (200, 0), "the revisit should be answered from memory"
    return html


def study(learner: User, hours: float) -> None:
    db.session.add(
        StudyDay(
            learner_id=learner.id,
            day=oslo_today(),
            source=StudySource.LESSON,
            seconds=int(hours * 3600),
        )
    )
    db.session.commit()


# --- What is answered from memory --------------------------------------------------------------


def test_a_revisit_is_answered_from_memory_with_the_same_page(client, factory, town):
    learner = factory.learner(home=town[0])
    login_as(client, learner)
    _status, first, worked = visit(client)
    assert worked > 0
    _status, again, statements = visit(client)
    assert statements == 0
    assert again == first


def test_every_user_and_every_session_gets_its_own_page(app, factory, town):
    anna = factory.learner(home=town[0])
    anna.name = "Anna Kovalenko"
    boris = factory.learner(home=town[0])
    boris.name = "Borys Melnyk"
    db.session.commit()
    anna_phone, anna_laptop, boris_phone = (app.test_client() for _ in range(3))
    for client, user in ((anna_phone, anna), (anna_laptop, anna), (boris_phone, boris)):
        login_as(client, user)
    page = remembered(anna_phone)
    assert "Anna Kovalenko" in page
    # Another user's first visit to the same address is worked out, and is theirs.
    _status, html, statements = visit(boris_phone)
    assert statements > 0
    assert "Borys Melnyk" in html
    assert "Anna Kovalenko" not in html
    # The same user's other session is worked out too: its CSRF token is its own.
    _status, html, statements = visit(anna_laptop)
    assert statements > 0
    assert csrf_token_in(html) != csrf_token_in(page)


def csrf_token_in(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_a_remembered_page_s_forms_still_pass_the_csrf_check(app, client, factory, town):
    app.config["WTF_CSRF_ENABLED"] = True
    learner = factory.learner(home=town[0])
    login_as(client, learner)
    page = remembered(client)
    response = client.post("/logout", data={"csrf_token": csrf_token_in(page)})
    assert response.status_code == 302
    assert visit(client)[0] == 302  # logged out: sent to the login page


def test_a_flash_message_is_shown_once_and_never_remembered(client, factory, town):
    learner = factory.learner(home=town[0])
    login_as(client, learner)
    remembered(client)
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Velkommen tilbake")]
    _status, html, statements = visit(client)
    assert statements > 0
    assert "Velkommen tilbake" in html
    _status, html, _statements = visit(client)
    assert "Velkommen tilbake" not in html


def test_pages_not_marked_are_always_worked_out(client, factory, town):
    learner = factory.learner(home=town[0])
    login_as(client, learner)
    for _ in range(2):
        status, _html, statements = visit(client, "/profile")
        assert status == 200
        assert statements > 0


def test_nothing_is_remembered_with_the_memory_turned_off(app, factory, town):
    learner = factory.learner(home=town[0])
    settings = {key: app.config[key] for key in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI")}
    quiet = create_app({**settings, "TESTING": True, "NORSKVEI_PAGE_MEMORY_SECONDS": 0})
    learner.get_id()  # loaded here: inside quiet's context this session would bind to its engine
    assert page_memory(quiet) is None
    assert not isinstance(quiet.wsgi_app, RememberedPages)
    with quiet.app_context():
        client = quiet.test_client()
        login_as(client, learner)
        try:
            for _ in range(2):
                status, _html, statements = visit(client)
                assert (status, statements > 0) == (200, True)
        finally:
            db.session.remove()
            db.engine.dispose()


# --- Changes that make a page be worked out again -----------------------------------------


def test_the_learner_s_own_study_time_is_shown_at_once(client, factory, town):
    learner = factory.learner(home=town[0], locale="en")
    login_as(client, learner)
    assert "Study time this week: 0.0 h" in remembered(client)
    study(learner, 3)
    _status, html, statements = visit(client)
    assert statements > 0
    assert "Study time this week: 3.0 h" in html


def test_staff_changes_to_the_learner_s_rows_are_shown_at_once(client, factory, town):
    municipality, coordinator = town
    learner = factory.learner(home=municipality, locale="en")
    login_as(client, learner)
    assert "Last day:" not in remembered(client)
    entitlement_services.set_start(coordinator, learner, None, oslo_today(), "")
    _status, html, statements = visit(client)
    assert statements > 0
    assert "Last day:" in html


def test_a_change_everybody_sees_reaches_every_remembered_page(client, factory, town):
    learner = factory.learner(home=town[0])
    login_as(client, learner)
    school = learner.organisation
    assert school.name in remembered(client)
    school.name = "Nordlys voksenopplæring"
    _status, html, statements = visit(client)
    assert statements > 0
    assert "Nordlys voksenopplæring" in html


def test_other_learners_study_reaches_staff_pages_within_the_page_minute(
    client, factory, town, monkeypatch
):
    municipality, coordinator = town
    learner = factory.learner(home=municipality)
    learner.name = "Bohdan"
    login_as(client, coordinator)
    page = remembered(client, "/entitlements")
    assert ">Bohdan<" in page
    assert ">3.0<" not in page
    study(learner, 3)
    _status, html, statements = visit(client, "/entitlements")
    assert statements == 0  # within the minute: as remembered
    assert ">3.0<" not in html
    later = time.monotonic() + current_app.config["NORSKVEI_PAGE_MEMORY_SECONDS"] + 1
    monkeypatch.setattr(time, "monotonic", lambda: later)
    _status, html, statements = visit(client, "/entitlements")
    assert statements > 0
    assert ">3.0<" in html


def test_a_renamed_learner_reaches_staff_pages_at_once(client, factory, town):
    municipality, coordinator = town
    learner = factory.learner(home=municipality)
    learner.name = "Bohdan"
    login_as(client, coordinator)
    assert ">Bohdan<" in remembered(client, "/entitlements")
    learner.name = "Zoia"
    _status, html, _statements = visit(client, "/entitlements")
    assert ">Zoia<" in html


def test_someone_else_logging_in_leaves_remembered_pages_alone(app, client, factory, town):
    learner = factory.learner(home=town[0])
    other = factory.learner(home=town[0])
    login_as(client, learner)
    remembered(client)
    response = app.test_client().post("/login", data={"email": other.email, "password": PASSWORD})
    assert response.status_code == 302
    assert db.session.get(User, other.id).last_login_at is not None
    assert visit(client)[2] == 0


def test_a_new_day_works_the_page_out_again(client, factory, town, monkeypatch):
    learner = factory.learner(home=town[0])
    login_as(client, learner)
    remembered(client)
    tomorrow = datetime.now(UTC) + timedelta(days=1)

    class Tomorrow(datetime):
        @classmethod
        def now(cls, tz=None):
            return tomorrow

    monkeypatch.setattr("webapp.clock.datetime", Tomorrow)
    assert visit(client)[2] > 0


@pytest.mark.parametrize("change", ["deactivated", "logged out everywhere"])
def test_a_user_who_may_no_longer_see_the_page_is_not_answered_from_memory(
    client, factory, town, change
):
    learner = factory.learner(home=town[0])
    login_as(client, learner)
    remembered(client)
    if change == "deactivated":
        learner.active = False
    else:
        learner.session_version += 1
    status, _html, _statements = visit(client)
    assert status == 302  # to the login page


def test_a_role_change_is_not_answered_from_memory(client, factory, town):
    learner = factory.learner(home=town[0])
    login_as(client, learner)
    remembered(client, "/classes")
    learner.role = Role.TEACHER
    db.session.delete(db.session.get(LearnerProfile, learner.id))
    status, _html, statements = visit(client, "/classes")
    assert (status, statements > 0) == (200, True)  # the teacher's list, worked out


def test_uncommitted_writes_of_the_test_s_own_session_are_never_hidden(client, factory, town):
    learner = factory.learner(home=town[0])
    login_as(client, learner)
    remembered(client)
    learner.organisation.name = "Ikke lagret ennå"
    db.session.flush()
    html = client.get("/dashboard").get_data(as_text=True)  # no commit before the visit
    assert "Ikke lagret ennå" in html
    db.session.rollback()


# --- Which writes raise which stamps ---------------------------------------------------------


def stamp_version(name: str) -> int:
    stamp = read_stamp(name)
    return stamp[1] if stamp else 0


def test_a_write_about_one_learner_raises_only_their_stamp(factory, town):
    learner = factory.learner(home=town[0])
    other = factory.learner(home=town[0])
    before = {
        name: stamp_version(name)
        for name in (SHARED_STAMP, person_stamp(learner.id), person_stamp(other.id))
    }
    study(learner, 1)
    assert stamp_version(person_stamp(learner.id)) == before[person_stamp(learner.id)] + 1
    assert stamp_version(person_stamp(other.id)) == before[person_stamp(other.id)]
    assert stamp_version(SHARED_STAMP) == before[SHARED_STAMP]


def test_the_writer_s_own_stamp_rises_with_their_writes(app, factory, town):
    municipality, coordinator = town
    learner = factory.learner(home=municipality)
    before = stamp_version(person_stamp(coordinator.id))
    with app.test_request_context("/"):
        g._login_user = coordinator
        study(learner, 1)
    assert stamp_version(person_stamp(coordinator.id)) == before + 1


def test_a_bulk_statement_on_rows_about_people_raises_the_shared_stamp(factory, town):
    learner = factory.learner(home=town[0])
    before = stamp_version(SHARED_STAMP)
    db.session.execute(
        insert(StudyDay).values(
            learner_id=learner.id, day=oslo_today(), source=StudySource.CLASS, seconds=60
        )
    )
    db.session.commit()
    assert stamp_version(SHARED_STAMP) == before + 1
    db.session.execute(update(StudyDay).values(seconds=120))
    db.session.commit()
    assert stamp_version(SHARED_STAMP) == before + 2


def test_rows_nobody_s_page_shows_raise_nothing(client, factory, town):
    learner = factory.learner(home=town[0])
    before = stamp_version(SHARED_STAMP)
    client.post("/login", data={"email": learner.email, "password": "wrong password 123"})
    assert stamp_version(SHARED_STAMP) == before


def test_stamps_for_one_row_follow_the_three_kinds():
    assert stamps_for_row("study_days", [7], shown_to_others=False) == {"person:7"}
    assert stamps_for_row("class_bookings", [7], shown_to_others=True) == {
        "person:7",
        SHARED_STAMP,
    }
    assert stamps_for_row("study_days", [7, 9], shown_to_others=False) == {"person:7", "person:9"}
    assert stamps_for_row("study_days", [], shown_to_others=False) == {SHARED_STAMP}
    assert stamps_for_row("login_attempts", [], shown_to_others=False) == set()
    assert stamps_for_row("class_series", [], shown_to_others=False) == {SHARED_STAMP}
    assert stamps_for_row("a_table_added_later", [], shown_to_others=False) == {SHARED_STAMP}


def test_the_classification_names_only_real_tables_and_columns():
    tables = db.metadata.tables
    for table, column in PERSON_COLUMNS.items():
        assert column in tables[table].columns, (table, column)
    for table, columns in ALSO_SHARED.items():
        assert table in PERSON_COLUMNS, table
        for column in columns or ():
            assert column in tables[table].columns, (table, column)
    for table in NOT_SHOWN:
        assert table in tables, table
    assert not set(NOT_SHOWN) & set(PERSON_COLUMNS)


# --- The memory itself ----------------------------------------------------------------------


def page_of(size: int) -> RememberedPage:
    return RememberedPage("200 OK", [], b"x" * size, 1, ((1, 1), None), oslo_today(), 0.0, 0.0)


def test_the_memory_drops_the_least_recently_used_pages_to_stay_under_its_limit():
    memory = PageMemory(limit=250, seconds=60)
    memory.keep(("a",), page_of(100))
    memory.keep(("b",), page_of(100))
    assert memory.get(("a",)) is not None  # now the most recently used
    memory.keep(("c",), page_of(100))
    assert memory.get(("b",)) is None
    assert memory.get(("a",)) is not None
    assert memory.get(("c",)) is not None
    assert memory.size == 200
    memory.keep(("a",), page_of(50))  # kept again: replaces, not adds
    assert (len(memory), memory.size) == (2, 150)
    memory.keep(("huge",), page_of(251))  # bigger than the whole memory: not kept
    assert memory.get(("huge",)) is None
    memory.clear()
    assert (len(memory), memory.size) == (0, 0)


def test_the_stamp_reader_replaces_a_connection_that_went_away(app, factory, town):
    factory.learner(home=town[0])  # raises the shared stamp
    reader = _stamp_reader(app)
    names = (SHARED_STAMP, person_stamp(1))
    assert SHARED_STAMP in reader.read(names)
    closed = reader._idle[-1]
    closed.close()  # as a database restart would leave it
    assert SHARED_STAMP in reader.read(names)
    assert closed not in reader._idle


def test_the_stamps_are_read_before_the_user_is_loaded(app):
    hooks = app.before_request_funcs[None]
    assert hooks[0] is note_plain_visit
    assert hooks.index(note_plain_visit) < hooks.index(enforce_access_rule)
