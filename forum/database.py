"""The database layer: the declarative base, a UTC datetime type, and connection settings
(SQLite for concurrent use: WAL, busy timeout, foreign keys, write locks)."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from flask import has_request_context, request
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
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # A request that writes takes the write lock when its transaction starts, so it waits
        # (busy timeout) instead of failing later with "database is locked" on lock upgrade.
        if (has_request_context() and request.method in _WRITE_METHODS) or \
                WRITING_JOB.get():
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


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
