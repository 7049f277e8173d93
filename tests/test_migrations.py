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
from tests.databases import temporary_postgres_database

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
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def tables() -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


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
