"""Grading of the seven exercise types (pure): what counts as a right answer.

Typed answers ignore case, surrounding spaces, repeated spaces and final punctuation, and
accept every listed alternative; Norwegian letters count as themselves (æ is not ae).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from lessons.arrangement import order_key

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
    """Put words in order: the sentence or a listed alternative, word for word; case, spaces
    and punctuation ignored (the tiles carry none of them)."""
    accepted = {order_key(exercise["sentence"])}
    accepted.update(order_key(text) for text in exercise.get("alternatives", []))
    key = order_key(unicodedata.normalize("NFC", answer or ""))
    return Grade(correct=bool(key) and key in accepted, expected=exercise["sentence"])


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


GRADABLE = frozenset({"choice", "fill", "match", "order", "listen", "dialogue"})


def gradable_ids(exercises: list[dict[str, Any]]) -> list[str]:
    """The exercises graded right or wrong: all but free writing, which the teacher reads."""
    return [exercise["id"] for exercise in exercises if exercise["type"] in GRADABLE]


def first_try_score(gradable: int, first_try_right: int) -> int:
    """A lesson's score: the percent of its gradable exercises answered right the first time."""
    if gradable <= 0:
        return 0
    return round(100 * min(max(first_try_right, 0), gradable) / gradable)


COMPLETED_AT = 80


def is_completed(gradable: int, first_try_right: int, right_again: int) -> bool:
    """A lesson is completed at 80 % of its gradable exercises right on the first try, or after
    a full second pass: every one of them answered right again once each had its first try.

    Later tries are practice: they never raise the first-try count. A lesson without gradable
    exercises (free writing only) has nothing to get wrong.
    """
    if gradable <= 0:
        return True
    return 100 * first_try_right >= COMPLETED_AT * gradable or right_again >= gradable
