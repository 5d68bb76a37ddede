"""The adaptive placement test (pure): which item comes next, when the level is clear, per skill.

Items are asked level by level, A1 first, up to ``PER_LEVEL`` of each level. A level is passed
with ``PASS_MARK`` right of ``PER_LEVEL`` (75 %) and failed as soon as that can no longer be
reached, so a learner answers 6 to 8 items per level. Failing a level ends the test at the level
below (A1 when A1 itself is failed); passing B2 ends it at B2.

Guessing cannot climb: with three options, 6 of 8 right by chance happens in about 2 % of tries,
and each further level needs it again. A listening item the device cannot read aloud is skipped;
it neither counts nor blocks the level (the bank has enough other items at each level).

The per-skill estimate (reading, listening, grammar and vocabulary) is the highest level up to
which the learner got at least two thirds of that skill's items right, level after level, counted
only where at least two items of the skill were answered; otherwise the skill is not estimated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lessons.schema import BLANK

BANK_FILE = Path(__file__).resolve().parent / "placement.yaml"
PLACEMENT_LEVELS = ("A1", "A2", "B1", "B2")
SKILLS = ("reading", "listening", "grammar")  # grammar covers grammar and vocabulary
PER_LEVEL = 8
PASS_MARK = 6
SKILL_SHARE = 2 / 3
SKILL_MINIMUM = 2


@dataclass(frozen=True)
class Step:
    """Either the next item to ask, or the finished result."""

    item: dict[str, Any] | None = None
    level: str | None = None
    passed: tuple[str, ...] = ()
    skills: dict[str, str | None] = field(default_factory=dict)


def load_bank(path: Path = BANK_FILE) -> list[dict[str, Any]]:
    """The placement items, in file order."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return list(data["items"])


def _verdict(results: list[bool]) -> str | None:
    """'pass', 'fail' or None (ask more) for the answers given at one level."""
    right = sum(results)
    if right >= PASS_MARK:
        return "pass"
    if len(results) - right > PER_LEVEL - PASS_MARK:
        return "fail"
    return None


def skill_levels(bank: list[dict[str, Any]], answers: dict[str, bool]) -> dict[str, str | None]:
    """Per skill, the highest level reached level after level, or None where too few items."""
    estimate: dict[str, str | None] = {}
    for skill in SKILLS:
        reached: str | None = None
        for level in PLACEMENT_LEVELS:
            results = [
                answers[item["id"]]
                for item in bank
                if item["level"] == level and item["skill"] == skill and item["id"] in answers
            ]
            if len(results) < SKILL_MINIMUM:
                break  # not enough evidence at this level: the estimate stays where it is
            if sum(results) / len(results) < SKILL_SHARE:
                reached = reached or PLACEMENT_LEVELS[0]  # the floor, as for the overall level
                break
            reached = level
        estimate[skill] = reached
    return estimate


def next_step(
    bank: list[dict[str, Any]], answers: dict[str, bool], skipped: frozenset[str] = frozenset()
) -> Step:
    """The next item or the result, from the answers so far (item id -> right?) and skips."""
    passed: list[str] = []
    for level in PLACEMENT_LEVELS:
        items = [item for item in bank if item["level"] == level and item["id"] not in skipped]
        results = [answers[item["id"]] for item in items if item["id"] in answers]
        verdict = _verdict(results)
        if verdict is None:
            remaining = [item for item in items if item["id"] not in answers]
            if remaining:
                return Step(item=remaining[0], passed=tuple(passed))
            verdict = "fail"  # the bank ran out before the level was shown: not passed
        if verdict == "fail":
            break
        passed.append(level)
    level = passed[-1] if passed else PLACEMENT_LEVELS[0]
    return Step(level=level, passed=tuple(passed), skills=skill_levels(bank, answers))


def check_bank(bank: list[dict[str, Any]]) -> list[str]:
    """Problems with the item bank (for the tests and the check command)."""
    from lessons.schema import _audio, _options

    problems: list[str] = []
    ids: set[str] = set()
    for item in bank:
        name = item.get("id")

        def report(path: tuple[Any, ...], message: str, name: Any = name) -> None:
            problems.append(f"{name}: {message}")

        if item.get("level") not in PLACEMENT_LEVELS:
            report((), "unknown level")
        if item.get("skill") not in SKILLS:
            report((), f"skill must be one of {', '.join(SKILLS)}")
        if item.get("skill") == "listening":
            _audio(item, (), report)
            if item.get("text"):
                report((), "a listening item has audio, not a text to read")
        if item.get("skill") == "reading" and not item.get("text"):
            report((), "a reading item needs a text")
        if BLANK in str(item.get("question", "")) and not str(item["question"]).startswith(
            "Velg riktig"
        ):
            report((), "a gap question starts with 'Velg riktig'")
        _options(item, (), report)
        if name in ids:
            report((), "id used twice")
        ids.add(name)
    for level in PLACEMENT_LEVELS:
        at_level = [item for item in bank if item.get("level") == level]
        readable = [item for item in at_level if item.get("skill") != "listening"]
        if len(readable) < PER_LEVEL:
            problems.append(f"{level}: needs {PER_LEVEL} items besides listening")
        positions = {
            item["options"].index(item["answer"])
            for item in at_level
            if item.get("answer") in item.get("options", [])
        }
        if len(positions) < 3:
            problems.append(f"{level}: the answer must stand in varying positions")
        for skill in SKILLS:
            if sum(1 for item in at_level if item.get("skill") == skill) < SKILL_MINIMUM:
                problems.append(f"{level}: needs at least {SKILL_MINIMUM} {skill} items")
    return problems


def bank_problems(path: Path = BANK_FILE, shown: str | None = None) -> list[str]:
    """``check_bank`` as ``path:line: problem`` lines, the line being the item's (or 1)."""
    text = path.read_text(encoding="utf-8")
    lines = {
        line.split("id:", 1)[1].split(",", 1)[0].strip(): number
        for number, line in enumerate(text.split("\n"), 1)
        if line.lstrip().startswith("- {id:")
    }
    out = []
    for problem in check_bank(load_bank(path)):
        name = problem.split(":", 1)[0]
        out.append(f"{shown or path}:{lines.get(name, 1)}: {problem}")
    return out
