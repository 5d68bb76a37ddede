"""Groups, assignments, the progress matrix, free-writing replies and the learner's dashboard."""

from __future__ import annotations

import json
import re
from datetime import date, time, timedelta

import pytest
from sqlalchemy import event, select

from tests.conftest import backdate_bookings, login_as
from webapp.accounts.models import Role
from webapp.classes import services as class_services
from webapp.classes.models import AttendanceMark, Modality
from webapp.clock import oslo_today
from webapp.db_types import utcnow
from webapp.extensions import db
from webapp.learners.levels import Level
from webapp.lessons.models import Lesson, LessonProgress, WritingSubmission
from webapp.organisations.models import OrganisationKind
from webapp.studytime.models import StudySource
from webapp.studytime.services import adjust_study_time
from webapp.teaching import services
from webapp.teaching.matrix import (
    COMPLETED,
    NOT_STARTED,
    STARTED,
    Progress,
    cell_for,
    due_by_learner,
    matrix_rows,
)
from webapp.teaching.models import Assignment

TODAY = date(2030, 3, 1)
# Right answers to the fixture lesson's exercises (tests/fixtures/lessons), for a Ukrainian reader.
ANSWERS = {
    "e1": {"answer": "Hei, jeg heter Olena."},
    "e2": {"answer": "jobber"},
    "e3": {"pair-0": "колега", "pair-1": "роздягальня", "pair-2": "перерва"},
    "e4": {"answer": "I morgen begynner jeg klokka sju"},
    "e5": {"answer": "Klokka elleve"},
    "e6": {"answer": "Ja, takk. Jeg har fått alt."},
    "e7": {"answer": "Jeg heter Olena og jobber i Drammen."},
}


def make_lessons(count: int, track: str = "health-care", level: str = "A1") -> list[Lesson]:
    lessons = []
    for number in range(count):
        lesson = Lesson(
            id=f"{track}-{level.lower()}-{number:02d}",
            track=track,
            level=level,
            position=number,
            minutes=15,
            title_nb=f"Leksjon {number}",
            digest="x" * 64,
            content=json.dumps({"exercises": []}),
        )
        db.session.add(lesson)
        lessons.append(lesson)
    db.session.commit()
    return lessons


@pytest.fixture
def provider(factory):
    return factory.organisation(OrganisationKind.PROVIDER, "Kveldsskolen")


@pytest.fixture
def teacher(factory, provider):
    return factory.user(Role.TEACHER, provider)


def group_with(teacher, learners):
    group = services.create_group(teacher, "Helse A1", None, teacher.id)
    for learner in learners:
        services.add_member(teacher, group, learner.id)
    db.session.commit()
    return group


def progress(learner, lesson, score: int, completed: bool) -> None:
    db.session.add(
        LessonProgress(
            learner_id=learner.id,
            lesson_id=lesson.id,
            best_score=score,
            completed_at=utcnow() if completed else None,
        )
    )
    db.session.commit()


@pytest.mark.parametrize(
    ("state", "due", "expected"),
    [
        (None, TODAY, (NOT_STARTED, None, False)),
        (None, TODAY - timedelta(days=1), (NOT_STARTED, None, True)),
        (Progress(False, 40), TODAY - timedelta(days=1), (STARTED, 40, True)),
        (Progress(False, 40), TODAY, (STARTED, 40, False)),
        (Progress(True, 90), TODAY - timedelta(days=30), (COMPLETED, 90, False)),
    ],
)
def test_a_cell_is_overdue_only_when_not_completed_after_the_due_day(state, due, expected):
    cell = cell_for(state, due, TODAY)
    assert (cell.status, cell.score, cell.overdue) == expected


def test_the_matrix_shows_each_learner_on_each_assigned_lesson(factory, teacher, provider):
    lessons = make_lessons(3)
    other = make_lessons(1, track="construction")
    ada, bo = factory.learner(organisation=provider), factory.learner(organisation=provider)
    group = group_with(teacher, [ada, bo])
    yesterday = oslo_today() - timedelta(days=1)
    services.assign(teacher, group, due=yesterday, track="health-care")
    services.assign(
        teacher,
        group,
        due=oslo_today() + timedelta(days=7),
        learner_id=bo.id,
        lesson_id=other[0].id,
    )
    db.session.commit()
    progress(ada, lessons[0], 85, True)
    progress(ada, lessons[1], 30, False)
    matrix = services.progress_matrix(group, oslo_today())
    assert [learner.id for learner in matrix.learners] == sorted(
        [ada.id, bo.id], key=lambda i: db.session.get(type(ada), i).name
    )
    # columns by due date: the track due yesterday, then Bo's lesson due next week
    assert [lesson.id for lesson in matrix.lessons] == [each.id for each in lessons] + [other[0].id]
    cells = matrix.cells
    assert (cells[(ada.id, lessons[0].id)].status, cells[(ada.id, lessons[0].id)].score) == (
        COMPLETED,
        85,
    )
    assert not cells[(ada.id, lessons[0].id)].overdue
    assert cells[(ada.id, lessons[1].id)].status == STARTED
    assert cells[(ada.id, lessons[1].id)].overdue
    assert cells[(bo.id, lessons[2].id)].status == NOT_STARTED
    assert (ada.id, other[0].id) not in cells  # assigned to Bo only
    assert not cells[(bo.id, other[0].id)].overdue


def test_a_series_group_follows_the_booked_learners(factory, teacher, provider):
    first = oslo_today() + timedelta(days=7)
    series = class_services.create_series(
        teacher,
        class_services.SeriesInput(
            title="Kveld",
            description="",
            level=Level.A1,
            track=None,
            modality=Modality.ONLINE,
            address="",
            meeting_link="https://meet.example.org/k",
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
    booked = factory.learner()  # from another organisation: booking is enough
    class_services.book_series(booked, series)
    group = services.create_group(teacher, "Kveldsgruppa", series.id, teacher.id)
    db.session.commit()
    assert [learner.id for learner in services.group_learners(group)] == [booked.id]
    make_lessons(1, level="A2")
    services.assign(teacher, group, due=first, level="A2")
    db.session.commit()
    [mine] = services.learner_assignments(booked, oslo_today())
    assert (mine.completed, mine.total, mine.overdue) == (0, 1, False)


def test_only_learners_the_teacher_may_see_can_be_added(factory, teacher, provider):
    group = group_with(teacher, [])
    stranger = factory.learner()  # another organisation's learner
    with pytest.raises(services.TeachingError) as refused:
        services.add_member(teacher, group, stranger.id)
    assert refused.value.code == "unknown_learner"


def test_assigning_needs_exactly_one_thing_and_a_group_member(factory, teacher, provider):
    [lesson] = make_lessons(1)
    member = factory.learner(organisation=provider)
    outsider = factory.learner(organisation=provider)
    group = group_with(teacher, [member])
    with pytest.raises(services.TeachingError) as refused:
        services.assign(teacher, group, due=TODAY, lesson_id=lesson.id, level="A1")
    assert refused.value.code == "choose_one"
    with pytest.raises(services.TeachingError) as refused:
        services.assign(teacher, group, due=TODAY, learner_id=outsider.id, level="A1")
    assert refused.value.code == "not_in_group"
    with pytest.raises(services.TeachingError) as refused:
        services.assign(teacher, group, due=TODAY, lesson_id="no-such-lesson")
    assert refused.value.code == "unknown_lesson"


def count_statements(function) -> int:
    statements = []

    def count(*_args, **_kwargs) -> None:
        statements.append(1)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        function()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_the_matrix_costs_the_same_number_of_queries_for_4x3_and_40x30(factory, teacher, provider):
    small_lessons = make_lessons(3, track="retail")
    big_lessons = make_lessons(30, track="office")
    small = group_with(teacher, [factory.learner(organisation=provider) for _ in range(4)])
    big = group_with(teacher, [factory.learner(organisation=provider) for _ in range(40)])
    services.assign(teacher, small, due=TODAY, track="retail")
    services.assign(teacher, big, due=TODAY, track="office")
    db.session.commit()
    for learner in services.group_learners(big)[:10]:
        progress(learner, big_lessons[0], 90, True)
    progress(services.group_learners(small)[0], small_lessons[0], 50, False)
    db.session.expire_all()
    small_count = count_statements(lambda: services.progress_matrix(small, TODAY))
    db.session.expire_all()
    big_count = count_statements(lambda: services.progress_matrix(big, TODAY))
    assert small_count == big_count
    assert len(services.progress_matrix(big, TODAY).cells) == 40 * 30


def test_the_teacher_replies_and_the_learner_sees_it(client, factory, teacher, provider):
    [lesson] = make_lessons(1)
    learner = factory.learner(organisation=provider, locale="en")
    text = WritingSubmission(
        learner_id=learner.id, lesson_id=lesson.id, exercise_id="w1", text="Jeg jobber på lager."
    )
    db.session.add(text)
    db.session.commit()
    login_as(client, teacher)
    page = client.get("/writing").get_data(as_text=True)
    assert "Jeg jobber på lager." in page
    assert learner.name in page
    empty = client.post(f"/writing/{text.id}/reply", data={"reply": "  "})
    assert empty.status_code == 400
    sent = client.post(f"/writing/{text.id}/reply", data={"reply": "Bra! Skriv «på et lager»."})
    assert sent.status_code == 302
    db.session.refresh(text)
    assert text.reply == "Bra! Skriv «på et lager»."
    assert text.replied_by_id == teacher.id
    login_as(client, learner)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Bra! Skriv «på et lager»." in dashboard


def test_another_providers_teacher_cannot_see_or_answer_the_text(client, factory, provider):
    [lesson] = make_lessons(1)
    learner = factory.learner(organisation=provider)
    text = WritingSubmission(
        learner_id=learner.id, lesson_id=lesson.id, exercise_id="w1", text="Hemmelig tekst"
    )
    db.session.add(text)
    db.session.commit()
    stranger = factory.user(Role.TEACHER)
    login_as(client, stranger)
    assert "Hemmelig tekst" not in client.get("/writing").get_data(as_text=True)
    assert client.post(f"/writing/{text.id}/reply", data={"reply": "x"}).status_code == 404


def test_the_group_pages_create_assign_and_show_the_matrix(client, factory, teacher, provider):
    lessons = make_lessons(2)
    learner = factory.learner(organisation=provider, email="ada@example.org")
    login_as(client, teacher)
    client.post("/language", data={"locale": "en"})
    created = client.post("/groups", data={"name": "Tirsdagsgruppa", "series": "", "teacher": ""})
    assert created.status_code == 302
    group_url = created.headers["Location"]
    added = client.post(f"{group_url}/members", data={"email": "ADA@example.org"})
    assert added.status_code == 302
    unknown = client.post(f"{group_url}/members", data={"email": "nobody@example.org"})
    assert unknown.status_code == 400
    assert "No learner you follow has that e-mail address." in unknown.get_data(as_text=True)
    due = (oslo_today() + timedelta(days=3)).isoformat()
    assigned = client.post(
        f"{group_url}/assignments",
        data={"content": "track:health-care", "learner": "", "due_date": due},
    )
    assert assigned.status_code == 302
    assert db.session.scalar(select(Assignment.track)) == "health-care"
    progress(learner, lessons[0], 100, True)
    page = client.get(group_url).get_data(as_text=True)
    assert "✓ 100 %" in page
    assert learner.name in page
    login_as(client, learner)
    client.post("/language", data={"locale": "en"})
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "From your teacher" in dashboard
    assert "1 of 2 done" in dashboard


def test_matrix_rows_show_each_assigned_lesson_in_order_with_overdue_marked():
    today = date(2026, 3, 1)
    cells = {
        (1, "a"): cell_for(Progress(completed=True, best_score=90), date(2026, 2, 1), today),
        (1, "b"): cell_for(Progress(completed=False, best_score=40), date(2026, 2, 1), today),
        (2, "b"): cell_for(None, date(2026, 4, 1), today),
    }
    assert matrix_rows([1, 2], ["a", "b"], cells) == {
        1: [("✓ 90 %", False, 0), ("◐ 40 %", True, 0)],
        2: [(None, False, 0), ("–", False, 0)],
    }


def test_each_learner_gets_the_groups_day_or_their_own_earlier_one():
    march, april, may = date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)
    due = due_by_learner(
        [1, 2],
        {"a": april, "b": may},
        {(1, "a"): march, (2, "b"): date(2026, 6, 1), (2, "c"): april, (3, "a"): march},
    )
    assert due == {
        (1, "a"): march,  # assigned to them alone, earlier than the group's day
        (1, "b"): may,
        (2, "a"): april,
        (2, "b"): may,  # their own day is later: the group's counts
        (2, "c"): april,  # only theirs
        (3, "a"): march,  # a learner of another page keeps their own work
    }
    assert due_by_learner([], {"a": april}, {}) == {}


def test_the_group_list_costs_the_same_statements_for_2_and_12_teachers(
    client, factory, teacher, provider
):
    def add_groups(count: int) -> None:
        for n in range(count):
            other = factory.user(Role.TEACHER, provider)
            services.create_group(teacher, f"Gruppe {n}", None, other.id)
        db.session.commit()

    def visit() -> int:
        db.session.expire_all()  # as in production, where each request has a fresh session
        return count_statements(lambda: client.get("/groups"))

    add_groups(2)
    login_as(client, teacher)
    few = visit()
    add_groups(10)
    assert visit() == few


def lesson_cells(row: str) -> list[str]:
    """The score part of each lesson cell of a matrix row (not the fixed hours and attendance)."""
    cells = re.findall(r'<td(?! class="(?:number )?fixed)[^>]*>(.*?)</td>', row)
    return [re.sub(r"\s*<span.*", "", cell) for cell in cells]


def _page_statements(client, url: str) -> tuple[int, str]:
    """The statements one visit to ``url`` runs, from a fresh session, and the page."""
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
    return len(seen), response.get_data(as_text=True)


def _series_group(teacher, factory, provider, size: int, lessons: list[Lesson], singles: int):
    """A group following a class that met twice already and meets again, with ``size`` booked
    learners who studied and were marked, a track assigned to all and ``singles`` lessons
    assigned to one learner each."""
    first = oslo_today() - timedelta(days=14)
    series = class_services.create_series(
        teacher,
        class_services.SeriesInput(
            title=f"Kveld {size}",
            description="",
            level=Level.A1,
            track=None,
            modality=Modality.ONLINE,
            address="",
            meeting_link="https://meet.example.org/k",
            capacity=size,
            teacher_id=teacher.id,
            weekdays=frozenset({first.weekday()}),
            start_local=time(18),
            end_local=time(20),
            first_date=first,
            last_date=first + timedelta(days=28),
            extra_dates=frozenset(),
            cancelled_dates=frozenset(),
            drop_in_allowed=False,
            seat_price_nok=0,
        ),
    )
    learners = [factory.learner(organisation=provider) for _ in range(size)]
    for learner in learners:
        class_services.book_series(learner, series)
    backdate_bookings(series.id)
    group = services.create_group(teacher, f"Gruppe {size}", series.id, teacher.id)
    db.session.flush()
    past = [s for s in series.sessions if s.ends_at < utcnow()]
    marks = {learner.id: AttendanceMark.PRESENT for learner in learners}
    for session in past:
        class_services.mark_attendance(teacher, session, marks)
    services.assign(teacher, group, due=oslo_today(), track=lessons[0].track)
    for n in range(singles):
        services.assign(
            teacher, group, due=oslo_today(), learner_id=learners[n].id, lesson_id=lessons[n].id
        )
    for n, learner in enumerate(learners):
        progress(learner, lessons[n % len(lessons)], 60 + n % 40, n % 2 == 0)
    db.session.commit()
    return group.id, len(past)


def test_the_group_page_costs_the_same_statements_for_4x3_and_40x30(
    client, factory, teacher, provider
):
    small_id, held = _series_group(teacher, factory, provider, 4, make_lessons(3, "retail"), 1)
    big_id, _held = _series_group(teacher, factory, provider, 40, make_lessons(30, "office"), 5)
    login_as(client, teacher)
    client.post("/language", data={"locale": "en"})
    small, small_page = _page_statements(client, f"/groups/{small_id}")
    big, big_page = _page_statements(client, f"/groups/{big_id}")
    assert big == small, "no statement per learner, lesson or assignment"
    rows = re.compile(r'<tr><th scope="row" class="fixed learner-col">')
    assert (len(rows.findall(small_page)), len(rows.findall(big_page))) == (4, 40)
    attended = f"{held} present, 0 absent, 0 excused"
    assert small_page.count(attended) == 4
    assert big_page.count(attended) == 40
    columns = '<th scope="col" class="lesson-col"'
    assert (small_page.count(columns), big_page.count(columns)) == (3, 30)


def test_a_page_of_the_matrix_reads_only_its_own_learners(factory, teacher, provider):
    lessons = make_lessons(2)
    learners = [factory.learner(organisation=provider) for _ in range(5)]
    group = group_with(teacher, learners)
    services.assign(teacher, group, due=TODAY, track="health-care")
    db.session.commit()
    by_name = sorted(learners, key=lambda learner: (learner.name, learner.id))
    for learner in learners:
        progress(learner, lessons[0], 50, False)
    first = services.progress_matrix(group, TODAY, page=1, per_page=2)
    last = services.progress_matrix(group, TODAY, page=3, per_page=2)
    assert [learner.id for learner in first.learners] == [u.id for u in by_name[:2]]
    assert [learner.id for learner in last.learners] == [by_name[4].id]
    assert {key[0] for key in last.cells} == {by_name[4].id}
    assert set(last.hours) == {by_name[4].id}
    assert (last.page.total, last.page.pages, len(last.everyone)) == (5, 3, 5)


def test_an_answer_shows_in_the_matrix_at_once(client, factory, teacher, provider, synced_lesson):
    learner = factory.learner(organisation=provider)
    learner.name = "Ada Lovelace"
    group = group_with(teacher, [learner])
    services.assign(teacher, group, due=oslo_today(), lesson_id="fixture-first-day")
    db.session.commit()
    group_url = f"/groups/{group.id}"

    def cell() -> str:
        login_as(client, teacher)
        page = client.get(group_url).get_data(as_text=True)
        row = re.search(r'<tr><th scope="row".*?Ada Lovelace.*?</tr>', page, re.S)
        assert row, page
        return lesson_cells(row.group(0))[0]

    assert cell() == "–"
    login_as(client, learner)
    answer = "/lessons/fixture-first-day/exercises/e2"
    assert client.post(answer, data={"answer": "jobber"}).status_code == 302
    assert cell().startswith("◐ ")
    login_as(client, learner)
    for exercise, data in ANSWERS.items():
        client.post(f"/lessons/fixture-first-day/exercises/{exercise}", data=data)
    assert cell() == "✓ 100 %"


def test_the_matrix_shows_the_first_try_score_after_wrong_then_right(
    client, factory, teacher, provider, synced_lesson
):
    """Answered wrong, then right with the right answer on screen: the teacher sees the first
    try, not 100 %."""
    learner = factory.learner(organisation=provider)
    learner.name = "Bo Wrongfirst"
    group = group_with(teacher, [learner])
    services.assign(teacher, group, due=oslo_today(), lesson_id="fixture-first-day")
    db.session.commit()
    login_as(client, learner)
    for exercise in ("e1", "e2", "e5", "e6"):  # four of six gradable exercises wrong at first
        client.post(f"/lessons/fixture-first-day/exercises/{exercise}", data={"answer": "galt"})
    for exercise, data in ANSWERS.items():  # then everything right
        client.post(f"/lessons/fixture-first-day/exercises/{exercise}", data=data)
    login_as(client, teacher)
    page = client.get(f"/groups/{group.id}").get_data(as_text=True)
    row = re.search(r'<tr><th scope="row".*?Bo Wrongfirst.*?</tr>', page, re.S).group(0)
    assert lesson_cells(row)[0] == "◐ 33 %"  # e3 and e4: 2 of 6
    assert "100 %" not in row


def test_hours_in_the_matrix_use_the_interface_languages_decimal_comma(
    client, factory, teacher, provider
):
    make_lessons(1)
    learner = factory.learner(organisation=provider)
    group = group_with(teacher, [learner])
    services.assign(teacher, group, due=oslo_today(), track="health-care")
    adjust_study_time(oslo_today(), StudySource.LESSON, {learner.id: 85_320})  # 23.7 hours
    db.session.commit()
    login_as(client, teacher)
    page = client.get(f"/groups/{group.id}").get_data(as_text=True)
    assert re.search(r'<td class="number[^"]*">23,7</td>', page)
    client.post("/language", data={"locale": "en"})
    page = client.get(f"/groups/{group.id}").get_data(as_text=True)
    assert re.search(r'<td class="number[^"]*">23.7</td>', page)


def test_work_assigned_to_one_learner_names_them_in_the_list_of_work(
    client, factory, teacher, provider
):
    lessons = make_lessons(2)
    ada = factory.learner(organisation=provider, name="Ada Lovelace")
    bo = factory.learner(organisation=provider, name="Bo Berg")
    group = group_with(teacher, [ada, bo])
    services.assign(teacher, group, due=TODAY, lesson_id=lessons[0].id)
    services.assign(teacher, group, due=TODAY, learner_id=bo.id, lesson_id=lessons[1].id)
    db.session.commit()
    login_as(client, teacher)
    client.post("/language", data={"locale": "en"})
    page = client.get(f"/groups/{group.id}").get_data(as_text=True)
    work = page[page.index("Assigned work") : page.index("Assign work")]
    items = re.findall(r"<li>(.*?)</li>", work, re.S)
    assert len(items) == 2
    assert "Leksjon 0" in items[0]
    assert "the whole group" in items[0]
    assert "Leksjon 1" in items[1]
    assert "Bo Berg" in items[1]
    assert "Ada Lovelace" not in work
