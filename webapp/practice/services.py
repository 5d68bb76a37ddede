"""Practice sets for learners: the sets, their results, the texts sent and the oral practice."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from sqlalchemy import select

from lessons import practice
from lessons.grading import word_count
from webapp.accounts.models import User
from webapp.db_types import utcnow
from webapp.extensions import db
from webapp.lessons.models import WritingSubmission
from webapp.practice.models import PracticeResult


@cache
def practice_sets() -> dict[str, dict[str, Any]]:
    """Every practice set by id, loaded once per process (the files are checked on load)."""
    return practice.load_sets()


def practice_set(set_id: str) -> dict[str, Any] | None:
    """The set with this id, or None."""
    return practice_sets().get(set_id)


def results(learner: User) -> dict[str, PracticeResult]:
    """The learner's results by set id."""
    rows = db.session.scalars(select(PracticeResult).where(PracticeResult.learner_id == learner.id))
    return {row.set_id: row for row in rows}


def result(learner: User, set_id: str) -> PracticeResult | None:
    """The learner's result in one set, if any."""
    return db.session.get(PracticeResult, (learner.id, set_id))


def _row(learner: User, set_id: str) -> PracticeResult:
    row = result(learner, set_id)
    if row is None:
        row = PracticeResult(learner_id=learner.id, set_id=set_id, attempts=0)
        db.session.add(row)
    return row


def next_attempt(learner: User, set_id: str) -> int:
    """The number of the attempt the learner is about to make (it seeds the option order)."""
    row = result(learner, set_id)
    return (row.attempts if row else 0) + 1


def record_attempt(
    learner: User, practice_set: dict[str, Any], answers: dict[str, str], scored: bool
) -> practice.Score:
    """Grade a reading or listening attempt by value and keep it; the first scored attempt is
    the score, later ones only raise the best."""
    items = {item["id"] for item in practice.questions(practice_set)}
    kept = {item_id: answer for item_id, answer in answers.items() if item_id in items}
    outcome = practice.score(practice_set, kept)
    row = _row(learner, practice_set["id"])
    row.attempts = (row.attempts or 0) + 1
    row.last_answers = json.dumps(kept, ensure_ascii=False)
    row.last_correct = outcome.correct
    row.last_scored = scored
    if scored:
        if row.first_score is None:
            row.first_score = outcome.percent
        row.best_score = max(row.best_score or 0, outcome.percent)
    row.updated_at = utcnow()
    db.session.flush()
    return outcome


def last_answers(row: PracticeResult | None) -> dict[str, str]:
    """The answers of the learner's latest attempt."""
    if row is None:
        return {}
    try:
        stored = json.loads(row.last_answers or "{}")
    except ValueError:
        return {}
    return {key: value for key, value in stored.items() if isinstance(value, str)}


def writing_problem(task: dict[str, Any], text: str) -> str | None:
    """Why a text cannot be sent ("too_short", "too_long"), or None."""
    words = word_count(text)
    if words < task["min_words"]:
        return "too_short"
    if words > task["max_words"]:
        return "too_long"
    return None


def submit_writing(learner: User, set_id: str, task_id: str, text: str) -> WritingSubmission:
    """Send a practice text to the learner's teachers (they answer it with the lessons' texts)."""
    submission = WritingSubmission(
        learner_id=learner.id,
        lesson_id=None,
        practice_set=set_id,
        exercise_id=task_id,
        text=text.strip(),
    )
    db.session.add(submission)
    row = _row(learner, set_id)
    row.attempts = (row.attempts or 0) + 1
    row.updated_at = utcnow()
    db.session.flush()
    return submission


def sent_texts(learner: User, set_id: str) -> dict[str, WritingSubmission]:
    """The latest text the learner sent for each task of a writing set."""
    rows = db.session.scalars(
        select(WritingSubmission)
        .where(
            WritingSubmission.learner_id == learner.id,
            WritingSubmission.practice_set == set_id,
        )
        .order_by(WritingSubmission.submitted_at, WritingSubmission.id)
    )
    return {row.exercise_id: row for row in rows}


def practised(row: PracticeResult | None) -> list[str]:
    """The oral prompts the learner has marked as practised."""
    if row is None:
        return []
    try:
        stored = json.loads(row.practised or "[]")
    except ValueError:
        return []
    return [value for value in stored if isinstance(value, str)]


def mark_practised(learner: User, set_id: str, prompt_id: str) -> None:
    """Note that the learner has practised an oral prompt (once is enough)."""
    row = _row(learner, set_id)
    done = practised(row)
    if prompt_id not in done:
        row.practised = json.dumps([*done, prompt_id])
        row.attempts = (row.attempts or 0) + 1
    row.updated_at = utcnow()
    db.session.flush()
