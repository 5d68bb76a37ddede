"""Settings every new database connection gets.

SQLite runs in write-ahead-log mode with ``synchronous=NORMAL``: readers no longer wait for a
writer, and a commit no longer waits for the disk twice (it stays atomic and survives a crash of
the app; only a power cut can lose the last moments). That is the setting SQLite recommends for
web applications, and it takes each small write (a heartbeat, an answer) from milliseconds to
well under one.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Engine, event, text

from webapp.extensions import db


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()


def commit_without_waiting_for_disk() -> None:
    """Commit the request's transaction without waiting for the disk, for writes whose loss in
    a server crash costs nothing that matters (a heartbeat's half minute of study time).

    On PostgreSQL this is ``synchronous_commit = off`` for this one transaction: the commit is
    still atomic and never corrupts anything, it may only be lost if the server crashes within
    the next fraction of a second. SQLite in WAL mode with NORMAL sync already commits so.
    """
    session = db.session()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    session.commit()
