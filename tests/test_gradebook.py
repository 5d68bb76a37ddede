"""The gradebook: lesson columns by title and due date, stable; first-try score, answers and
overdue in the cells; the fixed columns; the CSV export and who may have it."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import login_as
from tests.test_teaching import group_with, progress
from webapp.accounts.models import Role
from webapp.clock import oslo_today
from webapp.extensions import db
from webapp.lessons.models import ExerciseAnswer, Lesson, WritingSubmission
from webapp.organisations.models import OrganisationKind
from webapp.teaching import services
from webapp.teaching.matrix import abbreviate, by_due_date


@pytest.fixture
def provider(factory):
    return factory.organisation(OrganisationKind.PROVIDER, "Kveldsskolen")


@pytest.fixture
def teacher(factory, provider):
    return factory.user(Role.TEACHER, provider)


def titled(lesson_id: str, title: str, position: int) -> Lesson:
    lesson = Lesson(
        id=lesson_id,
        track="retail",
        level="A2",
        position=position,
        minutes=15,
        title_nb=title,
        digest="x" * 64,
        content=json.dumps({"exercises": []}),
    )
    db.session.add(lesson)
    db.session.commit()
    return lesson


def test_columns_go_by_due_date_then_catalogue_order():
    due = {
        (1, "b"): oslo_today(),
        (2, "a"): oslo_today() + timedelta(days=2),
        (1, "c"): oslo_today(),
    }
    assert by_due_date(["a", "b", "c"], due) == ["b", "c", "a"]


@given(st.text(max_size=60), st.integers(4, 30))
def test_an_abbreviation_is_short_and_starts_the_title(title, limit):
    short = abbreviate(title, limit)
    clean = " ".join(title.split())
    assert len(short) <= limit
    assert short == clean or (short.endswith("…") and clean.startswith(short[:-1].rstrip()))


def test_the_gradebook_names_columns_by_title_and_adding_work_keeps_them(
    client,
    factory,
    teacher,
    provider,
):
    first = titled("retail-a2-01", "Kassa og kundeservice i butikken", 1)
    second = titled("retail-a2-02", "Varetelling", 2)
    learner = factory.learner(organisation=provider, name="Ada Lovelace")
    group = group_with(teacher, [learner])
    services.assign(teacher, group, due=oslo_today() - timedelta(days=1), lesson_id=first.id)
    db.session.commit()
    progress(learner, first, 60, False)
    db.session.add(
        ExerciseAnswer(
            learner_id=learner.id, lesson_id=first.id, exercise_id="e1", answer="1", attempts=3
        )
    )
    db.session.commit()
    login_as(client, teacher)
    client.post("/language", data={"locale": "en"})
    page = client.get(f"/groups/{group.id}").get_data(as_text=True)
    heading = (
        f'<abbr title="{first.title_nb}" aria-hidden="true">{abbreviate(first.title_nb)}</abbr>'
    )
    assert heading in page
    assert f'<span class="full-title">{first.title_nb}</span>' in page
    assert 'class="fixed learner-col"' in page
    assert 'class="number fixed hours-col"' in page
    row = page[page.index("Ada Lovelace") :]
    row = row[: row.index("</tr>")]
    assert '<td class="overdue">◐ 60 % <span class="tries" aria-hidden="true">3</span>' in row
    assert "3 answers" in row
    assert "overdue" in row

    # new work due earlier comes first; the first lesson keeps its title, no numbers to shift
    services.assign(teacher, group, due=oslo_today() - timedelta(days=5), lesson_id=second.id)
    db.session.commit()
    page = client.get(f"/groups/{group.id}").get_data(as_text=True)
    assert heading in page
    assert page.index('title="Varetelling"') < page.index(heading)
    assert "A2 1" not in page
    assert "A2 2" not in page


def test_the_csv_holds_every_learner_with_scores_and_only_for_the_provider(
    client,
    factory,
    teacher,
    provider,
):
    lesson = titled("retail-a2-03", "=Kasse", 3)  # a title that looks like a formula
    learners = [factory.learner(organisation=provider, name=f"Elev {n:02d}") for n in range(3)]
    learners.append(factory.learner(organisation=provider, name="@SUM(1)"))
    group = group_with(teacher, learners)
    services.assign(teacher, group, due=oslo_today() - timedelta(days=1), lesson_id=lesson.id)
    db.session.commit()
    progress(learners[0], lesson, 90, True)
    login_as(client, teacher)
    client.post("/language", data={"locale": "en"})
    response = client.get(f"/groups/{group.id}/gradebook.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    assert rows[0] == ["Learner", "'=Kasse", "Hours, last 4 weeks"]
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"Elev 00", "Elev 01", "Elev 02", "'@SUM(1)"}
    assert by_name["Elev 00"][1] == "✓ 90 %"
    assert by_name["Elev 01"][1] == "– · overdue"
    assert by_name["Elev 00"][2] == "0.0"

    stranger = factory.user(Role.TEACHER, factory.organisation(OrganisationKind.PROVIDER))
    login_as(client, stranger)
    assert client.get(f"/groups/{group.id}/gradebook.csv").status_code == 404
    login_as(client, factory.learner(organisation=provider))
    assert client.get(f"/groups/{group.id}/gradebook.csv").status_code == 403


def test_a_learners_row_opens_their_work_in_the_group(client, factory, teacher, provider):
    lesson = titled("retail-a2-04", "Kassa", 4)
    ada = factory.learner(organisation=provider, name="Ada Lovelace")
    outsider = factory.learner(organisation=provider, name="Utenfor")
    group = group_with(teacher, [ada])
    services.assign(teacher, group, due=oslo_today() - timedelta(days=1), lesson_id=lesson.id)
    db.session.commit()
    progress(ada, lesson, 70, False)
    db.session.add(
        ExerciseAnswer(
            learner_id=ada.id, lesson_id=lesson.id, exercise_id="e1", answer="1", attempts=2
        )
    )
    db.session.add(
        WritingSubmission(learner_id=ada.id, lesson_id=lesson.id, exercise_id="w", text="Hei du")
    )
    db.session.commit()
    login_as(client, teacher)
    client.post("/language", data={"locale": "en"})
    matrix = client.get(f"/groups/{group.id}").get_data(as_text=True)
    url = f"/groups/{group.id}/learners/{ada.id}"
    assert f'href="{url}"' in matrix
    page = client.get(url).get_data(as_text=True)
    row = page[page.index(">Kassa<") :]
    row = row[: row.index("</tr>")]
    assert "◐ 70 %" in row
    assert "overdue" in row
    assert '<td class="number">2</td>' in row
    assert "Hei du" in page
    assert client.get(f"/groups/{group.id}/learners/{outsider.id}").status_code == 404
    stranger = factory.user(Role.TEACHER, factory.organisation(OrganisationKind.PROVIDER))
    login_as(client, stranger)
    assert client.get(url).status_code == 404
