"""How exercises are laid out for a learner (pure): option order and word-order tiles.

Options are shown in a random order that is stable for one learner and attempt, so a reload does
not reshuffle and position never tells the answer. Word-order tiles are the sentence's words in
lower case (names kept) without punctuation, so neither a capital letter nor a full stop gives the
first or last word away; grading of word order ignores case and punctuation the same way.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Iterable, Sequence

# Punctuation that is never on a tile: sentence marks, quotes, brackets and dashes.
PUNCTUATION = '.,!?;:«»"“”„()[]–—…'
_WORD = re.compile(r"\S+")


def options_in_order(options: Sequence[str], seed: str) -> list[str]:
    """``options`` in a random order fixed by ``seed`` (learner, exercise and attempt)."""
    order = list(options)
    random.Random(seed).shuffle(order)
    return order


def _bare(word: str) -> str:
    """A word without the punctuation around it."""
    return word.strip(PUNCTUATION + "'")


def names_in(texts: Iterable[str]) -> set[str]:
    """Words written with a capital letter where no sentence begins: names, kept as they are."""
    names: set[str] = set()
    for text in texts:
        words = _WORD.findall(unicodedata.normalize("NFC", text or ""))
        for previous, word in zip(words, words[1:], strict=False):
            bare = _bare(word)
            if bare[:1].isupper() and not previous.rstrip('»"”)').endswith((".", "!", "?", ":")):
                names.add(bare)
    return names


def order_tiles(sentence: str, names: set[str] = frozenset()) -> list[str]:
    """The sentence's words as tiles: no punctuation, lower case except ``names``."""
    tiles = []
    for word in _WORD.findall(unicodedata.normalize("NFC", sentence or "")):
        bare = _bare(word)
        if not bare:
            continue
        tiles.append(bare if bare in names else bare.lower())
    return tiles


def order_key(text: str) -> tuple[str, ...]:
    """A word-order answer as graded: its words, case and punctuation ignored."""
    return tuple(tile.casefold() for tile in order_tiles(text))


def is_buildable(alternative: str, sentence: str) -> bool:
    """Whether ``alternative`` is built from the tiles of ``sentence`` (same words, any order)."""
    return sorted(order_key(alternative)) == sorted(order_key(sentence))
