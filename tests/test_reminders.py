"""Reminders through the scheduler: once per booked session a few hours ahead, not during the
learner's shift, never twice after a restart; "I can't come" frees the place for the first on
the waiting list; a weekly study nudge, never at night; every kind can be switched off."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from scheduling import jobs
from scheduling.availability import from_cells
from scheduling.process import run_once
from tests.conftest import login_as
from webapp.accounts.models import Role
from webapp.classes import attending, services
from webapp.classes.models import (
    Attendance,
    AttendanceMark,
    BookingStatus,
    ClassSeries,
    ClassSession,
    Modality,
    SessionStatus,
)
from webapp.clock import OSLO, oslo_today
from webapp.extensions import db
from webapp.learners.levels import Level
from webapp.lessons.models import Lesson, VocabCard
from webapp.mail.models import OutboxMessage
from webapp.organisations.models import OrganisationKind
from webapp.reminders import services as reminders
from webapp.reminders.models import ReminderSettings, SentReminder
from webapp.studytime.models import StudyDay, StudySource

# A Wednesday two to three weeks ahead: bookings need sessions in the future.
DAY = oslo_today() + timedelta(days=14 + (2 - oslo_today().weekday()) % 7)


def oslo(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), OSLO).astimezone(UTC)


@pytest.fixture
def teacher(factory):
    provider = factory.organisation(OrganisationKind.PROVIDER, "Kveldsskolen")
    return factory.user(Role.TEACHER, provider, locale="en")


def publish(teacher, capacity: int = 5, modality: Modality = Modality.HYBRID) -> ClassSeries:
    """A series whose only session near DAY is one we add at 18:00."""
    far = DAY + timedelta(days=60)
    series = services.create_series(
        teacher,
        services.SeriesInput(
            title="Norsk på kveldstid",
            description="",
            level=Level.A2,
            track=None,
            modality=modality,
            address="Storgata 1, Drammen",
            meeting_link="https://meet.example.org/a2",
            capacity=capacity,
            teacher_id=teacher.id,
            weekdays=frozenset({far.weekday()}),
            start_local=time(18),
            end_local=time(20),
            first_date=far,
            last_date=far,
            extra_dates=frozenset(),
            cancelled_dates=frozenset(),
            drop_in_allowed=True,
            seat_price_nok=0,
        ),
    )
    services.add_session(teacher, series, DAY, time(18), time(20))
    db.session.commit()
    return series


def session_on_day(series: ClassSeries) -> ClassSession:
    return next(s for s in series.sessions if s.local_date == DAY)


def checked(page: str, name: str) -> bool:
    [box] = re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
    return " checked" in box


def mails_to(address: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == address))
    )


def test_a_reminder_goes_out_once_three_hours_ahead_with_the_place_link_and_cant_come(
    factory, teacher
):
    series = publish(teacher)
    learner = factory.learner(locale="uk")
    services.book_series(learner, series)
    db.session.commit()

    assert reminders.send_session_reminders(oslo(DAY, 14, 55)) == 0  # not yet
    assert reminders.send_session_reminders(oslo(DAY, 15)) == 1
    db.session.commit()
    assert reminders.send_session_reminders(oslo(DAY, 15, 5)) == 0  # once

    [mail] = mails_to(learner.email)
    assert "18:00" in mail.subject
    assert "Norsk på kveldstid" in mail.subject
    assert "Storgata 1, Drammen" in mail.body_text
    assert "https://meet.example.org/a2" in mail.body_text
    assert "Не можете прийти?" in mail.body_text  # in the learner's language
    assert re.search(r"/classes/cant-come/\S+", mail.body_text)


def test_not_during_the_learners_shift_moved_to_after_it_or_skipped(factory, teacher):
    series = publish(teacher)
    after_shift, all_day = factory.learner(locale="en"), factory.learner(locale="en")
    wednesday = DAY.weekday()

    def working(learner, first: int, last: int) -> None:
        cells = [
            (0, d, h)
            for d in range(7)
            for h in range(24)
            if not (d == wednesday and first <= h < last)
        ]
        services.save_availability(learner, from_cells(DAY, 1, cells))

    working(after_shift, 8, 16)  # works until 16:00: reminded at 16:00, not 15:00
    working(all_day, 8, 18)  # works until the class starts: no room for a reminder
    services.book_series(after_shift, series)
    services.book_series(all_day, series)
    db.session.commit()

    for hour, minute in ((15, 0), (15, 30), (15, 55)):
        assert reminders.send_session_reminders(oslo(DAY, hour, minute)) == 0
    assert reminders.send_session_reminders(oslo(DAY, 16)) == 1
    for hour, minute in ((16, 30), (17, 0), (17, 30), (17, 59)):
        assert reminders.send_session_reminders(oslo(DAY, hour, minute)) == 0
    db.session.commit()
    assert len(mails_to(after_shift.email)) == 1
    assert mails_to(all_day.email) == []


def test_a_restarted_scheduler_does_not_send_a_reminder_twice(app, factory, teacher, monkeypatch):
    series = publish(teacher)
    learner = factory.learner(locale="ru")
    services.book_series(learner, series)
    db.session.commit()
    email = learner.email
    monkeypatch.setattr(jobs, "utcnow", lambda: oslo(DAY, 15, 10))

    run_once(app)  # a scheduler's tick: queues the reminder and delivers it
    db.session.remove()
    run_once(app)  # a new scheduler process after a restart, same moment
    jobs.send_reminders()  # and the job once more on its own

    [mail] = mails_to(email)
    assert mail.sent_at is not None
    assert db.session.scalar(select(func.count()).select_from(SentReminder)) == 1


def test_switched_off_cancelled_or_excused_sessions_get_no_reminder(client, factory, teacher):
    series = publish(teacher)
    off, excused = factory.learner(locale="en"), factory.learner(locale="en")
    services.book_series(off, series)
    services.book_series(excused, series)
    db.session.commit()
    login_as(client, off)
    profile = client.get("/profile").get_data(as_text=True)
    assert checked(profile, "reminders-sessions")
    assert checked(profile, "reminders-nudges")
    response = client.post("/profile/reminders", data={"reminders-nudges": "y"})
    assert response.status_code == 302
    assert db.session.get(ReminderSettings, off.id).sessions is False
    profile = client.get("/profile").get_data(as_text=True)
    assert not checked(profile, "reminders-sessions")
    assert checked(profile, "reminders-nudges")

    attending.cant_come(excused, session_on_day(series), now=oslo(DAY, 12))
    db.session.commit()

    assert reminders.send_session_reminders(oslo(DAY, 15)) == 0
    session = session_on_day(series)
    session.status = SessionStatus.CANCELLED
    db.session.commit()
    assert reminders.send_session_reminders(oslo(DAY, 15)) == 0


def test_i_cant_come_frees_the_place_for_the_first_on_the_waiting_list(client, factory, teacher):
    series = publish(teacher, capacity=1)
    session = session_on_day(series)
    booked = factory.learner(locale="uk")
    first, second = factory.learner(locale="en"), factory.learner(locale="en")
    services.book_series(booked, series)
    first_booking = services.book_drop_in(first, session)
    second_booking = services.book_drop_in(second, session)
    db.session.commit()
    assert first_booking.status is BookingStatus.WAITLISTED
    reminders.send_session_reminders(oslo(DAY, 15))
    db.session.commit()
    [mail] = mails_to(booked.email)
    link = re.search(r"(/classes/cant-come/\S+)", mail.body_text).group(1)

    page = client.get(link).get_data(as_text=True)  # no log-in needed: the link is signed
    assert "Не можете прийти?" in page  # in the learner's language, as the e-mail was
    assert db.session.scalar(select(Attendance.mark)) is None  # GET changes nothing
    response = client.post(link)
    assert response.status_code == 200

    db.session.refresh(first_booking)
    db.session.refresh(second_booking)
    assert first_booking.status is BookingStatus.CONFIRMED
    assert second_booking.status is BookingStatus.WAITLISTED
    assert (
        db.session.scalar(select(Attendance.mark).where(Attendance.learner_id == booked.id))
        is AttendanceMark.EXCUSED
    )
    assert [m.subject for m in mails_to(first.email)]  # told of the place
    assert services.seat_count(series.id).taken_at(session.id) == 1
    # the whole-series place stays for the other sessions; clicking again changes nothing
    assert client.post(link).status_code == 400
    assert client.get("/classes/cant-come/forged-token").status_code == 404


def _due_card(learner) -> None:
    if db.session.get(Lesson, "a1-nudge") is None:
        db.session.add(
            Lesson(
                id="a1-nudge",
                track="everyday",
                level="A1",
                position=1,
                minutes=10,
                title_nb="Hei",
                digest="d" * 64,
                content='{"exercises": []}',
            )
        )
    db.session.add(
        VocabCard(
            learner_id=learner.id,
            lesson_id="a1-nudge",
            word_nb="hei",
            meaning="привіт",
            direction="from_nb",
            due=oslo(DAY, 6) - timedelta(days=1),
            state="{}",
        )
    )
    db.session.commit()


def test_a_weekly_nudge_when_reviews_wait_and_no_study_for_three_days_never_at_night(factory):
    idle, busy, off = (factory.learner(locale="uk") for _ in range(3))
    for learner in (idle, busy, off):
        _due_card(learner)
    db.session.add(
        StudyDay(
            learner_id=busy.id, day=DAY - timedelta(days=1), source=StudySource.LESSON, seconds=600
        )
    )
    db.session.add(ReminderSettings(learner_id=off.id, sessions=True, nudges=False))
    db.session.commit()

    assert reminders.send_study_nudges(oslo(DAY, 23)) == 0  # night
    assert reminders.send_study_nudges(oslo(DAY, 6, 30)) == 0
    assert reminders.send_study_nudges(oslo(DAY, 10)) == 1
    db.session.commit()
    assert reminders.send_study_nudges(oslo(DAY, 19)) == 0  # once a week
    assert mails_to(busy.email) == []  # studied yesterday
    # next week: the idle learner again, and the other one has not studied for eight days now
    assert reminders.send_study_nudges(oslo(DAY + timedelta(days=7), 10)) == 2
    db.session.commit()
    [first, _next_week] = mails_to(idle.email)
    assert "/review" in first.body_text
    assert first.subject == "Ваші слова чекають на вас"
    assert len(mails_to(busy.email)) == 1
    assert mails_to(off.email) == []


def test_the_lead_time_comes_from_the_configuration(app, factory, teacher, monkeypatch):
    series = publish(teacher)
    learner = factory.learner(locale="en")
    services.book_series(learner, series)
    db.session.commit()
    monkeypatch.setitem(app.config, "NORSKVEI_REMINDER_LEAD_MINUTES", 60)

    assert reminders.send_session_reminders(oslo(DAY, 15)) == 0
    assert reminders.send_session_reminders(oslo(DAY, 16, 55)) == 0
    assert reminders.send_session_reminders(oslo(DAY, 17)) == 1
