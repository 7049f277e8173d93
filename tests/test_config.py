"""Configuration read from the environment (SPEC.md §5)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import config
import forum.app
from config import Config, TestConfig, env_flag
from forum.app import create_app
from forum.extensions import db

ROOT = Path(__file__).resolve().parents[1]
VARIABLES = ("DATABASE_URL", "SECRET_KEY", "RATELIMIT_STORAGE_URI", "RATELIMIT_ENABLED",
             "FORUM_ENV", "PROXY_FIX_HOPS", "SITE_URL", "DATABASE_CONNECT_TIMEOUT",
             "DATABASE_STATEMENT_TIMEOUT")

# Run in a fresh interpreter: Config reads the environment when config.py is imported.
PROBE = """
import json
from forum.app import create_app
from forum.extensions import limiter
app = create_app()
print(json.dumps({
    "database": app.config["SQLALCHEMY_DATABASE_URI"],
    "secret": app.config["SECRET_KEY"],
    "storage": app.config["RATELIMIT_STORAGE_URI"],
    "limits_on": limiter.enabled,
    "env": app.config["FORUM_ENV"],
    "secure_cookie": app.config.get("SESSION_COOKIE_SECURE", False),
    "proxy_hops": app.config["PROXY_FIX_HOPS"],
    "site_url": app.config["SITE_URL"],
    "trusted_hosts": app.config["TRUSTED_HOSTS"],
}))
"""


def probe(**environment: str) -> dict:
    """The settings an app built in a fresh process reads from this environment."""
    env = {key: value for key, value in os.environ.items() if key not in VARIABLES}
    env.update(environment)
    result = subprocess.run([sys.executable, "-c", PROBE], check=False, capture_output=True, text=True,
                            cwd=ROOT, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_environment_sets_the_database_secret_and_rate_limits(tmp_path):
    settings = probe(DATABASE_URL=f"sqlite:///{tmp_path / 'from-env.db'}",
                     SECRET_KEY="from-the-environment", RATELIMIT_ENABLED="false",
                     RATELIMIT_STORAGE_URI="memory://?from=env", PROXY_FIX_HOPS="1")
    assert settings == {
        "database": f"sqlite:///{tmp_path / 'from-env.db'}",
        "secret": "from-the-environment",
        "storage": "memory://?from=env",
        "limits_on": False,
        "env": "development",
        "secure_cookie": False,
        "proxy_hops": 1,
        "site_url": "http://127.0.0.1:5000",
        "trusted_hosts": None,
    }


def test_production_is_read_from_forum_env(tmp_path):
    settings = probe(DATABASE_URL=f"sqlite:///{tmp_path / 'prod.db'}", SECRET_KEY="s3cret",
                     FORUM_ENV="production", SITE_URL="https://forum.example.org/")
    assert settings["env"] == "production"
    assert settings["site_url"] == "https://forum.example.org"
    assert settings["trusted_hosts"] == ["forum.example.org"]
    assert settings["secure_cookie"] is True
    assert settings["limits_on"] is True  # the default


def test_the_defaults_without_any_environment():
    for variable in VARIABLES:  # in this process the class was built from the real environment
        if os.environ.get(variable):
            pytest.skip(f"{variable} is set in this environment")
    assert Config.SQLALCHEMY_DATABASE_URI is None  # the factory puts it in the instance folder
    assert Config.SECRET_KEY is None  # generated in the instance folder
    assert Config.RATELIMIT_STORAGE_URI is None  # the factory puts a SQLite file there too
    assert Config.RATELIMIT_ENABLED is True
    assert Config.FORUM_ENV == "development"
    assert Config.PROXY_FIX_HOPS == 0
    assert Config.SITE_URL is None  # the factory uses http://127.0.0.1:5000 in development
    assert (Config.DATABASE_CONNECT_TIMEOUT, Config.DATABASE_STATEMENT_TIMEOUT) == (3, 10)


def test_the_environment_sets_the_database_timeouts():
    script = ("from config import Config; "
              "print(Config.DATABASE_CONNECT_TIMEOUT, Config.DATABASE_STATEMENT_TIMEOUT)")
    env = {**os.environ, "DATABASE_CONNECT_TIMEOUT": "5", "DATABASE_STATEMENT_TIMEOUT": "0"}
    result = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True,
                            text=True, cwd=ROOT, env=env, timeout=60)
    assert result.stdout.split() == ["5", "0"]


def test_without_database_url_the_database_lives_in_the_instance_folder(tmp_path, monkeypatch):
    folder = tmp_path / "instance"

    class TemporaryInstanceFlask(forum.app.Flask):
        def auto_find_instance_path(self):
            return str(folder)

    monkeypatch.setattr(forum.app, "Flask", TemporaryInstanceFlask)
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=None)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{folder / 'forum.db'}"
    with app.app_context():
        db.engine.dispose()


def test_without_a_rate_limit_store_the_workers_share_a_file_in_the_instance_folder(
        tmp_path, monkeypatch):
    folder = tmp_path / "instance"

    class TemporaryInstanceFlask(forum.app.Flask):
        def auto_find_instance_path(self):
            return str(folder)

    monkeypatch.setattr(forum.app, "Flask", TemporaryInstanceFlask)
    app = create_app(TestConfig, RATELIMIT_STORAGE_URI=None)
    assert app.config["RATELIMIT_STORAGE_URI"] == f"sqlite:///{folder / 'ratelimits.db'}"
    assert folder.is_dir()
    explicit = create_app(TestConfig, RATELIMIT_STORAGE_URI="memory://")  # still accepted
    assert explicit.config["RATELIMIT_STORAGE_URI"] == "memory://"
    for each in (app, explicit):
        with each.app_context():
            db.engine.dispose()


@pytest.mark.parametrize(("value", "expected"), [
    ("true", True), ("TRUE", True), ("1", True), ("yes", True), ("on", True), (" true ", True),
    ("false", False), ("False", False), ("0", False), ("no", False), ("off", False),
    ("", "default"), ("   ", "default"), (None, "default"),
])
def test_env_flag_reads_the_usual_spellings(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("FORUM_TEST_FLAG", raising=False)
    else:
        monkeypatch.setenv("FORUM_TEST_FLAG", value)
    for default in (True, False):
        assert env_flag("FORUM_TEST_FLAG", default) is (default if expected == "default"
                                                       else expected)


def test_the_test_configuration_is_isolated():
    assert TestConfig.TESTING is True
    assert TestConfig.SQLALCHEMY_DATABASE_URI == "sqlite://"
    assert TestConfig.RATELIMIT_ENABLED is False
    assert TestConfig.FORUM_ENV == "development"


def test_config_is_importable_as_an_installed_module():
    # pyproject.toml lists it under `py-modules`, so `import config` works from any folder.
    result = subprocess.run([sys.executable, "-c", "import config; print(config.__file__)"],
                            check=False, capture_output=True, text=True, cwd="/", timeout=60)
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()) == Path(config.__file__)
