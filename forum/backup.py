"""Backups: SQLite's online backup API (consistent while the app serves), pg_dump for PostgreSQL."""

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, make_url


class BackupError(RuntimeError):
    """A backup or restore that could not be made, with the reason in words."""


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory database has nothing to back up.")
    return Path(url.database)


def backup(database_url: str, target: Path) -> Path:
    """Copy the live database to `target` without stopping the app."""
    url = make_url(database_url)
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new file name.")
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        destination = sqlite3.connect(target)
        try:
            with destination:
                source.backup(destination)
        finally:
            destination.close()
            source.close()
        return target
    if url.get_backend_name() == "postgresql":
        return _pg_dump(url, target)
    raise BackupError(f"backups of {url.get_backend_name()} databases are not supported.")


def _pg_dump(url: URL, target: Path) -> Path:
    if shutil.which("pg_dump") is None:
        raise BackupError("pg_dump is not installed (Debian: apt-get install postgresql-client).")
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    result = subprocess.run(["pg_dump", "--format=custom", f"--file={target}", plain],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    return target


def restore(database_url: str, source: Path) -> None:
    """Replace the SQLite database's contents with a backup (stop the app servers first)."""
    url = make_url(database_url)
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source}: no such backup file.")
    if url.get_backend_name() != "sqlite":
        raise BackupError("restore PostgreSQL backups with pg_restore --clean (see README).")
    with source.open("rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            raise BackupError(f"{source} is not an SQLite database.")
    backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        migrated = backup_db.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'"
        ).fetchone()[0]
    except sqlite3.DatabaseError as error:
        backup_db.close()
        raise BackupError(f"{source} is not an SQLite database ({error}).") from None
    if not migrated:
        backup_db.close()
        raise BackupError(f"{source} is not a Forecast Forum backup (it has no schema version).")
    live = sqlite3.connect(_sqlite_path(url))
    try:
        with live:
            backup_db.backup(live)
    finally:
        live.close()
        backup_db.close()
