"""The practice pages through the test client: one set of each skill, scores, access."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from sqlalchemy import select

from lessons import practice
from lessons.arrangement import options_in_order
from tests.conftest import login_as
from webapp.accounts.models import Role
from webapp.extensions import db
from webapp.lessons.models import WritingSubmission
from webapp.practice.models import PracticeResult

SETS = practice.load_sets()


@pytest.fixture
def learner(factory):
    return factory.learner(locale="en")


@pytest.fixture
def signed_in(client, learner):
    login_as(client, learner)
    return client


def shown_options(page: str, item_id: str) -> list[str]:
    pattern = re.compile(rf'name="answer-{re.escape(item_id)}" value="([^"]*)"')
    return [html_lib.unescape(value) for value in pattern.findall(page)]


def answers_for(practice_set: dict, page: str, right: set[str]) -> dict[str, str]:
    """Answers read off the page: right for the items in ``right``, a wrong option otherwise."""
    chosen = {}
    for item in practice.questions(practice_set):
        shown = shown_options(page, item["id"])
        assert sorted(shown) == sorted(item["options"])
        chosen[f"answer-{item['id']}"] = (
            item["answer"]
            if item["id"] in right
            else next(option for option in shown if option != item["answer"])
        )
    return chosen


def test_the_list_shows_every_set_by_level_and_skill(signed_in):
    page = signed_in.get("/practice").get_data(as_text=True)
    for set_id, practice_set in SETS.items():
        assert f'href="/practice/{set_id}"' in page
        assert html_lib.escape(practice_set["title"]["nb"]) in page
    assert page.count("Not taken yet") == 6


def test_the_menu_and_the_dashboard_link_to_practice(signed_in):
    assert 'href="/practice"' in signed_in.get("/lessons").get_data(as_text=True)
    assert 'href="/practice"' in signed_in.get("/dashboard").get_data(as_text=True)


def test_a_reading_set_options_shuffled_graded_by_value_first_try_is_the_score(signed_in, learner):
    practice_set = SETS["b1-reading"]
    items = practice.questions(practice_set)
    page = signed_in.get("/practice/b1-reading").get_data(as_text=True)
    for item in items:
        assert shown_options(page, item["id"]) == options_in_order(
            item["options"], f"{learner.id}:practice:b1-reading:{item['id']}:1"
        )
    # the instruction in Norwegian, with a support line in the learner's language (Ukrainian)
    assert html_lib.escape(practice_set["instruction"]["nb"]) in page
    assert html_lib.escape(practice_set["instruction"]["uk"]) in page
    right = {item["id"] for item in items[:4]}  # 4 of 8: 50 %, not passed
    response = signed_in.post("/practice/b1-reading", data=answers_for(practice_set, page, right))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/practice/b1-reading/result")
    result = signed_in.get("/practice/b1-reading/result").get_data(as_text=True)
    assert "4 of 8 right (50 %)" in result
    assert "Not passed yet" in result
    # the second try shows another order and raises the best score only
    page = signed_in.get("/practice/b1-reading").get_data(as_text=True)
    assert "Your score: 50 %" in page
    second = [shown_options(page, item["id"]) for item in items]
    assert second == [
        options_in_order(item["options"], f"{learner.id}:practice:b1-reading:{item['id']}:2")
        for item in items
    ]
    everything = answers_for(practice_set, page, {item["id"] for item in items})
    signed_in.post("/practice/b1-reading", data=everything)
    result = signed_in.get("/practice/b1-reading/result").get_data(as_text=True)
    assert "8 of 8 right (100 %)" in result
    row = db.session.get(PracticeResult, (learner.id, "b1-reading"))
    assert (row.first_score, row.best_score, row.attempts) == (50, 100, 2)
    listing = signed_in.get("/practice").get_data(as_text=True)
    assert "Score: 50 %" in listing
    assert "Best: 100 %" in listing


def test_an_answer_by_position_or_unknown_scores_nothing(signed_in, learner):
    practice_set = SETS["a2-reading"]
    data = {f"answer-{item['id']}": "0" for item in practice.questions(practice_set)}
    data["answer-nonsense"] = "x"
    signed_in.post("/practice/a2-reading", data=data)
    row = db.session.get(PracticeResult, (learner.id, "a2-reading"))
    assert (row.first_score, row.last_correct) == (0, 0)


def test_a_listening_set_with_a_voice_is_scored_without_one_it_is_not(signed_in, learner):
    practice_set = SETS["a2-listening"]
    items = practice.questions(practice_set)
    page = signed_in.get("/practice/a2-listening").get_data(as_text=True)
    assert "no Norwegian voice" in page
    assert 'name="no_voice" value="1"' in page  # until the script finds a voice
    assert f'data-say="{html_lib.escape(items[0]["audio"])}"' in page
    right = {item["id"] for item in items}
    signed_in.post(
        "/practice/a2-listening", data={**answers_for(practice_set, page, right), "no_voice": "1"}
    )
    result = signed_in.get("/practice/a2-listening/result").get_data(as_text=True)
    assert "Not scored as listening" in result
    row = db.session.get(PracticeResult, (learner.id, "a2-listening"))
    assert (row.first_score, row.best_score, row.last_scored) == (None, None, False)
    page = signed_in.get("/practice/a2-listening").get_data(as_text=True)
    signed_in.post("/practice/a2-listening", data=answers_for(practice_set, page, set()))
    db.session.refresh(row)
    assert (row.first_score, row.last_scored, row.attempts) == (0, True, 2)


def test_a_writing_task_goes_to_the_learners_teacher(signed_in, learner, factory, client):
    task = SETS["a2-writing"]["tasks"][0]
    short = "Jeg er syk i dag."
    response = signed_in.post("/practice/a2-writing/writing/a2w1", data={"text": short})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"Write at least {task['min_words']} words." in page
    assert short in page  # the text is kept
    text = " ".join(["Hei Anne, jeg er dessverre syk i dag og kan ikke komme."] * 4)
    response = signed_in.post("/practice/a2-writing/writing/a2w1", data={"text": text})
    assert response.status_code == 302
    page = signed_in.get("/practice/a2-writing").get_data(as_text=True)
    assert "Sent to your teacher" in page
    submission = db.session.scalar(select(WritingSubmission))
    assert (submission.practice_set, submission.exercise_id, submission.lesson_id) == (
        "a2-writing",
        "a2w1",
        None,
    )
    teacher = factory.user(Role.TEACHER, learner.organisation)
    stranger = factory.user(Role.TEACHER)
    client.get("/logout")
    login_as(client, teacher)
    inbox = client.get("/writing").get_data(as_text=True)
    assert "Hei Anne" in inbox
    assert html_lib.escape(SETS["a2-writing"]["title"]["nb"]) in inbox
    assert html_lib.escape(task["prompt"]["nb"]) in inbox
    login_as(client, stranger)
    assert "Hei Anne" not in client.get("/writing").get_data(as_text=True)


def test_an_oral_set_shows_prompts_and_marks_them_practised(signed_in, learner):
    practice_set = SETS["b1-oral"]
    page = signed_in.get("/practice/b1-oral").get_data(as_text=True)
    for prompt in practice_set["prompts"]:
        assert html_lib.escape(prompt["prompt"]["nb"]) in page
        assert html_lib.escape(prompt["model"]) in page
    assert "60 seconds" in page
    assert page.count("Mark as practised") == 3
    response = signed_in.post("/practice/b1-oral/practised/b1o2")
    assert response.status_code == 302
    signed_in.post("/practice/b1-oral/practised/b1o2")
    page = signed_in.get("/practice/b1-oral").get_data(as_text=True)
    assert page.count("Mark as practised") == 2
    assert "Practised: 1 of 3" in signed_in.get("/practice").get_data(as_text=True)
    assert signed_in.post("/practice/b1-oral/practised/nope").status_code == 404


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/practice/x1-reading"),
        ("POST", "/practice/a2-writing"),
        ("POST", "/practice/a2-reading/writing/a2w1"),
        ("POST", "/practice/a2-writing/writing/nope"),
        ("POST", "/practice/a2-reading/practised/a2o1"),
    ],
)
def test_unknown_sets_and_wrong_kinds_are_404(signed_in, method, url):
    assert signed_in.open(url, method=method, data={"text": "x"}).status_code == 404


def test_staff_see_no_practice_and_no_results(client, factory, learner):
    login_as(client, learner)
    client.post("/practice/a2-reading", data={})
    for role in (Role.TEACHER, Role.COORDINATOR, Role.PROVIDER_ADMIN, Role.ADMIN):
        login_as(client, factory.user(role))
        for url in ("/practice", "/practice/a2-reading", "/practice/a2-reading/result"):
            assert client.get(url).status_code == 403


def test_results_are_each_learners_own(client, factory, learner):
    other = factory.learner(locale="en")
    login_as(client, other)
    client.post("/practice/a2-reading", data={})
    login_as(client, learner)
    assert "Not taken yet" in client.get("/practice").get_data(as_text=True)
    assert client.get("/practice/a2-reading/result").status_code == 302
