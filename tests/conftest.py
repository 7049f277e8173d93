"""Fixtures shared by the suite: one database per run (SQLite, or PostgreSQL when
TEST_DATABASE_URL names a server), migrated once with Alembic, emptied after every test."""

import contextvars
import os
import uuid
from contextlib import contextmanager

import flask_migrate
import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import event

from config import TestConfig
from forum.app import create_app
from forum.extensions import db, limiter
from tests.databases import temporary_postgres_database
from tests.factories import DEFAULT_PASSWORD, make_article, make_user
from tests.servers import TEST_REDIS_URL, reachable_redis


def _postgres_server() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A fresh database for this run, dropped after it (runs never see each other's data)."""
    server = _postgres_server()
    if server is None:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'forum.db'}"
        return
    with temporary_postgres_database(server, "forum_test") as url:
        yield url


@pytest.fixture(scope="session")
def migrated_database(database_url):
    """The run's database with the schema made by the migrations, as in production."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return database_url


def empty_database() -> None:
    """Delete every row, children first, so the next test starts clean (the cache generation
    row, made by the migration, stays)."""
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            if table.name != "cache_generation":
                connection.execute(table.delete())


class IsolatedClient(FlaskClient):
    """A test client whose requests run in their own context, as in production: a fresh `g`,
    a fresh database session. The test's own session is committed around each request so
    each side sees what the other wrote."""

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.commit()
        return response


@pytest.fixture
def make_app(migrated_database):
    """Build apps on the run's database with config overrides; emptied and disposed after."""
    apps = []

    def factory(**overrides):
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=migrated_database, **overrides)
        # The limiter is one object for every app of this process: a store an earlier test
        # took down would otherwise leave it counting in its fallback until it rechecks,
        # splitting this test's counts between two stores (production has one app a process).
        limiter._storage_dead = False
        app.test_client_class = IsolatedClient
        apps.append(app)
        return app

    yield factory
    for index, app in enumerate(apps):
        with app.app_context():
            db.session.remove()
            if index == 0:
                empty_database()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    """Log in and out through the real forms, as a person would."""

    def __init__(self, client):
        self.client = client

    def login(self, username="alice", password=DEFAULT_PASSWORD, remember=False):
        data = {"username": username, "password": password}
        if remember:
            data["remember"] = "y"
        return self.client.post("/login", data=data)

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free port; `.url` for MAIL_URL, `.inbox` holds what
    arrived (tests/mail_support.py)."""
    from tests.mail_support import SmtpServer

    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def article(app):
    return make_article()


@pytest.fixture
def alice(app):
    return make_user("alice")


@contextmanager
def counting_queries():
    """Count the SQL statements run inside the block: `with counting_queries() as count:`."""
    statements = []

    def before_execute(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before_execute)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before_execute)


@pytest.fixture
def count_queries(app):
    return counting_queries



@pytest.fixture
def redis_rate_limits():
    """(URL, key prefix) for rate-limit counters in the test Redis; the keys go after."""
    client = reachable_redis(TEST_REDIS_URL)
    prefix = f"forum-test-{uuid.uuid4().hex[:10]}"
    yield TEST_REDIS_URL, prefix
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)
    client.close()


@pytest.fixture(scope="session")
def rendered_pages(migrated_database):
    """Every page type, rendered once per run in each state (tests/page_support.py); the
    database is emptied again before any test sees it."""
    from tests.page_support import collect_pages

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=migrated_database)
    app.test_client_class = IsolatedClient
    limiter._storage_dead = False
    try:
        return collect_pages(app)
    finally:
        with app.app_context():
            db.session.remove()
            empty_database()
            db.engine.dispose()
