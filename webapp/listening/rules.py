"""Listening practice (pure): which items a lesson's published recordings make possible, and
how a dictation is graded.

A lesson has listening practice once teachers have published recordings of it: a dictation for
each recorded sentence or dialogue line of 3-16 words (at most ``MAX_DICTATIONS``, in page
order), and a question on each dialogue exercise whose spoken lines are all recorded: the
learner hears the dialogue without its text and chooses the missing line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lessons.arrangement import PUNCTUATION
from webapp.recordings.texts import LINE, SENTENCE, normalised, spoken_texts, text_key

DICTATION = "dictation"
DIALOGUE = "dialogue"
MAX_DICTATIONS = 5
DICTATION_WORDS = (3, 16)

_NOT_HEARD = re.compile("[" + re.escape(PUNCTUATION) + "]")


@dataclass(frozen=True)
class DialogueLine:
    """One line of a recorded dialogue: the speaker, and the text (None: the gap to fill)."""

    speaker: str
    text: str | None


@dataclass(frozen=True)
class ListeningItem:
    """One dictation (``text`` is the sentence heard) or one dialogue question."""

    key: str  # stable across syncs while the text stays the same
    kind: str
    text: str = ""
    lines: tuple[DialogueLine, ...] = ()
    options: tuple[str, ...] = field(default=())
    answer: str = ""

    @property
    def expected(self) -> str:
        """What the learner should have written or chosen."""
        return self.text if self.kind == DICTATION else self.answer


def listening_items(content: Mapping[str, Any], recorded: set[str]) -> list[ListeningItem]:
    """The lesson's listening practice, given the texts (normalised) with a published recording."""
    items: list[ListeningItem] = []
    for spoken in spoken_texts(dict(content)):
        if len(items) == MAX_DICTATIONS:
            break
        words = len(spoken.text.split())
        fits = DICTATION_WORDS[0] <= words <= DICTATION_WORDS[1]
        if spoken.kind in (SENTENCE, LINE) and spoken.text in recorded and fits:
            items.append(ListeningItem(f"d-{spoken.key[:20]}", DICTATION, text=spoken.text))
    for exercise in content.get("exercises") or []:
        if exercise.get("type") != "dialogue":
            continue
        lines = tuple(
            DialogueLine(str(line.get("speaker", "")), None if line.get("gap") else line["text"])
            for line in exercise.get("lines") or []
        )
        spoken = [normalised(line.text) for line in lines if line.text is not None]
        if spoken and all(text in recorded for text in spoken):
            items.append(
                ListeningItem(
                    f"q-{str(exercise['id'])[:30]}",
                    DIALOGUE,
                    lines=lines,
                    options=tuple(exercise["options"]),
                    answer=exercise["answer"],
                )
            )
    return items


def heard_form(text: str) -> str:
    """A sentence as it is heard: NFC, no punctuation, single spaces, case folded."""
    text = unicodedata.normalize("NFC", text or "").replace("’", "'")
    return " ".join(_NOT_HEARD.sub(" ", text).split()).casefold()


def grade_item(item: ListeningItem, answer: str) -> bool:
    """A dictation is right when the words match (case, spaces and punctuation, which cannot
    be heard, aside: the fill-in tolerance); a dialogue question when the right line is chosen."""
    if item.kind == DICTATION:
        return bool(answer.strip()) and heard_form(answer) == heard_form(item.text)
    return heard_form(answer) == heard_form(item.answer)


def item_key_of_text(text: str) -> str:
    """The dictation key of a text (for tests and links)."""
    return f"d-{text_key(text)[:20]}"


def first_try_percent(items: int, right_first: int) -> int:
    """The practice's score: the percent of its items right on the first try."""
    return round(100 * min(right_first, items) / items) if items > 0 else 0
