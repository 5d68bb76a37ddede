"""Rule version 2 through the services and the pages: a leave or decision outside the period is
refused with a translated reason and writes nothing; the 67-year cut and the education choice."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from tests.conftest import login_as
from webapp.accounts.models import Role
from webapp.entitlement import services
from webapp.entitlement.models import Entitlement, EntitlementAudit, ExtensionDecision, LeavePeriod
from webapp.extensions import db
from webapp.i18n.labels import EDUCATION_LABELS
from webapp.learners.levels import Education
from webapp.organisations.models import OrganisationKind

D = date.fromisoformat
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


@pytest.fixture
def learner(factory, municipality, coordinator):
    person = factory.learner(home=municipality, settlement_date=D("2025-01-01"), name="Olena")
    services.set_start(coordinator, person, None, D("2025-03-10"), "")  # last day 2026-03-09
    db.session.commit()
    return person


def counts() -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (LeavePeriod, ExtensionDecision, EntitlementAudit)
    )


def stored_last_day(learner) -> date:
    db.session.expire_all()
    return db.session.get(Entitlement, learner.id).last_day


@pytest.mark.parametrize(
    ("first", "last", "code"),
    [
        ("2025-03-09", "2025-03-20", "leave_before_start"),
        ("2024-01-01", "2024-12-31", "leave_before_start"),
        ("2026-03-10", "2026-03-31", "leave_after_end"),
        ("2027-05-01", "2027-05-31", "leave_after_end"),
    ],
)
def test_the_service_refuses_leave_outside_the_period(coordinator, learner, first, last, code):
    before = counts()
    with pytest.raises(services.EntitlementError) as refused:
        services.add_leave(coordinator, learner, D(first), D(last), "permisjon")
    db.session.rollback()
    assert refused.value.code == code
    assert counts() == before
    assert stored_last_day(learner) == D("2026-03-09")


@pytest.mark.parametrize(
    ("decided", "code"),
    [("2025-03-09", "decision_before_start"), ("2026-03-10", "decision_after_end")],
)
def test_the_service_refuses_a_decision_outside_the_period(coordinator, learner, decided, code):
    before = counts()
    with pytest.raises(services.EntitlementError) as refused:
        services.add_extension(coordinator, learner, D(decided), 3, "")
    db.session.rollback()
    assert refused.value.code == code
    assert counts() == before


def test_a_decision_on_the_last_day_and_leave_in_its_months_are_accepted(coordinator, learner):
    services.add_extension(coordinator, learner, D("2026-03-09"), 3, "")
    services.add_leave(coordinator, learner, D("2026-06-01"), D("2026-06-10"), "permisjon")
    db.session.commit()
    assert stored_last_day(learner) == D("2026-06-19")  # 2026-06-09 + 10 days


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "Leave is leave from training: it cannot begin before the training started."),
        ("nb", "Permisjon er permisjon fra opplæringen: den kan ikke begynne før opplæringen"),
        ("uk", "Відпустка — це відпустка від навчання: вона не може початися раніше"),
        ("ru", "Отпуск — это отпуск от обучения: он не может начаться раньше начала"),
    ],
)
def test_the_page_refuses_leave_before_the_start_in_the_coordinator_s_language(
    client, factory, municipality, learner, locale, expected
):
    coordinator = factory.user(Role.COORDINATOR, municipality, locale=locale)
    login_as(client, coordinator)
    before = counts()
    response = client.post(
        f"/learners/{learner.id}/entitlement/leave",
        data={"first_day": "2025-01-01", "last_day": "2025-04-01", "reason": "Sykdom"},
    )
    assert response.status_code == 400
    assert expected in html.unescape(response.get_data(as_text=True))
    assert counts() == before
    assert stored_last_day(learner) == D("2026-03-09")


def test_the_page_refuses_a_decision_after_the_last_day(client, coordinator, learner):
    login_as(client, coordinator)
    before = counts()
    response = client.post(
        f"/learners/{learner.id}/entitlement/extension",
        data={"decided_on": "2031-01-05", "months": "6", "note": ""},
        headers=EN,
    )
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert "this date is after the last day of training. Nothing was registered." in page
    assert counts() == before


def test_the_learner_s_page_explains_the_67_year_cut(client, factory, municipality, coordinator):
    old = factory.learner(
        home=municipality,
        settlement_date=D("2025-01-01"),
        birth_date=D("1959-05-01"),  # 67 on 2026-05-01
        locale="en",
    )
    services.set_start(coordinator, old, None, D("2025-06-01"), "")  # cut 2026-05-31 to 04-30
    db.session.commit()
    login_as(client, old)
    page = html.unescape(client.get("/my/entitlement").get_data(as_text=True))
    assert "The last day is the day before the 67th birthday." in page
    assert "this cut is how Norskvei reads the rules" in page
    younger = factory.learner(home=municipality, settlement_date=D("2025-01-01"), locale="en")
    services.set_start(coordinator, younger, None, D("2025-06-01"), "")
    db.session.commit()
    login_as(client, younger)
    page = html.unescape(client.get("/my/entitlement").get_data(as_text=True))
    assert "67th birthday" not in page


@pytest.mark.parametrize(
    ("locale", "word"),
    [("en", "Completed"), ("nb", "Fullført"), ("uk", "Закінчена"), ("ru", "Законченное")],
)
def test_the_education_choice_says_completed_upper_secondary(app, locale, word):
    with app.test_request_context(), force_locale(locale):
        assert word in str(EDUCATION_LABELS[Education.UPPER_SECONDARY])
