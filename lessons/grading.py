"""Grading of the seven exercise types (pure): what counts as a right answer.

Typed answers ignore case, surrounding spaces, repeated spaces and final punctuation, and
accept every listed alternative; Norwegian letters count as themselves (æ is not ae).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

FINAL_PUNCTUATION = ".!?,;:"


@dataclass(frozen=True)
class Grade:
    """The outcome of one answer: right or wrong (None: free writing, for the teacher)."""

    correct: bool | None
    expected: str = ""  # the right answer to show when wrong
    detail: tuple[tuple[str, bool], ...] = ()  # per-pair outcome for match exercises
    problem: str = ""  # why a writing answer was not accepted ("too_short", "too_long")


def normalise(text: str) -> str:
    """Fold case, spaces and final punctuation; keep æ, ø and å as they are."""
    text = unicodedata.normalize("NFC", text or "")
    text = re.sub(r"\s+", " ", text).strip()
    text = text.rstrip(FINAL_PUNCTUATION).strip()
    return text.casefold()


def grade_choice(exercise: dict[str, Any], answer: str) -> Grade:
    """Multiple choice, listen-and-choose and dialogue completion."""
    right = exercise["answer"]
    return Grade(correct=normalise(answer) == normalise(right), expected=right)


def grade_fill(exercise: dict[str, Any], answer: str) -> Grade:
    """Fill in the blank: any listed answer, case and spaces ignored."""
    accepted = {normalise(option) for option in exercise["answers"]}
    return Grade(correct=normalise(answer) in accepted, expected=exercise["answers"][0])


def grade_match(exercise: dict[str, Any], answer: dict[str, str], language: str) -> Grade:
    """Match pairs: every Norwegian word must be matched to its meaning in ``language``."""
    detail = tuple(
        (pair["nb"], normalise(answer.get(pair["nb"], "")) == normalise(pair[language]))
        for pair in exercise["pairs"]
    )
    expected = "; ".join(f"{pair['nb']} = {pair[language]}" for pair in exercise["pairs"])
    return Grade(correct=all(ok for _, ok in detail), expected=expected, detail=detail)


def grade_order(exercise: dict[str, Any], answer: str) -> Grade:
    """Put words in order: the sentence or a listed alternative, case and spaces ignored."""
    accepted = {normalise(exercise["sentence"])}
    accepted.update(normalise(text) for text in exercise.get("alternatives", []))
    return Grade(correct=normalise(answer) in accepted, expected=exercise["sentence"])


def word_count(text: str) -> int:
    """Words in a free-writing answer."""
    return len(re.findall(r"\w+(?:[-']\w+)*", text or ""))


def grade_writing(exercise: dict[str, Any], answer: str) -> Grade:
    """Free writing is not graded here: it is accepted when its length is within the limits."""
    count = word_count(answer)
    if count < exercise["min_words"]:
        return Grade(correct=None, problem="too_short")
    if count > exercise["max_words"]:
        return Grade(correct=None, problem="too_long")
    return Grade(correct=None)


def grade(exercise: dict[str, Any], answer: Any, language: str = "en") -> Grade:
    """Grade ``answer`` to ``exercise``; ``language`` is the learner's support language."""
    kind = exercise["type"]
    if kind in ("choice", "listen", "dialogue"):
        return grade_choice(exercise, str(answer or ""))
    if kind == "fill":
        return grade_fill(exercise, str(answer or ""))
    if kind == "match":
        return grade_match(exercise, answer if isinstance(answer, dict) else {}, language)
    if kind == "order":
        return grade_order(exercise, str(answer or ""))
    if kind == "writing":
        return grade_writing(exercise, str(answer or ""))
    raise ValueError(f"unknown exercise type {kind!r}")


def lesson_score(
    exercises: list[dict[str, Any]], correct_ids: set[str], written_ids: set[str]
) -> int:
    """Percent of a lesson done right: graded exercises answered correctly, writing handed in."""
    if not exercises:
        return 0
    done = sum(
        1
        for exercise in exercises
        if exercise["id"] in (written_ids if exercise["type"] == "writing" else correct_ids)
    )
    return round(100 * done / len(exercises))


COMPLETED_AT = 80


def is_completed(score: int) -> bool:
    """A lesson counts as completed at 80 % or more."""
    return score >= COMPLETED_AT
