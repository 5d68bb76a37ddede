"""One scheduler per deployment, whatever is started: a lock only one process can hold.

On PostgreSQL the lock is a session-level advisory lock on a connection the scheduler keeps
open for as long as it runs (the server releases it when that connection ends, also when the
process is killed). On SQLite, which has no such locks, it is an exclusive ``flock`` on a file
beside the database, released by the kernel when the process ends. A second scheduler (a second
``flask scheduler run``, or one per host) waits on standby and takes over when the first stops.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

logger = logging.getLogger(__name__)

# pg_try_advisory_lock takes a 64-bit key: "Norskvei" in ASCII, one number for this app.
ADVISORY_KEY = int.from_bytes(b"Norskvei", "big") & 0x7FFFFFFFFFFFFFFF


class SchedulerLock:
    """The deployment's one scheduler lock; ``acquire`` never blocks."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Connection | None = None
        self._file: IO[bytes] | None = None

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def acquire(self) -> bool:
        """Take the lock if nobody holds it; True when this process holds it now."""
        if self.held():
            return True
        if self.is_postgresql:
            return self._acquire_advisory()
        return self._acquire_file()

    def held(self) -> bool:
        """True while this process still holds the lock (the advisory lock's connection may
        have been cut, which releases it)."""
        if self._file is not None:
            return True
        if self._connection is None:
            return False
        try:
            count = self._connection.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                    " AND pid = pg_backend_pid() AND granted"
                )
            ).scalar_one()
        except Exception:
            logger.warning("the scheduler lock's connection is gone", exc_info=True)
            self._drop_connection()
            return False
        return bool(count)

    def release(self) -> None:
        """Give the lock up (the process is stopping)."""
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        self._drop_connection()

    def _acquire_advisory(self) -> bool:
        connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        got = connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}
        ).scalar_one()
        if got:
            self._connection = connection
            return True
        connection.close()  # holds nothing: back to the pool
        return False

    def _acquire_file(self) -> bool:
        handle = lock_file_path(str(self.engine.url)).open("a+b")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def _drop_connection(self) -> None:
        """Unlock and end the lock's connection: closed, not returned to the pool, where the
        session (and the lock with it) would live on."""
        if self._connection is not None:
            try:
                self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY}
                )
            except Exception:
                logger.debug("unlocking over a broken connection failed", exc_info=True)
            self._connection.invalidate()
            self._connection.close()
            self._connection = None


def lock_file_path(database_url: str) -> Path:
    """The lock file beside an SQLite database (in the working folder for one in memory)."""
    database = make_url(database_url).database
    if not database or database == ":memory:":
        return Path(os.getcwd()) / "norskvei-scheduler.lock"
    return Path(database).with_name(Path(database).name + ".scheduler.lock")
