"""The migrations build exactly the models' schema, on SQLite and on PostgreSQL, and run back."""

import logging
import os

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from config import TestConfig
from forum.app import MIGRATIONS_DIR, create_app
from forum.extensions import db
from forum.models import CacheVersion, RunningTotals, RunningWindow
from forum.search import SEARCH_TABLE_PREFIX, is_search_object
from tests.databases import temporary_postgres_database
from tests.factories import make_article, make_comment, make_prediction, make_user

# The schema checks inspect the database on connections of their own.
pytestmark = pytest.mark.real_commits


@pytest.fixture
def fresh_database_url(tmp_path):
    """An empty database of the run's kind, used by one test and dropped after."""
    server = os.environ.get("TEST_DATABASE_URL", "")
    if not server.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    with temporary_postgres_database(server, "forum_migrations") as url:
        yield url


@pytest.fixture
def fresh_app(fresh_database_url):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=fresh_database_url)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def schema_drift() -> list:
    """What autogenerate would write into a new revision: nothing, when there is no drift."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": is_search_object})
        return compare_metadata(context, db.metadata)


def tables() -> set[str]:
    """The tables the models describe: without Alembic's own and the search index's."""
    return {name for name in inspect(db.engine).get_table_names()
            if name != "alembic_version" and not name.startswith(SEARCH_TABLE_PREFIX)}


def test_the_run_database_has_exactly_the_models_schema(app):
    # The suite's own database (SQLite, or PostgreSQL under TEST_DATABASE_URL) was built by
    # `flask_migrate.upgrade()` in the `migrated_database` fixture.
    assert schema_drift() == []


def test_upgrade_on_an_empty_database_gives_the_models_schema(fresh_app):
    assert tables() == set()
    flask_migrate.upgrade()
    assert tables() == set(db.metadata.tables)
    assert schema_drift() == []


def test_downgrade_to_base_and_upgrade_again(fresh_app):
    flask_migrate.upgrade()
    flask_migrate.downgrade(revision="base")
    assert tables() == set()
    flask_migrate.upgrade()
    assert tables() == set(db.metadata.tables)
    assert schema_drift() == []
    with db.engine.connect() as connection:
        head = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert head == ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def test_running_the_migrations_keeps_the_apps_logging(fresh_app):
    # `flask_migrate.upgrade()` in a running process (the test suite, or an app that migrates
    # at start) must not silence the "forum" logger, where 500s and failed logins are reported.
    logger = logging.getLogger("forum")
    flask_migrate.upgrade()
    assert not logger.disabled


def test_every_constraint_and_index_has_a_stable_name(app):
    # The naming convention means migrations can drop or alter them by name on every backend.
    for table in db.metadata.tables.values():
        for constraint in table.constraints:
            assert constraint.name, (table.name, constraint)
        for index in table.indexes:
            assert index.name, (table.name, index)


def test_sqlite_connections_are_set_up_for_concurrent_use(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas only")
    with db.engine.connect() as connection:
        pragmas = {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                   for name in ("journal_mode", "foreign_keys", "busy_timeout")}
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30000}


def test_the_drift_check_notices_a_schema_that_differs(fresh_app):
    # Guards the guard: a comparison that always came back empty would prove nothing.
    flask_migrate.upgrade()
    with db.engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_articles_published_at"))
        connection.execute(text("ALTER TABLE users ADD COLUMN nickname VARCHAR(10)"))
    drift = schema_drift()
    kinds = {entry[0] for entry in drift if isinstance(entry, tuple)}
    assert {"add_index", "remove_column"} <= kinds
    assert "ix_articles_published_at" in repr(drift)
    assert "nickname" in repr(drift)


def test_the_migration_indexes_rows_that_existed_before_it_and_goes_back(fresh_app):
    # Rows written through the services at the revision before search, when no index existed.
    flask_migrate.upgrade(revision="0007_suspension_end")
    # Today's services write these; later revisions make them.
    later = [CacheVersion.__table__, RunningTotals.__table__, RunningWindow.__table__]
    for table in later:
        table.create(db.engine)
    article, alice, moderator = make_article(), make_user("alice"), make_user("mod",
                                                                             role="moderator")
    summit = make_prediction(article, alice, title="Kim and Trump will meet")
    make_comment(summit, alice, "The site at Yongbyon matters.")
    other = make_prediction(article, alice, title="Another claim")
    secret = make_comment(other, alice, "Secret inspectors.")
    from forum.moderation.services import set_hidden

    set_hidden("comment", secret.id, moderator, "Spam.", hidden=True)
    db.session.commit()
    slug, summit_id = article.slug, summit.id
    db.session.remove()
    for table in reversed(later):
        table.drop(db.engine)

    flask_migrate.upgrade()
    from forum.articles.services import get_article
    from forum.board.queries import list_predictions

    def search(q):
        return [p.id for p in list_predictions(get_article(slug), query=q,
                                               sort="relevance").items]

    assert search("trump kim") == [summit_id]
    assert search("yongbyon") == [summit_id]
    assert search("inspectors") == []  # the hidden comment's words
    # SQLite's FTS5 tables; PostgreSQL's words per prediction (0013_search_terms).
    assert any(name.startswith("search_") for name in inspect(db.engine).get_table_names())

    db.session.remove()
    flask_migrate.downgrade(revision="0007_suspension_end")
    after = inspect(db.engine)
    assert not any(name.startswith("search_") for name in after.get_table_names())
    assert "search_vector" not in {c["name"] for c in after.get_columns("predictions")}
    assert "search_vector" not in {c["name"] for c in after.get_columns("comments")}
