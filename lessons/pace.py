"""How long a lesson takes (pure): its size at a stated pace per level, in whole minutes.

The constants are explained in lessons/FORMAT.md ("Study time"); change them there too, and
calibrate them later from the study log.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

# Words of Norwegian text a learner reads per minute, reading closely and opening a
# translation now and then (not skimming).
WORDS_PER_MINUTE = {"A1": 30, "A2": 45, "B1": 65, "B2": 90}
# Seconds per exercise, by type: reading the task, answering, reading the feedback.
SECONDS_PER_EXERCISE = {
    "choice": 30,
    "listen": 45,
    "fill": 40,
    "dialogue": 45,
    "match": 60,
    "order": 60,
}
SECONDS_PER_UNKNOWN_EXERCISE = 45
# A writing task: planning and checking, then composing at a learner's pace per word asked for.
WRITING_BASE_SECONDS = 90
WRITING_SECONDS_PER_WORD = 12
# A new word: reading it, its meaning and its example, and listening to it once.
SECONDS_PER_NEW_WORD = 30
# The grammar note (read in one's own language, with its examples) and the speaking task
# (prepare, say it, compare with the model answer); the model answer's words count as text.
GRAMMAR_SECONDS = 90
SPEAKING_SECONDS = 120

_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*|\d+(?:[.,:]\d+)*")
_SPEAKER = re.compile(r"^\*\*[^*]+:\*\*", re.MULTILINE)


def norwegian_words(text: str) -> int:
    """How many words a Norwegian text has (Markdown marks and speaker labels aside)."""
    return len(_WORD.findall(_SPEAKER.sub("", text)))


def exercise_seconds(exercise: Any) -> int:
    """Seconds one exercise takes at the stated pace."""
    if not isinstance(exercise, dict):
        return SECONDS_PER_UNKNOWN_EXERCISE
    if exercise.get("type") == "writing":
        words = exercise.get("min_words")
        words = words if isinstance(words, int) and words > 0 else 0
        return WRITING_BASE_SECONDS + WRITING_SECONDS_PER_WORD * words
    return SECONDS_PER_EXERCISE.get(exercise.get("type"), SECONDS_PER_UNKNOWN_EXERCISE)


def lesson_minutes(data: dict[str, Any], texts: Iterable[str]) -> int:
    """The minutes a lesson takes: its Norwegian text (``texts``, the body's paragraphs) and the
    speaking model read at the level's pace, plus its exercises, new words, grammar note and
    speaking task; rounded up, at least 1."""
    level = data.get("level")
    pace = WORDS_PER_MINUTE.get(level if isinstance(level, str) else "", WORDS_PER_MINUTE["A1"])
    words = sum(norwegian_words(text) for text in texts)
    speaking = data.get("speaking")
    if isinstance(speaking, dict) and isinstance(speaking.get("model"), str):
        words += norwegian_words(speaking["model"])
    seconds = 60 * words / pace
    exercises = data.get("exercises")
    if isinstance(exercises, list):
        seconds += sum(exercise_seconds(exercise) for exercise in exercises)
    vocabulary = data.get("vocabulary")
    if isinstance(vocabulary, list):
        seconds += SECONDS_PER_NEW_WORD * len(vocabulary)
    if isinstance(data.get("grammar"), dict):
        seconds += GRAMMAR_SECONDS
    if isinstance(speaking, dict):
        seconds += SPEAKING_SECONDS
    return max(1, math.ceil(seconds / 60))
