"""The lesson player through the test client: one step a page, answers, first-try feedback,
resume, the result screen, review, placement."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from lessons.loader import lesson_files
from lessons.placement import load_bank
from tests.conftest import login_as
from webapp.accounts.models import Role
from webapp.extensions import db
from webapp.learners.levels import Level
from webapp.lessons import services
from webapp.lessons.models import (
    ExerciseAnswer,
    Lesson,
    LessonProgress,
    PlacementResult,
    VocabCard,
    WritingSubmission,
)
from webapp.studytime.models import StudyDay, StudySource

FIXTURES = Path(__file__).parent / "fixtures" / "lessons" / "valid"
EN = {"Accept-Language": "en"}
RIGHT = {
    "e1": {"answer": "Hei, jeg heter Olena."},
    "e2": {"answer": " Jobber "},
    "e3": {"pair-0": "колега", "pair-1": "роздягальня", "pair-2": "перерва"},  # learner reads uk
    "e4": {"answer": "I morgen begynner jeg klokka sju"},
    "e5": {"answer": "Klokka elleve"},
    "e6": {"answer": "Ja, takk. Jeg har fått alt."},
    "e7": {"answer": "Jeg heter Olena og jobber i Drammen."},
}


@pytest.fixture
def lesson(app) -> Lesson:
    services.sync_lessons(lesson_files(FIXTURES), FIXTURES.parent)
    db.session.commit()
    return db.session.get(Lesson, "fixture-first-day")


@pytest.fixture
def learner(factory):
    return factory.learner(locale="en")


def post(client, exercise, data):
    return client.post(f"/lessons/fixture-first-day/exercises/{exercise}", data=data, headers=EN)


STEP = {f"e{n}": n + 1 for n in range(1, 8)}  # 0: goals and words, 1: the text, 9: the result
RESULT = 9


def page(client, step: int = 0) -> str:
    response = client.get(f"/lessons/fixture-first-day/step/{step}", headers=EN)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def every_step(client) -> str:
    return "".join(page(client, step) for step in range(RESULT + 1))


def test_the_player_shows_goals_text_words_and_every_exercise_type(client, lesson, learner):
    login_as(client, learner)
    first = client.get("/lessons/fixture-first-day", headers=EN).get_data(as_text=True)
    assert "Greet colleagues" in first  # the goals and the new words come first
    assert "колега" in first  # the learner's support language (Ukrainian first language)
    assert "1 / 9" in first
    assert '<progress max="9" value="1"' in first
    assert "about 16 minutes" in first
    assert "Choose the right answer" not in first  # exercises come one a screen, later
    text = page(client, 1)
    assert "<strong>Leder:</strong>" in text
    assert "2 / 9" in text
    html = every_step(client)
    for instruction in (
        "Choose the right answer",
        "Fill in the missing word",
        "Match the pairs",
        "Put the words in the right order",
        "Listen and choose",
        "Complete the dialogue",
        "Write a short text",
    ):
        assert instruction in html
    assert "Exercise 4 of 7" in page(client, STEP["e4"])
    assert 'data-say="Pausen er klokka elleve."' in html
    assert "<script>alert" not in html
    by_query = client.get("/lessons/fixture-first-day?step=3", headers=EN).get_data(as_text=True)
    assert "Exercise 2 of 7" in by_query
    assert "Fill in the missing word" in by_query
    for odd in ("?step=-4", "?step=x", "?step=99999"):
        assert client.get(f"/lessons/fixture-first-day{odd}").status_code == 200
    assert db.session.get(LessonProgress, (learner.id, lesson.id)) is not None  # started


def test_right_and_wrong_answers_get_feedback_and_the_first_try_counts(client, lesson, learner):
    login_as(client, learner)
    response = post(client, "e2", {"answer": "jobbe"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/lessons/fixture-first-day/step/3#exercise")
    html = page(client, STEP["e2"])
    assert "Not quite." in html
    assert "jobber" in html  # the right answer after a wrong try
    assert ">Try again<" in html
    assert "/step/4" in html  # Next
    retry = client.get("/lessons/fixture-first-day/step/3?again=1", headers=EN)
    assert 'name="answer"' in retry.get_data(as_text=True)
    post(client, "e2", {"answer": "JOBBER"})
    html = page(client, STEP["e2"])
    assert "Correct!" in html
    assert "Right on the 2nd try." in html
    stored = db.session.get(ExerciseAnswer, (learner.id, lesson.id, "e2"))
    assert (stored.correct, stored.attempts, stored.first_try_correct) == (True, 2, False)
    assert db.session.get(LessonProgress, (learner.id, lesson.id)).best_score == 0


def test_completing_a_lesson_makes_review_cards_and_ends_on_the_result(client, lesson, learner):
    login_as(client, learner)
    for exercise, data in RIGHT.items():
        assert post(client, exercise, data).status_code == 302
    progress = db.session.get(LessonProgress, (learner.id, lesson.id))
    assert progress.best_score == 100
    assert progress.completed_at is not None
    cards = db.session.scalars(select(VocabCard).where(VocabCard.learner_id == learner.id)).all()
    assert len(cards) == 8  # eight new words; each reverse card comes once the word is recalled
    assert {card.direction for card in cards} == {"from_nb"}
    assert {card.meaning for card in cards} == {
        "колега",
        "роздягальня",
        "починати",
        "керівник",
        "ласкаво просимо",
        "де",
        "робота",
        "перерва",
    }
    assert db.session.scalar(select(func.count(WritingSubmission.id))) == 1
    assert "See the result" in page(client, STEP["e7"])
    result = page(client, RESULT)
    assert "Lesson completed!" in result
    assert "100 %" in result
    assert "6 of 6 exercises" in result
    assert "8 words added to your review" in result  # words, not cards
    assert "Time: about 1 minute" in result
    assert "Greet colleagues" in result  # what the learner can now do
    assert "Review words (8 due)" in result  # the next step


def test_eighty_percent_on_first_tries_completes_and_resume_keeps_answers(client, lesson, learner):
    login_as(client, learner)
    post(client, "e6", {"answer": "Ha en fin helg!"})  # wrong the first time
    for exercise in ("e1", "e2", "e3", "e4", "e5", "e6"):
        post(client, exercise, RIGHT[exercise])
    progress = db.session.get(LessonProgress, (learner.id, lesson.id))
    assert progress.best_score == 83  # 5 of 6 right the first time; writing is for the teacher
    assert progress.completed_at is not None
    assert progress.last_exercise_id == "e6"
    html = every_step(client)  # coming back later
    assert html.count("Correct!") == 6
    assert html.count("Right on the 2nd try.") == 1


def test_four_of_six_is_not_enough_but_a_full_second_pass_is(client, lesson, learner):
    login_as(client, learner)
    for exercise in ("e1", "e2"):
        post(client, exercise, {"answer": "galt"})
    for exercise in ("e3", "e4", "e5", "e6"):
        post(client, exercise, RIGHT[exercise])
    for exercise in ("e1", "e2"):  # put right, but during the first pass
        post(client, exercise, RIGHT[exercise])
    progress = db.session.get(LessonProgress, (learner.id, lesson.id))
    assert (progress.best_score, progress.completed_at) == (67, None)
    result = page(client, RESULT)
    assert "Your result" in result
    assert "67 %" in result
    assert "answer every exercise right once more" in result
    for exercise in ("e1", "e2", "e3", "e4", "e5"):  # the second pass, not yet full
        post(client, exercise, RIGHT[exercise])
    assert db.session.get(LessonProgress, (learner.id, lesson.id)).completed_at is None
    post(client, "e6", RIGHT["e6"])
    progress = db.session.get(LessonProgress, (learner.id, lesson.id))
    assert (progress.best_score, progress.completed_at is not None) == (67, True)


def test_a_refused_writing_answer_keeps_its_text(client, lesson, learner):
    login_as(client, learner)
    text = "Hei, jeg er <Olena>"
    response = post(client, "e7", {"answer": text})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "You wrote 4 words. Write at least 5 words." in html
    assert ">Hei, jeg er &lt;Olena&gt;</textarea>" in html
    assert db.session.scalar(select(func.count(WritingSubmission.id))) == 0
    too_long = " ".join(["ord"] * 61)
    html = post(client, "e7", {"answer": too_long}).get_data(as_text=True)
    assert "You wrote 61 words. Write at most 60 words." in html
    assert too_long in html
    background = client.post(
        "/lessons/fixture-first-day/exercises/e7",
        data={"answer": "Hei"},
        headers={"Accept": "application/json", **EN},
    )
    assert background.status_code == 422
    assert ">Hei</textarea>" in background.get_json()["html"]


def test_answers_post_in_the_background_and_get_the_exercise_back(client, lesson, learner):
    login_as(client, learner)
    response = client.post(
        "/lessons/fixture-first-day/exercises/e1",
        data={"answer": "God natt."},
        headers={"Accept": "application/json", **EN},
    )
    assert response.status_code == 200
    data = response.get_json()
    assert data["completed"] is False
    assert 'id="exercise"' in data["html"]
    assert "Not quite." in data["html"]
    assert "Hei, jeg heter Olena." in data["html"]


def test_unknown_exercise_and_missing_lesson_are_404(client, lesson, learner):
    login_as(client, learner)
    assert post(client, "nope", {"answer": "x"}).status_code == 404
    assert client.get("/lessons/no-such-lesson").status_code == 404


def test_staff_can_preview_but_not_answer(client, lesson, factory):
    teacher = factory.user(Role.TEACHER, locale="en")
    login_as(client, teacher)
    html = every_step(client)
    assert "Fill in the missing word" in html
    assert ">Check<" not in html
    assert "Hei, jeg heter Olena." in html
    assert post(client, "e1", RIGHT["e1"]).status_code == 403


def test_catalogue_filters_and_marks(client, lesson, learner):
    login_as(client, learner)
    html = client.get("/lessons?level=A1", headers=EN).get_data(as_text=True)
    assert "Første dag" not in html  # titles show in the interface language
    assert "First day" in html
    assert "First day" not in client.get("/lessons?level=B1", headers=EN).get_data(as_text=True)
    for exercise, data in RIGHT.items():
        post(client, exercise, data)
    assert "Completed" in client.get("/lessons", headers=EN).get_data(as_text=True)


def test_fsrs_review_round_trip(client, lesson, learner):
    services.create_cards(learner, lesson)
    db.session.commit()
    login_as(client, learner)
    html = client.get("/review", headers=EN).get_data(as_text=True)
    assert "8 words due" in html
    card = services.next_due_card(learner)
    before = card.due
    assert client.post(f"/review/{card.id}", data={"rating": "3"}).status_code == 302
    db.session.refresh(card)
    assert card.due > before
    assert card.reviews == 1
    state = json.loads(card.state)
    assert state["last_review"] is not None
    assert services.due_cards_count(learner) == 7
    assert client.post(f"/review/{card.id}", data={"rating": "9"}).status_code == 400


def test_easy_is_scheduled_later_than_again(lesson, learner):
    services.create_cards(learner, lesson)
    cards = db.session.scalars(select(VocabCard).order_by(VocabCard.id)).all()
    now = datetime(2026, 11, 28, 12, tzinfo=UTC)
    again = services.review_card(cards[0], 1, now)
    easy = services.review_card(cards[1], 4, now)
    assert easy.due - now > timedelta(days=1)
    assert again.due - now < timedelta(hours=1)


def test_placement_sets_the_level(client, learner):
    login_as(client, learner)
    bank = {item["id"]: item for item in load_bank()}
    assert "Placement test" in client.get("/placement", headers=EN).get_data(as_text=True)
    for _ in range(40):
        html = client.get("/placement", headers=EN).get_data(as_text=True)
        if "Your level:" in html:
            break
        item_id = html.split('name="item" value="')[1].split('"')[0]
        item = bank[item_id]
        answer = item["answer"] if item["level"] in ("A1", "A2") else "wrong"
        client.post("/placement", data={"item": item_id, "answer": answer})
    assert "Your level: A2" in html
    db.session.refresh(learner)
    assert learner.learner_profile.current_level is Level.A2
    result = db.session.scalar(select(PlacementResult))
    assert (result.level, result.answered) == ("A2", 15)  # 6 + 6 right, then 3 wrong at B1


def test_the_placement_cookie_never_says_which_answers_were_right(client, learner):
    login_as(client, learner)
    html = client.get("/placement", headers=EN).get_data(as_text=True)
    item_id = html.split('name="item" value="')[1].split('"')[0]
    client.post("/placement", data={"item": item_id, "answer": "mitt svar"})
    with client.session_transaction() as session:
        kept = session["placement_answers"]
    assert kept == {item_id: "mitt svar"}
    assert True not in kept.values()
    assert False not in kept.values()


def test_teacher_overrides_the_level(client, factory):
    teacher = factory.user(Role.TEACHER)
    learner = factory.learner(organisation=teacher.organisation)
    login_as(client, teacher)
    client.post(f"/learners/{learner.id}/level", data={"level": "B1"})
    db.session.refresh(learner)
    assert learner.learner_profile.current_level is Level.B1


def test_heartbeat_credits_time_once_across_tabs(lesson, learner):
    start = datetime(2026, 11, 28, 17, 0, tzinfo=UTC)
    assert services.heartbeat(learner, StudySource.LESSON, start) == 0
    # two tabs beating every 30 s each, 15 s apart: 120 s of wall time
    credited = sum(
        services.heartbeat(learner, StudySource.LESSON, start + timedelta(seconds=15 * n))
        for n in range(1, 9)
    )
    assert credited == 120
    # after an idle hour the first beat earns nothing; the next one counts again
    later = start + timedelta(hours=1)
    assert services.heartbeat(learner, StudySource.LESSON, later) == 0
    assert services.heartbeat(learner, StudySource.LESSON, later + timedelta(seconds=30)) == 30
    day = db.session.get(StudyDay, (learner.id, start.date(), StudySource.LESSON))
    assert day.seconds == 150


def test_heartbeat_endpoint(client, learner):
    login_as(client, learner)
    assert client.post("/study/heartbeat", data={"source": "review"}).get_json() == {"credited": 0}


def test_an_answer_reaches_the_lesson_page_at_once(app, client, lesson, learner):
    login_as(client, learner)
    for _ in range(3):  # opened (which starts the lesson), then visited again
        before = page(client, STEP["e2"])
    assert "Correct!" not in before
    post(client, "e2", RIGHT["e2"])
    assert "Correct!" in page(client, STEP["e2"])
    assert "Correct!" in page(client, STEP["e2"])  # on every later visit


def _catalogue_statements(client) -> tuple[int, str]:
    seen: list[str] = []

    def record(*_args) -> None:
        seen.append("")

    db.session.remove()
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get("/lessons", headers=EN)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200
    return len(seen), response.get_data(as_text=True)


def _more_lessons(count: int) -> list[str]:
    ids = [f"extra-{n:03d}" for n in range(count)]
    for n, lesson_id in enumerate(ids):
        title = {"nb": f"Ekstra {n}", "uk": f"Додатковий {n}", "en": f"Extra {n}"}
        db.session.add(
            Lesson(
                id=lesson_id,
                track="retail",
                level="A2",
                position=n,
                minutes=10,
                title_nb=title["nb"],
                digest=f"{n:064d}",
                content=json.dumps({"title": title, "exercises": []}),
            )
        )
    db.session.commit()
    return ids


def test_the_catalogue_costs_the_same_statements_for_1_and_61_lessons(client, lesson, learner):
    """Whatever the number of lessons and answers, and whether this process has decoded their
    content yet (one statement more when it has not)."""
    learner_id = learner.id
    login_as(client, learner)

    def visits() -> tuple[int, int, str]:
        services.CONTENT_CACHE.clear()
        first, _page = _catalogue_statements(client)
        again, html = _catalogue_statements(client)
        return first, again, html

    few_first, few_again, html = visits()
    assert html.count('<li class="lesson-') == 1
    assert few_first == few_again + 1
    for lesson_id in _more_lessons(60):
        db.session.add(LessonProgress(learner_id=learner_id, lesson_id=lesson_id, best_score=85))
        db.session.add(
            ExerciseAnswer(
                learner_id=learner_id, lesson_id=lesson_id, exercise_id="e1", answer='"x"'
            )
        )
    db.session.commit()
    for exercise, data in RIGHT.items():
        post(client, exercise, data)
    many_first, many_again, html = visits()
    assert html.count('<li class="lesson-') == 61
    assert html.count("Started (85 %)") == 60
    assert (many_first, many_again) == (few_first, few_again)


def test_an_answer_shows_in_the_catalogue_at_once(client, lesson, learner):
    login_as(client, learner)

    def entry() -> str:
        html = client.get("/lessons", headers=EN).get_data(as_text=True)
        return re.search(r'<li class="lesson-[^"]*">.*?</li>', html, re.S).group(0)

    assert "lesson-new" in entry()
    post(client, "e2", RIGHT["e2"])
    assert "lesson-started" in entry()
    assert "Started (" in entry()
    for exercise, data in RIGHT.items():
        post(client, exercise, data)
    assert "Completed (100 %)" in entry()


def test_answers_are_stored_in_nfc_without_hidden_characters(client, lesson, learner):
    login_as(client, learner)
    post(client, "e1", {"answer": "Hei, jeg\u200b heter Olena.\u202e\x07"})
    post(client, "e3", {"pair-0": "коле\u200bга", "pair-1": "Zoe\u0308", "pair-2": "перерва"})
    text = "Jeg heter\u202e Olena\x00 og jobber\ti Drammen.\nHilsen Zoe\u0308"
    post(client, "e7", {"answer": text})
    stored = {
        row.exercise_id: json.loads(row.answer)
        for row in db.session.scalars(select(ExerciseAnswer))
    }
    assert stored["e1"] == "Hei, jeg heter Olena."
    assert stored["e3"]["en kollega"] == "колега"
    assert stored["e3"]["en garderobe"] == "Zoë"
    writing = "Jeg heter Olena og jobber\ti Drammen.\nHilsen Zoë"  # tab and line break kept
    assert stored["e7"] == writing
    assert db.session.scalar(select(WritingSubmission.text)) == writing
    answer = db.session.scalar(select(ExerciseAnswer).where(ExerciseAnswer.exercise_id == "e1"))
    assert answer.correct  # graded on the cleaned answer


def test_the_result_screen_puts_overdue_assigned_work_first(client, lesson, factory):
    from datetime import date

    from tests.test_teaching import group_with
    from webapp.organisations.models import OrganisationKind
    from webapp.teaching import services as teaching

    provider = factory.organisation(OrganisationKind.PROVIDER, "Kveldsskolen")
    teacher = factory.user(Role.TEACHER, provider)
    learner = factory.learner(organisation=provider, locale="en")
    group = group_with(teacher, [learner])
    teaching.assign(teacher, group, due=date(2026, 1, 5), lesson_id=lesson.id)
    db.session.add(
        Lesson(
            id="fixture-second-day",
            track="working-life",
            level="A1",
            position=2,
            minutes=12,
            title_nb="Andre dag",
            digest="2" * 64,
            content=json.dumps({"title": {"nb": "Andre dag"}, "exercises": []}),
        )
    )
    db.session.commit()
    login_as(client, learner)
    post(client, "e1", RIGHT["e1"])
    result = page(client, RESULT)
    assigned = result.index("Your assigned work")
    following = result.index("Next lesson:")
    assert assigned < following
    assert "Første dag" in result[assigned:following]  # the assigned lesson, not yet done
    assert "was due" in result
    assert "Andre dag" in result[following:]
    assert "Review words" not in result  # no words due yet
