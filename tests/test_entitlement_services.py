"""Registering a learner's entitlement: derived last day, refusals and the audit trail."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from webapp.accounts.models import Role
from webapp.entitlement import rules, services
from webapp.entitlement.forms import ExtensionForm
from webapp.entitlement.models import (
    Entitlement,
    EntitlementAudit,
    ExtensionDecision,
    LeavePeriod,
)
from webapp.extensions import db
from webapp.learners.levels import Education
from webapp.organisations.models import OrganisationKind

D = date.fromisoformat
SETTLED = D("2025-03-01")
START = D("2025-03-10")
# 2025-03-10 + 12 calendar months = 2026-03-10; minus one day.
LAST_DAY = D("2026-03-09")


@pytest.fixture
def municipality(factory):
    return factory.organisation(OrganisationKind.MUNICIPALITY, "Fjordby kommune")


@pytest.fixture
def coordinator(factory, municipality):
    return factory.user(Role.COORDINATOR, municipality, name="Kari Koordinator")


@pytest.fixture
def learner(factory, municipality):
    return factory.learner(home=municipality, settlement_date=SETTLED)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def audit_rows(learner) -> list[EntitlementAudit]:
    return list(
        db.session.scalars(
            select(EntitlementAudit)
            .where(EntitlementAudit.learner_id == learner.id)
            .order_by(EntitlementAudit.id)
        )
    )


def stored(learner) -> Entitlement:
    """The record as the database holds it, not as the session remembers it."""
    db.session.expire_all()
    entitlement = db.session.get(Entitlement, learner.id)
    assert entitlement is not None
    return entitlement


def started(coordinator, learner, start: date = START) -> Entitlement:
    entitlement = services.set_start(coordinator, learner, None, start, "")
    db.session.commit()
    return entitlement


# --- Opening the record ---------------------------------------------------------------------


def test_ensure_entitlement_opens_a_record_from_the_settlement_date(coordinator, learner):
    entitlement = services.ensure_entitlement(learner, coordinator)
    db.session.commit()

    record = stored(learner)
    assert record.settlement_date == SETTLED
    assert record.rule_set == "tcp_37d_2023"
    assert record.start_date is None
    assert record.last_day is None
    assert record.entitled is True
    assert (record.extensions_used, record.extension_months) == (0, 0)

    [opened] = audit_rows(learner)
    assert opened.action == "opened"
    assert opened.actor_id == coordinator.id
    assert json.loads(opened.before) == {}
    after = json.loads(opened.after)
    assert after["settlement_date"] == "2025-03-01"
    assert after["start_date"] is None
    assert after["last_day"] is None
    assert after["leave"] == []
    assert after["extensions"] == []

    # A second call finds the record and writes nothing.
    assert services.ensure_entitlement(learner, coordinator) is entitlement
    db.session.commit()
    assert count(Entitlement) == 1
    assert len(audit_rows(learner)) == 1


def test_the_first_change_opens_the_record_itself(coordinator, learner):
    services.set_start(coordinator, learner, None, START, "")
    db.session.commit()
    assert [row.action for row in audit_rows(learner)] == ["opened", "start"]


# --- Start ----------------------------------------------------------------------------------


def test_set_start_derives_the_last_day(coordinator, learner):
    services.set_start(coordinator, learner, D("2025-03-05"), START, "Vedtak 2025/17")
    db.session.commit()

    record = stored(learner)
    assert record.decision_date == D("2025-03-05")
    assert record.start_date == START
    assert record.last_day == LAST_DAY

    start = audit_rows(learner)[-1]
    assert start.action == "start"
    assert start.actor_id == coordinator.id
    assert start.reason == "Vedtak 2025/17"
    assert json.loads(start.before)["last_day"] is None
    assert json.loads(start.before)["start_date"] is None
    assert json.loads(start.after)["last_day"] == "2026-03-09"
    assert json.loads(start.after)["start_date"] == "2025-03-10"
    assert json.loads(start.after)["decision_date"] == "2025-03-05"


@pytest.mark.parametrize(
    ("start", "last_day"),
    [
        ("2025-03-31", "2026-03-30"),  # an ordinary month end
        ("2028-02-29", "2029-02-27"),  # 2029-02-29 does not exist: 28 February, minus one day
        ("2025-12-01", "2026-11-30"),  # across the year end
    ],
)
def test_the_period_is_twelve_calendar_months(factory, municipality, coordinator, start, last_day):
    learner = factory.learner(home=municipality, settlement_date=D("2025-03-01"))
    services.set_start(coordinator, learner, None, D(start), "")
    db.session.commit()
    assert stored(learner).last_day == D(last_day)


def test_correcting_the_start_moves_the_last_day_and_is_audited(coordinator, learner):
    started(coordinator, learner)
    services.set_start(coordinator, learner, None, D("2025-04-01"), "Feil dato")
    db.session.commit()

    assert stored(learner).last_day == D("2026-03-31")
    correction = audit_rows(learner)[-1]
    assert correction.action == "start"
    assert json.loads(correction.before)["last_day"] == "2026-03-09"
    assert json.loads(correction.after)["last_day"] == "2026-03-31"
    assert correction.reason == "Feil dato"


def test_a_start_before_settlement_is_refused(coordinator, learner):
    with pytest.raises(services.EntitlementError) as refused:
        services.set_start(coordinator, learner, None, D("2025-02-28"), "")
    assert refused.value.code == "start_before_settlement"
    assert not [row for row in audit_rows(learner) if row.action == "start"]
    db.session.rollback()  # as the view does
    assert count(Entitlement) == 0
    assert count(EntitlementAudit) == 0


def test_starting_on_the_settlement_day_is_allowed(coordinator, learner):
    started(coordinator, learner, SETTLED)
    assert stored(learner).last_day == D("2026-02-28")


# --- Leave ----------------------------------------------------------------------------------


def test_leave_moves_the_last_day_and_overlaps_count_once(coordinator, learner):
    started(coordinator, learner)

    services.add_leave(coordinator, learner, D("2025-06-01"), D("2025-06-10"), "Fødsel")
    db.session.commit()
    assert stored(learner).last_day == D("2026-03-19")  # 10 days

    # 5-14 June overlaps 5-10 June: only 11-14 June (4 days) are new.
    services.add_leave(coordinator, learner, D("2025-06-05"), D("2025-06-14"), "Sykdom")
    db.session.commit()
    record = stored(learner)
    assert record.last_day == D("2026-03-23")
    assert [(p.first_day, p.last_day, p.reason) for p in record.leaves] == [
        (D("2025-06-01"), D("2025-06-10"), "Fødsel"),
        (D("2025-06-05"), D("2025-06-14"), "Sykdom"),
    ]
    assert {p.created_by_id for p in record.leaves} == {coordinator.id}

    added = [row for row in audit_rows(learner) if row.action == "leave_added"]
    assert [json.loads(row.before)["last_day"] for row in added] == ["2026-03-09", "2026-03-19"]
    assert [json.loads(row.after)["last_day"] for row in added] == ["2026-03-19", "2026-03-23"]
    assert [row.reason for row in added] == ["Fødsel", "Sykdom"]
    assert json.loads(added[-1].after)["leave"] == [
        {"from": "2025-06-01", "to": "2025-06-10", "reason": "Fødsel"},
        {"from": "2025-06-05", "to": "2025-06-14", "reason": "Sykdom"},
    ]


def test_removing_leave_moves_the_last_day_back(coordinator, learner):
    started(coordinator, learner)
    services.add_leave(coordinator, learner, D("2025-06-01"), D("2025-06-10"), "A")
    services.add_leave(coordinator, learner, D("2025-06-05"), D("2025-06-14"), "B")
    db.session.commit()
    first, second = stored(learner).leaves

    services.remove_leave(coordinator, learner, first.id, "Registrert ved en feil")
    db.session.commit()
    assert stored(learner).last_day == D("2026-03-19")  # 5-14 June is 10 days
    assert count(LeavePeriod) == 1

    services.remove_leave(coordinator, learner, second.id, "Også feil")
    db.session.commit()
    assert stored(learner).last_day == LAST_DAY
    assert count(LeavePeriod) == 0

    removed = [row for row in audit_rows(learner) if row.action == "leave_removed"]
    moves = [(json.loads(r.before)["last_day"], json.loads(r.after)["last_day"]) for r in removed]
    assert moves == [
        ("2026-03-23", "2026-03-19"),
        ("2026-03-19", "2026-03-09"),
    ]
    assert [row.reason for row in removed] == ["Registrert ved en feil", "Også feil"]
    assert [row.actor_id for row in removed] == [coordinator.id, coordinator.id]


def test_removing_unknown_leave_is_refused(coordinator, learner):
    started(coordinator, learner)
    with pytest.raises(services.EntitlementError) as refused:
        services.remove_leave(coordinator, learner, 999_999, "x")
    assert refused.value.code == "no_such_record"


def test_leave_is_refused_before_a_start_and_when_it_ends_before_it_starts(coordinator, learner):
    with pytest.raises(services.EntitlementError) as refused:
        services.add_leave(coordinator, learner, D("2025-06-01"), D("2025-06-10"), "x")
    assert refused.value.code == "not_started"
    db.session.rollback()

    started(coordinator, learner)
    with pytest.raises(services.EntitlementError) as refused:
        services.add_leave(coordinator, learner, D("2025-06-10"), D("2025-06-01"), "x")
    assert refused.value.code == "leave_ends_before_start"
    db.session.rollback()
    assert count(LeavePeriod) == 0
    assert stored(learner).last_day == LAST_DAY


# --- Extensions -----------------------------------------------------------------------------


def test_an_extension_adds_months_and_higher_education_gets_one_decision(
    coordinator, learner, municipality
):
    started(coordinator, learner)
    services.add_extension(coordinator, learner, D("2026-02-01"), 6, "Trenger mer tid")
    db.session.commit()

    record = stored(learner)
    assert record.last_day == D("2026-09-09")  # 2025-03-10 + 18 months - 1 day
    assert (record.extensions_used, record.extension_months) == (1, 6)
    [decision] = record.extensions
    assert decision.decided_on == D("2026-02-01")
    assert decision.months == 6
    assert decision.municipality_id == municipality.id
    assert decision.decided_by_id == coordinator.id
    assert decision.note == "Trenger mer tid"

    audit = audit_rows(learner)[-1]
    assert audit.action == "extension_added"
    assert audit.reason == "Trenger mer tid"
    assert json.loads(audit.before)["last_day"] == "2026-03-09"
    assert json.loads(audit.after)["last_day"] == "2026-09-09"
    assert json.loads(audit.after)["extensions"] == [{"decided_on": "2026-02-01", "months": 6}]

    audits_before = count(EntitlementAudit)
    with pytest.raises(services.EntitlementError) as refused:
        services.add_extension(coordinator, learner, D("2026-08-01"), 1, "")
    assert refused.value.code == "too_many_decisions"
    db.session.rollback()
    assert count(ExtensionDecision) == 1
    assert count(EntitlementAudit) == audits_before
    assert stored(learner).last_day == D("2026-09-09")


def test_upper_secondary_also_gets_one_decision(factory, municipality, coordinator):
    learner = factory.learner(
        home=municipality, settlement_date=SETTLED, education=Education.UPPER_SECONDARY
    )
    started(coordinator, learner)
    services.add_extension(coordinator, learner, D("2026-02-01"), 2, "")
    db.session.commit()
    with pytest.raises(services.EntitlementError) as refused:
        services.add_extension(coordinator, learner, D("2026-04-01"), 2, "")
    assert refused.value.code == "too_many_decisions"


def test_primary_education_gets_four_decisions_and_no_fifth(factory, municipality, coordinator):
    learner = factory.learner(
        home=municipality, settlement_date=SETTLED, education=Education.PRIMARY
    )
    started(coordinator, learner)
    for n, months in enumerate((6, 6, 6, 5), start=1):
        services.add_extension(coordinator, learner, D(f"2026-0{n}-15"), months, f"nr. {n}")
        db.session.commit()

    record = stored(learner)
    assert (record.extensions_used, record.extension_months) == (4, 23)
    assert record.last_day == D("2028-02-09")  # 2025-03-10 + 35 months - 1 day

    with pytest.raises(services.EntitlementError) as refused:
        services.add_extension(coordinator, learner, D("2026-06-15"), 1, "nr. 5")
    assert refused.value.code == "too_many_decisions"
    db.session.rollback()
    assert count(ExtensionDecision) == 4
    assert stored(learner).extensions_used == 4


@pytest.mark.parametrize("months", [0, 7])
def test_the_service_refuses_a_decision_outside_one_to_six_months(coordinator, learner, months):
    started(coordinator, learner)
    with pytest.raises(services.EntitlementError) as refused:
        services.add_extension(coordinator, learner, D("2026-02-01"), months, "")
    assert refused.value.code == "months_out_of_range"
    db.session.rollback()
    assert count(ExtensionDecision) == 0


def test_the_extension_form_refuses_seven_months(app):
    data = MultiDict({"decided_on": "2026-02-01", "months": "7", "note": ""})
    with app.test_request_context("/", method="POST", data=data, headers={"Accept-Language": "en"}):
        form = ExtensionForm()
        assert form.validate_on_submit() is False
        assert [str(e) for e in form.months.errors] == ["A decision is for 1 to 6 months."]
    with app.test_request_context("/", method="POST", data={**data, "months": "6"}):
        assert ExtensionForm().validate_on_submit() is True


def test_an_extension_needs_a_start(coordinator, learner):
    with pytest.raises(services.EntitlementError) as refused:
        services.add_extension(coordinator, learner, D("2026-02-01"), 3, "")
    assert refused.value.code == "not_started"


def test_removing_an_extension_moves_the_last_day_back(coordinator, learner):
    started(coordinator, learner)
    services.add_extension(coordinator, learner, D("2026-02-01"), 4, "")
    db.session.commit()
    [decision] = stored(learner).extensions

    services.remove_extension(coordinator, learner, decision.id, "Feil person")
    db.session.commit()
    record = stored(learner)
    assert record.last_day == LAST_DAY
    assert (record.extensions_used, record.extension_months) == (0, 0)
    audit = audit_rows(learner)[-1]
    assert audit.action == "extension_removed"
    assert (json.loads(audit.before)["last_day"], json.loads(audit.after)["last_day"]) == (
        "2026-07-09",
        "2026-03-09",
    )
    assert audit.reason == "Feil person"


# --- Dropping out ---------------------------------------------------------------------------


def test_register_and_withdraw_dropout(coordinator, learner):
    started(coordinator, learner)
    services.register_dropout(coordinator, learner, D("2025-09-01"), "Flyttet fra kommunen")
    db.session.commit()

    record = stored(learner)
    assert record.discontinued_on == D("2025-09-01")
    assert record.discontinued_reason == "Flyttet fra kommunen"
    assert record.last_day == LAST_DAY  # dropping out does not move the last day
    profile = learner.learner_profile
    assert services.evaluate(record, profile, D("2025-08-31")).status == rules.ACTIVE
    assert services.evaluate(record, profile, D("2025-09-01")).status == rules.DISCONTINUED

    dropped = audit_rows(learner)[-1]
    assert dropped.action == "discontinued"
    assert dropped.reason == "Flyttet fra kommunen"
    assert json.loads(dropped.before)["discontinued_on"] is None
    assert json.loads(dropped.after)["discontinued_on"] == "2025-09-01"
    assert json.loads(dropped.before)["last_day"] == json.loads(dropped.after)["last_day"]

    services.withdraw_dropout(coordinator, learner, "Var en misforståelse")
    db.session.commit()
    record = stored(learner)
    assert record.discontinued_on is None
    assert record.discontinued_reason is None
    assert services.evaluate(record, profile, D("2025-09-01")).status == rules.ACTIVE
    withdrawn = audit_rows(learner)[-1]
    assert withdrawn.action == "discontinuation_withdrawn"
    assert withdrawn.reason == "Var en misforståelse"
    assert json.loads(withdrawn.before)["discontinued_on"] == "2025-09-01"
    assert json.loads(withdrawn.after)["discontinued_on"] is None


def test_dropout_needs_a_start_and_cannot_precede_it(coordinator, learner):
    with pytest.raises(services.EntitlementError) as refused:
        services.register_dropout(coordinator, learner, D("2025-09-01"), "x")
    assert refused.value.code == "not_started"
    db.session.rollback()

    started(coordinator, learner)
    with pytest.raises(services.EntitlementError) as refused:
        services.register_dropout(coordinator, learner, D("2025-03-09"), "x")
    assert refused.value.code == "dropout_before_start"
    db.session.rollback()
    assert stored(learner).discontinued_on is None


# --- The audit trail ------------------------------------------------------------------------


def test_every_change_is_audited_with_actor_action_before_after_and_reason(
    factory, municipality, coordinator, learner
):
    other = factory.user(Role.COORDINATOR, municipality, name="Per Koordinator")
    services.set_start(coordinator, learner, None, START, "start")
    services.add_leave(other, learner, D("2025-05-01"), D("2025-05-05"), "permisjon")
    db.session.commit()
    leave_id = stored(learner).leaves[0].id
    services.add_extension(coordinator, learner, D("2026-01-15"), 2, "utvidelse")
    db.session.commit()
    decision_id = stored(learner).extensions[0].id
    services.remove_extension(other, learner, decision_id, "feil utvidelse")
    services.remove_leave(coordinator, learner, leave_id, "feil permisjon")
    services.register_dropout(other, learner, D("2025-10-01"), "sluttet")
    services.withdraw_dropout(coordinator, learner, "feil sluttdato")
    db.session.commit()

    rows = [
        (
            row.action,
            row.actor_id,
            json.loads(row.before).get("last_day"),
            json.loads(row.after)["last_day"],
            row.reason,
        )
        for row in audit_rows(learner)
    ]
    assert rows == [
        ("opened", coordinator.id, None, None, ""),
        ("start", coordinator.id, None, "2026-03-09", "start"),
        ("leave_added", other.id, "2026-03-09", "2026-03-14", "permisjon"),
        ("extension_added", coordinator.id, "2026-03-14", "2026-05-14", "utvidelse"),
        ("extension_removed", other.id, "2026-05-14", "2026-03-14", "feil utvidelse"),
        ("leave_removed", coordinator.id, "2026-03-14", "2026-03-09", "feil permisjon"),
        ("discontinued", other.id, "2026-03-09", "2026-03-09", "sluttet"),
        ("discontinuation_withdrawn", coordinator.id, "2026-03-09", "2026-03-09", "feil sluttdato"),
    ]

    trail = services.audit_trail(learner)
    assert [entry.action for entry in trail][:2] == ["discontinuation_withdrawn", "discontinued"]
    assert trail[0].actor_name == "Kari Koordinator"
    assert trail[1].actor_name == "Per Koordinator"
    assert trail[1].after["discontinued_on"] == "2025-10-01"


def test_the_reason_is_trimmed_and_capped(coordinator, learner):
    services.set_start(coordinator, learner, None, START, "  " + "x" * 600 + "  ")
    db.session.commit()
    assert audit_rows(learner)[-1].reason == "x" * 500


# --- Entitlement by age ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth_date", "entitled"),
    [
        ("1958-03-01", False),  # turned 67 on the settlement day
        ("1950-06-30", False),  # 74 at settlement
        ("1958-03-02", True),  # 66 at settlement, 67 the next day
        ("2007-03-01", True),  # turned 18 on the settlement day
        ("2007-03-02", False),  # still 17
    ],
)
def test_entitlement_depends_on_age_at_settlement(
    factory, municipality, coordinator, birth_date, entitled
):
    learner = factory.learner(home=municipality, settlement_date=SETTLED, birth_date=D(birth_date))
    services.set_start(coordinator, learner, None, START, "")
    db.session.commit()
    record = stored(learner)
    assert record.entitled is entitled
    result = services.evaluate(record, learner.learner_profile, D("2025-06-01"))
    assert (result.status == rules.NOT_ENTITLED) is not entitled
    if not entitled:
        assert result.flags == ()
