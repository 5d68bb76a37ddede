"""Guessing never completes a lesson: learners who always pick the first option shown, always
the last, or at random (1,000 seeded runs) go through every lesson of the curriculum twice, a
first pass and a full second pass, graded by the real rules on the order the player shows."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from lessons.arrangement import names_in, options_in_order, order_tiles
from lessons.grading import gradable_ids, grade, is_completed
from lessons.loader import CONTENT_DIR, check_all, content_json, lesson_files
from tests.conftest import login_as
from webapp.extensions import db
from webapp.lessons import arranging, services
from webapp.lessons.models import ExerciseAnswer, LessonProgress

LANGUAGE = "uk"
Pick = Callable[[list[Any]], Any]


def curriculum() -> list[dict[str, Any]]:
    parsed, problems = check_all(lesson_files(), CONTENT_DIR.parent.parent)
    assert problems == []
    return [json.loads(content_json(lesson)) for lesson in parsed]


def shown(content: dict, exercise: dict, learner: int, attempt: int, names: set[str]) -> list:
    """What the player shows for an attempt, in its order (as arranging.arranged)."""
    seed = f"{learner}:{content['id']}:{exercise['id']}:{attempt}"
    kind = exercise["type"]
    if kind in ("choice", "listen", "dialogue"):
        return options_in_order(exercise["options"], seed)
    if kind == "match":
        return options_in_order([pair[LANGUAGE] for pair in exercise["pairs"]], seed)
    if kind == "order":
        return options_in_order(order_tiles(exercise["sentence"], names), seed)
    if kind == "fill":  # nothing to pick from: a guess is a word of the sentence shown
        return [w for w in re.findall(r"\w+", exercise["text"])] or ["?"]
    return []


def guess(exercise: dict, items: list, pick: Pick, rng: random.Random) -> Any:
    """A guesser's answer from what is shown, with ``pick`` choosing among items."""
    kind = exercise["type"]
    if kind == "match":
        return {pair["nb"]: pick(items) for pair in exercise["pairs"]}
    if kind == "order":
        if pick is RANDOM:
            return " ".join(rng.sample(items, len(items)))
        return " ".join(items if pick is FIRST else list(reversed(items)))
    if kind == "writing":
        return " ".join(["ord"] * exercise["min_words"])
    return pick(items)


def FIRST(items: list) -> Any:
    return items[0]


def LAST(items: list) -> Any:
    return items[-1]


def RANDOM(items: list) -> Any:  # replaced by a seeded choice in each run
    raise NotImplementedError


def run(content: dict, learner: int, strategy: Pick, rng: random.Random, names: set[str]) -> bool:
    """One learner's first pass and full second pass; whether the lesson would be completed."""
    pick = (lambda items: rng.choice(items)) if strategy is RANDOM else strategy
    gradable = set(gradable_ids(content["exercises"]))
    first_right = right_again = 0
    for attempt in (1, 2):
        for exercise in content["exercises"]:
            items = shown(content, exercise, learner, attempt, names)
            answer = guess(exercise, items, strategy if exercise["type"] == "order" else pick, rng)
            right = grade(exercise, answer, LANGUAGE).correct
            if exercise["id"] in gradable and right:
                if attempt == 1:
                    first_right += 1
                else:
                    right_again += 1
    return is_completed(len(gradable), first_right, right_again)


def test_no_guessing_learner_completes_any_lesson():
    lessons = curriculum()
    assert len(lessons) >= 40
    completed = {"first": 0, "last": 0, "random": 0}
    runs = 0
    names = {content["id"]: names_in(arranging.norwegian_texts(content)) for content in lessons}
    for content in lessons:
        for learner in range(3):
            for strategy, name in ((FIRST, "first"), (LAST, "last")):
                learner_id = learner if name == "first" else 1000 + learner
                rng = random.Random(0)
                completed[name] += run(content, learner_id, strategy, rng, names[content["id"]])
                runs += 1
    rng = random.Random(20261207)
    for seed in range(1000):
        for content in lessons:
            completed["random"] += run(content, seed, RANDOM, rng, names[content["id"]])
            runs += 1
    assert runs == len(lessons) * 1006
    assert completed == {"first": 0, "last": 0, "random": 0}


def test_the_position_of_the_right_answer_varies_across_the_curriculum():
    """Always-first would be right about as often as the options allow, not always."""
    lessons = curriculum()
    first_right = total = 0
    for content in lessons:
        for exercise in content["exercises"]:
            if exercise["type"] in ("choice", "listen", "dialogue"):
                for learner in range(20):
                    items = shown(content, exercise, learner, 1, set())
                    first_right += items[0] == exercise["answer"]
                    total += 1
    assert 0.2 < first_right / total < 0.6


def _answers_on_the_page(html: str, exercise: dict, pick: Pick) -> dict[str, str]:
    """What a guesser posts, read from the page as a browser would show it."""
    kind = exercise["type"]
    if kind in ("choice", "listen", "dialogue"):
        return {"answer": pick(re.findall(r'type="radio" name="answer" value="([^"]*)"', html))}
    if kind == "match":
        first_select = re.search(r'<select id="pair-.*?</select>', html, re.S).group(0)
        meanings = re.findall(r'<option value="([^"]+)">', first_select)
        return {f"pair-{n}": pick(meanings) for n in range(len(exercise["pairs"]))}
    if kind == "order":
        tiles = re.findall(r'class="chip" data-word="([^"]*)"', html)
        return {"answer": " ".join(tiles if pick is FIRST else list(reversed(tiles)))}
    if kind == "fill":
        return {"answer": pick(re.findall(r"\w+", exercise["text"]))}
    return {"answer": " ".join(["ord"] * exercise["min_words"])}


@pytest.mark.parametrize("pick", [FIRST, LAST], ids=["first", "last"])
def test_a_guesser_through_the_pages_does_not_complete_a_real_lesson(client, factory, pick):
    path = next(p for p in lesson_files() if "tools-and-materials" in p.name)
    services.sync_lessons([path], CONTENT_DIR.parent.parent)
    db.session.commit()
    content = curriculum_lesson(path)
    lesson_id = content["id"]
    learner = factory.learner(locale="uk")
    login_as(client, learner)
    base = f"/lessons/{lesson_id}"
    for again in ("", "?again=1"):  # a first pass, then a full second pass
        for index, exercise in enumerate(content["exercises"]):
            html = client.get(f"{base}/step/{index + 2}{again}").get_data(as_text=True)
            data = _answers_on_the_page(html, exercise, pick)
            assert all(data.values()), (exercise, html[html.find('id="exercise"') :][:3000])
            response = client.post(f"{base}/exercises/{exercise['id']}", data=data)
            assert response.status_code == 302
    progress = db.session.get(LessonProgress, (learner.id, lesson_id))
    assert progress.completed_at is None
    assert progress.best_score < 80
    attempts = db.session.scalars(
        select(ExerciseAnswer.attempts).where(ExerciseAnswer.learner_id == learner.id)
    ).all()
    assert attempts == [2] * len(content["exercises"])
    result = client.get(f"{base}/step/{len(content['exercises']) + 2}").get_data(as_text=True)
    assert f"{progress.best_score} %" in result


def curriculum_lesson(path) -> dict[str, Any]:
    parsed, problems = check_all([path], CONTENT_DIR.parent.parent)
    assert problems == []
    return json.loads(content_json(parsed[0]))
