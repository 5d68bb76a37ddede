"""What a lesson file may contain (pure): tracks, levels, exercise types and their checks."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

LANGUAGES = ("nb", "uk", "ru", "en")
SUPPORT_LANGUAGES = ("uk", "ru", "en")
LEVELS = ("A1", "A2", "B1")
TRACKS = (
    "working-life",
    "health-care",
    "construction",
    "cleaning",
    "hospitality",
    "agri-fish",
    "logistics",
    "retail",
    "childcare",
    "industry",
    "office",
    "transport",
    "professionals",
)
PARTS_OF_SPEECH = (
    "noun",
    "verb",
    "adjective",
    "adverb",
    "phrase",
    "preposition",
    "pronoun",
    "number",
    "other",
)
EXERCISE_TYPES = ("choice", "fill", "match", "order", "listen", "dialogue", "writing")
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
BLANK = "___"

Report = Callable[[tuple[Any, ...], str], None]


def _text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _words(sentence: str) -> list[str]:
    """The words of a sentence, case and punctuation aside, in sorted order."""
    return sorted(word.strip('.,!?;:«»"').casefold() for word in sentence.split())


def _options(exercise: dict[str, Any], path: tuple[Any, ...], report: Report) -> None:
    options = exercise.get("options")
    if not isinstance(options, list) or not 2 <= len(options) <= 6:
        report((*path, "options"), "options must be a list of 2-6 answers")
        return
    if not all(_text(option) for option in options):
        report((*path, "options"), "every option must be non-empty text")
    elif len(set(options)) != len(options):
        report((*path, "options"), "options must be different from each other")
    if exercise.get("answer") not in options:
        report((*path, "answer"), "answer must be exactly one of the options")


def check_exercise(exercise: Any, path: tuple[Any, ...], report: Report) -> None:
    """Report every problem of one exercise entry."""
    if not isinstance(exercise, dict):
        report(path, "an exercise must be a mapping")
        return
    kind = exercise.get("type")
    if kind not in EXERCISE_TYPES:
        report((*path, "type"), f"type must be one of {', '.join(EXERCISE_TYPES)}")
        return
    if not (isinstance(exercise.get("id"), str) and ID_PATTERN.match(exercise["id"])):
        report((*path, "id"), "id must be lowercase letters, digits and dashes")
    if kind in ("choice", "listen"):
        if not _text(exercise.get("question")):
            report((*path, "question"), "question is missing")
        if kind == "listen" and not _text(exercise.get("audio")):
            report((*path, "audio"), "audio (the Norwegian text read aloud) is missing")
        _options(exercise, path, report)
    elif kind == "fill":
        text = exercise.get("text")
        if not _text(text) or text.count(BLANK) != 1:
            report((*path, "text"), f"text must contain exactly one {BLANK} blank")
        answers = exercise.get("answers")
        if not isinstance(answers, list) or not answers or not all(_text(a) for a in answers):
            report((*path, "answers"), "answers must be a non-empty list of accepted words")
    elif kind == "match":
        pairs = exercise.get("pairs")
        if not isinstance(pairs, list) or not 3 <= len(pairs) <= 6:
            report((*path, "pairs"), "pairs must be a list of 3-6 pairs")
            return
        for index, pair in enumerate(pairs):
            missing = [k for k in ("nb", *SUPPORT_LANGUAGES) if not _text((pair or {}).get(k))]
            if not isinstance(pair, dict) or missing:
                report(
                    (*path, "pairs", index),
                    f"pair needs nb, uk, ru and en (missing {', '.join(missing)})",
                )
        left = [pair.get("nb") for pair in pairs if isinstance(pair, dict)]
        if len(set(left)) != len(left):
            report((*path, "pairs"), "the Norwegian sides of the pairs must differ")
    elif kind == "order":
        sentence = exercise.get("sentence")
        if not _text(sentence) or not 3 <= len(sentence.split()) <= 14:
            report((*path, "sentence"), "sentence must have 3-14 words")
        alternatives = exercise.get("alternatives", [])
        if not isinstance(alternatives, list) or not all(_text(a) for a in alternatives):
            report((*path, "alternatives"), "alternatives must be a list of sentences")
        elif _text(sentence):
            words = _words(sentence)
            for alternative in alternatives:
                if _words(alternative) != words:
                    report((*path, "alternatives"), f"{alternative!r} does not use the same words")
    elif kind == "dialogue":
        lines = exercise.get("lines")
        if not isinstance(lines, list) or len(lines) < 2:
            report((*path, "lines"), "a dialogue needs at least two lines")
        else:
            gaps = [line for line in lines if isinstance(line, dict) and line.get("gap") is True]
            if len(gaps) != 1:
                report((*path, "lines"), "a dialogue needs exactly one line with gap: true")
            for index, line in enumerate(lines):
                if not isinstance(line, dict) or not _text(line.get("speaker")):
                    report((*path, "lines", index), "every line needs a speaker")
                elif not line.get("gap") and not _text(line.get("text")):
                    report((*path, "lines", index), "a line without a gap needs text")
        _options(exercise, path, report)
    elif kind == "writing":
        if not _text(exercise.get("prompt")):
            report((*path, "prompt"), "prompt is missing")
        low, high = exercise.get("min_words"), exercise.get("max_words")
        if not (isinstance(low, int) and isinstance(high, int) and 1 <= low < high <= 300):
            report(
                (*path, "min_words"), "min_words and max_words must satisfy 1 <= min < max <= 300"
            )


def check_front_matter(data: Any, report: Report) -> None:
    """Report every problem of a lesson's front matter (not cross-file rules)."""
    if not isinstance(data, dict):
        report((), "the front matter must be a mapping")
        return
    if not (isinstance(data.get("id"), str) and ID_PATTERN.match(data["id"])):
        report(("id",), "id must be lowercase letters, digits and dashes")
    if data.get("track") not in TRACKS:
        report(("track",), f"unknown track {data.get('track')!r}")
    if data.get("level") not in LEVELS:
        report(("level",), f"level must be one of {', '.join(LEVELS)}")
    if not (isinstance(data.get("order"), int) and data["order"] >= 1):
        report(("order",), "order must be a whole number from 1")
    if not (isinstance(data.get("minutes"), int) and 5 <= data["minutes"] <= 45):
        report(("minutes",), "minutes must be a whole number from 5 to 45")
    title = data.get("title")
    if not isinstance(title, dict):
        report(("title",), "title must give nb, uk, ru and en")
    else:
        for lang in LANGUAGES:
            if not _text(title.get(lang)):
                report(("title",), f"title is missing {lang}")
    goals = data.get("goals")
    if not isinstance(goals, dict):
        report(("goals",), "goals must give nb, uk, ru and en")
    else:
        counts = set()
        for lang in LANGUAGES:
            items = goals.get(lang)
            if not isinstance(items, list) or not items or not all(_text(g) for g in items):
                report(("goals",), f"goals is missing {lang}")
            else:
                counts.add(len(items))
        if len(counts) > 1:
            report(("goals",), "goals must have the same number of items in every language")
    vocabulary = data.get("vocabulary")
    if not isinstance(vocabulary, list) or not vocabulary:
        report(("vocabulary",), "vocabulary must be a non-empty list")
    else:
        seen: set[str] = set()
        for index, entry in enumerate(vocabulary):
            path = ("vocabulary", index)
            if not isinstance(entry, dict):
                report(path, "a vocabulary entry must be a mapping")
                continue
            for key in ("nb", *SUPPORT_LANGUAGES, "example"):
                if not _text(entry.get(key)):
                    report(path, f"vocabulary entry is missing {key}")
            if entry.get("pos") not in PARTS_OF_SPEECH:
                report((*path, "pos"), f"pos must be one of {', '.join(PARTS_OF_SPEECH)}")
            word = str(entry.get("nb", "")).strip().lower()
            if word in seen:
                report(path, f"{entry.get('nb')!r} appears twice in this lesson")
            seen.add(word)
    exercises = data.get("exercises")
    if not isinstance(exercises, list) or not exercises:
        report(("exercises",), "exercises must be a non-empty list")
        return
    ids: set[str] = set()
    for index, exercise in enumerate(exercises):
        check_exercise(exercise, ("exercises", index), report)
        exercise_id = exercise.get("id") if isinstance(exercise, dict) else None
        if exercise_id in ids:
            report(("exercises", index, "id"), f"exercise id {exercise_id!r} is used twice")
        ids.add(exercise_id)
