"""The progress matrix as a pure rule: learners × assigned lessons, with overdue marked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple, TypeVar

NOT_STARTED = "not_started"
STARTED = "started"
COMPLETED = "completed"

K = TypeVar("K")


@dataclass(frozen=True)
class Progress:
    """What the platform knows of one learner's work on one lesson."""

    completed: bool
    best_score: int  # the first-try score
    attempts: int = 0  # answers given, every try of every exercise


class Cell(NamedTuple):
    """One learner's state on one assigned lesson (a tuple: a page makes thousands)."""

    status: str
    score: int | None
    due: date
    overdue: bool
    attempts: int = 0


def cell_for(progress: Progress | None, due: date, today: date) -> Cell:
    """Not started, started or completed (with the score); overdue when not completed by the day."""
    if progress is None:
        status, score = NOT_STARTED, None
    elif progress.completed:
        status, score = COMPLETED, progress.best_score
    else:
        status, score = STARTED, progress.best_score
    attempts = progress.attempts if progress is not None else 0
    return Cell(status, score, due, status != COMPLETED and today > due, attempts)


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


def cell_text(cell: Cell | None) -> str | None:
    """What a cell shows: ✓ or ◐ with the score, – when not started; None when not assigned."""
    if cell is None:
        return None
    if cell.status == COMPLETED:
        return f"✓ {cell.score} %"
    if cell.status == STARTED:
        return f"◐ {cell.score} %"
    return "–"


def matrix_rows(
    learner_ids: Iterable[int], lesson_ids: Iterable[str], cells: Mapping[tuple[int, str], Cell]
) -> dict[int, list[tuple[str | None, bool, int]]]:
    """Per learner, each lesson's cell text, whether it is overdue and the answers given, in the
    lessons' order: what the page's rows show, worked out once instead of cell by cell."""
    lessons = list(lesson_ids)
    rows = {}
    for learner_id in learner_ids:
        row = []
        for lesson_id in lessons:
            cell = cells.get((learner_id, lesson_id))
            row.append(
                (cell_text(cell), cell is not None and cell.overdue, cell.attempts if cell else 0)
            )
        rows[learner_id] = row
    return rows


def earliest_due(pairs: Iterable[tuple[K, date]]) -> dict[K, date]:
    """When one lesson is assigned twice (by lesson and by track, say), the earlier day counts."""
    due: dict[K, date] = {}
    for key, day in pairs:
        if key not in due or day < due[key]:
            due[key] = day
    return due


def due_by_learner(
    learner_ids: Iterable[int],
    group_due: Mapping[str, date],
    own_due: Mapping[tuple[int, str], date],
) -> dict[tuple[int, str], date]:
    """Each learner's day for each lesson: the group's day for every learner, or the day the
    lesson was assigned to the learner alone when that is earlier (or the only one)."""
    due = {
        (learner_id, lesson_id): day
        for learner_id in learner_ids
        for lesson_id, day in group_due.items()
    }
    for key, day in own_due.items():
        if key not in due or day < due[key]:
            due[key] = day
    return due


def by_due_date(lesson_ids: Sequence[str], due: Mapping[tuple[int, str], date]) -> list[str]:
    """The lessons as the gradebook's columns: soonest due first (a lesson's earliest day over
    its learners), then in the order given, so adding work never reorders the others' columns
    among themselves."""
    first_due: dict[str, date] = {}
    for (_learner, lesson_id), day in due.items():
        if lesson_id not in first_due or day < first_due[lesson_id]:
            first_due[lesson_id] = day
    place = {lesson_id: n for n, lesson_id in enumerate(lesson_ids)}
    return sorted(
        lesson_ids, key=lambda lesson_id: (first_due.get(lesson_id, date.max), place[lesson_id])
    )


def abbreviate(title: str, limit: int = 18) -> str:
    """A column heading short enough for a narrow column: whole words up to ``limit`` characters,
    then an ellipsis; a title that fits stays as it is."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    cut = title[: limit - 1]
    if " " in cut and title[limit - 1] != " ":
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.:;-–") + "…"
