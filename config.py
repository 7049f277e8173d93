"""Configuration read from the environment (SPEC.md §5).

`create_app()` loads `Config` by default; tests pass `TestConfig` or a dict of overrides.
The module stands at the top level of the repository and is installed as a py-module
(pyproject.toml `[tool.setuptools] py-modules`), so `import config` works from anywhere.
"""

import os
from datetime import timedelta
from typing import ClassVar


def env_flag(name: str, default: bool) -> bool:
    """Read a boolean environment variable ("true"/"false", "1"/"0", "yes"/"no")."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings for development and production; production is `FORUM_ENV=production`."""

    FORUM_ENV = os.environ.get("FORUM_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY") or None  # dev: generated in the instance folder
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or None  # None: instance/forum.db
    SITE_URL = os.environ.get("SITE_URL") or None  # dev: http://127.0.0.1:5000; prod: required
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {"pool_pre_ping": True}
    # PostgreSQL: seconds to wait for a connection, and for any one statement of a web
    # request (0: no limit; the `forum` commands run without one), so a database that never
    # answers gives the 503 page within seconds instead of hanging every worker.
    DATABASE_CONNECT_TIMEOUT = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "3"))
    DATABASE_STATEMENT_TIMEOUT = int(os.environ.get("DATABASE_STATEMENT_TIMEOUT", "10"))
    # Unset: a SQLite file in the instance folder, shared by the workers of this machine.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or None
    RATELIMIT_ENABLED = env_flag("RATELIMIT_ENABLED", True)
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "forum")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STRATEGY = "moving-window"
    # The store unreachable: count in this worker's memory (the error logged) and go back to
    # the store when it answers again; a limited write never becomes a 500.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    PROXY_FIX_HOPS = int(os.environ.get("PROXY_FIX_HOPS", "0"))  # >0 only behind a proxy
    MAX_CONTENT_LENGTH = 1024 * 1024  # a 2 MB body is 413
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    SEND_FILE_MAX_AGE_DEFAULT = timedelta(days=365)  # static URLs carry a content hash
    PAGE_CACHE_SECONDS = 30
    # gzip text answers in the app (forum/compression.py); false where a proxy in front does it.
    COMPRESS_RESPONSES = env_flag("COMPRESS_RESPONSES", True)
    FRAGMENT_CACHE_SECONDS = 30  # shared parts of members' pages (forum/fragments.py), as long
    # as an anonymous page: relative times ("5 minutes ago") move on by themselves
    PASSWORD_HASH_METHOD = "scrypt"  # Werkzeug's default cost
    SQLALCHEMY_RECORD_QUERIES = env_flag("SQLALCHEMY_RECORD_QUERIES", False)
    MAIL_URL = os.environ.get("MAIL_URL") or None  # None: .eml files in instance/mail/
    MAIL_FROM = os.environ.get("MAIL_FROM") or "Forecast Forum <noreply@localhost>"
    JOBS_URL = os.environ.get("JOBS_URL") or None  # None: sqlite:///instance/jobs.db
    REMINDERS_STALE_AFTER_HOURS = float(os.environ.get("REMINDERS_STALE_AFTER_HOURS") or 24)
    MAIL_RETRY_SECONDS = float(os.environ.get("MAIL_RETRY_SECONDS") or 30)  # first retry; ×4 after


class TestConfig(Config):
    """Settings for the test suite: a throwaway database, no CSRF, limits off unless asked."""

    TESTING = True
    FORUM_ENV = "development"
    SECRET_KEY = "test-secret-key"
    SITE_URL = "http://localhost"  # the test client's host
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    PAGE_CACHE_SECONDS = 0
    FRAGMENT_CACHE_SECONDS = 0
    CACHE_VERSIONS_STRICT = True  # a request that writes must say what it changes
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # still scrypt, at a cost tests can afford
    MAIL_URL = None
    JOBS_URL = "memory://"  # jobs wait in memory until a test runs them (tests/mail_support.py)
