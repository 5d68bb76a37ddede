"""Security headers on every page of every role, and hostile user text shown as text."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from flask import Flask

from tests.conftest import login_as
from tests.test_access_routes import ROLES, ROUTES, World, world  # noqa: F401  (fixture)
from webapp.accounts.models import Role
from webapp.classes import services as class_services
from webapp.classes.models import Modality
from webapp.clock import oslo_today
from webapp.extensions import db
from webapp.learners.levels import Level
from webapp.lessons.models import WritingSubmission
from webapp.organisations.models import OrganisationKind

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _check_headers(response, where: str) -> list[str]:
    problems = []
    csp = response.headers.get("Content-Security-Policy", "")
    if "script-src 'self'" not in csp or "frame-ancestors 'none'" not in csp:
        problems.append(f"{where}: CSP {csp!r}")
    if "unsafe-inline" in csp.split("script-src", 1)[-1].split(";", 1)[0]:
        problems.append(f"{where}: inline script allowed")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{where}: nosniff missing")
    if not response.headers.get("Referrer-Policy"):
        problems.append(f"{where}: Referrer-Policy missing")
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_every_role_carries_the_security_headers(app: Flask, world: World, role):  # noqa: F811
    problems = []
    checked = 0
    for endpoint, route in ROUTES.items():
        if endpoint == "static":
            continue
        method, url = route(world, role, True)
        if method != "GET":
            continue
        client = app.test_client()
        if role != "anonymous":
            login_as(client, world.users[role])
        response = client.get(url)
        if response.mimetype == "text/html":
            problems += _check_headers(response, f"{role} GET {url} ({response.status_code})")
            checked += 1
        response.close()
    assert problems == []
    assert checked >= 20


def test_hsts_is_sent_over_https_on_every_kind_of_answer(client):
    for url in ("/login", "/no-such-page", "/dashboard"):
        response = client.get(url, base_url="https://norskvei.test")
        assert response.headers["Strict-Transport-Security"].startswith("max-age="), url


def test_hostile_text_from_users_is_shown_as_text(client, factory):
    provider = factory.organisation(OrganisationKind.PROVIDER, "Skolen")
    teacher = factory.user(Role.TEACHER, provider, name=HOSTILE)
    learner = factory.learner(organisation=provider)
    learner.name = HOSTILE
    first = oslo_today() + timedelta(days=7)
    series = class_services.create_series(
        teacher,
        class_services.SeriesInput(
            title=HOSTILE,
            description=HOSTILE,
            level=Level.A1,
            track=None,
            modality=Modality.IN_PERSON,
            address=HOSTILE,
            meeting_link="",
            capacity=5,
            teacher_id=teacher.id,
            weekdays=frozenset({first.weekday()}),
            start_local=time(18),
            end_local=time(20),
            first_date=first,
            last_date=first + timedelta(days=14),
            extra_dates=frozenset(),
            cancelled_dates=frozenset(),
            drop_in_allowed=False,
            seat_price_nok=0,
        ),
    )
    class_services.book_series(learner, series)
    from webapp.lessons.models import Lesson

    db.session.add(
        Lesson(
            id="hostile",
            track="working-life",
            level="A1",
            position=1,
            minutes=5,
            title_nb=HOSTILE,
            digest="x" * 64,
            content='{"exercises": []}',
        )
    )
    db.session.flush()
    db.session.add(
        WritingSubmission(learner_id=learner.id, lesson_id="hostile", exercise_id="w", text=HOSTILE)
    )
    db.session.commit()
    login_as(client, teacher)
    for url in (f"/classes/{series.id}", "/classes", "/writing", "/learners", "/dashboard"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in page, url
        assert "<img src=x" not in page, url
    assert "&lt;script&gt;" in client.get(f"/classes/{series.id}").get_data(as_text=True)
