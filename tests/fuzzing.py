"""The machinery of the field-by-field fuzz run (tests/test_fuzz_fields.py).

A *case* is one endpoint as one role calls it: a function that makes whatever state the request
needs (a fresh learner, a pending order, ...) and returns a request the endpoint accepts. The
runner sends that baseline once and checks that it succeeds (and writes, when it should), then
sends it again with ONE field replaced by each hostile value of ``VALUES``, dropped, sent twice
and sent as a list, and with the values ``Case.extra`` lists for that field (other
organisations' ids, unknown choices).

Every request is checked: never a 5xx; a refusal (4xx) commits no write (bar the log-in
throttle's and the outbox's, which are meant); an accepted request stores only sane text (no
NUL, control, direction-changing or invisible characters, NFC). A few forms must show the
user's other values again when they refuse one.
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import quote, urlencode

from flask import Flask
from sqlalchemy import TextClause, event, text
from sqlalchemy.engine import Engine

from tests.conftest import login_as
from webapp.accounts.models import User
from webapp.extensions import db

Value = str | bytes

# Hostile values, each tried in every field of every case (bytes go into the body undecoded).
VALUES: tuple[tuple[str, Value], ...] = (
    ("empty", ""),
    ("spaces", "   "),
    ("overlong 5,000", "x" * 5_000),
    ("overlong 100,000", "ø" * 100_000),
    ("NUL", "a\x00b"),
    ("C0 controls", "a\x01\x07\x1bb"),
    ("line break", "a\r\nb"),
    ("right-to-left override", "abc\u202edef"),
    ("left-to-right isolate", "\u2066abc\u2069"),
    ("zero-width space", "a\u200bb"),
    ("lone surrogate (CESU-8 bytes)", b"a\xed\xa0\x80b"),
    ("invalid UTF-8", b"\xff\xfe\xfd"),
    ("emoji", "👩🏽‍🏫🇺🇦"),
    ("decomposed (NFD)", "Zoe\u0308"),
    ("year 1", "0001-01-01"),
    ("year 9999", "9999-12-31"),
    ("1899", "1899-12-31"),
    ("2101", "2101-01-01"),
    ("February 30", "2026-02-30"),
    ("first plausible day", "1900-01-01"),
    ("last plausible day", "2100-12-31"),
    ("2^31", "2147483648"),
    ("2^63", "9223372036854775808"),
    ("10^30", "1" + "0" * 30),
    ("negative", "-1"),
    ("large negative", "-2147483649"),
    ("float", "1.5"),
    ("NaN", "NaN"),
    ("1e309", "1e309"),
    ("superscript two", "²"),
    ("full-width digits", "１２"),
    ("minus zero", "-0"),
    ("unknown choice", "no-such-choice"),
    ("markup", "<script>alert(1)</script>"),
)
# Characters added to the end of each field's valid value (a name that is fine but for a
# right-to-left override passes checks a whole-field replacement fails first).
EMBEDDED: tuple[tuple[str, str], ...] = (
    ("NUL", "\x00"),
    ("BEL", "\x07"),
    ("right-to-left override", "\u202e"),
    ("zero-width space", "\u200b"),
    ("combining diaeresis", "e\u0308"),
)
MISSING, TWICE, LIST = "missing", "twice", "list"
SHAPES = (MISSING, TWICE, LIST)

# The committed run tries this table in every field of an endpoint as its first role, and a few
# values as its other roles; FUZZ_EXHAUSTIVE=1 tries everything above as every role.
CORE = frozenset(
    {
        "empty",
        "spaces",
        "overlong 5,000",
        "NUL",
        "C0 controls",
        "right-to-left override",
        "zero-width space",
        "invalid UTF-8",
        "decomposed (NFD)",
        "year 1",
        "year 9999",
        "2101",
        "February 30",
        "first plausible day",
        "last plausible day",
        "2^31",
        "2^63",
        "negative",
        "float",
        "superscript two",
        "full-width digits",
        "unknown choice",
        "+NUL",
        "+right-to-left override",
        MISSING,
        LIST,
    }
)
FEW = frozenset({"NUL", "spaces", "2^63", "last plausible day", "+right-to-left override", MISSING})
EXHAUSTIVE = os.environ.get("FUZZ_EXHAUSTIVE") == "1"


def table_for(first_role: bool) -> frozenset[str] | None:
    """The labels to try (None: all of them)."""
    if EXHAUSTIVE:
        return None
    return CORE if first_role else FEW


# Writes a refused request may commit: the log-in throttle's record and queued e-mail.
INTENDED_WRITES = frozenset({"login_attempts", "outbox_messages"})
_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
# What no stored text may hold (tabs and line breaks are fine in texts of several lines).
_NOT_STORABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    "\u200b\u2060-\u2064\ufeff\ud800-\udfff]"
)


@dataclass
class Request:
    """One request: method, path, fields (body or query) and, for uploads, a CSV file."""

    method: str
    url: str
    fields: list[tuple[str, Value]] = field(default_factory=list)
    login: User | None = None
    csv_columns: tuple[str, ...] = ()  # these fields become one row of an uploaded CSV file
    cookies: dict[str, str] = field(default_factory=dict)


@dataclass
class Case:
    """An endpoint as one role calls it, with a baseline it accepts."""

    name: str
    role: str
    build: Callable[[int], Request]  # a fresh valid request; the number makes values unique
    ok: tuple[int, ...] = (302,)
    writes: bool = True
    vary: tuple[str, ...] | None = None  # the fields to vary (default: every field)
    extra: dict[str, tuple[str, ...]] = field(default_factory=dict)
    keeps: tuple[str, ...] = ()  # fields a refusal must show again, whichever other one failed
    path: tuple[str, Callable[[str], str]] | None = None  # a path segment to vary too

    @property
    def id(self) -> str:
        return f"{self.name}[{self.role}]"


class WriteLog:
    """Records the INSERT, UPDATE and DELETE statements that get committed."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.pending: list[tuple[str, Any]] = []
        self.committed: list[tuple[str, Any]] = []

    def __enter__(self) -> WriteLog:
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "commit", self._commit)
        event.listen(self.engine, "rollback", self._rollback)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)
        event.remove(self.engine, "rollback", self._rollback)

    def _statement(self, conn, cursor, statement, parameters, context, executemany) -> None:
        match = _WRITE.match(statement)
        if match:
            self.pending.append((match.group(1).lower(), parameters))

    def _commit(self, conn) -> None:
        self.committed.extend(self.pending)
        self.pending.clear()

    def _rollback(self, conn) -> None:
        self.pending.clear()

    def reset(self) -> None:
        self.pending.clear()
        self.committed.clear()


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
        if value[:1] in "[{":
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = None
            yield from _strings(parsed)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def insane_text(parameters: Any) -> str | None:
    """The first stored string with characters no text should hold, or not in NFC."""
    for stored in _strings(parameters):
        if _NOT_STORABLE.search(stored) or not unicodedata.is_normalized("NFC", stored):
            return stored
    return None


@cache
def _count_statement() -> TextClause:
    tables = [t.name for t in db.metadata.sorted_tables if t.name not in INTENDED_WRITES]
    return text("SELECT " + ", ".join(f"(SELECT count(*) FROM {name})" for name in tables))


def row_counts() -> tuple[int, ...]:
    """The row count of every table but the intended ones, in one statement."""
    return tuple(db.session.execute(_count_statement()).one())


Mutation = Callable[[list[tuple[str, Value]]], list[tuple[str, Value]]]


def variants(
    case: Case, baseline: Request, table: frozenset[str] | None
) -> Iterator[tuple[str, str, Mutation]]:
    """Each field replaced by each hostile value, with a character added, dropped, sent twice,
    sent as a list (those of ``table``), and replaced by the case's extra values."""
    names = list(dict.fromkeys(name for name, _value in baseline.fields))
    for name in case.vary if case.vary is not None else names:
        for label, value in VALUES:
            if table is None or label in table:
                yield name, f"{name}={label}", lambda f, n=name, v=value: _replace(f, n, v)
        for value in case.extra.get(name, ()):
            yield name, f"{name}={value!r}", lambda f, n=name, v=value: _replace(f, n, v)
        for label, tail in EMBEDDED:
            if table is None or f"+{label}" in table:
                yield name, f"{name}+{label}", lambda f, n=name, t=tail: _appended(f, n, t)
        for shape in SHAPES:
            if table is None or shape in table:
                yield name, f"{name} {shape}", lambda f, n=name, s=shape: _shaped(f, n, s)


def _replace(fields, name: str, value: Value) -> list[tuple[str, Value]]:
    replaced, done = [], False
    for key, old in fields:
        if key != name:
            replaced.append((key, old))
        elif not done:
            replaced.append((key, value))
            done = True
    if not done:
        replaced.append((name, value))
    return replaced


def _appended(fields, name: str, tail: str) -> list[tuple[str, Value]]:
    first = next((value for key, value in fields if key == name), "")
    return _replace(fields, name, (first if isinstance(first, str) else "") + tail)


def _shaped(fields, name: str, shape: str) -> list[tuple[str, Value]]:
    if shape == MISSING:
        return [(key, value) for key, value in fields if key != name]
    first = next((value for key, value in fields if key == name), "")
    second = first if shape == TWICE else "x"
    return [*fields, (name, second)]


@dataclass
class Outcome:
    status: int
    body: str
    problem: str | None


class Fuzzer:
    """Sends requests, checks each, and counts them."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.sent = 0
        self.failures: list[str] = []
        self.errors: list[str] = []
        self.log = WriteLog(db.engine)
        self._handler = _Collect()

    def __enter__(self) -> Fuzzer:
        # Thousands of commits: without waiting for the disk (the database is thrown away).
        db.session.commit()
        db.engine.dispose()
        event.listen(db.engine, "connect", _no_disk_waits)
        self.log.__enter__()
        logging.getLogger("webapp.pages.errors").addHandler(self._handler)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger("webapp.pages.errors").removeHandler(self._handler)
        self.log.__exit__()
        event.remove(db.engine, "connect", _no_disk_waits)
        db.session.rollback()
        db.engine.dispose()

    def send(self, request: Request, fields: list[tuple[str, Value]]) -> Outcome:
        """Send ``request`` with ``fields``; the outcome says what, if anything, went wrong."""
        client = self.app.test_client()
        if request.login is not None:
            login_as(client, request.login)
        for name, value in request.cookies.items():
            client.set_cookie(name, value)
        db.session.commit()
        db.session.expire_all()
        before = row_counts()
        self.log.reset()
        self._handler.records.clear()
        response = self._open(client, request, fields)
        self.sent += 1
        status = response.status_code
        body = response.get_data(as_text=True) if status != 302 else ""
        response.close()
        db.session.rollback()
        writes = [(table, p) for table, p in self.log.committed if table not in INTENDED_WRITES]
        problem = None
        if status >= 500:
            problem = f"{status}: {self._handler.cause()}"
        elif status >= 400 and (writes or row_counts() != before):
            problem = f"{status} but wrote to {sorted({t for t, _p in writes})}"
        elif status < 400:
            for table, parameters in writes:
                bad = insane_text(parameters)
                if bad is not None:
                    problem = f"{status} and stored {bad[:40]!r} in {table}"
                    break
        self.wrote = bool(writes)
        return Outcome(status, body, problem)

    def _open(self, client, request: Request, fields):
        if request.csv_columns:
            return client.post(
                request.url, data=_multipart(fields, request.csv_columns), content_type=None
            )
        encoded = urlencode(fields, doseq=False, quote_via=quote)
        if request.method == "GET":
            separator = "&" if "?" in request.url else "?"
            url = f"{request.url}{separator}{encoded}" if fields else request.url
            return client.get(url)
        return client.post(
            request.url, data=encoded, content_type="application/x-www-form-urlencoded"
        )

    def run(self, case: Case, table: frozenset[str] | None = None) -> int:
        """Send the baseline and the variants of ``case``; return how many requests."""
        start = self.sent
        baseline = case.build(0)
        outcome = self.send(baseline, baseline.fields)
        if outcome.problem or outcome.status not in case.ok:
            self.failures.append(
                f"{case.id} baseline: {outcome.status} {outcome.problem or ''}"
                f"{_errors_in(outcome.body)}"
            )
            return self.sent - start
        if case.writes and not self.wrote:
            self.failures.append(f"{case.id} baseline wrote nothing")
        number = 1
        for name, label, mutate in variants(case, baseline, table):
            request = case.build(number)
            number += 1
            fields = mutate(request.fields)
            outcome = self.send(request, fields)
            if outcome.problem:
                self.failures.append(f"{case.id} {label}: {outcome.problem}")
            elif case.keeps and outcome.status in (200, 400) and outcome.status not in case.ok:
                self._check_kept(case, name, label, fields, outcome.body)
        if case.path:
            name, make_url = case.path
            for label, value in VALUES:
                if isinstance(value, bytes) or (table is not None and label not in table):
                    continue
                request = case.build(number)
                number += 1
                request.url = make_url(quote(value, safe=""))
                outcome = self.send(request, request.fields)
                if outcome.problem:
                    self.failures.append(f"{case.id} path {name}={label}: {outcome.problem}")
        return self.sent - start

    def _check_kept(self, case: Case, changed: str, label: str, fields, body: str) -> None:
        for name in case.keeps:
            if name == changed:
                continue
            value = next((v for k, v in fields if k == name), None)
            if isinstance(value, str) and value and html.escape(value) not in body:
                self.failures.append(f"{case.id} {label}: the refusal lost {name}={value!r}")


def _multipart(fields, columns: tuple[str, ...]) -> dict[str, Any]:
    import io

    cells = {name: "" for name in columns}
    data: dict[str, Any] = {}
    for key, value in fields:
        if key in cells:  # the file keeps the bytes as sent
            cells[key] = (
                value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value
            )
        else:
            text = value.decode("latin-1") if isinstance(value, bytes) else value
            data.setdefault(key, []).append(text)
    header = ",".join(columns)
    row = ",".join(_csv_cell(cells[name]) for name in columns)
    raw = f"{header}\r\n{row}\r\n".encode("utf-8", "surrogateescape")
    data["file"] = (io.BytesIO(raw), "learners.csv")
    return data


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _errors_in(body: str) -> str:
    found = re.findall(r'<p class="error" id="([^"]+)">([^<]{1,160})', body)
    found += re.findall(r'role="alert"><p>([^<]{1,160})', body)
    return f" {found[:4]}" if found else ""


def _no_disk_waits(connection, record) -> None:
    cursor = connection.cursor()
    if db.engine.dialect.name == "sqlite":
        cursor.execute("PRAGMA synchronous = OFF")
    else:
        cursor.execute("SET synchronous_commit = off")
    cursor.close()


class _Collect(logging.Handler):
    """Keeps what the 500 handler logged, to name the cause of a server error."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def cause(self) -> str:
        for record in self.records:
            if record.exc_info and record.exc_info[1] is not None:
                error = record.exc_info[1]
                tb = record.exc_info[2]
                frames = []
                while tb is not None:
                    code = tb.tb_frame.f_code
                    if "/webapp/" in code.co_filename or "/scheduling/" in code.co_filename:
                        frames.append(
                            f"{code.co_filename.split('/')[-2]}/"
                            f"{code.co_filename.split('/')[-1]}:{tb.tb_lineno}"
                        )
                    tb = tb.tb_next
                return f"{type(error).__name__}: {str(error)[:120]} at {frames[-3:]}"
        return "no exception logged"
