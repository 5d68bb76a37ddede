"""Entitlement records, SQL flags against the pure rules, the sweep, the overview and its CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from babel.dates import format_date
from flask_babel import force_locale
from sqlalchemy import event, func, select

from tests.conftest import login_as
from webapp.accounts.models import Role
from webapp.clock import oslo_today
from webapp.entitlement import services
from webapp.entitlement.models import (
    EntitlementAudit,
    ExtensionDecision,
    LearnerFlagState,
    SweepRun,
)
from webapp.entitlement.overview import learner_row
from webapp.entitlement.overview_rows import refresh_all
from webapp.entitlement.sweep import run_daily_sweep
from webapp.extensions import db
from webapp.i18n.labels import flag_label
from webapp.learners.levels import Education, Level
from webapp.learners.models import Employment
from webapp.learners.services import set_current_level
from webapp.mail.models import OutboxMessage
from webapp.organisations.models import OrganisationKind
from webapp.studytime.models import StudySource
from webapp.studytime.services import record_study_time

TODAY = date(2026, 11, 28)
EN = {"Accept-Language": "en"}


@pytest.fixture
def town(factory):
    municipality = factory.organisation(OrganisationKind.MUNICIPALITY, "Testby kommune")
    coordinator = factory.user(Role.COORDINATOR, municipality, locale="en")
    admin = factory.user(Role.ADMIN, locale="en")
    return municipality, coordinator, admin


def learner_with(factory, town, *, start, education=Education.HIGHER, **profile):
    municipality, coordinator, _admin = town
    learner = factory.learner(
        home=municipality,
        education=education,
        settlement_date=min(start, TODAY) - timedelta(days=30),
        **profile,
    )
    services.set_start(coordinator, learner, start, start, "test")
    db.session.commit()
    return learner


def _csv_rows(client) -> list[list[str]]:
    body = client.get("/entitlements.csv").data.decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(body), delimiter=";"))


def test_the_csv_writes_labels_and_decimals_in_the_reader_s_language(client, factory, town):
    _municipality, coordinator, _admin = town
    today = oslo_today()
    working = learner_with(
        factory, town, start=today - timedelta(days=100), employment=Employment.FULL_TIME
    )
    record_study_time(working.id, today, StudySource.LESSON, 5400)  # an hour and a half
    idle = learner_with(factory, town, start=today - timedelta(days=40))
    db.session.commit()
    login_as(client, coordinator)
    expected = {
        "en": ("1.5", "0.0", "Active", "Working full time"),
        "nb": ("1,5", "0,0", "Aktiv", "Jobber heltid"),
    }
    for locale, (hours, none, active, full_time) in expected.items():
        coordinator.locale = locale
        db.session.commit()
        rows = {row[0]: row for row in _csv_rows(client)[1:]}
        assert rows[working.name][10] == hours
        assert rows[idle.name][10] == none
        assert rows[working.name][3] == rows[idle.name][3] == active
        assert rows[working.name][9] == full_time
        assert rows[idle.name][12]  # the idle learner is flagged, in the same language
        with force_locale(locale):
            assert rows[idle.name][12].startswith(flag_label("at_risk"))


def test_records_derive_the_deadline_and_are_audited(factory, town):
    _municipality, coordinator, _admin = town
    learner = learner_with(factory, town, start=date(2025, 3, 10))
    entitlement = services.get_entitlement(learner)
    assert entitlement.last_day == date(2026, 3, 9)
    services.add_leave(coordinator, learner, date(2025, 6, 1), date(2025, 6, 10), "sick child")
    services.add_leave(coordinator, learner, date(2025, 6, 5), date(2025, 6, 14), "overlap")
    assert entitlement.last_day == date(2026, 3, 9) + timedelta(days=14)  # 1-14 June once
    services.add_extension(coordinator, learner, date(2026, 2, 1), 6, "needs B1")
    assert entitlement.last_day == date(2026, 9, 9) + timedelta(days=14)
    with pytest.raises(services.EntitlementError) as refused:
        services.add_extension(coordinator, learner, date(2026, 8, 1), 1, "again")
    assert refused.value.code == "too_many_decisions"
    db.session.commit()
    actions = db.session.scalars(
        select(EntitlementAudit.action)
        .where(EntitlementAudit.learner_id == learner.id)
        .order_by(EntitlementAudit.id)
    ).all()
    assert actions == ["opened", "start", "leave_added", "leave_added", "extension_added"]
    last = db.session.scalars(
        select(EntitlementAudit).order_by(EntitlementAudit.id.desc()).limit(1)
    ).one()
    assert last.actor_id == coordinator.id
    assert '"last_day": "2026-03-23"' in last.before
    assert '"last_day": "2026-09-23"' in last.after


def test_refused_extension_on_the_page_writes_nothing(client, factory, town):
    _municipality, coordinator, _admin = town
    learner = learner_with(factory, town, start=date(2025, 12, 1))
    services.add_extension(coordinator, learner, date(2026, 6, 1), 3, "first")
    db.session.commit()
    audits = db.session.scalar(select(func.count(EntitlementAudit.id)))
    login_as(client, coordinator)
    response = client.post(
        f"/learners/{learner.id}/entitlement/extension",
        data={"decided_on": "2026-10-01", "months": "3", "note": ""},
        headers=EN,
    )
    assert response.status_code == 400
    assert "No more extension decisions are possible." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ExtensionDecision.id))) == 1
    assert db.session.scalar(select(func.count(EntitlementAudit.id))) == audits


def test_coordinator_registers_leave_through_the_form(client, factory, town):
    _municipality, coordinator, _admin = town
    learner = learner_with(factory, town, start=date(2025, 12, 1))
    login_as(client, coordinator)
    response = client.post(
        f"/learners/{learner.id}/entitlement/leave",
        data={"first_day": "2026-01-05", "last_day": "2026-01-09", "reason": "parental leave"},
    )
    assert response.status_code == 302
    page = client.get(f"/learners/{learner.id}/entitlement", headers=EN).get_data(as_text=True)
    expected = format_date(date(2026, 12, 5), "full", locale="en")  # 30 Nov + 5 days of leave
    assert expected == "Saturday, December 5, 2026"
    assert expected in page
    assert "parental leave" in page


# Each case: start, extra settings -> the flags the rules and SQL must agree on.
CASES = [
    dict(start=TODAY - timedelta(days=100)),
    dict(start=TODAY - timedelta(days=300)),  # about 65 days left
    dict(start=TODAY - timedelta(days=350)),  # about 15 days left
    dict(start=TODAY - timedelta(days=400)),  # over
    dict(start=TODAY + timedelta(days=10)),  # not started
    dict(start=TODAY - timedelta(days=340), education=Education.PRIMARY),
    dict(
        start=TODAY - timedelta(days=340),
        leave=(TODAY - timedelta(days=2), TODAY + timedelta(days=2)),
    ),
    dict(start=TODAY - timedelta(days=340), extensions=(6,)),  # upper secondary+: used up
    dict(start=TODAY - timedelta(days=330), education=Education.NONE, extensions=(6, 6)),
    dict(start=TODAY - timedelta(days=200), dropout=TODAY - timedelta(days=10)),
    dict(start=TODAY - timedelta(days=364)),  # the last day is today
    dict(start=TODAY - timedelta(days=365)),  # the last day was yesterday
]


def test_sql_flags_agree_with_the_rules(factory, town):
    _municipality, coordinator, admin = town
    for case in CASES:
        learner = learner_with(
            factory, town, start=case["start"], education=case.get("education", Education.HIGHER)
        )
        if "leave" in case:
            services.add_leave(coordinator, learner, *case["leave"], "leave")
        for months in case.get("extensions", ()):
            services.add_extension(coordinator, learner, case["start"], months, "ext")
        if "dropout" in case:
            services.register_dropout(coordinator, learner, case["dropout"], "moved")
        refresh_all(TODAY)  # the sweep of that day
        db.session.commit()
        result = services.evaluate(
            services.get_entitlement(learner), learner.learner_profile, TODAY
        )
        row = learner_row(admin, learner.id, TODAY, services.flag_settings())
        shared = {"deadline_90", "deadline_30", "expired", "on_leave", "extension_possible"}
        assert set(result.flags) == set(row.flags) & shared, case
        assert row.status == result.status, case


def test_activity_flags(factory, town):
    idle = learner_with(
        factory, town, start=TODAY - timedelta(days=60), employment=Employment.FULL_TIME
    )
    busy = learner_with(
        factory, town, start=TODAY - timedelta(days=60), employment=Employment.SHIFT_WORK
    )
    for day in range(3):
        record_study_time(busy.id, TODAY - timedelta(days=day), StudySource.LESSON, 3600)
    set_current_level(idle, Level.B2)
    set_current_level(busy, Level.B2)
    refresh_all(TODAY)  # the sweep of that day reads the study time logged since the writes
    db.session.commit()
    _m, _c, admin = town
    settings = services.flag_settings()
    assert set(learner_row(admin, idle.id, TODAY, settings).flags) == {
        "at_risk",
        "time_running_unused",
    }
    assert learner_row(admin, busy.id, TODAY, settings).flags == ()


def test_the_sweep_notifies_each_crossing_once(factory, town, runner):
    municipality, coordinator, _admin = town
    learner = learner_with(factory, town, start=TODAY - timedelta(days=300), locale="en")
    learner.learner_profile.current_level = Level.C1
    record_study_time(learner.id, TODAY, StudySource.LESSON, 4 * 3600)
    db.session.commit()
    first = run_daily_sweep(TODAY, silent=False)  # told although it is the first sweep ever
    db.session.commit()
    state = db.session.get(LearnerFlagState, learner.id)
    assert state.pending == 0
    mails = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [m.to_address for m in mails] == [learner.email, coordinator.email]
    assert mails[0].subject == "News about your right to Norwegian training"
    assert "You have 90 days or fewer left" in mails[0].body_text
    assert "Learners who need attention" in mails[1].subject
    assert first.learners_changed == 1
    second = run_daily_sweep(TODAY)
    db.session.commit()
    assert (second.learners_changed, second.notifications) == (0, 0)
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2
    later = TODAY + timedelta(days=40)  # into the last 30 days: one new crossing
    record_study_time(learner.id, later, StudySource.LESSON, 4 * 3600)
    db.session.commit()
    third = run_daily_sweep(later)
    db.session.commit()
    assert third.notifications == 2
    assert db.session.scalar(select(func.count(SweepRun.id))) == 3
    result = runner.invoke(args=["entitlement", "sweep", "--today", later.isoformat()])
    assert "0 with changed flags, 0 notification(s)" in result.output
    assert runner.invoke(args=["entitlement", "sweep", "--today", "2026-13-01"]).exit_code == 2


def test_overview_csv_and_query_count(client, factory, town):
    _municipality, coordinator, _admin = town
    login_as(client, coordinator)
    learner_with(factory, town, start=TODAY - timedelta(days=100))

    def statements(url):
        count = []
        listener = lambda *args, **kwargs: count.append(1)  # noqa: E731
        db.session.expire_all()  # as in production, where each request has a fresh session
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(count)

    few = statements("/entitlements")
    for n in range(30):
        learner_with(factory, town, start=TODAY - timedelta(days=n * 10))
    # 30 more learners, the same statements; page 2 as many as page 1.
    assert statements("/entitlements") == few
    assert statements("/entitlements?page=2") == few
    response = client.get("/entitlements.csv", headers=EN)
    body = response.data.decode("utf-8")
    assert body.startswith("\ufeff")
    assert "\r\n" in body
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Name", "E-mail address", "Home municipality"]
    assert len(rows) == 1 + 31


def test_the_csv_streams_in_chunks_and_loses_no_row(client, factory, town, monkeypatch):
    from webapp.entitlement import exports

    monkeypatch.setattr(exports, "CHUNK_ROWS", 2)
    _municipality, coordinator, _admin = town
    names = {learner_with(factory, town, start=TODAY - timedelta(days=n)).name for n in range(5)}
    login_as(client, coordinator)
    response = client.get("/entitlements.csv", headers=EN)
    assert response.is_streamed
    rows = list(
        csv.reader(io.StringIO(response.data.decode("utf-8").lstrip("\ufeff")), delimiter=";")
    )
    assert rows[0][0] == "Name"
    assert sorted(row[0] for row in rows[1:]) == sorted(names)
