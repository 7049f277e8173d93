"""`forum backup PATH` makes a consistent copy while the app runs; a restore brings it back."""

import shutil
import subprocess
import uuid

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from forum.extensions import db
from forum.models import User
from tests.factories import make_user

pytestmark = pytest.mark.real_commits  # the backup reads the database on its own connection


def user_names():
    return sorted(db.session.scalars(select(User.username)))


def is_sqlite(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def test_backup_then_restore_brings_back_the_rows(app, runner, tmp_path):
    if not is_sqlite(app):
        pytest.skip("restore into the live database is the SQLite path; PostgreSQL uses pg_restore")
    make_user("alice")
    make_user("bob")
    target = tmp_path / "forum-backup.db"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.output

    db.session.delete(db.session.scalar(select(User).where(User.username == "bob")))
    make_user("carol")
    db.session.commit()
    assert user_names() == ["alice", "carol"]

    db.session.remove()
    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert user_names() == ["alice", "bob"]


def test_backup_refuses_to_overwrite_and_restore_refuses_a_bad_file(app, runner, tmp_path):
    existing = tmp_path / "exists.db"
    existing.write_text("x")
    result = runner.invoke(args=["backup", str(existing)])
    assert result.exit_code == 1
    assert "already exists" in result.output
    if is_sqlite(app):
        result = runner.invoke(args=["restore", str(existing), "--yes"])
        assert result.exit_code == 1
        assert "not an SQLite database" in result.output
        empty = tmp_path / "empty.db"
        import sqlite3

        sqlite3.connect(empty).execute("CREATE TABLE t (x)").connection.close()
        result = runner.invoke(args=["restore", str(empty), "--yes"])
        assert result.exit_code == 1
        assert "not a Forecast Forum backup" in result.output
        assert user_names() == []  # nothing was replaced
    result = runner.invoke(args=["restore", str(tmp_path / "missing.db"), "--yes"])
    assert result.exit_code == 1
    assert "no such backup file" in result.output or "pg_restore" in result.output


def test_postgresql_backup_restores_with_pg_restore(app, runner, tmp_path):
    if is_sqlite(app):
        pytest.skip("runs when the suite runs on PostgreSQL")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump/pg_restore not installed")
    make_user("alice")
    target = tmp_path / "forum.dump"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    name = f"forum_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        plain = url.set(drivername="postgresql", database=name)
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={plain.render_as_string(False)}",
                        str(target)], check=True, capture_output=True)
        restored = create_engine(url.set(database=name))
        with restored.connect() as connection:
            count = connection.scalar(select(func.count()).select_from(User.__table__))
        restored.dispose()
        assert count == 1
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
