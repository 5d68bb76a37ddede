"""Listening practice: the items a lesson's recordings allow, and the learner's answers."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select

from webapp.accounts.models import User
from webapp.db_types import utcnow
from webapp.extensions import db
from webapp.lessons.models import Lesson
from webapp.lessons.services import lesson_content
from webapp.listening.models import ListeningAnswer
from webapp.listening.rules import ListeningItem, first_try_percent, grade_item, listening_items
from webapp.recordings.services import Playback


def practice_items(lesson: Lesson, recordings: dict[str, Playback]) -> list[ListeningItem]:
    """The lesson's dictations and dialogue questions that its recordings make possible."""
    return listening_items(lesson_content(lesson), set(recordings))


def learner_answers(learner: User, lesson: Lesson) -> dict[str, ListeningAnswer]:
    """The learner's latest answer to each listening item of the lesson."""
    rows = db.session.scalars(
        select(ListeningAnswer).where(
            ListeningAnswer.learner_id == learner.id, ListeningAnswer.lesson_id == lesson.id
        )
    )
    return {row.item_key: row for row in rows}


def answer_item(learner: User, lesson: Lesson, item: ListeningItem, answer: str) -> bool:
    """Grade and store a learner's answer; the first try stays the one that counts."""
    correct = grade_item(item, answer)
    stored = db.session.get(ListeningAnswer, (learner.id, lesson.id, item.key))
    if stored is None:
        stored = ListeningAnswer(
            learner_id=learner.id,
            lesson_id=lesson.id,
            item_key=item.key,
            first_try_correct=correct,
            attempts=0,
        )
        db.session.add(stored)
    stored.answer = json.dumps(answer, ensure_ascii=False)
    stored.correct = correct
    stored.attempts += 1
    stored.answered_at = utcnow()
    db.session.flush()
    return correct


@dataclass(frozen=True)
class PracticeResult:
    """How the learner did in a lesson's listening practice."""

    items: int
    answered: int
    right_first: int

    @property
    def score(self) -> int:
        return first_try_percent(self.items, self.right_first)


def practice_result(
    items: list[ListeningItem], answers: dict[str, ListeningAnswer]
) -> PracticeResult:
    """The score over the items the practice has now (answers to withdrawn texts drop out)."""
    keys = {item.key for item in items}
    mine = [answer for key, answer in answers.items() if key in keys]
    return PracticeResult(len(items), len(mine), sum(1 for a in mine if a.first_try_correct))
