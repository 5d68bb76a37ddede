"""Process memory for rendered pieces and loaded tables that many requests share."""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedCache(dict[K, V]):
    """A dict that empties itself when it reaches ``limit`` entries.

    Its keys carry versions (a lesson's digest, a catalogue stamp), so an entry is never stale,
    only unused; emptying now and then bounds the memory without bookkeeping per entry.
    """

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def keep(self, key: K, value: V) -> V:
        """Store ``value`` under ``key`` (emptying the cache first when full) and return it."""
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value
