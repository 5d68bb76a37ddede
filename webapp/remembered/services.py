"""Whole pages remembered per session: a revisit is answered from memory while nothing it
shows has changed, before Flask loads the user or runs the page's queries.

A page is kept under the two change stamps it depends on (see ``stamps``): the shared stamp and
its user's person stamp, both read *before* the page is worked out, so a kept page is never
older than its stamps. It is also given up at the end of the Norwegian day (deadlines count
days) and after ``NORSKVEI_PAGE_MEMORY_SECONDS`` (60 by default), which bounds how late it
shows what the stamps leave out on purpose: other learners' study activity and the passing of
time (a card falling due, a class beginning).

Only plain visits are kept: a GET of a view marked ``@remember_page``, by a logged-in user whose
session holds nothing but the login and the CSRF token, answered with 200 and HTML, and leaving
the session as it was (a flash message or an exercise's feedback is shown once, so such a visit
is always worked out). A page is kept by the session cookie's exact text, among the rest of its
address: the same text is the same signed session, so the same user and the same CSRF token; a
new session, or a changed one, starts afresh.

The answer from memory is given by a WSGI layer in front of Flask (``RememberedPages``): it
replays the status, headers and body Flask gave, after one read of the two stamps. Memory is per
process (each gunicorn worker keeps its own), bounded by ``NORSKVEI_PAGE_MEMORY_MB`` and emptied
least recently used first.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from flask import Flask, Response, current_app, has_app_context, request, session
from itsdangerous.encoding import base64_decode, bytes_to_int
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import NullPool
from werkzeug.http import parse_cookie
from werkzeug.middleware.proxy_fix import ProxyFix

from webapp.accounts.login import read_identity
from webapp.changes.services import has_pending_changes
from webapp.clock import oslo_today
from webapp.extensions import db
from webapp.i18n.locales import LOCALE_COOKIE
from webapp.remembered.stamps import SHARED_STAMP, person_stamp

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

# What a session holds on a plain visit: Flask-Login's keys and the CSRF token.
PLAIN_SESSION_KEYS = frozenset({"_user_id", "_fresh", "_id", "_permanent", "csrf_token"})
_MEMORY = "norskvei_page_memory"
_READER = "norskvei_stamp_reader"
# Passed from the WSGI layer to Flask and back in the request's environ.
_KEY = "norskvei.page_key"  # the page's key in memory: a GET with a session cookie
_PENDING = "norskvei.page_pending"  # (person, stamps, day) read before the view ran
_KEEP = "norskvei.page_keep"  # the same, once the answer proved fit to keep

_Stamps = tuple[tuple[int, int], tuple[int, int] | None]
_Key = tuple[str, ...]


def remember_page(view: F) -> F:
    """Let plain visits of this GET view be answered from memory (see the module's rules)."""
    view.remember_page = True  # type: ignore[attr-defined]
    return view


@dataclass(slots=True)
class RememberedPage:
    """A page's answer as Flask gave it, and what it was worked out under."""

    status: str
    headers: list[tuple[str, str]]
    body: bytes
    person: int
    stamps: _Stamps
    day: date
    expires: float  # time.monotonic()
    session_ends: float  # time.time(): when the session cookie's signature expires


class PageMemory:
    """Remembered pages by key, at most ``limit`` bytes of HTML, least recently used dropped."""

    def __init__(self, limit: int, seconds: int) -> None:
        self.limit = limit
        self.seconds = seconds
        self.size = 0
        self._pages: OrderedDict[_Key, RememberedPage] = OrderedDict()
        self._lock = threading.Lock()  # the development server answers in threads

    def get(self, key: _Key) -> RememberedPage | None:
        """The page kept under ``key``, marked as just used; None when there is none."""
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def keep(self, key: _Key, page: RememberedPage) -> None:
        """Keep ``page`` under ``key``, dropping the least recently used pages to make room."""
        if len(page.body) > self.limit:
            return
        with self._lock:
            old = self._pages.pop(key, None)
            if old is not None:
                self.size -= len(old.body)
            self._pages[key] = page
            self.size += len(page.body)
            while self.size > self.limit:
                _key, dropped = self._pages.popitem(last=False)
                self.size -= len(dropped.body)

    def __len__(self) -> int:
        return len(self._pages)

    def clear(self) -> None:
        """Forget every page."""
        with self._lock:
            self._pages.clear()
            self.size = 0


def page_memory(app: Flask) -> PageMemory | None:
    """The app's page memory in this process, or None when remembering pages is turned off."""
    return app.extensions.get(_MEMORY)


class StampReader:
    """Reads the page stamps on connections of its own: in autocommit, without the pool's
    liveness ping, and past SQLAlchemy's statement handling.

    A stamp read is the whole database work of a remembered visit. Through the app's session it
    would cost four round trips to PostgreSQL (ping, BEGIN, SELECT, COMMIT) and SQLAlchemy's
    work around each; here it is one plain statement. Idle connections are kept for the next
    read (a few, for the development server's threads); one the server closed is thrown away
    and the read tried once more on a new one.
    """

    KEEP_IDLE = 4

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        marks = "?, ?" if engine.dialect.paramstyle == "qmark" else "%s, %s"
        self.sql = f"SELECT name, token, version FROM change_stamps WHERE name IN ({marks})"
        self._idle: list[Any] = []
        self._lock = threading.Lock()

    def _take(self) -> Any:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        fairy = self.engine.raw_connection()
        connection = fairy.driver_connection
        fairy.detach()  # the reader's own, kept open past this checkout
        if self.engine.dialect.name == "postgresql":
            connection.autocommit = True
        return connection

    def _give_back(self, connection: Any) -> None:
        with self._lock:
            if len(self._idle) < self.KEEP_IDLE:
                self._idle.append(connection)
                return
        _close(connection)

    def read(self, names: tuple[str, str]) -> dict[str, tuple[int, int]]:
        """(token, version) of each stamp in ``names`` that exists."""
        for attempt in (1, 2):
            connection = self._take()
            try:
                rows = connection.execute(self.sql, names).fetchall()
            except Exception:
                _close(connection)
                if attempt == 2:
                    raise
                continue
            self._give_back(connection)
            return {name: (token, version) for name, token, version in rows}
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close the idle connections (new ones are made when needed)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            _close(connection)


def _close(connection: Any) -> None:
    with contextlib.suppress(Exception):
        connection.close()


def _stamp_reader(app: Flask) -> StampReader:
    reader = app.extensions.get(_READER)
    if reader is None:
        # Connections made the app's way (address and connect arguments) but not from its pool:
        # a connection taken from the pool and detached would leave the pool an empty slot, and
        # the app's next checkout a new connection instead of its warm one.
        options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
        maker = create_engine(
            db.engine.url, poolclass=NullPool, connect_args=options.get("connect_args", {})
        )
        reader = app.extensions[_READER] = StampReader(maker)
        event.listen(db.engine, "engine_disposed", lambda _engine: reader.close())
    return reader


def read_page_stamps(app: Flask, user_id: int) -> _Stamps | None:
    """The shared stamp and ``user_id``'s person stamp as (token, version) pairs; None when the
    shared stamp was never raised or the database cannot be read (the page is then worked out)."""
    person = person_stamp(user_id)
    try:
        found = _stamp_reader(app).read((SHARED_STAMP, person))
    except Exception:
        logger.warning("could not read the page stamps", exc_info=True)
        return None
    shared = found.get(SHARED_STAMP)
    if shared is None:
        return None
    return shared, found.get(person)


def page_key(environ: dict[str, Any], session_cookie: str) -> _Key | None:
    """Everything a page's answer may depend on besides the database: the session (by its
    signed text), the address, the language asked for. None for a request without a session."""
    cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
    text = cookies.get(session_cookie)
    if not text:
        return None
    return (
        text,
        environ.get("wsgi.url_scheme", ""),
        environ.get("HTTP_HOST", ""),
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        cookies.get(LOCALE_COOKIE, ""),
        environ.get("HTTP_ACCEPT_LANGUAGE", ""),
    )


def _signed_at(session_text: str) -> float:
    """When a signed session cookie was signed (its itsdangerous timestamp), 0 if unreadable."""
    try:
        return float(bytes_to_int(base64_decode(session_text.rsplit(".", 2)[1])))
    except (IndexError, ValueError, TypeError):
        return 0.0


def _writes_pending() -> bool:
    """Whether this thread's database session holds writes not yet committed. Requests never
    do when they begin; tests do, sharing one session with the requests they make."""
    return has_app_context() and db.session.registry.has() and has_pending_changes(db.session())


class RememberedPages:
    """The WSGI layer that answers plain visits from memory and keeps the pages Flask marks."""

    def __init__(self, app: Flask, wsgi_app: Callable, memory: PageMemory) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.memory = memory

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        key = None
        if environ.get("REQUEST_METHOD") == "GET":
            key = page_key(environ, self.app.config["SESSION_COOKIE_NAME"])
        if key is None:
            return self.wsgi_app(environ, start_response)
        page = self.memory.get(key)
        if page is not None and self._still_valid(page):
            start_response(page.status, page.headers)
            return [page.body]
        environ[_KEY] = key
        answered: list[Any] = []

        def remember_start(status: str, headers: list, exc_info: Any = None) -> Callable:
            answered[:] = [status, headers]
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, remember_start)
        kept = environ.get(_KEEP)
        if kept is None or not answered:
            return body
        status, headers = answered
        if any(name.lower() == "set-cookie" for name, _value in headers):
            return body  # the session changed: its next visits send another cookie
        try:
            data = b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        person, stamps, day = kept
        lifetime = self.app.permanent_session_lifetime.total_seconds()
        self.memory.keep(
            key,
            RememberedPage(
                status,
                list(headers),
                data,
                person,
                stamps,
                day,
                time.monotonic() + self.memory.seconds,
                _signed_at(key[0]) + lifetime,
            ),
        )
        return [data]

    def _still_valid(self, page: RememberedPage) -> bool:
        if page.expires <= time.monotonic() or page.session_ends <= time.time():
            return False
        if page.day != oslo_today() or _writes_pending():
            return False
        return read_page_stamps(self.app, page.person) == page.stamps


def note_plain_visit() -> None:
    """Before each request, first: for a plain visit that may be kept, read its stamps before
    anything of the page is read, the user included."""
    if _KEY not in request.environ or request.endpoint is None:
        return
    view = current_app.view_functions.get(request.endpoint)
    if not getattr(view, "remember_page", False):
        return
    identity = read_identity(session.get("_user_id"))
    if identity is None or not session.keys() <= PLAIN_SESSION_KEYS or _writes_pending():
        return
    user_id, _version = identity
    stamps = read_page_stamps(current_app, user_id)
    if stamps is not None:
        request.environ[_PENDING] = (user_id, stamps, oslo_today())


def mark_fit_to_keep(response: Response) -> Response:
    """After each request: mark a plain visit's answer to be kept when it is a whole HTML page
    and the session is as it was."""
    pending = request.environ.get(_PENDING)
    if (
        pending is not None
        and response.status_code == 200
        and response.mimetype == "text/html"
        and not response.is_streamed
        and not session.modified
        and session.keys() <= PLAIN_SESSION_KEYS
    ):
        request.environ[_KEEP] = pending
    return response


def init_app(app: Flask) -> None:
    """Answer plain visits from memory in front of Flask (inside any proxy fix)."""
    seconds = app.config["NORSKVEI_PAGE_MEMORY_SECONDS"]
    if not seconds:
        return
    memory = app.extensions[_MEMORY] = PageMemory(
        app.config["NORSKVEI_PAGE_MEMORY_MB"] << 20, seconds
    )
    # First of all hooks: the stamps must be read before anything the page shows is, the
    # user included (the access check loads them).
    app.before_request_funcs.setdefault(None, []).insert(0, note_plain_visit)
    # Registered first, so it runs last: it sees the headers every other hook added.
    app.after_request_funcs.setdefault(None, []).insert(0, mark_fit_to_keep)
    if isinstance(app.wsgi_app, ProxyFix):
        app.wsgi_app.app = RememberedPages(app, app.wsgi_app.app, memory)
    else:
        app.wsgi_app = RememberedPages(app, app.wsgi_app, memory)  # type: ignore[method-assign]
