"""The teacher's day on the dashboard: sessions with a one-tap register, texts to answer,
overdue work; and the register of a past session counts only learners booked before it."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from sqlalchemy import event, select

from tests.conftest import backdate_bookings, login_as
from tests.test_classes_services import series_input
from webapp.accounts.models import Role
from webapp.classes import services as class_services
from webapp.classes.models import Attendance, AttendanceMark, ClassSession, SessionStatus
from webapp.clock import oslo_today
from webapp.db_types import utcnow
from webapp.extensions import db
from webapp.lessons.models import WritingSubmission
from webapp.organisations.models import OrganisationKind
from webapp.teaching import services as teaching_services


@pytest.fixture
def provider(factory):
    return factory.organisation(OrganisationKind.PROVIDER, "Kveldsskolen")


@pytest.fixture
def teacher(factory, provider):
    return factory.user(Role.TEACHER, provider, name="Kari Lærer")


def class_with_session_under_way(teacher, title: str = "Norsk på kveldstid", capacity: int = 10):
    """A series the teacher teaches, meeting tomorrow at 18:00, with one session that began an
    hour ago (an extra one today)."""
    today = oslo_today()
    tomorrow = today + timedelta(days=1)
    series = class_services.create_series(
        teacher,
        series_input(
            title=title,
            teacher_id=teacher.id,
            capacity=capacity,
            weekdays=frozenset({tomorrow.weekday()}),
            first_date=today - timedelta(days=6),
            last_date=today + timedelta(days=14),
        ),
    )
    starts = utcnow() - timedelta(hours=1)
    session = ClassSession(
        series_id=series.id,
        local_date=today,
        start_local=time(8),
        end_local=time(10),
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        status=SessionStatus.SCHEDULED,
        is_extra=True,
        sequence=0,
    )
    db.session.add(session)
    db.session.commit()
    return series, session


def booked(factory, series, count: int, prefix: str = "Elev") -> list:
    learners = [factory.learner(name=f"{prefix} {n}") for n in range(count)]
    for learner in learners:
        class_services.book_series(learner, series)
    db.session.commit()
    return learners


def test_the_register_of_a_past_session_leaves_out_learners_who_booked_after_it(
    client, factory, teacher
):
    series, session = class_with_session_under_way(teacher)
    (early,) = booked(factory, series, 1, "Tidlig")
    backdate_bookings(series.id)
    (late,) = booked(factory, series, 1, "Sen")  # booked now, after the session began
    login_as(client, teacher)
    page = client.get(f"/classes/{series.id}/sessions/{session.id}/attendance").get_data(
        as_text=True
    )
    assert early.name in page
    assert late.name not in page
    client.post(
        f"/classes/{series.id}/sessions/{session.id}/attendance",
        data={f"mark-{late.id}": "present", f"mark-{early.id}": "present"},
    )
    assert class_services.attendance_marks(session) == {early.id: AttendanceMark.PRESENT}
    with pytest.raises(class_services.ClassError, match="not_on_roster"):
        class_services.mark_attendance(teacher, session, {late.id: AttendanceMark.PRESENT})
    # the later booking is on the roster of the sessions still to come
    tomorrow = next(s for s in series.sessions if s.starts_at > utcnow())
    assert late.id in {learner.id for learner in class_services.expected_learners(tomorrow)}


def test_the_dashboard_opens_on_todays_and_tomorrows_classes_and_registers_in_one_tap(
    client, factory, teacher
):
    series, session = class_with_session_under_way(teacher)
    learners = booked(factory, series, 3)
    backdate_bookings(series.id)
    late = booked(factory, series, 1, "Sen")[0]
    # one learner said they could not come: "all present" leaves them excused
    db.session.add(
        Attendance(
            session_id=session.id,
            learner_id=learners[2].id,
            mark=AttendanceMark.EXCUSED,
            marked_by_id=learners[2].id,
            marked_at=utcnow(),
        )
    )
    db.session.commit()
    login_as(client, teacher)
    client.post("/language", data={"locale": "en"})
    page = client.get("/dashboard").get_data(as_text=True)
    today_card = page[page.index("Your classes today and tomorrow") :]
    assert today_card.index("Today") < today_card.index("Tomorrow")
    assert "3 booked" in today_card  # the learner who booked after it began is not counted
    assert f"/sessions/{session.id}/all-present" in page

    response = client.post(f"/sessions/{session.id}/all-present")
    assert response.status_code == 302
    assert response.location.endswith(f"/classes/{series.id}/sessions/{session.id}/attendance")
    marks = class_services.attendance_marks(session)
    assert marks == {
        learners[0].id: AttendanceMark.PRESENT,
        learners[1].id: AttendanceMark.PRESENT,
        learners[2].id: AttendanceMark.EXCUSED,
    }
    assert late.id not in marks
    # then the exception: one of them did not come after all
    client.post(
        f"/classes/{series.id}/sessions/{session.id}/attendance",
        data={f"mark-{learners[1].id}": "absent"},
    )
    db.session.expire_all()
    assert class_services.attendance_marks(session)[learners[1].id] is AttendanceMark.ABSENT


def test_a_session_not_begun_has_no_register_yet(client, factory, teacher):
    series, _session = class_with_session_under_way(teacher)
    booked(factory, series, 2)
    tomorrow = next(s for s in series.sessions if s.starts_at > utcnow())
    login_as(client, teacher)
    client.post("/language", data={"locale": "en"})
    assert f"/sessions/{tomorrow.id}/all-present" not in client.get("/dashboard").get_data(
        as_text=True
    )
    response = client.post(f"/sessions/{tomorrow.id}/all-present", follow_redirects=True)
    assert "once the session has started" in response.get_data(as_text=True)
    assert class_services.attendance_marks(tomorrow) == {}


def test_a_teacher_of_another_provider_neither_sees_nor_registers(client, factory, teacher):
    series, session = class_with_session_under_way(teacher)
    booked(factory, series, 2)
    backdate_bookings(series.id)
    stranger = factory.user(Role.TEACHER, factory.organisation(OrganisationKind.PROVIDER))
    login_as(client, stranger)
    client.post("/language", data={"locale": "en"})
    assert series.title not in client.get("/dashboard").get_data(as_text=True)
    assert client.post(f"/sessions/{session.id}/all-present").status_code == 404
    assert class_services.attendance_marks(session) == {}


def text_from(learner, minutes_ago: int, text: str) -> WritingSubmission:
    item = WritingSubmission(
        learner_id=learner.id,
        lesson_id="fixture-first-day",  # a lesson that exists (PostgreSQL checks the key)
        exercise_id="e1",
        text=text,
        submitted_at=utcnow() - timedelta(minutes=minutes_ago),
    )
    db.session.add(item)
    db.session.commit()
    return item


def test_texts_wait_oldest_first_with_their_count_in_the_menu_and_get_a_reply_there(
    client, factory, teacher, provider, synced_lesson
):
    learner = factory.learner(organisation=provider)
    newer = text_from(learner, 5, "Jeg liker jobben min.")
    older = text_from(learner, 50, "I dag har jeg vært på kurs.")
    answered = text_from(learner, 90, "Ferdig.")
    answered.replied_at = utcnow()
    answered.reply = "Bra!"
    db.session.commit()
    login_as(client, teacher)
    client.post("/language", data={"locale": "en"})
    page = client.get("/dashboard").get_data(as_text=True)
    menu = page[page.index('aria-label="Main menu"') : page.index("</nav>")]
    assert re.search(r'href="/writing"[^>]*>Texts <span class="count">2<', menu)
    queue = page[page.index('id="writing-queue"') :]
    assert queue.index(older.text) < queue.index(newer.text)
    assert "Ferdig." not in queue

    response = client.post(
        f"/writing/{older.id}/reply", data={"reply": "Fint skrevet!", "back": "dashboard"}
    )
    assert response.status_code == 302
    assert response.location.endswith("/dashboard#writing-queue")
    db.session.expire_all()
    assert db.session.get(WritingSubmission, older.id).reply == "Fint skrevet!"
    page = client.get("/dashboard").get_data(as_text=True)
    menu = page[page.index('aria-label="Main menu"') : page.index("</nav>")]
    assert re.search(r'>Texts <span class="count">1<', menu)


def test_a_text_belongs_to_the_provider_its_writer_learns_with(
    client, factory, teacher, provider, synced_lesson
):
    from webapp.teaching.today import writing_waiting, writing_waiting_count

    ours = text_from(factory.learner(organisation=provider), 10, "Hei fra oss.")
    other_provider = factory.organisation(OrganisationKind.PROVIDER)
    theirs = text_from(factory.learner(organisation=other_provider), 20, "Hei fra dem.")
    assert (ours.provider_id, theirs.provider_id) == (provider.id, other_provider.id)
    assert writing_waiting_count(teacher) == 1
    assert [item.id for item, _name in writing_waiting(teacher)] == [ours.id]
    stranger = factory.user(Role.TEACHER, other_provider)
    assert [item.id for item, _name in writing_waiting(stranger)] == [theirs.id]
    ours.replied_at, ours.reply = utcnow(), "Fint!"
    db.session.commit()
    assert writing_waiting_count(teacher) == 0


def test_overdue_work_is_listed_by_group_and_deadline_flags_take_a_smaller_card(
    client, factory, teacher, provider
):
    learner = factory.learner(organisation=provider)
    group = teaching_services.create_group(teacher, "Helse A1", None, teacher.id)
    teaching_services.add_member(teacher, group, learner.id)
    teaching_services.assign(teacher, group, due=oslo_today() - timedelta(days=3), level="A1")
    teaching_services.assign(teacher, group, due=oslo_today() + timedelta(days=3), level="A2")
    db.session.commit()
    login_as(client, teacher)
    client.post("/language", data={"locale": "en"})
    page = client.get("/dashboard").get_data(as_text=True)
    overdue = page[page.index("Overdue work by group") :]
    assert "Helse A1" in overdue
    assert "Level A1" in overdue
    assert "Level A2" not in overdue
    assert 'class="card card-small"' in page
    assert page.index("Your classes today and tomorrow") < page.index("Learners with flags")


def _statements(client, url: str) -> int:
    seen: list[str] = []

    def record(*_args) -> None:
        seen.append("")

    db.session.remove()
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200
    return len(seen)


def test_the_dashboard_costs_the_same_statements_for_one_class_and_for_five(
    client, factory, teacher, provider, synced_lesson
):
    login_as(client, teacher)
    teacher_id, provider_id = teacher.id, provider.id
    series, _session = class_with_session_under_way(teacher, "Klasse 0")
    booked(factory, series, 2)
    text_from(factory.learner(organisation=provider), 10, "Hei")
    _statements(client, "/dashboard")  # warm-up: caches filled
    small = _statements(client, "/dashboard")
    teacher = db.session.get(type(teacher), teacher_id)
    provider = db.session.get(type(provider), provider_id)
    for n in range(1, 5):
        more, _ = class_with_session_under_way(teacher, f"Klasse {n}")
        booked(factory, more, 3, f"Elev{n}")
        text_from(factory.learner(organisation=provider), 10 + n, f"Tekst {n}")
        group = teaching_services.create_group(teacher, f"Gruppe {n}", more.id, teacher.id)
        teaching_services.assign(teacher, group, due=oslo_today() - timedelta(days=1), level="A1")
    db.session.commit()
    big = _statements(client, "/dashboard")
    assert big == small
    assert db.session.scalar(select(db.func.count(ClassSession.id))) > 10


def test_a_text_waits_until_its_first_reply_and_the_list_shows_waiting_texts_first(
    client, factory, teacher, provider, synced_lesson
):
    learner = factory.learner(organisation=provider)
    old_waiting = text_from(learner, 90, "Gammel tekst.")
    answered = text_from(learner, 5, "Besvart tekst.")
    new_waiting = text_from(learner, 30, "Ny tekst.")
    assert (old_waiting.waiting, answered.waiting, new_waiting.waiting) == (True, True, True)
    teaching_services.reply_to_writing(teacher, answered, "Bra!")
    db.session.commit()
    assert answered.waiting is False
    teaching_services.reply_to_writing(teacher, answered, "Enda bedre!")  # a changed reply
    db.session.commit()
    assert answered.waiting is False
    stored = dict(db.session.execute(select(WritingSubmission.id, WritingSubmission.waiting)).all())
    assert stored == {old_waiting.id: True, answered.id: False, new_waiting.id: True}
    login_as(client, teacher)
    page = client.get("/writing").get_data(as_text=True)
    order = [page.index(text) for text in ("Ny tekst.", "Gammel tekst.", "Besvart tekst.")]
    assert order == sorted(order), "waiting first, each part newest first"
