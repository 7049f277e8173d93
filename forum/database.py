"""The database layer: the declarative base, a UTC datetime type, and connection settings
(SQLite for concurrent use: WAL, busy timeout, foreign keys, write locks)."""

import functools
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from flask import after_this_request, g, has_request_context, request
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator

from forum.clock import as_utc

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Stored as naive UTC on every backend; read back as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        return None if value is None else as_utc(value).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    """Every model's base; its metadata names constraints by NAMING_CONVENTION."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )

_WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Set (in `g`) on a request that checkpoints SQLite's log after its response, and (in a pooled
# connection's info) to the wal_autocheckpoint value to put back when it returns to the pool.
_CHECKPOINT_LATER = "forum_checkpoint_after_response"
# Set while a background job runs: its transactions write, so they take the lock up front too.
WRITING_JOB: ContextVar[bool] = ContextVar("writing_job", default=False)


def configure_engine(engine: Engine) -> None:
    """Set SQLite's pragmas on every connection, and take the write lock up front for writes."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            use_wal(dbapi_connection)
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection, record, _proxy):
        # Every connection the request uses, its after-request steps' included.
        if has_request_context() and g.get(_CHECKPOINT_LATER):
            _pause_autocheckpoint(dbapi_connection, record.info)

    @event.listens_for(engine, "checkin")
    def on_checkin(dbapi_connection, record):
        previous = record.info.pop(_CHECKPOINT_LATER, None)
        if previous is not None and dbapi_connection is not None:
            dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={int(previous)}")

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # A request that writes takes the write lock when its transaction starts, so it waits
        # (busy timeout) instead of failing later with "database is locked" on lock upgrade.
        if (has_request_context() and request.method in _WRITE_METHODS) or \
                WRITING_JOB.get():
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def use_wal(dbapi_connection: sqlite3.Connection, patience: float = 30.0) -> None:
    """Put a SQLite file in write-ahead-log mode (a no-op once it is). Changing the mode takes
    the file's exclusive lock, and SQLite does not always wait out the busy timeout for it
    while other processes open the new file at the same moment (seen in CI: four processes
    opening a new rate-limit file together, one of which got "database is locked" with a
    10 s busy timeout): so try again until `patience` seconds have passed."""
    deadline = time.monotonic() + patience
    while True:
        try:
            dbapi_connection.execute("PRAGMA journal_mode=WAL").fetchall()
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def checkpoint_after_response(connection: Connection) -> None:
    """SQLite: copy this request's writes from the write-ahead log into the database file
    once its response has gone out, not inside its commit.

    SQLite checkpoints in the commit that takes the log past 1,000 pages. Resolving the
    busiest prediction writes about 17,000 (its 5,000 score rows and notifications land on
    nearly every page of the per-user indexes), and copying them back costs 0.1 s of CPU and
    an fsync inside the moderator's wait. Here the commit leaves them in the log, as
    durable there as after any commit and read from there meanwhile; the worker checkpoints
    when the response is sent, before it takes its next request, and the connection gets its
    usual checkpoint threshold back when it returns to the pool. Does nothing on other
    databases (PostgreSQL checkpoints in a process of its own) or outside a request (commands
    and jobs checkpoint as they commit).
    """
    if connection.dialect.name != "sqlite" or not has_request_context() or \
            g.get(_CHECKPOINT_LATER):
        return
    setattr(g, _CHECKPOINT_LATER, True)
    _pause_autocheckpoint(connection.connection.dbapi_connection, connection.connection.info)
    engine = connection.engine

    @after_this_request
    def checkpoint_when_sent(response):
        response.call_on_close(lambda: _checkpoint(engine))
        return response


def _pause_autocheckpoint(dbapi_connection, info: dict) -> None:
    if _CHECKPOINT_LATER not in info:
        info[_CHECKPOINT_LATER] = dbapi_connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


def _checkpoint(engine: Engine) -> None:
    """A passive checkpoint (it waits for nobody) on a connection of its own, opened beside the
    pool so that it holds no transaction and takes no pooled connection from a request. One
    that fails is only logged: the next commit past the threshold checkpoints anyway."""
    if engine.url.database in (None, "", ":memory:"):
        return
    try:
        connection = sqlite3.connect(engine.url.database, isolation_level=None)
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            connection.close()
    except sqlite3.Error as error:
        logging.getLogger("forum").warning("checkpoint after the response failed: %s", error)


@contextmanager
def roomy_sqlite_cache(connection: Connection, megabytes: int = 128) -> Iterator[None]:
    """On SQLite, a larger page cache for this connection during a bulk write: index inserts
    land all over the b-trees, and the default 2 MB cache turns them into reads. A no-op on
    other databases."""
    if connection.dialect.name != "sqlite":
        yield
        return
    previous = int(connection.exec_driver_sql("PRAGMA cache_size").scalar())
    connection.exec_driver_sql(f"PRAGMA cache_size=-{int(megabytes) * 1024}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={previous}")


def prebuilt(build: Callable) -> Callable:
    """A statement built once per set of arguments and then reused, its values passed as
    bound parameters when it runs.

    For the few statements every member's page runs (the log-in's user, the unread count,
    the viewer's votes and standing forecasts): building an ORM statement costs SQLAlchemy
    about 0.5 ms of Python each time, more than SQLite takes to answer it, while a built one
    runs from its compiled cache. The arguments say which shape (a moderator's or a member's
    filter, say); the values (ids) are bound parameters, lists of them `expanding`."""
    return functools.cache(build)
