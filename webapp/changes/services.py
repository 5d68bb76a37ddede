"""Change stamps: a counter per watched set of rows, raised in the transaction that writes them.

A process may keep something it computed from watched rows (the overview's order of 40,000
learners) for as long as the stamp it read *before* computing is unchanged. Because the stamp
rises in the same transaction as the rows, a remembered result is never older than its stamp:
at worst it is newer, and is computed once more.

Every write through the ORM session is seen: objects added, deleted or changed in a watched
column (``after_flush``) and ``insert``/``update``/``delete`` statements on a watched table
(``do_orm_execute``), bulk ones included. Stamps are watched per model (``watch``) or named by
rules for every row and table (``watch_by_rules``: the remembered pages' person stamps). Writes
that bypass the session (raw SQL on a connection of its own) are not; the application makes
none to watched tables.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import chain
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, bindparam, event, inspect, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import ORMExecuteState, Session

from webapp.changes.models import ChangeStamp
from webapp.extensions import db
from webapp.memo import BoundedCache

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class _Watch:
    stamp: str
    columns: frozenset[str] | None  # None: every column


_BY_CLASS: dict[type, list[_Watch]] = {}
_BY_TABLE: dict[str, list[_Watch]] = {}
_ROWS_PER_STATEMENT = 200  # rows per upsert: an import raises thousands of person stamps at once
_READ = select(ChangeStamp.token, ChangeStamp.version).where(ChangeStamp.name == bindparam("name"))


# Stamps named by rules rather than listed per model: (row, whole_row) -> names for each row a
# flush writes, table name -> names for each INSERT, UPDATE or DELETE statement.
RowRule = Callable[[Any, bool], Iterable[str]]
TableRule = Callable[[str], Iterable[str]]
_ROW_RULES: list[RowRule] = []
_TABLE_RULES: list[TableRule] = []


def watch_by_rules(rows: RowRule, tables: TableRule) -> None:
    """Raise the stamps ``rows`` names for each row written through the session (``whole_row``
    True for a row added or deleted; a changed row is passed only when something in it changed)
    and those ``tables`` names for each INSERT, UPDATE or DELETE statement on a table."""
    _ROW_RULES.append(rows)
    _TABLE_RULES.append(tables)


def watch(stamp: str, model: type, columns: Iterable[str] | None = None) -> None:
    """Raise ``stamp`` whenever rows of ``model`` are written (in ``columns``, when given)."""
    watched = _Watch(stamp, frozenset(columns) if columns is not None else None)
    _BY_CLASS.setdefault(model, []).append(watched)
    _BY_TABLE.setdefault(model.__table__.name, []).append(watched)  # type: ignore[attr-defined]


def read_stamp(name: str) -> tuple[int, int] | None:
    """The stamp ``name`` as (token, version), or None before its rows were ever written."""
    row = db.session.execute(_READ, {"name": name}).first()
    return (row.token, row.version) if row is not None else None


@dataclass(frozen=True)
class Remembered(Generic[V]):
    """A value worked out under one reading of a change stamp, and when (``time.monotonic``)."""

    stamp: tuple[int, int]
    since: float
    value: V


class StampedCache(Generic[K, V]):
    """Values worked out from the rows watched under ``stamp``, remembered per key in this
    process while the stamp is unchanged (at most ``limit`` keys; see ``BoundedCache``)."""

    def __init__(self, stamp: str, limit: int) -> None:
        self.stamp = stamp
        self._entries: BoundedCache[K, Remembered[V]] = BoundedCache(limit)

    def get(
        self,
        key: K,
        work_out: Callable[[], V],
        keep_while: Callable[[Remembered[V]], bool] | None = None,
    ) -> V:
        """``key``'s value, remembered while the stamp is unchanged and ``keep_while`` holds;
        otherwise worked out (after reading the stamp, so it is never older than the stamp)."""
        stamp = read_stamp(self.stamp)
        known = self._entries.get(key)
        if (
            known is not None
            and stamp is not None
            and known.stamp == stamp
            and (keep_while is None or keep_while(known))
        ):
            return known.value
        value = work_out()
        if stamp is not None:  # no row yet: nothing to compare with later
            self._entries.keep(key, Remembered(stamp, time.monotonic(), value))
        return value

    def peek(self, key: K) -> V | None:
        """The value remembered for ``key``, whether or not still valid (for tests)."""
        known = self._entries.get(key)
        return known.value if known is not None else None


def raise_stamps(connection: Connection, names: Iterable[str]) -> None:
    """Add one to each stamp in ``names`` inside the connection's transaction."""
    dialect = connection.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        raise RuntimeError(f"change stamps do not support {dialect}")
    insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    ordered = sorted(set(names))  # one order, so two writers never wait on each other
    for start in range(0, len(ordered), _ROWS_PER_STATEMENT):
        rows = [
            {"name": name, "version": 1, "token": secrets.randbits(62)}
            for name in ordered[start : start + _ROWS_PER_STATEMENT]
        ]
        connection.execute(
            insert(ChangeStamp)
            .values(rows)
            .on_conflict_do_update(
                index_elements=[ChangeStamp.name],
                set_={"version": ChangeStamp.version + 1},
            )
        )


def columns_changed(instance: Any, columns: Iterable[str]) -> bool:
    """Whether the flush under way changes any of ``columns`` of ``instance``."""
    attributes = inspect(instance).attrs
    return any(attributes[column].history.has_changes() for column in columns)


def _changed(instance: Any, columns: frozenset[str] | None, session: Session) -> bool:
    if columns is None:
        return session.is_modified(instance, include_collections=False)
    return columns_changed(instance, columns)


_PENDING = "change_stamps_pending"


def _note(session: Session, names: Iterable[str]) -> None:
    session.info.setdefault(_PENDING, set()).update(names)


def has_pending_changes(session: Session) -> bool:
    """Whether the session holds writes (flushed or not) that will raise stamps at commit."""
    return bool(session.info.get(_PENDING) or session.new or session.dirty or session.deleted)


@event.listens_for(Session, "after_flush")
def _note_flushed_changes(session: Session, _context: Any) -> None:
    names: set[str] = set()
    for instance in chain(session.new, session.deleted):
        names.update(watched.stamp for watched in _BY_CLASS.get(type(instance), ()))
        for rule in _ROW_RULES:
            names.update(rule(instance, True))
    for instance in session.dirty:
        for watched in _BY_CLASS.get(type(instance), ()):
            if watched.stamp not in names and _changed(instance, watched.columns, session):
                names.add(watched.stamp)
        if _ROW_RULES and session.is_modified(instance, include_collections=False):
            for rule in _ROW_RULES:
                names.update(rule(instance, False))
    if names:
        _note(session, names)


@event.listens_for(Session, "do_orm_execute")
def _note_written_table(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(getattr(state.statement, "table", None), "name", "")
    names = [
        watched.stamp
        for watched in _BY_TABLE.get(table, ())
        if not state.is_update or _sets_watched(state, watched.columns)
    ]
    for rule in _TABLE_RULES:
        names.extend(rule(table))
    if names:
        _note(state.session, names)


def _sets_watched(state: ORMExecuteState, columns: frozenset[str] | None) -> bool:
    """Whether an UPDATE may write a watched column (True whenever that cannot be told)."""
    if columns is None:
        return True
    written = {getattr(key, "key", key) for key in getattr(state.statement, "_values", None) or {}}
    parameters = state.parameters
    if isinstance(parameters, list) and parameters:  # UPDATE by primary key, one dict a row
        written |= set(parameters[0])
    return not written or bool(written & columns)


@event.listens_for(Session, "before_commit")
def _raise_before_commit(session: Session) -> None:
    # Raised last, just before COMMIT: the stamp rows are locked only for the commit itself, so
    # two writers of watched rows never wait on each other through them (no deadlock either).
    if session.in_nested_transaction():
        return  # a savepoint: the writes stay pending until the transaction itself commits
    session.flush()
    names = session.info.pop(_PENDING, None)
    if names:
        raise_stamps(session.connection(), names)


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous: Any) -> None:
    # Only the outermost rollback discards the writes; a savepoint's leaves the others pending.
    if previous.parent is None and not previous.nested:
        session.info.pop(_PENDING, None)
