"""``flask entitlement audit``: stored records that break rule version 2, listed, never changed."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from webapp.accounts.models import Role
from webapp.entitlement import services
from webapp.entitlement.models import (
    Entitlement,
    EntitlementAudit,
    ExtensionDecision,
    LearnerOverview,
    LeavePeriod,
)
from webapp.extensions import db
from webapp.organisations.models import OrganisationKind

D = date.fromisoformat


@pytest.fixture
def municipality(factory):
    return factory.organisation(OrganisationKind.MUNICIPALITY, "Fjordby kommune")


@pytest.fixture
def coordinator(factory, municipality):
    return factory.user(Role.COORDINATOR, municipality)


def started(factory, municipality, coordinator, name: str, start: str = "2023-01-01"):
    learner = factory.learner(home=municipality, settlement_date=D("2022-12-01"), name=name)
    services.set_start(coordinator, learner, None, D(start), "")
    db.session.commit()
    return learner


def as_version_1(learner, last_day: str, leave=(), decisions=()) -> None:
    """Store leave and decisions as version 1 accepted them, with version 1's last day."""
    entitlement = db.session.get(Entitlement, learner.id)
    for first, last in leave:
        db.session.add(LeavePeriod(learner_id=learner.id, first_day=D(first), last_day=D(last)))
    for months, day in decisions:
        db.session.add(
            ExtensionDecision(
                learner_id=learner.id,
                decided_on=D(day),
                months=months,
                municipality_id=learner.learner_profile.home_municipality_id,
            )
        )
    entitlement.last_day = D(last_day)
    entitlement.extensions_used = len(decisions)
    db.session.commit()


def snapshot() -> list[tuple]:
    db.session.expire_all()
    rows = db.session.execute(
        select(
            Entitlement.learner_id,
            Entitlement.last_day,
            Entitlement.extensions_used,
            LearnerOverview.status,
            LearnerOverview.last_day,
        ).outerjoin(LearnerOverview, LearnerOverview.learner_id == Entitlement.learner_id)
    ).all()
    counts = [
        len(db.session.scalars(select(model)).all())
        for model in (LeavePeriod, ExtensionDecision, EntitlementAudit)
    ]
    return [*map(tuple, rows), tuple(counts)]


def test_audit_lists_what_breaks_rule_2_and_writes_nothing(
    runner, factory, municipality, coordinator
):
    fine = started(factory, municipality, coordinator, "Fine Learner")
    later_leave = started(factory, municipality, coordinator, "Later Leave")
    # Version 1 counted March 2025 (31 days) and revived the right: 2023-12-31 + 31.
    as_version_1(later_leave, "2024-01-31", leave=[("2025-03-01", "2025-03-31")])
    late_decision = started(factory, municipality, coordinator, "Late Decision")
    as_version_1(late_decision, "2024-06-30", decisions=[(6, "2028-12-31")])
    before = snapshot()

    result = runner.invoke(args=["entitlement", "audit", "--today", "2024-01-15"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"learner {later_leave.id} (Later Leave" in out
    assert "[leave_after_end]" in out
    assert "last_day: 2024-01-31 -> 2023-12-31" in out
    assert f"learner {late_decision.id} (Late Decision" in out
    assert "[decision_after_end]" in out
    assert "last_day: 2024-06-30 -> 2023-12-31" in out
    assert "extensions_used: 1 -> 0" in out
    assert f"learner {fine.id} " not in out
    assert "2 of 3 learner(s) break rule 2" in out
    assert snapshot() == before

    as_json = runner.invoke(args=["entitlement", "audit", "--today", "2024-01-15", "--json"])
    findings = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [f["learner_id"] for f in findings] == [later_leave.id, late_decision.id]
    assert findings[0]["problems"][0]["code"] == "leave_after_end"
    assert findings[0]["changes"]["last_day"] == ["2024-01-31", "2023-12-31"]
    assert snapshot() == before


def test_correcting_a_listed_record_clears_it(runner, factory, municipality, coordinator):
    learner = started(factory, municipality, coordinator, "Early Leave")
    as_version_1(learner, "2024-12-30", leave=[("2022-01-01", "2022-12-31")])
    out = runner.invoke(args=["entitlement", "audit", "--today", "2024-01-15"]).stdout
    assert "[leave_before_start]" in out
    leave_id = db.session.scalar(select(LeavePeriod.id).where(LeavePeriod.learner_id == learner.id))
    services.remove_leave(coordinator, learner, leave_id, "Utenfor perioden (regel 2)")
    db.session.commit()
    out = runner.invoke(args=["entitlement", "audit", "--today", "2024-01-15"]).stdout
    assert "0 of 1 learner(s) break rule 2" in out


def test_audit_refuses_a_bad_date(runner):
    result = runner.invoke(args=["entitlement", "audit", "--today", "2024-02-30"])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
