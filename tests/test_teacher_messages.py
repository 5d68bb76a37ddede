"""Messages from a teacher to a series, a session's booked learners or a group: on the learners'
dashboards (newest first, read when opened) and by e-mail in each learner's language."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import backdate_bookings, login_as
from tests.test_teacher_day import booked, class_with_session_under_way
from webapp.accounts.models import Role
from webapp.classes import services as class_services
from webapp.extensions import db
from webapp.mail.models import OutboxMessage
from webapp.organisations.models import OrganisationKind
from webapp.teaching import services as teaching_services
from webapp.teaching.models import MessageRecipient, TeacherMessage


@pytest.fixture
def provider(factory):
    return factory.organisation(OrganisationKind.PROVIDER, "Kveldsskolen")


@pytest.fixture
def teacher(factory, provider):
    return factory.user(Role.TEACHER, provider, name="Kari Lærer")


def mails_to(address: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == address))
    )


def test_a_message_to_a_session_reaches_its_booked_learners_in_their_language(
    client, factory, teacher
):
    series, session = class_with_session_under_way(teacher)
    olena, ivan = booked(factory, series, 2)
    olena.locale, ivan.locale = "uk", "ru"
    db.session.commit()
    backdate_bookings(series.id)
    (late,) = booked(factory, series, 1, "Sen")  # booked after the session began
    outsider = factory.learner()
    login_as(client, teacher)
    form = client.get(f"/messages/new?session={session.id}").get_data(as_text=True)
    assert re.search(rf'<option selected value="session:{session.id}">', form)
    text = "I kveld er vi i rom 3. Ta med lønnsslippen!"
    response = client.post(
        "/messages/new", data={"audience": f"session:{session.id}", "body": text}
    )
    assert response.status_code == 302
    recipients = set(db.session.scalars(select(MessageRecipient.learner_id)))
    assert recipients == {olena.id, ivan.id}
    (uk_mail,) = mails_to(olena.email)
    (ru_mail,) = mails_to(ivan.email)
    assert text in uk_mail.body_text
    assert text in ru_mail.body_text
    assert "Повідомлення від вашого викладача" in uk_mail.subject
    assert "Сообщение от вашего преподавателя" in ru_mail.subject
    assert mails_to(late.email) == []
    assert mails_to(outsider.email) == []


def test_learners_see_their_messages_newest_first_and_opening_marks_them_read(
    client, factory, teacher, provider
):
    series, _session = class_with_session_under_way(teacher)
    (other,) = booked(factory, series, 1)
    learner = factory.learner(organisation=provider)
    class_services.book_series(learner, series)
    group = teaching_services.create_group(teacher, "Helse A1", None, teacher.id)
    teaching_services.add_member(teacher, group, learner.id)
    db.session.commit()
    login_as(client, teacher)
    client.post("/messages/new", data={"audience": f"series:{series.id}", "body": "Første"})
    client.post("/messages/new", data={"audience": f"group:{group.id}", "body": "Andre"})
    login_as(client, learner)
    client.post("/language", data={"locale": "en"})
    page = client.get("/dashboard").get_data(as_text=True)
    card = page[page.index('id="messages-title"') :]
    assert card.index("Andre") < card.index("Første")
    assert card.count("New:") == 2
    first = db.session.scalar(select(TeacherMessage.id).where(TeacherMessage.body == "Første"))
    opened = client.get(f"/messages/{first}").get_data(as_text=True)
    assert "Første" in opened
    assert "Kari Lærer" in opened
    page = client.get("/dashboard").get_data(as_text=True)
    assert page[page.index('id="messages-title"') :].count("New:") == 1
    # the other learner got only the series' message, and cannot open the group's
    second = db.session.scalar(select(TeacherMessage.id).where(TeacherMessage.body == "Andre"))
    login_as(client, other)
    assert client.get(f"/messages/{second}").status_code == 404
    assert client.get(f"/messages/{first}").status_code == 200


def test_a_teacher_of_another_provider_can_neither_message_nor_see_the_classes(
    client, factory, teacher
):
    series, session = class_with_session_under_way(teacher)
    booked(factory, series, 2)
    group = teaching_services.create_group(teacher, "Helse A1", None, teacher.id)
    db.session.commit()
    stranger = factory.user(Role.TEACHER, factory.organisation(OrganisationKind.PROVIDER))
    login_as(client, stranger)
    form = client.get("/messages/new").get_data(as_text=True)
    assert series.title not in form
    assert "Helse A1" not in form
    for audience in (f"series:{series.id}", f"session:{session.id}", f"group:{group.id}"):
        response = client.post("/messages/new", data={"audience": audience, "body": "Hei"})
        assert response.status_code == 400
    assert db.session.scalar(select(db.func.count(TeacherMessage.id))) == 0
    assert db.session.scalar(select(db.func.count(OutboxMessage.id))) == 0


def test_an_empty_message_or_an_empty_class_is_refused(client, factory, teacher):
    series, _session = class_with_session_under_way(teacher)
    login_as(client, teacher)
    client.post("/language", data={"locale": "en"})
    empty = client.post("/messages/new", data={"audience": f"series:{series.id}", "body": "  "})
    assert empty.status_code == 400
    nobody = client.post("/messages/new", data={"audience": f"series:{series.id}", "body": "Hei"})
    assert nobody.status_code == 400
    assert re.search(r"No learner is booked there yet", nobody.get_data(as_text=True))
    assert db.session.scalar(select(db.func.count(TeacherMessage.id))) == 0
