"""The progress matrix as a pure rule: learners × assigned lessons, with overdue marked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

NOT_STARTED = "not_started"
STARTED = "started"
COMPLETED = "completed"


@dataclass(frozen=True)
class Progress:
    """What the platform knows of one learner's work on one lesson."""

    completed: bool
    best_score: int


@dataclass(frozen=True)
class Cell:
    """One learner's state on one assigned lesson."""

    status: str
    score: int | None
    due: date
    overdue: bool


def cell_for(progress: Progress | None, due: date, today: date) -> Cell:
    """Not started, started or completed (with the score); overdue when not completed by the day."""
    if progress is None:
        status, score = NOT_STARTED, None
    elif progress.completed:
        status, score = COMPLETED, progress.best_score
    else:
        status, score = STARTED, progress.best_score
    return Cell(status, score, due, overdue=status != COMPLETED and today > due)


def build_matrix(
    learner_ids: Iterable[int],
    due_by_learner_lesson: Mapping[tuple[int, str], date],
    progress: Mapping[tuple[int, str], Progress],
    today: date,
) -> dict[tuple[int, str], Cell]:
    """A cell for every (learner, lesson) the learner was assigned; others stay empty."""
    wanted = set(learner_ids)
    return {
        (learner_id, lesson_id): cell_for(progress.get((learner_id, lesson_id)), due, today)
        for (learner_id, lesson_id), due in due_by_learner_lesson.items()
        if learner_id in wanted
    }


def earliest_due(pairs: Iterable[tuple[tuple[int, str], date]]) -> dict[tuple[int, str], date]:
    """When one lesson is assigned twice (by lesson and by track, say), the earlier day counts."""
    due: dict[tuple[int, str], date] = {}
    for key, day in pairs:
        if key not in due or day < due[key]:
            due[key] = day
    return due
