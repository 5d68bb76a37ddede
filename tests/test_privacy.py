"""The learner's data rights: see and download their data, ask for erasure; an administrator
erases it, leaving no name, e-mail, birth date or free text of theirs in any text column, and the
seat and grant reports' totals unchanged."""

from __future__ import annotations

import csv
import html
import io
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import Enum, String, Text, select

from tests.audio_samples import webm_opus
from tests.conftest import login_as
from tests.test_payers import buy_seats, publish
from webapp.accounts.models import Role
from webapp.classes import services as class_services
from webapp.clock import oslo_today
from webapp.entitlement import services as entitlement_services
from webapp.entitlement.grants import grant_income
from webapp.entitlement.models import EntitlementAudit
from webapp.extensions import db
from webapp.learners.levels import Education
from webapp.lessons.models import ExerciseAnswer, Lesson, WritingSubmission
from webapp.mail.models import OutboxMessage
from webapp.organisations.models import OrganisationKind
from webapp.privacy import services
from webapp.recordings import services as recording_services
from webapp.recordings.models import SpeakingAnswer
from webapp.recordings.storage import storage
from webapp.seats import services as seat_services
from webapp.studytime.models import StudyDay, StudySource

D = date.fromisoformat
NAME = "Zoryana Quillfeather"
EMAIL = "zoryana.quill@example.org"
BIRTH = D("1987-04-23")
FREE_TEXTS = (
    "Nattevakt på Quillbakken sykehjem",
    "Mitt hemmelige dagbokinnlegg om Quillbakken",
    "Svaret mitt om Quillbakken-bussen",
    "Permisjon for Quillbakken-operasjonen",
    "Sluttet: flyttet til Quillbakken",
    "+47 987 65 432",
)


@pytest.fixture
def rollag(factory):
    return factory.organisation(OrganisationKind.MUNICIPALITY, "Rollag")


@pytest.fixture
def coordinator(factory, rollag):
    return factory.user(Role.COORDINATOR, rollag, locale="en")


@pytest.fixture
def admin(factory):
    return factory.user(Role.ADMIN, locale="en")


@pytest.fixture
def learner(factory, rollag, coordinator):
    """A learner with data in most tables: profile, entitlement, leave, decisions, study, texts,
    answers, a booking on a bought seat, messages."""
    person = factory.learner(
        home=rollag,
        email=EMAIL,
        name=NAME,
        birth_date=BIRTH,
        settlement_date=oslo_today() - timedelta(days=300),
        education=Education.PRIMARY,
        locale="en",
    )
    profile = person.learner_profile
    profile.working_hours = FREE_TEXTS[0]
    profile.phone = FREE_TEXTS[5]
    db.session.add(
        Lesson(
            id="privacy-test",
            track="general",
            level="A1",
            position=1,
            minutes=10,
            title_nb="Test",
            digest="0" * 64,
            content="{}",
        )
    )
    db.session.flush()  # the lesson before the rows that refer to it
    db.session.add(
        WritingSubmission(
            learner_id=person.id, lesson_id="privacy-test", exercise_id="w1", text=FREE_TEXTS[1]
        )
    )
    db.session.add(
        ExerciseAnswer(
            learner_id=person.id,
            lesson_id="privacy-test",
            exercise_id="e1",
            answer=FREE_TEXTS[2],
            correct=False,
        )
    )
    start = oslo_today() - timedelta(days=290)
    entitlement_services.set_start(coordinator, person, None, start, "")
    entitlement_services.add_leave(
        coordinator, person, start + timedelta(days=10), start + timedelta(days=20), FREE_TEXTS[3]
    )
    entitlement_services.add_extension(coordinator, person, start + timedelta(days=30), 3, "")
    db.session.add(
        StudyDay(learner_id=person.id, day=oslo_today(), source=StudySource.LESSON, seconds=900)
    )
    db.session.add(OutboxMessage(to_address=EMAIL, subject=f"Hei {NAME}", body_text=f"Hei {NAME}!"))
    db.session.add(
        OutboxMessage(
            to_address="kari@example.org",
            subject="Frist nærmer seg",
            body_text=f"{NAME} har 30 dager igjen.",
        )
    )
    db.session.commit()
    return person


def test_the_learner_sees_and_downloads_their_data(client, learner):
    login_as(client, learner)
    page = client.get("/my/data").get_data(as_text=True)
    assert NAME in page
    assert "Download everything (JSON)" in page
    data = json.loads(client.get("/my/data.json").get_data(as_text=True))
    assert data["users"][0]["email"] == EMAIL
    assert "password_hash" not in data["users"][0]
    assert data["learner_profiles"][0]["birth_date"] == BIRTH.isoformat()
    assert data["writing_submissions"][0]["text"] == FREE_TEXTS[1]
    assert data["leave_periods"][0]["reason"] == FREE_TEXTS[3]
    assert data["study_days"][0]["seconds"] == 900
    assert data["outbox_messages"][0]["subject"] == f"Hei {NAME}"
    text = client.get("/my/data.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["table", "row", "column", "value"]
    assert ["writing_submissions", "1", "text", FREE_TEXTS[1]] in rows
    assert ["learner_profiles", "1", "phone", "'" + FREE_TEXTS[5]] in rows  # no formula


def _text_columns():
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            # Enumerations hold only their fixed values; every other text column is searched.
            if isinstance(column.type, String | Text) and not isinstance(column.type, Enum):
                yield table, column


def _found_anywhere(needle: str) -> list[str]:
    found = []
    for table, column in _text_columns():
        hits = db.session.execute(select(column).where(column.contains(needle))).all()
        if hits:
            found.append(f"{table.name}.{column.name}")
    return found


def test_erasure_leaves_no_trace_and_keeps_the_totals(
    client, factory, learner, rollag, coordinator, admin
):
    series = publish(factory, factory.organisation(OrganisationKind.PROVIDER, "Nordlys"))
    seller = factory.user(Role.PROVIDER_ADMIN, series.provider)
    buy_seats(seller, coordinator, series)
    class_services.book_series(learner, series)
    db.session.commit()
    # Two spoken answers, one with a teacher's recorded reply; a classmate's answer stays.
    lesson = db.session.get(Lesson, "privacy-test")
    teacher = factory.user(Role.TEACHER, locale="en")
    answered = recording_services.submit_answer(learner, lesson, webm_opus(2))
    recording_services.submit_answer(learner, lesson, webm_opus(3))
    recording_services.reply(teacher, answered, "Bra uttale!", webm_opus(1))
    classmate = factory.learner(home=rollag, locale="en")
    theirs = recording_services.submit_answer(classmate, lesson, webm_opus(2))
    db.session.commit()
    their_files = [
        key
        for answer in db.session.scalars(
            select(SpeakingAnswer).where(SpeakingAnswer.learner_id == learner.id)
        )
        for key in (answer.storage_key, answer.reply_key)
        if key
    ]
    assert len(their_files) == 3
    assert all(storage().exists(key) for key in their_files)
    year = oslo_today().year
    seats_before = seat_services.seat_report(rollag.id, year).totals_by_month()
    grants_before = grant_income(rollag.id)
    assert grants_before

    login_as(client, learner)
    client.post("/my/data/erasure")
    assert services.erasure_requested(learner)
    login_as(client, admin)
    page = client.get("/admin/erasures").get_data(as_text=True)
    assert NAME in page
    refused = client.post(f"/learners/{learner.id}/erase", follow_redirects=True)
    assert "Tick the box to confirm." in refused.get_data(as_text=True)
    other = client.post(f"/learners/{learner.id}/erase", data={"confirm": "erase-1"})
    assert other.status_code == 302
    assert not services.is_erased(learner)
    response = client.post(
        f"/learners/{learner.id}/erase",
        data={"confirm": f"erase-{learner.id}"},
        follow_redirects=True,
    )
    assert "The learner's personal data is erased." in html.unescape(
        response.get_data(as_text=True)
    )
    db.session.expire_all()

    for needle in (
        NAME,
        "Zoryana",
        "Quillfeather",
        EMAIL,
        BIRTH.isoformat(),
        "Quillbakken",
        "987 65",
    ):
        assert _found_anywhere(needle) == [], needle
    assert db.session.scalar(select(WritingSubmission)) is None
    assert db.session.scalar(select(ExerciseAnswer)) is None
    # No spoken answer, reply or audio file of theirs remains; the classmate's is untouched.
    assert db.session.scalars(select(SpeakingAnswer.id)).all() == [theirs.id]
    assert not any(storage().exists(key) for key in their_files)
    assert storage().exists(theirs.storage_key)
    assert learner.learner_profile.birth_date == date(1987, 1, 1)
    assert not learner.active
    # The totals the municipality's books are built on are unchanged.
    assert seat_services.seat_report(rollag.id, year).totals_by_month() == seats_before
    assert grant_income(rollag.id) == grants_before
    # The erasure is logged, without personal data.
    erased = db.session.scalar(
        select(EntitlementAudit).where(EntitlementAudit.action == services.ERASED)
    )
    assert (erased.learner_id, erased.actor_id, erased.reason) == (learner.id, admin.id, "")
    assert "Zoryana" not in client.get("/admin/erasures").get_data(as_text=True)
    # Erasing twice is refused; the erased learner cannot log in.
    again = client.post(
        f"/learners/{learner.id}/erase",
        data={"confirm": f"erase-{learner.id}"},
        follow_redirects=True,
    )
    assert "already erased" in html.unescape(again.get_data(as_text=True))


def test_only_administrators_erase(client, learner, coordinator):
    login_as(client, coordinator)
    assert (
        client.post(
            f"/learners/{learner.id}/erase", data={"confirm": f"erase-{learner.id}"}
        ).status_code
        == 403
    )
    assert client.get("/admin/erasures").status_code == 403
    with pytest.raises(services.PrivacyError):
        services.erase_learner(coordinator, learner)


def test_retention_anonymises_only_learners_long_inactive_after_their_right_ended(
    factory, rollag, coordinator
):
    today = oslo_today()

    def learner_started(days_ago: int, name: str):
        person = factory.learner(
            home=rollag, name=name, settlement_date=today - timedelta(days=days_ago + 10)
        )
        entitlement_services.set_start(
            coordinator, person, None, today - timedelta(days=days_ago), ""
        )
        db.session.commit()
        return person

    gone = learner_started(365 * 5, "Long Gone")  # ended about four years ago
    studying = learner_started(365 * 5, "Still Studying")
    db.session.add(
        StudyDay(learner_id=studying.id, day=today, source=StudySource.LESSON, seconds=60)
    )
    recent = learner_started(400, "Recently Ended")  # ended about a month ago
    running = learner_started(30, "Running")
    db.session.commit()

    assert services.apply_retention(today, 0) == 0
    assert [u.id for u in services.retention_candidates(today, 36)] == [gone.id]
    assert services.apply_retention(today, 36) == 1
    db.session.commit()
    assert services.is_erased(gone)
    assert not any(services.is_erased(u) for u in (studying, recent, running))
    erased = db.session.scalar(
        select(EntitlementAudit).where(EntitlementAudit.action == services.ERASED)
    )
    assert (erased.learner_id, erased.actor_id) == (gone.id, None)
    assert services.apply_retention(today, 36) == 0  # once only
