"""A lesson's result screen: what the learner achieved, and what to do next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from lessons.grading import first_try_score, gradable_ids
from lessons.timing import spent_minutes
from webapp.accounts.models import User
from webapp.extensions import db
from webapp.lessons.models import Lesson, LessonProgress, VocabCard
from webapp.lessons.services import LessonVisit, due_cards_count, lesson_content


@dataclass(frozen=True)
class LessonResult:
    """A lesson's result screen: first-try score, time spent and words added to review."""

    score: int
    completed: bool
    gradable: int
    right_first: int
    right_again: int
    minutes: int | None
    words: int
    read_not_heard: int = 0  # listening exercises read because the device had no voice


def lesson_result(learner: User, visit: LessonVisit) -> LessonResult:
    """What the learner achieved in a lesson, from its answers and one count of its words."""
    gradable = gradable_ids(lesson_content(visit.lesson)["exercises"])
    answers = visit.answers
    right_first = sum(1 for i in gradable if i in answers and answers[i].first_try_correct)
    right_again = sum(1 for i in gradable if i in answers and answers[i].right_again)
    progress = visit.progress
    minutes = None
    if progress is not None:
        finished = progress.completed_at or progress.updated_at
        minutes = spent_minutes((finished - progress.started_at).total_seconds())
    words = db.session.scalar(
        select(func.count(func.distinct(VocabCard.word_nb))).where(
            VocabCard.learner_id == learner.id, VocabCard.lesson_id == visit.lesson.id
        )
    )
    return LessonResult(
        score=first_try_score(len(gradable), right_first),
        completed=progress is not None and progress.completed_at is not None,
        gradable=len(gradable),
        right_first=right_first,
        right_again=right_again,
        minutes=minutes,
        words=words or 0,
        read_not_heard=sum(1 for answer in answers.values() if answer.by_ear is False),
    )


@dataclass(frozen=True)
class NextStep:
    """Something the learner can do after a lesson: assigned work, due review or a lesson."""

    kind: str  # "assignment", "review" or "lesson"
    lesson: Lesson | None = None
    count: int = 0
    due_date: date | None = None
    overdue: bool = False


def next_steps(learner: User, lesson: Lesson, today: date) -> list[NextStep]:
    """What to do next, most urgent first: overdue assigned work, due reviews, other assigned
    work, then the next lesson of the same track."""
    from webapp.teaching.services import learner_assignments  # teaching builds on lessons

    steps: list[NextStep] = []
    assignment = None
    for item in learner_assignments(learner, today):
        if not item.done:
            assignment = item
            break
    if assignment is not None:
        completed = set(
            db.session.scalars(
                select(LessonProgress.lesson_id).where(
                    LessonProgress.learner_id == learner.id,
                    LessonProgress.completed_at.is_not(None),
                    LessonProgress.lesson_id.in_([x.id for x in assignment.lessons]),
                )
            )
        )
        todo = next((x for x in assignment.lessons if x.id not in completed), None)
        steps.append(
            NextStep(
                "assignment",
                todo,
                assignment.total - assignment.completed,
                assignment.assignment.due_date,
                assignment.overdue,
            )
        )
    due = due_cards_count(learner)
    if due:
        steps.insert(1 if steps and steps[0].overdue else 0, NextStep("review", count=due))
    following = db.session.scalar(
        select(Lesson)
        .where(
            Lesson.track == lesson.track,
            Lesson.archived_at.is_(None),
            Lesson.position > lesson.position,
        )
        .order_by(Lesson.position)
        .limit(1)
    )
    if following is not None and not (steps and steps[-1].lesson is following):
        steps.append(NextStep("lesson", following))
    return steps
