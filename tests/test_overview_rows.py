"""The stored overview rows: kept equal to the pure rules and to the sweep's SQL after every kind
of write and after the sweep, and shown by the overview at once after each write.

The clock is frozen at 10 January 2026 (Oslo).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from tests.conftest import login_as
from webapp.accounts.models import Role, User
from webapp.accounts.services import update_profile
from webapp.entitlement import rules, services
from webapp.entitlement.flags import flag_settings
from webapp.entitlement.models import LearnerOverview
from webapp.entitlement.overview import learner_row
from webapp.entitlement.overview_rows import (
    COLUMNS,
    computed_rows,
    learner_standing,
    refresh_all,
)
from webapp.entitlement.standing import FLAG_AT_RISK, bit
from webapp.entitlement.sweep import run_daily_sweep
from webapp.extensions import db
from webapp.learners.levels import Education, Level
from webapp.learners.models import Employment
from webapp.learners.services import set_current_level
from webapp.organisations.models import OrganisationKind
from webapp.studytime.models import StudySource
from webapp.studytime.services import record_study_time

D = date.fromisoformat
TODAY = D("2026-01-10")
EN = {"Accept-Language": "en"}


class FrozenClock(datetime):
    """Noon UTC on 10 January 2026."""

    @classmethod
    def now(cls, tz=None):
        return datetime(2026, 1, 10, 12, 0, tzinfo=UTC).astimezone(tz)


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    monkeypatch.setattr("webapp.clock.datetime", FrozenClock)


@pytest.fixture
def municipality(factory):
    return factory.organisation(OrganisationKind.MUNICIPALITY, "Fjordby kommune")


@pytest.fixture
def coordinator(factory, municipality):
    return factory.user(Role.COORDINATOR, municipality, locale="en", name="Kari Koordinator")


def stored_row(learner_id: int) -> tuple:
    db.session.expire_all()
    row = db.session.get(LearnerOverview, learner_id)
    assert row is not None
    return (row.learner_id, *(getattr(row, name) for name in COLUMNS))


def sql_row(learner_id: int, day: date) -> tuple:
    """The row as the sweep's SQL works it out for ``day``, without writing it."""
    statement = computed_rows(day, flag_settings()).where(User.id == learner_id)
    return tuple(db.session.execute(statement).one())


def pure_row(learner_id: int, day: date) -> tuple:
    """The row as the writes' pure function works it out for ``day``."""
    learner = db.session.get(User, learner_id)
    result = learner_standing(learner, day, flag_settings())
    return (
        learner_id,
        learner.learner_profile.home_municipality_id,
        learner.organisation_id,
        learner.name,
        result.status,
        result.sort_rank,
        result.last_day,
        result.flags,
    )


def assert_current(learner_id: int, day: date = TODAY) -> None:
    stored = stored_row(learner_id)
    assert stored == pure_row(learner_id, day) == sql_row(learner_id, day)


# --- Random histories -------------------------------------------------------------------------

# Days from today, with the edges the rules turn on more likely than chance: the last day
# (start + 12 months - 1), 30/60/90 days left, 14 days idle.
EDGES = (-366, -365, -364, -335, -334, -305, -304, -276, -275, -15, -14, -13, -1, 0, 1)
offsets = st.one_of(st.sampled_from(EDGES), st.integers(min_value=-560, max_value=90))
operations = st.lists(
    st.one_of(
        st.tuples(st.just("start"), offsets),
        st.tuples(st.just("leave"), offsets, st.integers(min_value=0, max_value=70)),
        st.tuples(st.just("remove_leave"), st.integers(min_value=0, max_value=3)),
        st.tuples(st.just("extension"), st.integers(min_value=1, max_value=6)),
        st.tuples(st.just("remove_extension"), st.integers(min_value=0, max_value=3)),
        st.tuples(st.just("dropout"), offsets),
        st.tuples(st.just("withdraw")),
        st.tuples(st.just("level"), st.sampled_from(list(Level))),
        st.tuples(st.just("rename"), st.text("abcæøå ÅB", min_size=1, max_size=12)),
    ),
    max_size=8,
)
study_days = st.lists(
    st.tuples(
        st.one_of(st.sampled_from((0, 13, 14, 15, 27, 28)), st.integers(0, 40)),
        st.one_of(st.sampled_from((3600, 7199, 7200)), st.integers(60, 9000)),
        st.sampled_from(list(StudySource)),
    ),
    max_size=5,
    unique_by=lambda item: (item[0], item[2]),
)


def apply(actor, learner: User, operation: tuple) -> None:
    """One write through its service; a refused one is rolled back, as the pages do."""
    kind, *args = operation
    entitlement = services.get_entitlement(learner)
    try:
        if kind == "start":
            services.set_start(actor, learner, None, TODAY + timedelta(days=args[0]), "")
        elif kind == "leave":
            first = TODAY + timedelta(days=args[0])
            services.add_leave(actor, learner, first, first + timedelta(days=args[1]), "")
        elif kind == "remove_leave" and entitlement and len(entitlement.leaves) > args[0]:
            leave_id = entitlement.leaves[args[0]].id
            services.remove_leave(actor, learner, leave_id, "")
        elif kind == "extension":
            services.add_extension(actor, learner, TODAY, args[0], "")
        elif kind == "remove_extension" and entitlement and len(entitlement.extensions) > args[0]:
            decision_id = entitlement.extensions[args[0]].id
            services.remove_extension(actor, learner, decision_id, "")
        elif kind == "dropout":
            services.register_dropout(actor, learner, TODAY + timedelta(days=args[0]), "")
        elif kind == "withdraw" and entitlement:
            services.withdraw_dropout(actor, learner, "")
        elif kind == "level":
            set_current_level(learner, args[0])
        elif kind == "rename" and args[0].strip():
            update_profile(learner, args[0], learner.locale)
    except services.EntitlementError:
        db.session.rollback()
    else:
        db.session.commit()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    education=st.sampled_from(list(Education)),
    born=st.dates(min_value=D("1957-01-01"), max_value=D("2004-12-31")),
    settled_days_ago=st.integers(min_value=0, max_value=900),
    employment=st.sampled_from(list(Employment)),
    study=study_days,
    history=operations,
    sweep_days=st.lists(st.integers(min_value=-30, max_value=400), min_size=1, max_size=3),
)
def test_stored_rows_agree_with_the_rules_and_the_sql_after_every_write_and_sweep(
    factory,
    municipality,
    coordinator,
    education,
    born,
    settled_days_ago,
    employment,
    study,
    history,
    sweep_days,
):
    settled = max(TODAY - timedelta(days=settled_days_ago), born + timedelta(days=1))
    learner = factory.learner(
        home=municipality,
        organisation=municipality,
        education=education,
        birth_date=born,
        settlement_date=settled,
        employment=employment,
    )
    for days_ago, seconds, source in study:
        record_study_time(learner.id, TODAY - timedelta(days=days_ago), source, seconds)
    services.ensure_entitlement(learner, coordinator)  # as joining and importing do
    db.session.commit()
    assert_current(learner.id)
    for operation in history:
        apply(coordinator, db.session.get(User, learner.id), operation)
        assert_current(learner.id)
    for days in sweep_days:  # the sweep on later (or earlier) days
        day = TODAY + timedelta(days=days)
        refresh_all(day)
        db.session.commit()
        assert_current(learner.id, day)
    refresh_all(TODAY)
    db.session.commit()


# --- The sweep moves learners on --------------------------------------------------------------


def test_the_sweep_moves_an_ended_period_from_active_to_expired(factory, municipality, coordinator):
    learner = factory.learner(home=municipality, settlement_date=D("2024-12-01"))
    services.set_start(coordinator, learner, None, D("2025-01-12"), "")  # last day 2026-01-11
    db.session.commit()
    admin = factory.user(Role.ADMIN)
    settings_ = flag_settings()
    row = learner_row(admin, learner.id, TODAY, settings_)
    assert (row.status, row.days_left) == (rules.ACTIVE, 2)
    assert "deadline_30" in row.flags

    later = TODAY + timedelta(days=2)
    run_daily_sweep(later)
    db.session.commit()
    row = learner_row(admin, learner.id, later, settings_)
    assert (row.status, row.flags, row.days_left) == (rules.EXPIRED, ("expired",), None)
    assert stored_row(learner.id)[5] == 3  # now sorted among the ended periods


def test_study_time_reaches_the_activity_flags_with_the_sweep(factory, municipality, coordinator):
    learner = factory.learner(home=municipality, settlement_date=D("2025-01-01"))
    set_current_level(learner, Level.C1)
    services.set_start(coordinator, learner, None, D("2025-09-01"), "")
    db.session.commit()
    assert stored_row(learner.id)[-1] == bit(FLAG_AT_RISK)  # never studied: idle
    record_study_time(learner.id, TODAY, StudySource.LESSON, 1800)
    db.session.commit()
    assert stored_row(learner.id)[-1] == bit(FLAG_AT_RISK)  # the log does not refresh the row
    run_daily_sweep(TODAY)
    db.session.commit()
    assert stored_row(learner.id)[-1] == 0


# --- The overview shows each write at once ----------------------------------------------------


def overview(client, query: str = "") -> list[tuple[str, str, str, str]]:
    """Name, status, last day and flags of each row of the coordinator's overview."""
    response = client.get(f"/entitlements?{query}", headers=EN)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    rows = re.findall(
        r'<a href="/learners/\d+/entitlement">([^<]*)</a>.*?</td>\s*<td>([^<]*)</td>\s*'
        r"<td>([^<]*)</td>.*?<td>(.*?)</td>\s*</tr>",
        page,
        flags=re.S,
    )
    return [
        (name, status, last_day, " ".join(re.findall(r'class="flag flag-([a-z_0-9]+)"', flags)))
        for name, status, last_day, flags in rows
    ]


def test_the_overview_shows_each_write_at_once(app, client, factory, municipality, coordinator):
    learner = factory.learner(
        home=municipality, name="Olena Kovalenko", settlement_date=D("2024-12-01")
    )
    set_current_level(learner, Level.C1)
    record_study_time(learner.id, TODAY, StudySource.LESSON, 3600)  # at the goal, not idle
    db.session.commit()
    other = factory.learner(home=municipality, name="Mykola Bondar")
    services.set_start(coordinator, other, None, D("2026-03-01"), "")  # not started yet
    db.session.commit()
    login_as(client, coordinator)
    base = f"/learners/{learner.id}/entitlement"

    def row() -> tuple[str, str, str, str]:
        [found] = [r for r in overview(client) if r[0] == learner.name]
        return found

    assert row() == ("Olena Kovalenko", "Not registered", "–", "")

    def post(path: str, **data) -> None:
        response = client.post(f"{base}/{path}", data=data, headers=EN)
        assert response.status_code == 302, response.get_data(as_text=True)

    post("start", start_date="2025-02-24", reason="vedtak")  # last day 2026-02-23
    assert row() == ("Olena Kovalenko", "Active", "Feb 23, 2026", "deadline_90 extension_possible")
    assert overview(client, "status=active") == [row()]

    post("leave", first_day="2026-01-05", last_day="2026-01-20", reason="syk")
    assert row() == ("Olena Kovalenko", "On leave", "Mar 11, 2026", "deadline_90 on_leave")
    assert overview(client, "flag=on_leave") == [row()]

    post("extension", decided_on="2026-01-10", months="6", note="")
    assert row() == ("Olena Kovalenko", "On leave", "Sep 8, 2026", "on_leave")
    assert overview(client, "flag=deadline_90") == []

    assert [r[0] for r in overview(client)] == ["Olena Kovalenko", "Mykola Bondar"]
    post("dropout", on="2026-01-10", reason="flyttet")
    assert row() == ("Olena Kovalenko", "Dropped out", "Sep 8, 2026", "")
    assert [r[0] for r in overview(client)] == ["Mykola Bondar", "Olena Kovalenko"]

    learner_client = app.test_client()
    login_as(learner_client, learner)
    response = learner_client.post(
        "/profile",
        data={
            "details-name": "Aleksandra Kovalenko",
            "details-locale": "uk",
            "details-submit": "1",
        },
    )
    assert response.status_code == 302
    assert [r[0] for r in overview(client, "sort=name")] == [
        "Aleksandra Kovalenko",
        other.name,
    ]
    assert [r[0] for r in overview(client, "q=aleks")] == ["Aleksandra Kovalenko"]
    assert overview(client, "q=olena") == []


# --- Statements per page ----------------------------------------------------------------------


def statements(client, path: str) -> int:
    """How many statements one visit to ``path`` runs, from a fresh session."""
    db.session.commit()
    db.session.expire_all()
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(path, headers=EN)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(seen)


def add_flagged(factory, municipality, coordinator, n: int) -> None:
    for i in range(n):
        learner = factory.learner(
            home=municipality, employment=Employment.FULL_TIME, settlement_date=D("2024-01-01")
        )
        start = TODAY - timedelta(days=200 + 3 * i)  # never studied: at risk, time unused
        services.set_start(coordinator, learner, None, start, "")
    db.session.commit()


@pytest.mark.parametrize(
    "path",
    ["/dashboard", "/entitlements?flag=at_risk&sort=name", "/entitlements?page=2&sort=-last_day"],
)
def test_staff_pages_cost_the_same_statements_at_two_sizes(
    client, factory, municipality, coordinator, path
):
    add_flagged(factory, municipality, coordinator, 3)
    login_as(client, coordinator)
    client.get(path)  # warm up
    few = statements(client, path)
    add_flagged(factory, municipality, coordinator, 60)
    assert statements(client, path) == few
