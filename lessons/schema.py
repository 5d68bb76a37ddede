"""What a lesson file may contain (pure): tracks, levels, exercise types and their checks."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lessons.arrangement import is_buildable

LANGUAGES = ("nb", "uk", "ru", "en")
SUPPORT_LANGUAGES = ("uk", "ru", "en")
LEVELS = ("A1", "A2", "B1", "B2")
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
NEW_WORDS_MIN = 8
NEW_WORDS_MAX = 20
NEW_WORDS_MAX_A1 = 15
GRAMMAR_EXAMPLES = (2, 4)

Report = Callable[[tuple[Any, ...], str], None]


def _text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


CHOSEN_TYPES = ("choice", "listen", "dialogue")
AUDIO_WORDS = (2, 60)
AUDIO_MARKUP = re.compile(r"___|[<>*#_\[\]{}]|https?://")


def _same(text: str) -> str:
    """An option as compared for duplicates: case and spacing aside."""
    return " ".join(text.split()).casefold()


def _gap_question(question: Any) -> bool:
    """A fill-in-like choice: "Velg riktig ..." with a ___ gap the options fill."""
    return _text(question) and question.strip().startswith("Velg riktig") and BLANK in question


def _fits_the_gap(option: str, answer: str) -> bool:
    """One form of similar length to the answer: as many words, at most about twice as long."""
    if len(option.split()) != len(answer.split()):
        return False
    short, long = sorted((len(option.strip()), len(answer.strip())))
    return long <= max(2 * short, short + 4)


def _options(exercise: dict[str, Any], path: tuple[Any, ...], report: Report) -> None:
    options = exercise.get("options")
    if not isinstance(options, list) or not 3 <= len(options) <= 6:
        report((*path, "options"), "options must be a list of 3-6 answers")
        return
    if not all(_text(option) for option in options):
        report((*path, "options"), "every option must be non-empty text")
        return
    if len({_same(option) for option in options}) != len(options):
        report((*path, "options"), "options must be different from each other")
    answer = exercise.get("answer")
    if answer not in options:
        report((*path, "answer"), "answer must be exactly one of the options")
        return
    if _gap_question(exercise.get("question")):
        for option in options:
            if option != answer and not _fits_the_gap(option, answer):
                report(
                    (*path, "options"),
                    f"option {option!r} does not fill the gap like the answer {answer!r}: "
                    "use one form of similar length",
                )


def _audio(exercise: dict[str, Any], path: tuple[Any, ...], report: Report) -> None:
    audio = exercise.get("audio")
    if not _text(audio):
        report((*path, "audio"), "audio (the Norwegian text read aloud) is missing")
        return
    low, high = AUDIO_WORDS
    if not low <= len(audio.split()) <= high:
        report((*path, "audio"), f"audio must have {low}-{high} words")
    if AUDIO_MARKUP.search(audio):
        report((*path, "audio"), "audio is read aloud: no markup, blanks or links")
    options = exercise.get("options")
    if isinstance(options, list) and any(_text(o) and _same(o) == _same(audio) for o in options):
        report((*path, "audio"), "audio must not be one of the options word for word")


def _longest(options: list[Any], answer: str) -> bool:
    """Whether no option is longer than the answer (a cue as strong as its place)."""
    return all(len(str(option)) <= len(answer) for option in options)


def check_answer_positions(exercises: list[Any], report: Report) -> None:
    """The answer's place among the options, and whether it is the longest, must vary across a
    lesson's chosen exercises."""
    positions: list[tuple[int, int]] = []
    longest = 0
    for index, exercise in enumerate(exercises):
        if not isinstance(exercise, dict) or exercise.get("type") not in CHOSEN_TYPES:
            continue
        options = exercise.get("options")
        if isinstance(options, list) and exercise.get("answer") in options:
            positions.append((index, options.index(exercise["answer"])))
            longest += _longest(options, exercise["answer"])
    if not positions:
        return
    places = {place for _index, place in positions}
    first = (*("exercises", positions[0][0]), "answer")
    if places == {0}:
        report(
            first, "the answer is the first option in every choice, listen and dialogue exercise"
        )
    elif len(positions) >= 3 and len(places) == 1:
        report(
            first,
            f"the answer is option {places.pop() + 1} in every choice, listen and dialogue "
            "exercise",
        )
    if len(positions) >= 2 and longest == len(positions):
        report(
            first, "the answer is the longest option in every choice, listen and dialogue exercise"
        )


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
        if kind == "listen":
            _audio(exercise, path, report)
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
            for number, alternative in enumerate(alternatives):
                if not is_buildable(alternative, sentence):
                    report(
                        (*path, "alternatives", number),
                        f"alternative {alternative!r} cannot be built from the sentence's tiles",
                    )
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


def _check_words(entries: list[Any], key: str, seen: set[str], report: Report) -> None:
    """Vocabulary (with examples) or glossary entries: languages, part of speech, no repeats."""
    needed = ("nb", *SUPPORT_LANGUAGES, "example") if key == "vocabulary" else LANGUAGES
    for index, entry in enumerate(entries):
        path = (key, index)
        if not isinstance(entry, dict):
            report(path, f"a {key} entry must be a mapping")
            continue
        for field in needed:
            if not _text(entry.get(field)):
                report(path, f"{key} entry is missing {field}")
        if entry.get("pos") not in PARTS_OF_SPEECH:
            report((*path, "pos"), f"pos must be one of {', '.join(PARTS_OF_SPEECH)}")
        word = str(entry.get("nb", "")).strip().lower()
        if word in seen:
            report(path, f"{entry.get('nb')!r} appears twice in this lesson")
        seen.add(word)


def _check_languages(
    value: Any, languages: tuple[str, ...], path: tuple[Any, ...], report: Report
) -> None:
    name = " ".join(str(part) for part in path)
    if not isinstance(value, dict):
        report(path, f"{name} must give {', '.join(languages)}")
        return
    for lang in languages:
        if not _text(value.get(lang)):
            report(path, f"{name} is missing {lang}")


def _check_grammar(grammar: Any, report: Report) -> None:
    """The grammar note: a title in four languages, an explanation in three, 2-4 examples."""
    if not isinstance(grammar, dict):
        report(("grammar",), "grammar must give title, explanation and examples")
        return
    _check_languages(grammar.get("title"), LANGUAGES, ("grammar", "title"), report)
    _check_languages(
        grammar.get("explanation"), SUPPORT_LANGUAGES, ("grammar", "explanation"), report
    )
    examples = grammar.get("examples")
    low, high = GRAMMAR_EXAMPLES
    if (
        not isinstance(examples, list)
        or not low <= len(examples) <= high
        or not all(_text(example) for example in examples)
    ):
        report(
            ("grammar", "examples"), f"grammar examples must be {low}-{high} Norwegian sentences"
        )


def _check_speaking(speaking: Any, report: Report) -> None:
    """The speaking task: a prompt in four languages and a Norwegian model answer."""
    if not isinstance(speaking, dict):
        report(("speaking",), "speaking must give prompt and model")
        return
    _check_languages(speaking.get("prompt"), LANGUAGES, ("speaking", "prompt"), report)
    if not _text(speaking.get("model")):
        report(("speaking", "model"), "speaking model (a Norwegian model answer) is missing")


def _plain(text: str) -> str:
    """Text without Markdown emphasis, with single spaces (for finding an example in the body)."""
    return " ".join(text.replace("**", "").replace("__", "").split())


def check_examples_in_body(data: Any, paragraphs: list[str], report: Report) -> None:
    """Report each grammar example that is not found word for word in the body's Norwegian."""
    grammar = data.get("grammar") if isinstance(data, dict) else None
    examples = grammar.get("examples") if isinstance(grammar, dict) else None
    if not isinstance(examples, list):
        return
    body = "\n".join(_plain(paragraph) for paragraph in paragraphs)
    for index, example in enumerate(examples):
        if _text(example) and _plain(example) not in body:
            report(
                ("grammar", "examples", index), f"grammar example {example!r} is not in the text"
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
    if "minutes" in data:
        report(("minutes",), "minutes is computed from the lesson's size; remove it")
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
    _check_grammar(data.get("grammar"), report)
    _check_speaking(data.get("speaking"), report)
    seen: set[str] = set()
    vocabulary = data.get("vocabulary")
    if not isinstance(vocabulary, list) or not vocabulary:
        report(("vocabulary",), "vocabulary must be a non-empty list")
    else:
        most = NEW_WORDS_MAX_A1 if data.get("level") == "A1" else NEW_WORDS_MAX
        if not NEW_WORDS_MIN <= len(vocabulary) <= most:
            report(
                ("vocabulary",),
                f"vocabulary must have {NEW_WORDS_MIN}-{most} new words at this level "
                f"(it has {len(vocabulary)}); move the others to glossary",
            )
        _check_words(vocabulary, "vocabulary", seen, report)
    glossary = data.get("glossary", [])
    if not isinstance(glossary, list):
        report(("glossary",), "glossary must be a list of words")
    else:
        _check_words(glossary, "glossary", seen, report)
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
    check_answer_positions(exercises, report)
