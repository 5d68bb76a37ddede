"""The learner's dashboard says what to do now: the next class, an assignment due, reviews
due and the lesson to continue, above the deadline card; its statements do not grow."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import event

from tests.conftest import login_as
from webapp.accounts.models import Role, User
from webapp.classes import services
from webapp.classes.models import ClassSeries, ClassSession, Modality, SessionStatus
from webapp.clock import OSLO, oslo_today
from webapp.extensions import db
from webapp.learners.levels import Level
from webapp.organisations.models import OrganisationKind


def series_input(**changes) -> services.SeriesInput:
    first = oslo_today() + timedelta(days=10)
    values = {
        "title": "Norsk på kveldstid",
        "description": "",
        "level": Level.A2,
        "track": None,
        "modality": Modality.HYBRID,
        "address": "Storgata 1, Drammen",
        "meeting_link": "https://meet.example.org/a2",
        "capacity": 30,
        "teacher_id": None,
        "weekdays": frozenset({first.weekday()}),
        "start_local": time(18),
        "end_local": time(20),
        "first_date": first,
        "last_date": first + timedelta(days=13),
        "extra_dates": frozenset(),
        "cancelled_dates": frozenset(),
        "drop_in_allowed": True,
        "seat_price_nok": 0,
    }
    values.update(changes)
    return services.SeriesInput(**values)


def session_at(series: ClassSeries, start: datetime, minutes: int = 90) -> ClassSession:
    """A session of ``series`` starting at the UTC instant ``start`` (any time of day)."""
    local = start.astimezone(OSLO)
    end = start + timedelta(minutes=minutes)
    session = ClassSession(
        series_id=series.id,
        local_date=local.date(),
        start_local=local.time().replace(tzinfo=None),
        end_local=end.astimezone(OSLO).time().replace(tzinfo=None),
        starts_at=start,
        ends_at=end,
        status=SessionStatus.SCHEDULED,
        is_extra=True,
        sequence=0,
    )
    db.session.add(session)
    db.session.flush()
    return session


@pytest.fixture
def teacher(factory):
    return factory.user(
        Role.TEACHER, factory.organisation(OrganisationKind.PROVIDER, "Kveldsskolen")
    )


def now_minute() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0)


def test_the_next_class_is_at_the_top_with_its_time_place_and_link(client, factory, teacher):
    learner = factory.learner(locale="en")
    series = services.create_series(teacher, series_input(teacher_id=teacher.id))
    soon = session_at(series, now_minute() + timedelta(hours=3))
    services.book_series(learner, series)
    db.session.commit()
    login_as(client, learner)

    page = client.get("/dashboard").get_data(as_text=True)

    do_now = page.index('class="card do-now"')
    assert do_now < page.index("My right to Norwegian training")
    top = page[do_now : page.index("deadline-card")]
    local = soon.starts_at.astimezone(OSLO)
    assert local.strftime("%H:%M") in top
    assert "Norsk på kveldstid" in top
    assert "Storgata 1, Drammen" in top
    assert 'href="https://meet.example.org/a2"' in top
    assert "Choose a lesson" in top
    # the class comes before the continue button
    assert top.index("Norsk på kveldstid") < top.index("Choose a lesson")


def test_a_cancelled_session_is_not_the_next_class_and_nothing_shows_without_bookings(
    client, factory, teacher
):
    learner = factory.learner(locale="en")
    series = services.create_series(teacher, series_input(teacher_id=teacher.id))
    soon = session_at(series, now_minute() + timedelta(hours=3))
    login_as(client, learner)
    assert "Next class" not in client.get("/dashboard").get_data(as_text=True)
    services.book_series(learner, series)
    soon.status = SessionStatus.CANCELLED
    db.session.commit()

    page = client.get("/dashboard").get_data(as_text=True)

    first = series.sessions[0] if series.sessions[0].id != soon.id else series.sessions[1]
    assert "Next class" in page
    assert first.local_date.strftime("%-d") in page


def _statements(client) -> tuple[int, str]:
    seen: list[str] = []

    def record(*_args) -> None:
        seen.append("")

    db.session.remove()
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get("/dashboard")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200
    return len(seen), response.get_data(as_text=True)


def test_the_dashboard_costs_the_same_statements_with_one_class_or_many(client, factory, teacher):
    learner_id = factory.learner(locale="en").id
    teacher_id = teacher.id

    def publish_and_book(n: int) -> None:
        teacher = db.session.get(User, teacher_id)
        start = 8 + 2 * (n % 6)
        series = services.create_series(
            teacher,
            series_input(
                teacher_id=teacher_id,
                title=f"Kurs {n}",
                start_local=time(start),
                end_local=time(start + 2),
                first_date=oslo_today() + timedelta(days=3 + n // 6),
                last_date=oslo_today() + timedelta(days=60),
                weekdays=frozenset({(oslo_today() + timedelta(days=3 + n // 6)).weekday()}),
            ),
        )
        services.book_series(db.session.get(User, learner_id), series)
        db.session.commit()

    publish_and_book(0)
    login_as(client, db.session.get(User, learner_id))
    few, page = _statements(client)
    assert "Kurs 0" in page
    for n in range(1, 6):
        publish_and_book(n)
    many, page = _statements(client)
    assert "Kurs 0" in page
    assert many == few
