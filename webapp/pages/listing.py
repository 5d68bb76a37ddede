"""Helpers for paginated lists."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import request
from sqlalchemy import Integer, Select, bindparam, func, select

MAX_PAGE = 100_000


def page_number() -> int:
    """The ``page`` query parameter as a positive number; anything odd means page 1."""
    raw = request.args.get("page", "1")
    if not raw.isdigit():
        return 1
    return min(max(int(raw), 1), MAX_PAGE)


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


@dataclass(frozen=True)
class PagedStatement:
    """A query's count and its page of rows, with the page bound at execution.

    Built once and reused, SQLAlchemy keeps the statements' cache keys: for a large query,
    building the statement and its key costs more than running it.
    """

    count: Select[Any]
    rows: Select[Any]


def paged_statement(stmt: Select[Any]) -> PagedStatement:
    """``stmt`` as a count and a page of rows whose limit and offset are bound parameters."""
    return PagedStatement(
        count=select(func.count()).select_from(stmt.order_by(None).subquery()),
        rows=stmt.limit(bindparam("page_limit", type_=Integer)).offset(
            bindparam("page_offset", type_=Integer)
        ),
    )
