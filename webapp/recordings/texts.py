"""What a lesson gives teachers to read aloud: pure functions over the stored lesson content."""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from typing import Any

SENTENCE = "sentence"
LINE = "line"
WORD = "word"
MODEL = "model"
LISTEN = "listen"  # the sentence of a listening exercise

_TAG = re.compile(r"<[^>]+>")
_SPEAKER = re.compile(r"^\s*[\w .'-]{1,40}:\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"«(]?[A-ZÆØÅ0-9-])")
# Abbreviations a sentence does not end with ("kl. 8", "ca. 20", "f.eks. Per").
_ABBREVIATIONS = {"kl.", "ca.", "nr.", "f.eks.", "bl.a.", "dvs.", "mm.", "osv.", "ev.", "evt."}


@dataclass(frozen=True)
class SpokenText:
    """One thing to read aloud: a sentence of the text, a listening exercise's sentence, a
    dialogue line, a word, a model answer."""

    kind: str
    text: str

    @property
    def key(self) -> str:
        return text_key(self.text)


def normalised(text: str) -> str:
    """The text with its spaces made single, as it is compared and stored."""
    return " ".join(text.split())


def text_key(text: str) -> str:
    """A short fixed-length key for a text, for lookups by text."""
    return hashlib.sha256(normalised(text).encode("utf-8")).hexdigest()[:40]


def plain(rendered_html: str) -> str:
    """Rendered Markdown back to plain text: tags removed, entities decoded."""
    return normalised(html.unescape(_TAG.sub(" ", rendered_html)))


def sentences(paragraph: str) -> list[str]:
    """The sentences of one plain paragraph, a speaker's name ("Leder:") left out."""
    text = _SPEAKER.sub("", normalised(paragraph), count=1)
    found: list[str] = []
    for part in (p.strip() for p in _SENTENCE_END.split(text)):
        if not part:
            continue
        if found and found[-1].split()[-1].lower() in _ABBREVIATIONS:
            found[-1] = f"{found[-1]} {part}"
        else:
            found.append(part)
    return found


def spoken_texts(content: dict[str, Any]) -> list[SpokenText]:
    """Everything in a lesson a teacher can record, in page order, each text once."""
    found: list[SpokenText] = []
    for block in content.get("blocks") or []:
        found += [SpokenText(SENTENCE, s) for s in sentences(plain(str(block.get("nb", ""))))]
    for exercise in content.get("exercises") or []:
        if exercise.get("type") == "listen" and exercise.get("audio"):
            found.append(SpokenText(LISTEN, normalised(str(exercise["audio"]))))
        if exercise.get("type") == "dialogue":
            found += [
                SpokenText(LINE, normalised(str(line["text"])))
                for line in exercise.get("lines") or []
                if isinstance(line, dict) and line.get("text")
            ]
    for word in content.get("vocabulary") or []:
        if isinstance(word, dict) and word.get("nb"):
            found.append(SpokenText(WORD, normalised(str(word["nb"]))))
    speaking = content.get("speaking")
    if isinstance(speaking, dict) and speaking.get("model"):
        found.append(SpokenText(MODEL, normalised(str(speaking["model"]))))
    seen: set[str] = set()
    unique = []
    for item in found:
        if item.text and item.key not in seen:
            seen.add(item.key)
            unique.append(item)
    return unique


def coverage(sentence_keys: list[str], published_keys: set[str]) -> float:
    """The share (0-1) of a lesson's sentences that have a published recording."""
    if not sentence_keys:
        return 0.0
    return sum(1 for key in sentence_keys if key in published_keys) / len(sentence_keys)
