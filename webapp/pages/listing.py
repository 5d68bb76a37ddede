"""Helpers for paginated lists."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import request

MAX_PAGE = 100_000


def page_number() -> int:
    """The ``page`` query parameter as a positive number; anything odd means page 1."""
    raw = request.args.get("page", "1")
    if not (raw.isascii() and raw.isdigit()):  # "²" is a digit to Python, not to int()
        return 1
    return min(max(int(raw), 1), MAX_PAGE)


T = TypeVar("T")


def cut_page(ordered: Sequence[T], page: int, per_page: int) -> tuple[int, list[T]]:
    """The page number and items of page ``page`` of ``ordered`` (a list already in order); a
    page past the end is the last page."""
    page = min(page, max(1, math.ceil(len(ordered) / per_page)))
    return page, list(ordered[(page - 1) * per_page : page * per_page])


@dataclass(frozen=True)
class RowPage:
    """One page of rows from a multi-column query, shaped like Flask-SQLAlchemy's pagination."""

    items: Sequence[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1
