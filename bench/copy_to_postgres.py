"""Copy a forum's SQLite database into an empty PostgreSQL database, so `make bench` can run on
PostgreSQL with `--reuse` at full size: `forum demo-data` writes the 1,000,000 forecasts and
200,000 comments row by row through the search triggers and takes most of an hour on
PostgreSQL, while COPY moves the same rows in minutes.

    python -m bench.copy_to_postgres sqlite:////tmp/full/forum.db \\
        postgresql+psycopg://postgres@127.0.0.1:5432/bench_full

The PostgreSQL database is created when it doesn't exist and must hold no tables when it does.
Its schema comes from the app's migrations (the head revision), so it is exactly what
`forum db upgrade` makes; the SQLite file may be at an older revision, as long as its tables'
columns are still there (a table the migrations dropped is left out and named). Then every
table is copied parent before child with `COPY … FROM STDIN`, reading SQLite in batches, all
in one transaction (a failed copy leaves the tables empty: drop the database and run again).
Left out: SQLite's FTS5 search tables, which PostgreSQL replaces by its own search columns
(generated, so COPY fills them) and `search_terms` (filled afterwards in one statement, the
per-row triggers on predictions and comments switched off during the copy). Afterwards the id
sequences continue after the copied ids, the row counts of the two databases are compared, and
VACUUM ANALYZE gives the planner its statistics and the index-only scans their visibility map.
The SQLite file is only read.
"""

import argparse
import importlib.util
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import MetaData, Table, create_engine, text
from sqlalchemy.engine import URL, Connection, Engine, make_url

from forum.demo_data.store import move_sequences
from forum.search import SEARCH_TABLE_PREFIX

BATCH = 10_000  # rows read from SQLite at a time: memory stays bounded whatever the table
NOT_DATA = {"alembic_version"}  # each database keeps its own revision
# Filled from the copied rows, not copied: migration 0013_search_terms's statement for the
# rows already there (per prediction, the words of its claim, criteria and shown comments).
SEARCH_TERMS_MIGRATION = Path(__file__).parents[1] / "migrations/versions/0013_search_terms.py"


def _derived() -> dict[str, str]:
    spec = importlib.util.spec_from_file_location("search_terms_migration",
                                                  SEARCH_TERMS_MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {"search_terms": module.FILL}


DERIVED = _derived()


class CopyError(Exception):
    """Why the copy can't go ahead (or didn't come out right), in words for the command line."""


@dataclass
class Plan:
    """What the copy does, decided from the two schemas before a row moves."""

    tables: list[Table]  # the target's tables to copy into, parents first
    columns: dict[str, list[str]]  # per table: the columns both have (generated ones left out)
    left_out: list[str]  # SQLite tables with no place in the target (named in the output)


@dataclass
class Report:
    rows: dict[str, int]
    seconds: dict[str, float]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.copy_to_postgres",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sqlite_url", help="sqlite:////path/to/forum.db (only read)")
    parser.add_argument("postgres_url", help="postgresql+psycopg://user@host:port/database "
                                             "(created if missing; must hold no tables)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        report = copy_database(args.sqlite_url, args.postgres_url, echo=print)
    except CopyError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    total = sum(report.rows.values())
    print(f"Copied {total:,} rows in {len(report.rows)} tables; "
          f"took {time.perf_counter() - started:.1f} s in all.")
    return 0


def copy_database(sqlite_url: str, postgres_url: str,
                  echo: Callable[[str], None] = lambda _line: None) -> Report:
    """The whole copy (see the module's docstring); raises CopyError."""
    source = _open_sqlite(sqlite_url)
    target_url = _postgres_url(postgres_url)
    try:
        _create_if_missing(target_url, echo)
        engine = create_engine(target_url)
        try:
            _refuse_tables(engine)
            step = time.perf_counter()
            migrate(target_url.render_as_string(hide_password=False))
            echo(f"Schema made by the migrations in {time.perf_counter() - step:.1f} s.")
            plan = _plan(source, engine)
            for name in plan.left_out:
                echo(f"Left out: {name} (not in the migrated schema)")
            report = _copy(source, engine, plan, echo)
            _check_counts(source, engine, plan)
            step = time.perf_counter()
            _vacuum_analyze(engine)
            echo(f"VACUUM ANALYZE in {time.perf_counter() - step:.1f} s.")
            return report
        finally:
            engine.dispose()
    finally:
        source.close()


def migrate(database_url: str) -> None:
    """The schema of the head revision, made by the app's own migrations (`forum db upgrade`)."""
    import flask_migrate

    from forum.app import create_app
    from forum.extensions import db

    app = create_app(None, SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY="copy-to-postgres",
                     FORUM_ENV="development", RATELIMIT_ENABLED=False)
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


def _open_sqlite(url: str) -> sqlite3.Connection:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        raise CopyError(f"the source must be an SQLite file URL (sqlite:////path), not {url!r}")
    path = Path(parsed.database)
    if not path.is_file():
        raise CopyError(f"no such SQLite file: {path}")
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as error:
        connection.close()
        raise CopyError(f"{path} is not an SQLite database: {error}") from None
    return connection


def _postgres_url(url: str) -> URL:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql" or not parsed.database:
        raise CopyError("the target must be a PostgreSQL URL with a database name "
                        f"(postgresql+psycopg://user@host:port/name), not {url!r}")
    return parsed.set(drivername="postgresql+psycopg")


def _create_if_missing(url: URL, echo: Callable[[str], None]) -> None:
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                       {"name": url.database})
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{url.database}"'))
                echo(f"Created the database {url.database}.")
    finally:
        admin.dispose()


def _refuse_tables(engine: Engine) -> None:
    """Copying into a database that holds tables could mix two forums' rows: refuse."""
    with engine.connect() as connection:
        names = connection.scalars(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "ORDER BY tablename")).all()
    if names:
        raise CopyError(f"the database {engine.url.database} already holds tables "
                        f"({', '.join(names[:5])}{', …' if len(names) > 5 else ''}); "
                        "copy into an empty one (dropdb, then run this again)")


def _sqlite_tables(source: sqlite3.Connection) -> dict[str, list[str]]:
    """SQLite's tables (FTS5's virtual and shadow tables left out) and their columns."""
    names = [row[0] for row in source.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]
    return {name: [row[1] for row in source.execute(f'PRAGMA table_info("{name}")')]
            for name in names
            if not name.startswith(SEARCH_TABLE_PREFIX) and name not in NOT_DATA}


def _plan(source: sqlite3.Connection, engine: Engine) -> Plan:
    metadata = MetaData()
    metadata.reflect(engine)
    sqlite_tables = _sqlite_tables(source)
    tables, columns = [], {}
    for table in metadata.sorted_tables:
        if table.name in NOT_DATA or table.name in DERIVED:
            continue
        if table.name not in sqlite_tables:
            continue  # newer than the SQLite file: left as the migrations made it
        tables.append(table)
        columns[table.name] = _common_columns(table, sqlite_tables[table.name])
    left_out = sorted(set(sqlite_tables) - set(metadata.tables))
    return Plan(tables=tables, columns=columns, left_out=left_out)


def _common_columns(table: Table, sqlite_columns: list[str]) -> list[str]:
    """The target's columns to fill from SQLite: every stored one (PostgreSQL computes the
    generated search columns itself). One SQLite lacks must be able to stay empty."""
    wanted = [column for column in table.columns if column.computed is None]
    missing = [column.name for column in wanted if column.name not in sqlite_columns
               and not column.nullable and column.server_default is None]
    if missing:
        raise CopyError(f"{table.name}: the SQLite table has no {', '.join(missing)}, which "
                        "PostgreSQL requires; upgrade the SQLite file first (forum db upgrade)")
    dropped = [name for name in sqlite_columns if name not in table.columns]
    if dropped:
        raise CopyError(f"{table.name}: the migrated schema has no {', '.join(dropped)}; "
                        "copying would lose them")
    return [column.name for column in wanted if column.name in sqlite_columns]


def _copy(source: sqlite3.Connection, engine: Engine, plan: Plan,
          echo: Callable[[str], None]) -> Report:
    report = Report(rows={}, seconds={})
    with engine.begin() as connection:
        triggered = _tables_with_user_triggers(connection)
        for name in triggered:
            connection.exec_driver_sql(f'ALTER TABLE "{name}" DISABLE TRIGGER USER')
        for table in plan.tables:
            started = time.perf_counter()
            # A row the migrations put in (none at the head revision) gives way to the copy.
            connection.execute(table.delete())
            count = _copy_table(source, connection, table, plan.columns[table.name])
            report.rows[table.name] = count
            report.seconds[table.name] = time.perf_counter() - started
            echo(f"  {table.name}: {count:,} rows in {report.seconds[table.name]:.1f} s")
        for name in triggered:
            connection.exec_driver_sql(f'ALTER TABLE "{name}" ENABLE TRIGGER USER')
        for name, statement in DERIVED.items():
            started = time.perf_counter()
            connection.exec_driver_sql(statement)
            echo(f"  {name}: rebuilt in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        move_sequences(connection, [table for table in plan.tables if _has_serial_id(table)])
        echo(f"  sequences moved past the copied ids in {time.perf_counter() - started:.1f} s")
    return report


def _tables_with_user_triggers(connection: Connection) -> list[str]:
    """The tables with triggers of the app's own (search_terms' on predictions and comments):
    COPY would fire them per row, which the one statement of DERIVED replaces. The foreign-key checks
    are the system's triggers and stay on."""
    return connection.scalars(text(
        "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal "
        "ORDER BY 1")).all()


def _has_serial_id(table: Table) -> bool:
    """An `id` filled by a sequence (serial or identity): the ones move_sequences moves."""
    column = table.columns.get("id")
    if column is None:
        return False
    default = column.server_default
    return column.identity is not None or (default is not None and "nextval(" in str(default.arg))


def _copy_table(source: sqlite3.Connection, connection: Connection, table: Table,
                columns: list[str]) -> int:
    """Stream one table's rows into `COPY table (columns) FROM STDIN`; returns how many.

    SQLite's values go as they are, in COPY's text format, where PostgreSQL reads each by its
    column's type: booleans stored as 0/1 become false/true ('0' and '1' are boolean input);
    times stored as naive-UTC text ('2026-02-25 00:44:58.407077', forum.database.UTCDateTime)
    become `timestamp without time zone` unchanged, dates likewise; JSON is text both ways;
    floats go as Python's repr, which reads back to the same double."""
    quoted = ", ".join(f'"{name}"' for name in columns)
    cursor = connection.connection.dbapi_connection.cursor()
    count = 0
    with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        for batch in _batches(source, f'SELECT {quoted} FROM "{table.name}" ORDER BY rowid'):
            for row in batch:
                copy.write_row(row)
            count += len(batch)
    return count


def _batches(source: sqlite3.Connection, query: str) -> Iterator[list[tuple]]:
    cursor = source.execute(query)
    while batch := cursor.fetchmany(BATCH):
        yield batch


def _check_counts(source: sqlite3.Connection, engine: Engine, plan: Plan) -> None:
    """Every copied table holds as many rows as in SQLite (CopyError naming those that don't)."""
    with engine.connect() as connection:
        wrong = []
        for table in plan.tables:
            expected = source.execute(f'SELECT count(*) FROM "{table.name}"').fetchone()[0]
            found = connection.scalar(text(f'SELECT count(*) FROM "{table.name}"'))
            if expected != found:
                wrong.append(f"{table.name}: {found:,} of {expected:,}")
    if wrong:
        raise CopyError("the row counts differ after the copy: " + "; ".join(wrong))


def _vacuum_analyze(engine: Engine) -> None:
    """VACUUM can't run inside a transaction: on a connection of its own, in autocommit."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
