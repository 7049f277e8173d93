"""`python -m bench.copy_to_postgres`: demo data made on SQLite arrives whole in PostgreSQL,
where the app reads it as it would its own (same rows, same search results, new ids after
the copied ones). PostgreSQL only: it needs a server to copy into."""

import os
import sqlite3

import flask_migrate
import pytest
from sqlalchemy import create_engine, func, select, text, update

from bench.copy_to_postgres import CopyError, copy_database
from config import TestConfig
from forum import search
from forum.app import create_app
from forum.demo_data import DemoSizes, generate
from forum.extensions import db
from forum.models import Comment, Prediction, Score
from tests.databases import temporary_postgres_database

SERVER = os.environ.get("TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(
    not SERVER.startswith("postgresql"),
    reason="copies into PostgreSQL: runs when TEST_DATABASE_URL names a PostgreSQL server")

SEARCHES = ("korea", "sanctions patchy korea", "satellite imagery")


def sqlite_demo_database(path) -> str:
    """A migrated SQLite file with small demo data, one comment hidden and one deleted (so
    the copy must keep them out of PostgreSQL's comment search as SQLite's index does)."""
    url = f"sqlite:///{path}"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        flask_migrate.upgrade()
        generate(DemoSizes(users=30, predictions=40, forecasts=900, comments=400, seed=5))
        db.session.execute(update(Comment).where(Comment.id == 1).values(hidden=True))
        db.session.execute(update(Comment).where(Comment.id == 2).values(deleted=True))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return url


def read(url: str, reader):
    """What `reader()` returns inside an app context on the database at `url`."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        try:
            return reader()
        finally:
            db.session.remove()
            db.engine.dispose()


def row_counts() -> dict[str, int]:
    """Rows per table of the models (the search index's tables and Alembic's left out)."""
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def figures() -> dict:
    """A sample of values whose types change between the databases: booleans, times, floats."""
    prediction = db.session.scalar(select(Prediction).order_by(Prediction.forecast_count.desc(),
                                                               Prediction.id).limit(1))
    hidden_comment = db.session.get(Comment, 1)
    return {
        "prediction": (prediction.id, prediction.crowd_median, prediction.created_at,
                       prediction.hidden, prediction.resolution_date),
        "comment": (hidden_comment.hidden, hidden_comment.created_at),
        "score_sum": round(db.session.scalar(select(func.sum(Score.relative_brier))) or 0, 9),
    }


def search_ids() -> dict[str, list[int]]:
    return {words: db.session.scalars(select(Prediction.id).where(
        *search.match(search.parse(words)).conditions).order_by(Prediction.id)).all()
        for words in SEARCHES}


def test_the_copy_holds_every_row_and_searches_as_sqlite_does(tmp_path):
    source = sqlite_demo_database(tmp_path / "demo.db")
    with temporary_postgres_database(SERVER, "forum_copy") as target:
        report = copy_database(source, target)

        assert report.rows["forecasts"] == 900
        counts = read(target, row_counts)
        assert counts == read(source, row_counts)
        assert counts["cache_versions"] > 0  # demo data raised the site's version
        assert read(target, figures) == read(source, figures)
        expected = read(source, search_ids)
        assert read(target, search_ids) == expected
        assert all(expected.values()), expected  # each search finds something

        engine = create_engine(target)
        try:
            with engine.begin() as connection:
                next_id = connection.scalar(text(
                    "SELECT nextval(pg_get_serial_sequence('forecasts', 'id'))"))
                terms = connection.scalar(text("SELECT count(*) FROM search_terms"))
            assert next_id == 901  # new rows get ids after the copied ones
            assert terms > 0
        finally:
            engine.dispose()

        with pytest.raises(CopyError, match="already holds tables"):
            copy_database(source, target)


def test_a_bad_source_or_target_is_a_clear_error(tmp_path):
    not_a_database = tmp_path / "notes.db"
    not_a_database.write_text("not a database")
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    with pytest.raises(CopyError, match="not an SQLite database"):
        copy_database(f"sqlite:///{not_a_database}", SERVER)
    with pytest.raises(CopyError, match="no such SQLite file"):
        copy_database(f"sqlite:///{tmp_path / 'missing.db'}", SERVER)
    with pytest.raises(CopyError, match="must be a PostgreSQL URL"):
        copy_database(f"sqlite:///{empty}", "sqlite:///elsewhere.db")
