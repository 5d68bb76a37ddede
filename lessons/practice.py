"""Practice sets in the Norwegian test's format (pure): loading, checking and scoring.

There is one set per skill (reading, listening, writing, oral) and level (A2, B1, B2), in
``lessons/practice/<level>-<skill>.yaml``. Reading and listening are multiple choice, graded by
value (the options are shown shuffled); writing goes to the learner's teacher; oral shows a prompt,
the preparation time and a model answer.

A set is passed with ``PASS_PERCENT`` of its items right. The checker keeps blind strategies
below it: in a set, the answer is first among the options (as written) in fewer than that share
of items, and last in fewer too, so always taking the first or the last option fails.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PRACTICE_DIR = Path(__file__).resolve().parent / "practice"
LEVELS = ("A2", "B1", "B2")
SKILLS = ("reading", "listening", "writing", "oral")
SCORED_SKILLS = ("reading", "listening")
LANGUAGES = ("nb", "uk", "ru", "en")
SUPPORT = ("uk", "ru", "en")
PASS_PERCENT = 60
ITEMS = (6, 10)
OPTIONS = (3, 4)
TEXTS = (2, 3)
TASKS = (1, 2)
PROMPTS = (2, 3)
LINE = "__line__"


class _LineLoader(yaml.SafeLoader):
    """Keeps the line each mapping starts on, for ``path:line: problem``."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[LINE] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def set_id(level: str, skill: str) -> str:
    """The id (and file stem) of the set for ``level`` and ``skill``: ``b1-reading``."""
    return f"{level.lower()}-{skill}"


def parse(text: str) -> dict[str, Any]:
    """One set from its YAML text, each mapping with the line it starts on."""
    data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(data, dict):
        raise ValueError("a practice set is a mapping")
    return data


def set_files(directory: Path = PRACTICE_DIR) -> list[Path]:
    """The practice set files, sorted."""
    return sorted(directory.glob("*.yaml"))


def load_sets(directory: Path = PRACTICE_DIR) -> dict[str, dict[str, Any]]:
    """Every set by id; raises ValueError when any file has a problem."""
    sets: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for path in set_files(directory):
        found = file_problems(path, path.name)
        if found:
            problems += found
            continue
        data = parse(path.read_text(encoding="utf-8"))
        sets[data["id"]] = data
    if problems:
        raise ValueError("; ".join(problems))
    return sets


def questions(practice_set: dict[str, Any]) -> list[dict[str, Any]]:
    """The multiple-choice items of a reading or listening set, in order."""
    if practice_set.get("skill") == "reading":
        return [item for text in practice_set.get("texts") or [] for item in text["items"]]
    if practice_set.get("skill") == "listening":
        return list(practice_set.get("items") or [])
    return []


@dataclass(frozen=True)
class Score:
    """How many items were right, of how many, as a percent, and whether that passes."""

    correct: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.total) if self.total else 0

    @property
    def passed(self) -> bool:
        return self.total > 0 and self.percent >= PASS_PERCENT


def is_right(item: dict[str, Any], chosen: object) -> bool:
    """Graded by value: the chosen text is the answer (an option's position means nothing)."""
    return isinstance(chosen, str) and chosen == item["answer"]


def score(practice_set: dict[str, Any], answers: dict[str, object]) -> Score:
    """The score of ``answers`` (item id to chosen option); an unanswered item is wrong."""
    items = questions(practice_set)
    right = sum(is_right(item, answers.get(item["id"])) for item in items)
    return Score(correct=right, total=len(items))


# -- the checker ---------------------------------------------------------------------------------


def file_problems(path: Path, shown: str | None = None) -> list[str]:
    """Every problem of one set file as ``path:line: problem``."""
    name = shown or str(path)
    try:
        data = parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError) as error:
        line = getattr(getattr(error, "problem_mark", None), "line", 0) + 1
        return [f"{name}:{line}: cannot read the set: {str(error).splitlines()[0]}"]
    return [f"{name}:{line}: {problem}" for line, problem in set_problems(data, path.stem)]


def set_problems(data: dict[str, Any], stem: str | None = None) -> list[tuple[int, str]]:
    """Every problem of one set as (line, problem)."""
    out: list[tuple[int, str]] = []
    top = data.get(LINE, 1)
    level, skill = data.get("level"), data.get("skill")
    if level not in LEVELS:
        out.append((top, f"level must be one of {', '.join(LEVELS)}"))
    if skill not in SKILLS:
        out.append((top, f"skill must be one of {', '.join(SKILLS)}"))
    if level in LEVELS and skill in SKILLS:
        expected = set_id(level, skill)
        if data.get("id") != expected:
            out.append((top, f"id must be {expected}"))
        if stem is not None and stem != expected:
            out.append((top, f"the file must be named {expected}.yaml"))
    for key in ("title", "instruction"):
        out += _languages(data.get(key), key, top)
    if skill == "reading":
        out += _reading(data, top)
    elif skill == "listening":
        out += _listening(data, top)
    elif skill == "writing":
        out += _writing(data, top)
    elif skill == "oral":
        out += _oral(data, top)
    if skill in SCORED_SKILLS:
        out += _choices(questions(data), top)
    return out


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _languages(value: object, key: str, line: int, wanted=LANGUAGES) -> list[tuple[int, str]]:
    if not isinstance(value, dict):
        return [(line, f"{key} needs {', '.join(wanted)}")]
    at = value.get(LINE, line)
    missing = [language for language in wanted if not _text(value.get(language))]
    return [(at, f"{key} has no {language}") for language in missing]


def _count(items: object, bounds: tuple[int, int], what: str, line: int) -> list[tuple[int, str]]:
    count = len(items) if isinstance(items, list) else 0
    if not bounds[0] <= count <= bounds[1]:
        return [(line, f"{bounds[0]}-{bounds[1]} {what} needed, found {count}")]
    return []


def _mappings(items: object) -> list[dict[str, Any]]:
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _reading(data: dict[str, Any], top: int) -> list[tuple[int, str]]:
    texts = data.get("texts")
    out = _count(texts, TEXTS, "texts", top)
    for text in _mappings(texts):
        line = text.get(LINE, top)
        if not _text(text.get("title")) or not _text(text.get("body")):
            out.append((line, "a text needs a title and a body"))
        if not isinstance(text.get("items"), list) or not text["items"]:
            out.append((line, "a text needs items"))
    items = [item for text in _mappings(texts) for item in _mappings(text.get("items"))]
    return out + _count(items, ITEMS, "items", top)


def _listening(data: dict[str, Any], top: int) -> list[tuple[int, str]]:
    items = data.get("items")
    out = _count(items, ITEMS, "items", top)
    for item in _mappings(items):
        if not _text(item.get("audio")):
            out.append((item.get(LINE, top), "a listening item needs audio (the text read aloud)"))
    return out


def _choices(items: list[dict[str, Any]], top: int) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    seen: set[str] = set()
    positions: Counter[str] = Counter()
    for item in _mappings(items):
        line = item.get(LINE, top)
        item_id = item.get("id")
        if not _text(item_id):
            out.append((line, "an item needs an id"))
        elif item_id in seen:
            out.append((line, f"item id {item_id} is used twice"))
        else:
            seen.add(item_id)
        if not _text(item.get("question")):
            out.append((line, "an item needs a question"))
        options = item.get("options")
        if not isinstance(options, list) or not all(_text(option) for option in options):
            out.append((line, "options must be a list of texts"))
            continue
        if not OPTIONS[0] <= len(options) <= OPTIONS[1]:
            out.append((line, f"{OPTIONS[0]}-{OPTIONS[1]} options needed, found {len(options)}"))
        if len(set(options)) != len(options):
            out.append((line, "an option is given twice"))
        answer = item.get("answer")
        if answer not in options:
            out.append((line, "the answer is not among the options"))
            continue
        index = options.index(answer)
        positions["first" if index == 0 else "last" if index == len(options) - 1 else "middle"] += 1
    total = sum(positions.values())
    for where in ("first", "last"):
        if total and 100 * positions[where] >= PASS_PERCENT * total:
            out.append(
                (
                    top,
                    f"the answer is {where} in {positions[where]} of {total} items: always "
                    f"taking the {where} option would pass",
                )
            )
    if total > 1 and positions["first"] == total:
        out.append((top, "the answer is always first"))
    return out


def _writing(data: dict[str, Any], top: int) -> list[tuple[int, str]]:
    tasks = data.get("tasks")
    out = _count(tasks, TASKS, "tasks", top)
    ids: set[str] = set()
    for task in _mappings(tasks):
        line = task.get(LINE, top)
        out += _id(task, ids, line)
        out += _languages(task.get("prompt"), "prompt", line)
        low, high = task.get("min_words"), task.get("max_words")
        if not (isinstance(low, int) and isinstance(high, int) and 0 < low < high <= 400):
            out.append((line, "min_words and max_words: whole numbers, 0 < min < max <= 400"))
    return out


def _oral(data: dict[str, Any], top: int) -> list[tuple[int, str]]:
    prompts = data.get("prompts")
    out = _count(prompts, PROMPTS, "prompts", top)
    ids: set[str] = set()
    for prompt in _mappings(prompts):
        line = prompt.get(LINE, top)
        out += _id(prompt, ids, line)
        out += _languages(prompt.get("prompt"), "prompt", line)
        if not _text(prompt.get("model")):
            out.append((line, "an oral prompt needs a model answer"))
        for key in ("preparation_seconds", "speaking_seconds"):
            seconds = prompt.get(key)
            if not isinstance(seconds, int) or not 0 < seconds <= 600:
                out.append((line, f"{key} must be a whole number from 1 to 600"))
    return out


def _id(entry: dict[str, Any], ids: set[str], line: int) -> list[tuple[int, str]]:
    entry_id = entry.get("id")
    if not _text(entry_id):
        return [(line, "an entry needs an id")]
    if entry_id in ids:
        return [(line, f"id {entry_id} is used twice")]
    ids.add(entry_id)
    return []


def all_problems(directory: Path = PRACTICE_DIR, root: Path | None = None) -> list[str]:
    """Problems of every set, and a missing set for any skill and level."""
    files = set_files(directory)
    out: list[str] = []
    for path in files:
        out += file_problems(path, _shown(path, root))
    stems = {path.stem for path in files}
    base = _shown(directory, root)
    for level in LEVELS:
        for skill in SKILLS:
            if set_id(level, skill) not in stems:
                out.append(f"{base}/{set_id(level, skill)}.yaml:1: the set is missing")
    return out


def _shown(path: Path, root: Path | None) -> str:
    """``path`` relative to ``root`` where it lies inside it."""
    if root is not None and path.is_relative_to(root):
        return str(path.relative_to(root))
    return str(path)
