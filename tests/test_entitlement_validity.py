"""The rule set's validity on the pages: a start outside it shows "no rule set applies" instead
of a deadline, staff are told when every rule set has ended, an assumed prolongation is labelled.
"""

from __future__ import annotations

import html
from datetime import UTC, date, datetime

import pytest

from tests.conftest import login_as
from webapp.accounts.models import Role
from webapp.entitlement import services
from webapp.extensions import db
from webapp.organisations.models import OrganisationKind

D = date.fromisoformat


class AugustClock(datetime):
    """Noon UTC on 3 August 2026, after the temporary rules' registered end (1 July 2026)."""

    @classmethod
    def now(cls, tz=None):
        return datetime(2026, 8, 3, 12, 0, tzinfo=UTC).astimezone(tz)


@pytest.fixture(autouse=True)
def august(app, monkeypatch):
    monkeypatch.setattr("webapp.clock.datetime", AugustClock)
    monkeypatch.setitem(app.config, "NORSKVEI_ASSUMED_RULES_UNTIL", "")  # the law as registered


@pytest.fixture
def municipality(factory):
    return factory.organisation(OrganisationKind.MUNICIPALITY, "Fjordby kommune")


@pytest.fixture
def coordinator(factory, municipality):
    return factory.user(Role.COORDINATOR, municipality, locale="en")


@pytest.fixture
def late_starter(factory, municipality, coordinator):
    learner = factory.learner(home=municipality, settlement_date=D("2026-07-01"), locale="en")
    services.set_start(coordinator, learner, None, D("2026-07-15"), "")
    db.session.commit()
    return learner


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_a_start_after_the_rules_ended_gets_no_deadline(client, coordinator, late_starter):
    login_as(client, coordinator)
    page = text(client.get(f"/learners/{late_starter.id}/entitlement"))
    assert "No registered rule set applies to a training start on July 15, 2026" in page
    assert "Every registered rule set has ended" in page
    assert "June 30, 2026" in page
    assert "Every registered rule set has ended" in text(client.get("/entitlements"))
    login_as(client, late_starter)
    mine = text(client.get("/my/entitlement"))
    assert "No registered rule set applies" in mine
    assert "days left" not in mine


def test_an_assumed_prolongation_is_computed_and_labelled(
    app, monkeypatch, client, coordinator, late_starter
):
    monkeypatch.setitem(app.config, "NORSKVEI_ASSUMED_RULES_UNTIL", "2027-07-01")
    login_as(client, coordinator)
    page = text(client.get(f"/learners/{late_starter.id}/entitlement"))
    assert "No registered rule set applies" not in page
    assert "Assumption: this installation assumes the temporary rules are prolonged" in page
    assert "July 1, 2027" in page
    assert "Every registered rule set has ended" not in page


def test_before_the_end_no_notice_is_shown(monkeypatch, client, coordinator):
    class JanuaryClock(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 1, 10, 12, 0, tzinfo=UTC).astimezone(tz)

    monkeypatch.setattr("webapp.clock.datetime", JanuaryClock)
    login_as(client, coordinator)
    page = text(client.get("/entitlements"))
    assert "Every registered rule set has ended" not in page
    assert "Assumption" not in page


def test_explain_accepts_a_start_in_an_assumed_prolongation(app, monkeypatch, runner):
    args = ["entitlement", "explain", "--start", "2026-07-15", "--education", "none"]
    refused = runner.invoke(args=[*args, "--today", "2026-08-01"])
    assert refused.exit_code == 2
    assert "no_rule_set" in refused.stderr
    monkeypatch.setitem(app.config, "NORSKVEI_ASSUMED_RULES_UNTIL", "2027-07-01")
    accepted = runner.invoke(args=[*args, "--today", "2026-08-01"])
    assert accepted.exit_code == 0, accepted.output
    assert "2027-07-14" in accepted.stdout
