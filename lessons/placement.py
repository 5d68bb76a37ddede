"""The adaptive placement test (pure): which item comes next, and when the level is clear.

Items are asked level by level, A1 first. After four items of a level, 3-4 right passes it,
0-1 right fails it, and 2 right asks four more, of which 5 of 8 right passes. Failing a level
ends the test at the level below; passing B1 ends it at B1. The result is the highest level
passed (A1 when none is), so a learner answers between 4 and 24 items.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from lessons.schema import LEVELS as LESSON_LEVELS

LEVELS = LESSON_LEVELS[:3]  # the item bank places learners from A1 to B1 (lessons go on to B2)

BANK_FILE = Path(__file__).resolve().parent / "placement.yaml"
FIRST_ROUND = 4
SECOND_ROUND = 4


@dataclass(frozen=True)
class Step:
    """Either the next item to ask, or the finished result."""

    item: dict[str, Any] | None = None
    level: str | None = None
    passed: tuple[str, ...] = ()


def load_bank(path: Path = BANK_FILE) -> list[dict[str, Any]]:
    """The placement items, in file order."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return list(data["items"])


def _verdict(results: list[bool]) -> str | None:
    """'pass', 'fail' or None (ask more) for the answers given at one level."""
    right = sum(results)
    if len(results) < FIRST_ROUND:
        return None
    if len(results) == FIRST_ROUND:
        if right >= 3:
            return "pass"
        if right <= 1:
            return "fail"
        return None
    if len(results) < FIRST_ROUND + SECOND_ROUND:
        return None
    return "pass" if right >= 5 else "fail"


def next_step(bank: list[dict[str, Any]], answers: dict[str, bool]) -> Step:
    """Given the answers so far (item id -> right?), the next item or the result."""
    passed: list[str] = []
    for level in LEVELS:
        items = [item for item in bank if item["level"] == level]
        results = [answers[item["id"]] for item in items if item["id"] in answers]
        verdict = _verdict(results)
        while verdict is None:
            remaining = [item for item in items if item["id"] not in answers]
            if not remaining:  # the bank ran out: decide on what we have
                verdict = "pass" if results and sum(results) / len(results) >= 0.6 else "fail"
                break
            return Step(item=remaining[0], passed=tuple(passed))
        if verdict == "fail":
            return Step(level=passed[-1] if passed else LEVELS[0], passed=tuple(passed))
        passed.append(level)
    return Step(level=LEVELS[-1], passed=tuple(passed))


def check_bank(bank: list[dict[str, Any]]) -> list[str]:
    """Problems with the item bank (for the tests and the check command)."""
    problems = []
    ids = set()
    for item in bank:
        if item.get("level") not in LEVELS:
            problems.append(f"{item.get('id')}: unknown level")
        if item.get("answer") not in item.get("options", []):
            problems.append(f"{item.get('id')}: answer is not one of the options")
        if item.get("id") in ids:
            problems.append(f"{item.get('id')}: id used twice")
        ids.add(item.get("id"))
    for level in LEVELS:
        count = sum(1 for item in bank if item.get("level") == level)
        if count < FIRST_ROUND + SECOND_ROUND:
            problems.append(f"{level}: needs at least {FIRST_ROUND + SECOND_ROUND} items")
    if len(bank) < 30:
        problems.append("the bank needs at least 30 items")
    return problems
