"""Change stamps rise with every write to watched rows, and the overview's remembered order
follows every kind of roster change (and the study log within its stated lag)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, event, insert, update

from tests.conftest import login_as
from webapp.accounts.models import Role, User
from webapp.changes.models import ChangeStamp
from webapp.changes.services import StampedCache, raise_stamps, read_stamp
from webapp.classes import services as classes
from webapp.classes.models import ClassSeries
from webapp.clock import oslo_today
from webapp.entitlement import overview, services
from webapp.entitlement.models import Entitlement
from webapp.extensions import db
from webapp.learners.models import Employment, LearnerProfile
from webapp.organisations.models import OrganisationKind
from webapp.studytime.models import StudyDay, StudySource

ROSTER = overview.ROSTER_STAMP


def version() -> int:
    stamp = read_stamp(ROSTER)
    return stamp[1] if stamp else 0


@pytest.fixture
def town(factory):
    municipality = factory.organisation(OrganisationKind.MUNICIPALITY, "Fjordby kommune")
    coordinator = factory.user(Role.COORDINATOR, municipality, locale="en")
    return municipality, coordinator


def test_a_stamp_rises_once_per_commit_that_writes_watched_rows(factory, town):
    municipality, _ = town
    before = version()
    learner = factory.learner(home=municipality)  # two commits: the user, then the profile
    assert version() == before + 2
    learner.name = "Olena Renamed"
    db.session.commit()
    assert version() == before + 3
    learner.last_login_at = learner.created_at  # not a column the order reads
    learner.locale = "ru"
    db.session.commit()
    assert version() == before + 3
    db.session.commit()  # nothing written
    assert version() == before + 3


def test_a_rolled_back_write_leaves_the_stamp(factory, town):
    municipality, _ = town
    learner = factory.learner(home=municipality)
    before = version()
    learner.name = "Never Saved"
    db.session.flush()
    db.session.rollback()
    assert version() == before
    learner = db.session.get(User, learner.id)
    learner.name = "Saved After All"
    db.session.commit()
    assert version() == before + 1


def test_a_rolled_back_savepoint_keeps_the_writes_before_it(factory, town):
    municipality, _ = town
    learner = factory.learner(home=municipality)
    before = version()
    learner.name = "Kept"
    db.session.flush()
    with db.session.begin_nested() as savepoint:
        db.session.add(
            StudyDay(learner_id=learner.id, day=oslo_today(), source=StudySource.LESSON, seconds=1)
        )
        db.session.flush()
        savepoint.rollback()
    db.session.commit()
    assert version() > before
    assert db.session.get(User, learner.id).name == "Kept"


def test_statements_on_watched_tables_raise_the_stamp(factory, town):
    municipality, _ = town
    learner = factory.learner(home=municipality)
    steps = [
        update(LearnerProfile)
        .where(LearnerProfile.user_id == learner.id)
        .values(employment=Employment.FULL_TIME),
        insert(Entitlement).values(
            learner_id=learner.id, rule_set="2024", settlement_date=date(2025, 9, 1)
        ),
        update(Entitlement.__table__)
        .where(Entitlement.learner_id == learner.id)
        .values(extension_months=0),
        delete(Entitlement).where(Entitlement.learner_id == learner.id),
    ]
    for statement in steps:
        before = version()
        db.session.execute(statement)
        db.session.commit()
        assert version() == before + 1, statement
    before = version()
    db.session.execute(
        insert(StudyDay).values(
            learner_id=learner.id, day=oslo_today(), source=StudySource.LESSON, seconds=60
        )
    )
    db.session.commit()
    assert version() == before  # the study log is not part of the roster


def test_a_recreated_stamp_row_has_a_new_token(factory, town):
    municipality, _ = town
    factory.learner(home=municipality)
    first = read_stamp(ROSTER)
    db.session.execute(delete(ChangeStamp))
    db.session.commit()
    assert read_stamp(ROSTER) is None
    factory.learner(home=municipality)
    second = read_stamp(ROSTER)
    assert second is not None
    assert second[0] != first[0]


def names_on(client, query: str = "") -> list[str]:
    page = client.get(f"/entitlements?sort=name{query}").get_data(as_text=True)
    found = {page.find(f">{name}<"): name for name in ("Anna", "Bohdan", "Daria", "Zoia")}
    return [found[at] for at in sorted(found) if at >= 0]  # in the page's order


def test_the_remembered_order_follows_every_roster_change(client, factory, town):
    municipality, coordinator = town
    elsewhere = factory.organisation(OrganisationKind.MUNICIPALITY, "Annen kommune")
    people = {}
    for name in ("Bohdan", "Anna", "Daria"):
        people[name] = factory.learner(home=municipality)
        people[name].name = name
    db.session.commit()
    login_as(client, coordinator)
    assert names_on(client) == ["Anna", "Bohdan", "Daria"]
    assert names_on(client) == ["Anna", "Bohdan", "Daria"]  # remembered

    people["Anna"].name = "Zoia"  # renamed: sorts last
    db.session.commit()
    assert names_on(client) == ["Bohdan", "Daria", "Zoia"]

    new = factory.learner(home=municipality)  # registered: appears
    new.name = "Anna"
    db.session.commit()
    assert names_on(client) == ["Anna", "Bohdan", "Daria", "Zoia"]

    people["Daria"].learner_profile.home_municipality = elsewhere  # moved away: gone
    db.session.commit()
    assert names_on(client) == ["Anna", "Bohdan", "Zoia"]

    today = oslo_today()
    services.set_start(coordinator, people["Bohdan"], None, today - timedelta(days=10), "")
    db.session.commit()
    assert names_on(client, "&status=active") == ["Bohdan"]
    services.add_leave(coordinator, people["Bohdan"], today, today + timedelta(days=5), "syk")
    db.session.commit()
    assert names_on(client, "&status=active") == []
    assert names_on(client, "&status=on_leave") == ["Bohdan"]

    db.session.delete(db.session.get(LearnerProfile, new.id))
    db.session.delete(db.session.get(User, new.id))  # deleted: gone
    db.session.commit()
    assert names_on(client) == ["Bohdan", "Zoia"]


def test_the_staff_dashboard_counts_the_learners_it_may_see(client, factory, town):
    municipality, coordinator = town
    login_as(client, coordinator)
    figure = '<p class="figure">{}</p>'
    factory.learner(home=municipality)
    assert figure.format(1) in client.get("/dashboard").get_data(as_text=True)
    assert figure.format(1) in client.get("/dashboard").get_data(as_text=True)  # remembered
    factory.learner(home=municipality)
    factory.learner()  # another municipality's
    assert figure.format(2) in client.get("/dashboard").get_data(as_text=True)


def test_activity_filters_follow_the_study_log_within_the_stated_lag(
    client, factory, town, monkeypatch
):
    municipality, coordinator = town
    today = oslo_today()
    learner = factory.learner(home=municipality, employment=Employment.FULL_TIME)
    learner.name = "Bohdan"
    services.set_start(coordinator, learner, None, today - timedelta(days=60), "")
    db.session.commit()
    login_as(client, coordinator)
    unused = "&flag=time_running_unused"
    assert names_on(client, unused) == ["Bohdan"]
    db.session.add(
        StudyDay(learner_id=learner.id, day=today, source=StudySource.LESSON, seconds=3 * 3600)
    )
    db.session.commit()
    # Within a minute the whole page is answered as remembered: his hours are not there yet.
    page = client.get(f"/entitlements?sort=name{unused}").get_data(as_text=True)
    assert ">Bohdan<" in page
    assert ">3.0<" not in page
    # After the page's minute, within the lag, the remembered order still lists him, with his
    # hours as they are now.
    start = overview.time.monotonic()
    clock = start + client.application.config["NORSKVEI_PAGE_MEMORY_SECONDS"] + 1
    monkeypatch.setattr(overview.time, "monotonic", lambda: clock)
    page = client.get(f"/entitlements?sort=name{unused}").get_data(as_text=True)
    assert ">Bohdan<" in page
    assert ">3.0<" in page
    clock = start + overview.ACTIVITY_LAG_SECONDS + 1
    assert names_on(client, unused) == []
    assert names_on(client) == ["Bohdan"]


def test_an_update_statement_raises_the_stamp_only_for_watched_columns():
    def catalogue() -> int:
        stamp = read_stamp(classes.CATALOGUE_STAMP)
        return stamp[1] if stamp else 0

    before = catalogue()
    db.session.execute(update(ClassSeries).values(booking_version=ClassSeries.booking_version + 1))
    db.session.commit()
    assert catalogue() == before  # what every booking does: the timetables stay
    db.session.execute(update(ClassSeries).values(level="B1"))
    db.session.commit()
    assert catalogue() == before + 1


def test_status_counts_are_remembered_and_follow_the_roster(factory, town):
    municipality, coordinator = town
    today = oslo_today()
    settings = services.flag_settings()
    first, _second = factory.learner(home=municipality), factory.learner(home=municipality)
    factory.learner()  # another municipality's

    def counts() -> dict[str, int]:
        return dict(overview.status_counts(coordinator, today, settings))

    assert counts() == {"no_record": 2}
    assert counts() == {"no_record": 2}  # remembered
    services.set_start(coordinator, first, None, today - timedelta(days=10), "")
    db.session.commit()
    assert counts() == {"active": 1, "no_record": 1}
    services.add_leave(coordinator, first, today, today + timedelta(days=5), "syk")
    db.session.commit()
    assert counts() == {"on_leave": 1, "no_record": 1}
    assert dict(overview.status_counts(coordinator, today + timedelta(days=6), settings)) == {
        "active": 1,
        "no_record": 1,
    }


def test_the_learner_list_pages_through_the_remembered_order_by_name(client, factory, town):
    municipality, coordinator = town
    learners = []
    for number in range(30):
        learner = factory.learner(home=municipality)
        learner.name = f"Learner {number:02d}"
        learners.append(learner)
    factory.learner()  # another municipality's
    db.session.commit()
    login_as(client, coordinator)

    def names(page: int) -> list[str]:
        html = client.get(f"/learners?page={page}").get_data(as_text=True)
        return re.findall(r">(Learner \d\d|Aaron|Zed)<", html)

    assert names(1) == [f"Learner {n:02d}" for n in range(25)]
    assert names(2) == [f"Learner {n:02d}" for n in range(25, 30)]
    assert names(9) == names(2)  # past the end: the last page
    learners[29].name = "Aaron"
    db.session.commit()
    assert names(1)[:2] == ["Aaron", "Learner 00"]
    new = factory.learner(home=municipality)
    new.name = "Zed"
    db.session.commit()
    assert names(2) == [f"Learner {n:02d}" for n in range(24, 29)] + ["Zed"]
    found = client.get("/learners?q=zed").get_data(as_text=True)
    assert re.findall(r">(Learner \d\d|Aaron|Zed)<", found) == ["Zed"]


def test_a_released_savepoint_leaves_the_stamp_to_the_transaction_s_commit(factory, town):
    municipality, _ = town
    learner = factory.learner(home=municipality)
    before = version()
    with db.session.begin_nested():
        learner.name = "Inside A Savepoint"
    assert version() == before, "not raised while the transaction goes on"
    db.session.commit()
    assert version() == before + 1


def test_a_stamped_cache_remembers_only_under_a_stamp_and_while_keep_while_holds():
    cache: StampedCache[str, int] = StampedCache("test_stamp", 8)
    calls = []

    def work_out() -> int:
        calls.append(1)
        return len(calls)

    assert cache.get("k", work_out) == 1
    assert cache.get("k", work_out) == 2, "no stamp row yet: nothing is remembered"
    raise_stamps(db.session.connection(), ["test_stamp"])
    db.session.commit()
    assert cache.get("k", work_out) == 3
    assert cache.get("k", work_out) == 3
    assert cache.get("k", work_out, keep_while=lambda known: known.value > 3) == 4
    raise_stamps(db.session.connection(), ["test_stamp"])
    db.session.commit()
    assert cache.get("k", work_out) == 5
    assert cache.peek("k") == 5


def test_many_stamps_are_raised_in_few_statements(app):
    names = [f"person:{n}" for n in range(450)]
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        raise_stamps(db.session.connection(), names)
        db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 3  # 200 + 200 + 50 rows
    raise_stamps(db.session.connection(), [*names[:5], *names[:5]])  # repeated: raised once
    db.session.commit()
    assert [read_stamp(name)[1] for name in names[:6]] == [2, 2, 2, 2, 2, 1]
    assert read_stamp(names[-1])[1] == 1
