"""Two coordinators editing one learner's entitlement at once: no update is lost, and the one who
worked from an outdated page is told (threads, on SQLite and on PostgreSQL)."""

from __future__ import annotations

import html
import re
import threading
from datetime import date, datetime

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.conftest import login_as
from webapp.accounts.models import Role, User
from webapp.entitlement import services
from webapp.entitlement.models import Entitlement, EntitlementAudit, LeavePeriod
from webapp.extensions import db
from webapp.organisations.models import OrganisationKind

D = date.fromisoformat
START = D("2025-03-10")  # last day 2026-03-09


@pytest.fixture
def municipality(factory):
    return factory.organisation(OrganisationKind.MUNICIPALITY, "Fjordby kommune")


@pytest.fixture
def coordinators(factory, municipality):
    return [factory.user(Role.COORDINATOR, municipality, locale="en") for _ in range(2)]


@pytest.fixture
def learner(factory, municipality, coordinators):
    person = factory.learner(home=municipality, settlement_date=D("2025-03-01"))
    services.set_start(coordinators[0], person, None, START, "")
    db.session.commit()
    return person


def _together(app: Flask, jobs: list) -> list[BaseException]:
    """Run each job in its own thread, app context and connection, released together."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job) -> None:
        with app.app_context():
            try:
                barrier.wait()
                job()
                db.session.commit()
            except BaseException as error:  # noqa: BLE001  (collected and asserted below)
                errors.append(error)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def _leave_job(actor_id: int, learner_id: int, first: str, last: str, seen: datetime | None):
    def job() -> None:
        actor = db.session.get(User, actor_id)
        learner = db.session.get(User, learner_id)
        services.claim(learner, seen)
        services.add_leave(actor, learner, D(first), D(last), "permisjon")

    return job


def _stored(learner_id: int) -> tuple[date, int]:
    db.session.expire_all()
    entitlement = db.session.get(Entitlement, learner_id)
    leaves = db.session.scalar(
        select(func.count()).select_from(LeavePeriod).where(LeavePeriod.learner_id == learner_id)
    )
    return entitlement.last_day, leaves


def test_two_edits_from_the_same_page_one_wins_the_other_is_told(app, coordinators, learner):
    seen = db.session.get(Entitlement, learner.id).updated_at
    ids = [c.id for c in coordinators]
    learner_id = learner.id
    db.session.remove()
    errors = _together(
        app,
        [
            _leave_job(ids[0], learner_id, "2025-06-01", "2025-06-10", seen),  # 10 days
            _leave_job(ids[1], learner_id, "2025-08-01", "2025-08-05", seen),  # 5 days
        ],
    )
    assert len(errors) == 1
    assert isinstance(errors[0], services.EntitlementError)
    assert errors[0].code == "changed_meanwhile"
    last_day, leaves = _stored(learner_id)
    assert leaves == 1
    assert last_day in (D("2026-03-19"), D("2026-03-14"))  # exactly the winner's leave


def test_two_edits_without_a_page_both_count(app, coordinators, learner):
    ids = [c.id for c in coordinators]
    learner_id = learner.id
    db.session.remove()
    errors = _together(
        app,
        [
            _leave_job(ids[0], learner_id, "2025-06-01", "2025-06-10", None),
            _leave_job(ids[1], learner_id, "2025-08-01", "2025-08-05", None),
        ],
    )
    assert errors == []
    # The second waited for the first and built on it: 2026-03-09 + 10 + 5 days.
    assert _stored(learner_id) == (D("2026-03-24"), 2)


def test_an_outdated_page_is_refused_with_a_message(client, coordinators, learner):
    login_as(client, coordinators[0])
    page = client.get(f"/learners/{learner.id}/entitlement").get_data(as_text=True)
    [seen] = set(re.findall(r'name="version" type="hidden" value="([^"]+)"', page))
    services.add_leave(coordinators[1], learner, D("2025-06-01"), D("2025-06-10"), "Syk")
    db.session.commit()
    audits = db.session.scalar(select(func.count()).select_from(EntitlementAudit))

    response = client.post(
        f"/learners/{learner.id}/entitlement/extension",
        data={"decided_on": "2026-01-05", "months": "3", "note": "", "version": seen},
    )
    assert response.status_code == 400
    assert "Someone else changed this learner's right to training" in html.unescape(
        response.get_data(as_text=True)
    )
    assert db.session.scalar(select(func.count()).select_from(EntitlementAudit)) == audits
    assert _stored(learner.id) == (D("2026-03-19"), 1)

    page = client.get(f"/learners/{learner.id}/entitlement").get_data(as_text=True)
    [fresh] = set(re.findall(r'name="version" type="hidden" value="([^"]+)"', page))
    response = client.post(
        f"/learners/{learner.id}/entitlement/extension",
        data={"decided_on": "2026-01-05", "months": "3", "note": "", "version": fresh},
    )
    assert response.status_code == 302
    assert _stored(learner.id)[0] == D("2026-06-19")
