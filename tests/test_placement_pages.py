"""The placement pages through the test client: shuffled options, skips, the result, writing."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from sqlalchemy import select

from lessons.arrangement import options_in_order
from lessons.placement import load_bank
from lessons.schema import LEVELS as LESSON_LEVELS
from tests.conftest import login_as
from webapp.extensions import db
from webapp.learners.levels import Level
from webapp.lessons.models import PlacementResult

BANK = {item["id"]: item for item in load_bank()}
OPTION = re.compile(r'name="answer" value="([^"]*)"')


@pytest.fixture
def learner(factory):
    return factory.learner(locale="en")


def shown_item(page: str) -> tuple[str, list[str]]:
    item_id = page.split('name="item" value="')[1].split('"')[0]
    return item_id, [html_lib.unescape(value) for value in OPTION.findall(page)]


def take_test(
    client, learner, knows: tuple[str, ...], skip_listening: bool, attempt: int = 1
) -> str:
    """Answer until the result page; returns it. Checks the options are shown as shuffled."""
    for _ in range(len(BANK) + 2):
        page = client.get("/placement").get_data(as_text=True)
        if "Your level:" in page:
            return page
        item_id, shown = shown_item(page)
        item = BANK[item_id]
        assert shown == options_in_order(
            item["options"], f"{learner.id}:placement:{item_id}:{attempt}"
        )
        if item["skill"] == "listening":
            assert "no Norwegian voice" in page
            assert item["audio"] not in page.replace(f'data-say="{item["audio"]}"', "")
            if skip_listening:
                client.post("/placement", data={"item": item_id, "skip": "1"})
                continue
        if item["skill"] == "reading":
            assert html_lib.escape(item["text"]) in page or item["text"] in page
        answer = (
            item["answer"]
            if item["level"] in knows
            else next(option for option in shown if option != item["answer"])
        )
        client.post("/placement", data={"item": item_id, "answer": answer})
    raise AssertionError("the placement test never ended")


def test_placement_to_the_end_with_skills_and_writing(client, learner):
    login_as(client, learner)
    page = take_test(client, learner, ("A1", "A2", "B1"), skip_listening=True)
    assert "Your level: B1" in page
    assert "not measured" in page  # listening was skipped
    result = db.session.scalar(select(PlacementResult))
    assert (result.level, result.reading_level, result.grammar_level) == ("B1", "B1", "B1")
    assert result.listening_level is None
    assert result.answered == 6 * 3 + 3
    db.session.refresh(learner)
    assert learner.learner_profile.current_level is Level.B1

    short = client.post("/placement/writing", data={"text": "Jeg heter Olena."})
    assert short.status_code == 422
    assert "Jeg heter Olena." in short.get_data(as_text=True)  # the text is not lost
    assert 'class="error"' in short.get_data(as_text=True)
    text = "Jeg heter Olena. Jeg har jobbet som sykepleier i Kyiv i ti år."
    saved = client.post("/placement/writing", data={"text": text}, follow_redirects=True)
    assert "saved for your teacher" in saved.get_data(as_text=True)
    db.session.refresh(result)
    assert result.writing_text == text
    assert result.writing_at is not None


def test_listening_is_answered_where_the_device_can_read_it(client, learner):
    login_as(client, learner)
    page = take_test(client, learner, ("A1", "A2", "B1", "B2"), skip_listening=False)
    assert "Your level: B2" in page
    if "B2" in LESSON_LEVELS:  # lessons go up to B2: the result links to them
        assert "/lessons?level=B2" in page
    else:  # no B2 lessons: the closest are named plainly
        assert "There are no B2 lessons yet" in page
        assert "/lessons?level=B1" in page
    result = db.session.scalar(select(PlacementResult))
    assert (result.listening_level, result.reading_level, result.grammar_level) == (
        "B2",
        "B2",
        "B2",
    )


def test_always_tapping_the_first_shown_option_ends_at_a1(client, learner):
    login_as(client, learner)
    for _ in range(len(BANK) + 2):
        page = client.get("/placement").get_data(as_text=True)
        if "Your level:" in page:
            break
        item_id, shown = shown_item(page)
        client.post("/placement", data={"item": item_id, "answer": shown[0]})
    assert "Your level: A1" in page


def test_a_skip_only_counts_for_listening_items(client, learner):
    login_as(client, learner)
    item_id, _shown = shown_item(client.get("/placement").get_data(as_text=True))
    assert BANK[item_id]["skill"] != "listening"
    client.post("/placement", data={"item": item_id, "skip": "1"})
    with client.session_transaction() as session:
        assert session.get("placement_skipped", []) == []
        assert session.get("placement_answers", {}) == {}
    again, _ = shown_item(client.get("/placement").get_data(as_text=True))
    assert again == item_id


def test_a_second_attempt_shows_options_in_another_order(client, learner):
    login_as(client, learner)
    take_test(client, learner, ("A1",), skip_listening=True)
    client.post("/placement", data={"restart": "1"})
    page = take_test(client, learner, ("A1", "A2"), skip_listening=True, attempt=2)
    assert "Your level: A2" in page
    assert len(db.session.scalars(select(PlacementResult)).all()) == 2


def test_writing_without_a_result_goes_back_to_the_test(client, learner):
    login_as(client, learner)
    response = client.post("/placement/writing", data={"text": "x" * 40})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/placement")
    assert db.session.scalar(select(PlacementResult)) is None


def test_the_learners_teacher_sees_the_skills_and_the_writing(client, factory, learner):
    from webapp.accounts.models import Role

    login_as(client, learner)
    take_test(client, learner, ("A1", "A2"), skip_listening=True)
    text = "Jeg heter Olena og har jobbet i en barnehage i Lviv."
    client.post("/placement/writing", data={"text": text})
    client.get("/logout")
    teacher = factory.user(Role.TEACHER, organisation=learner.organisation)
    login_as(client, teacher)
    page = client.get(f"/learners/{learner.id}", headers={"Accept-Language": "en"})
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert text in body
    assert "ikke målt" in body  # listening was skipped (the teacher reads Norwegian)
    outsider = factory.user(Role.TEACHER)
    login_as(client, outsider)
    assert client.get(f"/learners/{learner.id}").status_code == 404
