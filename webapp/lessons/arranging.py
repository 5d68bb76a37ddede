"""What a learner picks from in an exercise, in the order shown: options, meanings or tiles."""

from __future__ import annotations

import re
import threading
from typing import Any

from cachetools import LRUCache, cached

from lessons.arrangement import names_in, options_in_order, order_tiles
from webapp.lessons.models import Lesson
from webapp.lessons.services import lesson_content

_TAG = re.compile(r"<[^>]+>")
NAMES_CACHE: LRUCache[tuple[str, str], frozenset[str]] = LRUCache(maxsize=1024)


def norwegian_texts(content: dict[str, Any]) -> list[str]:
    """Every Norwegian text of a lesson (pure): its paragraphs, examples and exercises."""
    texts = [_TAG.sub(" ", block.get("nb", "")) for block in content.get("blocks", [])]
    texts += [entry.get("example", "") for entry in content.get("vocabulary", [])]
    for exercise in content.get("exercises", []):
        for key in ("question", "text", "sentence", "audio", "prompt"):
            texts.append(exercise.get(key) or "")
        texts += exercise.get("options", []) + exercise.get("alternatives", [])
        texts += [line.get("text", "") for line in exercise.get("lines", [])]
    return texts


@cached(NAMES_CACHE, key=lambda lesson: (lesson.id, lesson.digest), lock=threading.Lock())
def lesson_names(lesson: Lesson) -> frozenset[str]:
    """The names in all the Norwegian texts of a lesson: they keep their capital on tiles."""
    return frozenset(names_in(norwegian_texts(lesson_content(lesson))))


def arranged(
    learner_id: int, lesson: Lesson, exercise: dict[str, Any], attempt: int, language: str
) -> list[str]:
    """What a learner picks from on an attempt, in the order shown: options, meanings to match
    or word tiles; random per learner and attempt, stable on reload."""
    seed = f"{learner_id}:{lesson.id}:{exercise['id']}:{attempt}"
    kind = exercise["type"]
    if kind in ("choice", "listen", "dialogue"):
        return options_in_order(exercise["options"], seed)
    if kind == "match":
        return options_in_order([pair[language] for pair in exercise["pairs"]], seed)
    if kind == "order":
        return options_in_order(order_tiles(exercise["sentence"], lesson_names(lesson)), seed)
    return []
