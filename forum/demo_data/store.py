"""Writing demo rows fast: SQLAlchemy Core `insert()` executemany in batches, explicit ids
(so rows can point at each other before they are written), and PostgreSQL's sequences moved
past them afterwards. The same code serves SQLite and PostgreSQL."""

from collections.abc import Iterable
from itertools import islice

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Connection

BATCH = 10_000


def next_ids(connection: Connection, tables: Iterable[Table]) -> dict[str, int]:
    """For each table, the first id after the rows already there."""
    return {
        table.name: (connection.scalar(select(func.max(table.c.id))) or 0) + 1
        for table in tables
    }


def insert_all(connection: Connection, table: Table, rows: Iterable[dict]) -> int:
    """Insert rows in batches of BATCH with one executemany each; returns how many."""
    total, iterator = 0, iter(rows)
    while batch := list(islice(iterator, BATCH)):
        connection.execute(table.insert(), batch)
        total += len(batch)
    return total


def analyze(connection: Connection) -> None:
    """Refresh the planner's statistics after a bulk load (SQLite and PostgreSQL alike):
    without them SQLite sorts the open board by hand instead of walking an index."""
    connection.exec_driver_sql("ANALYZE")


def move_sequences(connection: Connection, tables: Iterable[Table]) -> None:
    """On PostgreSQL, let each id sequence continue after the largest id (a no-op elsewhere)."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        connection.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
        ))
