"""The application factory."""

import os
import time
from pathlib import Path

from werkzeug.middleware.proxy_fix import ProxyFix

import config as config_module
from forum.cookie_sessions import KeptCookieSessions
from forum.extensions import csrf, db, limiter, login_manager, migrate
from forum.limits import DEFAULT_RATE_LIMITS
from forum.log_setup import configure_logging
from forum.site import Forum as Flask  # Flask, refusing foreign hosts with the site's 400
from forum.site import configure as configure_site

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config: type | None = None, **overrides) -> Flask:
    """Build the app from `config.Config` (or the given class), then keyword overrides."""
    app = Flask(
        __name__, instance_relative_config=True,
        template_folder="../templates", static_folder="../static",
    )
    load_config(app, config, overrides)
    app.session_interface = KeptCookieSessions()
    configure_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_security(app)
    register_page_cache(app)
    register_compression(app)
    register_commands(app)
    register_jobs(app)
    return app


def load_config(app: Flask, config: type | None, overrides: dict) -> None:
    """Apply the config class, then overrides; fill in the instance-folder defaults."""
    app.config.from_object(config or config_module.Config)
    app.config.update(overrides)
    app.config.setdefault("RATE_LIMITS", dict(DEFAULT_RATE_LIMITS))
    production = app.config["FORUM_ENV"] == "production"
    if production and not app.config.get("SECRET_KEY"):
        raise RuntimeError("FORUM_ENV=production needs SECRET_KEY set in the environment.")
    configure_site(app, production)
    if not all(app.config.get(name) for name in
               ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "RATELIMIT_STORAGE_URI")):
        os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path) / "secret_key")
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'forum.db'}"
    configure_rate_limit_store(app)
    if production:
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
        options.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    elif app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = postgres_timeouts(app.config)


def postgres_timeouts(settings) -> dict:
    """Engine options with libpq's connect timeout, and a statement timeout (also how long
    unacknowledged data may wait on a dead link) unless DATABASE_STATEMENT_TIMEOUT is 0."""
    options = dict(settings.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
    connect_args = dict(options.get("connect_args", {}))
    connect_args.setdefault("connect_timeout", max(2, int(settings["DATABASE_CONNECT_TIMEOUT"])))
    statement_ms = int(settings["DATABASE_STATEMENT_TIMEOUT"]) * 1000
    if statement_ms > 0:
        connect_args.setdefault("options", f"-c statement_timeout={statement_ms}")
        connect_args.setdefault("tcp_user_timeout", statement_ms)
    options["connect_args"] = connect_args
    return options


def configure_rate_limit_store(app: Flask) -> None:
    """Unset: a SQLite file every worker of this machine shares (limits hold exactly under
    `make run`). Redis: give up on a silent server within seconds instead of hanging."""
    uri = app.config.get("RATELIMIT_STORAGE_URI")
    if not uri:
        app.config["RATELIMIT_STORAGE_URI"] = f"sqlite:///{Path(app.instance_path) / 'ratelimits.db'}"
    elif uri.split("://", 1)[0] in {"redis", "rediss", "redis+unix"}:
        options = dict(app.config.get("RATELIMIT_STORAGE_OPTIONS") or {})
        options.setdefault("socket_connect_timeout", 2)
        options.setdefault("socket_timeout", 2)
        app.config["RATELIMIT_STORAGE_OPTIONS"] = options


def instance_secret_key(path: Path) -> str:
    """Read the development key, creating it exclusively so concurrent workers agree on one."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another worker may be writing it this instant
            key = path.read_text().strip()
            if key:
                return key
            time.sleep(0.02)
        raise RuntimeError(f"{path} exists but is empty; delete it and start again.") from None
    key = os.urandom(32).hex()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def register_extensions(app: Flask) -> None:
    """Bind the extensions and the database's connection settings."""
    from forum import models, search  # noqa: F401  (models: every table, for Alembic)
    from forum.database import configure_engine

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True,
                     compare_type=True)
    csrf.init_app(app)
    # The limiter is one object for the process and keeps the first app's key prefix
    # (Flask-Limiter reads RATELIMIT_KEY_PREFIX only while it has none): each app gets its
    # own, so apps sharing one store (tests; two sites on one Redis) never share counters.
    limiter._key_prefix = ""
    limiter.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
        search.install(db.engine)
    if app.config["PROXY_FIX_HOPS"] > 0:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_blueprints(app: Flask) -> None:
    """Attach every feature's blueprint, once the modules whose views it holds are imported
    (a feature's package only makes its blueprint, so no view module is imported back)."""
    import forum.api.articles
    import forum.api.auth
    import forum.api.comments
    import forum.api.leaderboard
    import forum.api.openapi
    import forum.api.predictions
    import forum.api.reference
    import forum.api.resolution
    import forum.api.tokens
    import forum.api.users
    import forum.articles.routes
    import forum.auth.account
    import forum.auth.export
    import forum.auth.recovery
    import forum.auth.routes
    import forum.auth.suspension
    import forum.board.feeds
    import forum.board.routes
    import forum.comments.routes
    import forum.leaderboard.routes
    import forum.leaderboard.scorecards
    import forum.moderation.feeds
    import forum.moderation.members
    import forum.moderation.panel
    import forum.moderation.routes
    import forum.notifications.routes
    import forum.open_data.routes
    import forum.users.routes
    from forum.params import IdConverter

    app.url_map.converters["id"] = IdConverter  # `<id:…>`: ASCII digits, 1 to MAX_ID
    for feature in (forum.auth, forum.articles, forum.board, forum.comments, forum.moderation,
                    forum.notifications, forum.leaderboard, forum.users, forum.api,
                    forum.open_data):
        app.register_blueprint(feature.bp)
    app.register_blueprint(forum.api.reference.bp)  # the API's reference page, HTML at /docs/api


def register_errorhandlers(app: Flask) -> None:
    from forum.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from forum import layout
    from forum.templating import register

    register(app)
    layout.register(app)


def register_security(app: Flask) -> None:
    from forum.security import register

    register(app)


def register_page_cache(app: Flask) -> None:
    from forum import member_pages
    from forum.page_cache import register

    register(app)
    member_pages.register(app)


def register_compression(app: Flask) -> None:
    """Static text from memory (one stylesheet bundle), and gzip for text answers."""
    from forum import assets, compression

    assets.register(app)
    compression.register(app)


def register_jobs(app: Flask) -> None:
    from forum import jobs

    jobs.init_app(app)


def register_commands(app: Flask) -> None:
    from forum.commands import register

    register(app)
