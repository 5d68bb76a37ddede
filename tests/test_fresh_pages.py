"""Every main page shows a change at once after the write that makes it: nothing is remembered
between requests, so the visit right after a commit is worked out from the database.

Each test visits a page, makes a change through the application as a user would (a form post),
and visits the page again in the same browser.
"""

from __future__ import annotations

import html
from datetime import date, time, timedelta

import pytest
from babel.dates import format_date

from tests.conftest import login_as
from webapp.accounts.models import Role
from webapp.classes import services as class_services
from webapp.classes.models import ClassSeries, Modality
from webapp.clock import oslo_today
from webapp.entitlement.models import Entitlement
from webapp.extensions import db
from webapp.learners.levels import Level
from webapp.organisations.models import OrganisationKind
from webapp.teaching import services as teaching_services

EN = {"Accept-Language": "en"}
LESSON = "/lessons/fixture-first-day"
RIGHT_E2 = {"answer": "jobber"}


def page(client, url: str) -> str:
    response = client.get(url, headers=EN)
    assert response.status_code == 200, url
    return html.unescape(response.get_data(as_text=True))


def full_day(day: date) -> str:
    return format_date(day, "full", locale="en")


@pytest.fixture
def municipality(factory):
    return factory.organisation(OrganisationKind.MUNICIPALITY, "Fjordby kommune")


@pytest.fixture
def provider(factory):
    return factory.organisation(OrganisationKind.PROVIDER, "Kveldsskolen")


@pytest.fixture
def coordinator(factory, municipality):
    return factory.user(Role.COORDINATOR, municipality, locale="en")


@pytest.fixture
def teacher(factory, provider):
    return factory.user(Role.TEACHER, provider, locale="en")


@pytest.fixture
def learner(factory, municipality, provider):
    return factory.learner(
        organisation=provider,
        home=municipality,
        locale="en",
        settlement_date=oslo_today() - timedelta(days=400),
    )


def publish(teacher, capacity: int = 10, title: str = "Norsk A2 på nett") -> ClassSeries:
    first = oslo_today() + timedelta(days=7)
    series = class_services.create_series(
        teacher,
        class_services.SeriesInput(
            title=title,
            description="",
            level=Level.A2,
            track=None,
            modality=Modality.ONLINE,
            address="",
            meeting_link="https://meet.example.org/a2",
            capacity=capacity,
            teacher_id=teacher.id,
            weekdays=frozenset({first.weekday()}),
            start_local=time(18),
            end_local=time(20),
            first_date=first,
            last_date=first + timedelta(days=21),
            extra_dates=frozenset(),
            cancelled_dates=frozenset(),
            drop_in_allowed=True,
            seat_price_nok=0,
        ),
    )
    db.session.commit()
    return series


def register_start(client, learner, start: date) -> None:
    response = client.post(
        f"/learners/{learner.id}/entitlement/start",
        data={"decision_date": "", "start_date": start.isoformat(), "reason": ""},
        headers=EN,
    )
    assert response.status_code == 302


# --- Learner pages -------------------------------------------------------------------------


def test_the_lesson_page_shows_an_answer_at_once(client, learner, synced_lesson):
    login_as(client, learner)
    step = f"{LESSON}/step/3"  # e2
    assert "Correct!" not in page(client, step)
    assert client.post(f"{LESSON}/exercises/e2", data=RIGHT_E2).status_code == 302
    assert "Correct!" in page(client, step)
    assert "Correct!" in page(client, step)  # and on every later visit


def test_the_catalogue_shows_a_started_lesson_at_once(client, learner, synced_lesson):
    login_as(client, learner)
    assert "Started" not in page(client, "/lessons")
    assert client.post(f"{LESSON}/exercises/e2", data=RIGHT_E2).status_code == 302
    assert "Started (" in page(client, "/lessons")


def test_the_dashboard_shows_a_new_start_and_a_lesson_to_continue_at_once(
    client, learner, coordinator, synced_lesson
):
    login_as(client, learner)
    before = page(client, "/dashboard")
    assert "Last day:" not in before
    assert "Continue:" not in before
    assert client.post(f"{LESSON}/exercises/e2", data=RIGHT_E2).status_code == 302
    assert "Continue:" in page(client, "/dashboard")

    login_as(client, coordinator)
    start = oslo_today() - timedelta(days=30)
    register_start(client, learner, start)
    login_as(client, learner)
    assert full_day(start + timedelta(days=364)) in page(client, "/dashboard")


def test_my_entitlement_shows_an_extension_at_once(client, learner, coordinator):
    start = oslo_today() - timedelta(days=300)
    login_as(client, coordinator)
    register_start(client, learner, start)
    login_as(client, learner)
    last_day = start + timedelta(days=364)
    assert full_day(last_day) in page(client, "/my/entitlement")

    login_as(client, coordinator)
    response = client.post(
        f"/learners/{learner.id}/entitlement/extension",
        data={"decided_on": oslo_today().isoformat(), "months": "2", "note": ""},
        headers=EN,
    )
    assert response.status_code == 302
    extended = db.session.get(Entitlement, learner.id).last_day
    assert extended > last_day
    login_as(client, learner)
    assert full_day(extended) in page(client, "/my/entitlement")


def test_classes_that_fit_show_a_full_class_and_a_cancelled_session_at_once(
    client, factory, teacher, learner, municipality
):
    series = publish(teacher, capacity=1)
    login_as(client, learner)
    before = page(client, "/classes")
    assert series.title in before
    assert "Full: you can join the waiting list." not in before

    other = factory.learner(home=municipality)
    login_as(client, other)
    assert client.post(f"/classes/{series.id}/book").status_code == 302
    login_as(client, learner)
    assert "Full: you can join the waiting list." in page(client, "/classes")

    login_as(client, teacher)
    session = series.sessions[0]
    cancelled = client.post(f"/classes/{series.id}/sessions/{session.id}/cancel")
    assert cancelled.status_code == 302
    login_as(client, learner)
    after = page(client, "/classes")
    next_day = full_day(series.sessions[1].local_date)
    assert next_day in after
    assert full_day(session.local_date) not in after


def test_classes_that_fit_show_a_new_class_at_once(client, teacher, learner):
    login_as(client, learner)
    assert "Norsk A2 på nett" not in page(client, "/classes")
    publish(teacher)
    assert "Norsk A2 på nett" in page(client, "/classes")


# --- Staff pages ---------------------------------------------------------------------------


def test_the_teachers_matrix_shows_an_answer_at_once(client, teacher, learner, synced_lesson):
    group = teaching_services.create_group(teacher, "Tirsdagsgruppa", None, teacher.id)
    teaching_services.add_member(teacher, group, learner.id)
    db.session.commit()
    login_as(client, teacher)
    due = (oslo_today() + timedelta(days=3)).isoformat()
    assigned = client.post(
        f"/groups/{group.id}/assignments",
        data={"content": "lesson:fixture-first-day", "learner": "", "due_date": due},
    )
    assert assigned.status_code == 302
    url = f"/groups/{group.id}"
    assert learner.name in page(client, url)
    assert "%" not in page(client, url).split(learner.name, 1)[1][:400]

    login_as(client, learner)
    assert client.post(f"{LESSON}/exercises/e2", data=RIGHT_E2).status_code == 302
    login_as(client, teacher)
    assert "%" in page(client, url).split(learner.name, 1)[1][:400]


def test_the_overview_shows_a_start_a_rename_and_leave_at_once(client, learner, coordinator):
    login_as(client, coordinator)
    overview = page(client, "/entitlements")
    assert learner.name in overview
    start = oslo_today() - timedelta(days=30)
    last_day = start + timedelta(days=364)
    assert format_date(last_day, "medium", locale="en") not in overview

    register_start(client, learner, start)
    overview = page(client, "/entitlements")
    shown = [format_date(last_day, form, locale="en") for form in ("short", "medium", "long")]
    assert any(day in overview for day in shown)

    learner.name = "Oksana Renamed"
    db.session.commit()
    assert "Oksana Renamed" in page(client, "/entitlements")

    leave = client.post(
        f"/learners/{learner.id}/entitlement/leave",
        data={
            "first_day": (start + timedelta(days=1)).isoformat(),
            "last_day": (start + timedelta(days=10)).isoformat(),
            "reason": "sykdom",
        },
        headers=EN,
    )
    assert leave.status_code == 302
    longer = [
        format_date(last_day + timedelta(days=10), f, locale="en")
        for f in ("short", "medium", "long")
    ]
    overview = page(client, "/entitlements")
    assert any(day in overview for day in longer)
    record = page(client, f"/learners/{learner.id}/entitlement")
    assert full_day(last_day + timedelta(days=10)) in record


def test_the_overview_filter_follows_a_dropout_at_once(client, learner, coordinator):
    login_as(client, coordinator)
    register_start(client, learner, oslo_today() - timedelta(days=30))
    assert learner.name in page(client, "/entitlements?status=active")
    response = client.post(
        f"/learners/{learner.id}/entitlement/dropout",
        data={"on": oslo_today().isoformat(), "reason": "flyttet"},
        headers=EN,
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert learner.name not in page(client, "/entitlements?status=active")
    assert learner.name in page(client, "/entitlements?status=discontinued")
