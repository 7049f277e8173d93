"""Rate-limit counters in a SQLite file, shared by every worker process of one machine.

`make run` serves with several gunicorn workers and no Redis; counters kept in each worker's
memory would multiply every limit by the number of workers (SPEC.md §6a). This store, used
when `RATELIMIT_STORAGE_URI` is unset, keeps them in `instance/ratelimits.db` instead: each
check-and-count is one `BEGIN IMMEDIATE` transaction, so two workers never both take the last
place in a window. Importing the module registers the `sqlite:///PATH` scheme with `limits`
(four slashes for an absolute path, as in `DATABASE_URL`).
"""

import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from typing import ClassVar

from limits.errors import ConfigurationError
from limits.storage import MovingWindowSupport, Storage

from forum.database import use_wal

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS window_entries (key TEXT NOT NULL, at REAL NOT NULL, "
    + "expires REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS window_entries_key_at ON window_entries (key, at)",
    "CREATE INDEX IF NOT EXISTS window_entries_expires ON window_entries (expires)",
    "CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, value INTEGER NOT NULL, "
    + "expires REAL NOT NULL)",
)
SWEEP_EVERY = 60.0  # seconds between deletions of every expired row (a key's own go at once)


class SQLiteStorage(Storage, MovingWindowSupport):
    """The fixed- and moving-window strategies of `limits`, on a SQLite file."""

    STORAGE_SCHEME: ClassVar[list[str]] = ["sqlite"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **_options):
        path = uri.split(":///", 1)[1] if ":///" in uri else ""
        if not path or path == ":memory:":
            raise ConfigurationError(f"{uri}: name a file, e.g. sqlite:////var/lib/forum/rl.db")
        self.path = path
        self._local = threading.local()
        self._last_sweep = 0.0
        super().__init__(uri, wrap_exceptions=wrap_exceptions)

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        """One connection per thread and process (a forked worker opens its own)."""
        connection = getattr(self._local, "connection", None)
        if connection is None or self._local.pid != os.getpid():
            connection = sqlite3.connect(self.path, timeout=10, isolation_level=None,
                                         check_same_thread=False)
            connection.execute("PRAGMA busy_timeout = 10000")
            use_wal(connection)
            connection.execute("PRAGMA synchronous = NORMAL")  # counters need no fsync
            with _immediate(connection):  # two workers starting at once make it once
                for statement in _SCHEMA:
                    connection.execute(statement)
            self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    @contextmanager
    def _write(self):
        """A write transaction that holds the file's lock from its first statement."""
        connection = self._connection()
        with _immediate(connection):
            now = time.time()
            if now - self._last_sweep > SWEEP_EVERY:
                self._last_sweep = now
                connection.execute("DELETE FROM window_entries WHERE expires <= ?", (now,))
                connection.execute("DELETE FROM counters WHERE expires <= ?", (now,))
            yield connection, now

    # The moving window (the strategy this app uses) -----------------------------------------

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        with self._write() as (connection, now):
            connection.execute("DELETE FROM window_entries WHERE key = ? AND expires <= ?",
                               (key, now))
            (count,) = connection.execute(
                "SELECT COUNT(*) FROM window_entries WHERE key = ? AND at > ?",
                (key, now - expiry)).fetchone()
            if count + amount > limit:
                return False
            connection.executemany("INSERT INTO window_entries VALUES (?, ?, ?)",
                                   [(key, now, now + expiry)] * amount)
            return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        oldest, count = self._connection().execute(
            "SELECT MIN(at), COUNT(*) FROM window_entries WHERE key = ? AND at > ?",
            (key, now - expiry)).fetchone()
        return (oldest if count else now), count

    # Fixed-window counters ----------------------------------------------------------------

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        with self._write() as (connection, now):
            connection.execute("DELETE FROM counters WHERE key = ? AND expires <= ?", (key, now))
            connection.execute(
                "INSERT INTO counters VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = value + excluded.value",
                (key, amount, now + expiry))
            (value,) = connection.execute("SELECT value FROM counters WHERE key = ?",
                                          (key,)).fetchone()
            return value

    def get(self, key: str) -> int:
        row = self._connection().execute(
            "SELECT value FROM counters WHERE key = ? AND expires > ?",
            (key, time.time())).fetchone()
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._connection().execute(
            "SELECT expires FROM counters WHERE key = ? AND expires > ?",
            (key, time.time())).fetchone()
        return row[0] if row else time.time()

    # Housekeeping ---------------------------------------------------------------------------

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int:
        with self._write() as (connection, _):
            removed = connection.execute("DELETE FROM window_entries").rowcount
            return removed + connection.execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        with self._write() as (connection, _):
            connection.execute("DELETE FROM window_entries WHERE key = ?", (key,))
            connection.execute("DELETE FROM counters WHERE key = ?", (key,))


@contextmanager
def _immediate(connection: sqlite3.Connection):
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
