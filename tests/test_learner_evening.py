"""Small, consequential fixes of a learner's evening: the study-hours statement in Norwegian
with the learner's language alongside, the calendar subscribe link, cancelling with a
confirmation page."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import login_as
from webapp.accounts.models import Role
from webapp.classes import services
from webapp.classes.models import Booking, BookingStatus, Modality, SessionStatus
from webapp.clock import oslo_today
from webapp.extensions import db
from webapp.learners.levels import Level
from webapp.mail.models import OutboxMessage
from webapp.organisations.models import OrganisationKind
from webapp.studytime.models import StudyDay, StudySource


def test_the_statement_has_a_norwegian_version_with_the_learners_language_alongside(
    client, factory
):
    home = factory.organisation(OrganisationKind.MUNICIPALITY, "Drammen")
    learner = factory.learner(home=home, locale="uk", settlement_date=date(2025, 9, 1))
    db.session.add(
        StudyDay(
            learner_id=learner.id, day=date(2025, 11, 3), source=StudySource.LESSON, seconds=5400
        )
    )
    db.session.commit()
    login_as(client, learner)

    own = client.get("/my/study-hours").get_data(as_text=True)
    assert "Довідка про години навчання" in own
    assert "Bekreftelse på studietimer" not in own
    assert 'href="/my/study-hours?lang=nb"' in own

    page = client.get("/my/study-hours?lang=nb").get_data(as_text=True)
    article = page[page.index('<article class="statement"') : page.index("</article>")]
    assert article.startswith('<article class="statement" lang="nb">')
    heading = article[article.index("<h1>") : article.index("</h1>")]
    assert heading.index("Bekreftelse på studietimer") < heading.index(
        '<span class="second block" lang="uk">Довідка про години навчання</span>'
    )
    assert "november 2025" in article  # the Norwegian month name, then the Ukrainian one
    assert '<span class="second" lang="uk">листопад 2025</span>' in article
    assert "1,5" in article  # Norwegian numbers
    assert 'href="/my/study-hours"' in page  # back to the learner's language only


def test_a_norwegian_learner_gets_one_language_in_the_norwegian_version(client, factory):
    learner = factory.learner(locale="nb")
    login_as(client, learner)
    page = client.get("/my/study-hours?lang=nb").get_data(as_text=True)
    assert "Bekreftelse på studietimer" in page
    assert 'class="second' not in page


def test_the_calendar_page_offers_a_webcal_subscribe_link_a_copy_field_and_instructions(
    client, factory
):
    learner = factory.learner(locale="en")
    login_as(client, learner)
    assert "webcal://" not in client.get("/calendar").get_data(as_text=True)
    client.post("/calendar/renew")

    page = client.get("/calendar").get_data(as_text=True)

    token = re.search(r'href="webcal://localhost/calendar/([^"/]+)\.ics"', page).group(1)
    assert f'value="http://localhost/calendar/{token}.ics"' in page
    assert re.search(r'<input id="feed-url"[^>]* readonly ', page)  # selectable without JS
    assert "/static/js/copy-field.js" in page
    assert "Android:" in page
    assert "From URL" in page
    assert "iPhone:" in page
    assert "Add Subscribed Calendar" in page
    assert client.get(f"/calendar/{token}.ics").mimetype == "text/calendar"


# Cancelling asks first ----------------------------------------------------------------------


def _publish(teacher, capacity: int = 1, drop_in: bool = True):
    first = oslo_today() + timedelta(days=7)
    series = services.create_series(
        teacher,
        services.SeriesInput(
            title="Norsk A2 kveld",
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
            drop_in_allowed=drop_in,
            seat_price_nok=0,
        ),
    )
    db.session.commit()
    return series


@pytest.fixture
def teacher(factory):
    provider = factory.organisation(OrganisationKind.PROVIDER, "Kveldsskolen")
    return factory.user(Role.TEACHER, provider, locale="en")


def test_cancelling_a_booking_shows_what_happens_and_only_the_post_cancels(
    client, factory, teacher
):
    series = _publish(teacher)
    learner, waiting = factory.learner(locale="en"), factory.learner(locale="en")
    booking = services.book_series(learner, series)
    queued = services.book_series(waiting, series)
    db.session.commit()
    login_as(client, learner)

    series_page = client.get(f"/classes/{series.id}").get_data(as_text=True)
    assert f'href="/bookings/{booking.id}/cancel"' in series_page
    assert f'action="/bookings/{booking.id}/cancel"' not in series_page  # no one-tap cancel
    page = client.get(f"/bookings/{booking.id}/cancel").get_data(as_text=True)

    assert "You give up your place at the whole class: 4 sessions ahead." in page
    assert series.sessions[0].local_date.strftime("%B") in page
    assert "the first learner on the waiting list gets yours" in page
    assert 'class="button danger"' in page
    assert statuses(booking, queued) == [BookingStatus.CONFIRMED, BookingStatus.WAITLISTED]

    response = client.post(f"/bookings/{booking.id}/cancel")
    assert response.status_code == 302
    assert statuses(booking, queued) == [BookingStatus.CANCELLED, BookingStatus.CONFIRMED]


def test_a_drop_in_and_a_waiting_place_say_what_they_give_up(client, factory, teacher):
    series = _publish(teacher, capacity=1)
    session = series.sessions[1]
    first, second = factory.learner(locale="en"), factory.learner(locale="en")
    services.book_drop_in(first, session)
    waiting = services.book_drop_in(second, session)
    db.session.commit()

    login_as(client, second)
    page = client.get(f"/bookings/{waiting.id}/cancel").get_data(as_text=True)
    assert "You leave the waiting list" in page
    assert "Leave the waiting list" in page

    login_as(client, first)
    mine = db.session.scalar(
        select(Booking).where(Booking.learner_id == first.id, Booking.session_id == session.id)
    )
    page = client.get(f"/bookings/{mine.id}/cancel").get_data(as_text=True)
    assert "You give up your place at this session only:" in page
    assert session.local_date.strftime("%B") in page


def test_too_late_and_someone_elses_booking(client, factory, teacher):
    series = _publish(teacher)
    owner, other = factory.learner(locale="en"), factory.learner(locale="en")
    booking = services.book_series(owner, series)
    db.session.commit()
    login_as(client, other)
    assert client.get(f"/bookings/{booking.id}/cancel").status_code == 404
    login_as(client, owner)
    soon = datetime.now(UTC) + timedelta(minutes=90)
    series.sessions[0].starts_at = soon
    series.sessions[0].ends_at = soon + timedelta(hours=2)
    db.session.commit()
    page = client.get(f"/bookings/{booking.id}/cancel").get_data(as_text=True)
    assert "too late to cancel here" in page
    assert "Yes, cancel my booking" not in page


def test_staff_cancel_a_session_after_a_confirmation_and_learners_are_told_in_their_language(
    client, factory, teacher
):
    series = _publish(teacher, capacity=5)
    ukrainian, russian = factory.learner(locale="uk"), factory.learner(locale="ru")
    services.book_series(ukrainian, series)
    services.book_series(russian, series)
    db.session.commit()
    session = series.sessions[1]
    login_as(client, teacher)
    url = f"/classes/{series.id}/sessions/{session.id}/cancel"

    assert f'href="{url}"' in client.get(f"/classes/{series.id}").get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    assert "2 learners have a place at it and will be told by e-mail" in page
    assert "Yes, cancel the session" in page
    db.session.refresh(session)
    assert session.status is SessionStatus.SCHEDULED
    assert db.session.scalar(select(OutboxMessage.id)) is None

    assert client.post(url).status_code == 302
    db.session.refresh(session)
    assert session.status is SessionStatus.CANCELLED
    mails = {m.to_address: m for m in db.session.scalars(select(OutboxMessage))}
    assert mails[ukrainian.email].subject.startswith("Скасовано заняття")
    assert mails[russian.email].subject.startswith("Отменено занятие")
    assert "already cancelled" in client.get(url).get_data(as_text=True)


def statuses(*bookings):
    for booking in bookings:
        db.session.refresh(booking)
    return [booking.status for booking in bookings]
