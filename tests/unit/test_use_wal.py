"""forum.database.use_wal: a SQLite file is put in write-ahead-log mode even while another
process holds the lock that the change needs, as happens when several processes open a new
file at once and SQLite answers "database is locked" without waiting out its busy timeout."""

import sqlite3
import threading
import time

import pytest

from forum.database import use_wal


def open_file(path) -> sqlite3.Connection:
    """A connection whose busy timeout is 0: SQLite answers "locked" at once, standing in for
    the race this guards, in which it did not wait out the timeout."""
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA busy_timeout = 0")
    return connection


def hold_lock(path, seconds: float) -> threading.Thread:
    """Another connection takes the file's exclusive lock and lets go after `seconds`."""
    ready = threading.Event()

    def hold():
        holder = open_file(path)
        holder.execute("BEGIN EXCLUSIVE")
        ready.set()
        time.sleep(seconds)
        holder.execute("COMMIT")
        holder.close()

    thread = threading.Thread(target=hold)
    thread.start()
    ready.wait(5)
    return thread


def test_a_locked_file_is_switched_once_the_lock_goes(tmp_path):
    path = tmp_path / "new.db"
    open_file(path).execute("CREATE TABLE t (x)")
    holder = hold_lock(path, 0.4)
    connection = open_file(path)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        connection.execute("PRAGMA journal_mode=WAL").fetchall()  # what failed before
    started = time.monotonic()
    use_wal(connection)
    holder.join()
    assert time.monotonic() - started >= 0.2
    assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_lock_held_past_the_patience_is_still_an_error(tmp_path):
    path = tmp_path / "new.db"
    open_file(path).execute("CREATE TABLE t (x)")
    holder = hold_lock(path, 1.0)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            use_wal(open_file(path), patience=0.2)
    finally:
        holder.join()


def test_other_errors_are_not_retried(tmp_path):
    connection = open_file(tmp_path / "new.db")
    connection.close()
    with pytest.raises(sqlite3.ProgrammingError):
        use_wal(connection)
