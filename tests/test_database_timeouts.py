"""A database that never answers gives the 503 page within seconds (issue 10, item 9).

A TCP listener that accepts connections and then stays silent stands in for a hung
PostgreSQL server: the connect timeout turns each request into the 503 page (or JSON error)
in a few seconds instead of hanging the worker until gunicorn kills it, and static files are
served meanwhile. On a real PostgreSQL server a statement that waits too long (here, on a
lock) is cancelled by the statement timeout and answered with the 503 page too.
"""

import os
import re
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

import config
from config import TestConfig
from forum.app import create_app
from forum.cli import create_cli_app
from forum.extensions import db
from tests.servers import GUNICORN, ROOT, free_port

pytestmark = pytest.mark.real_commits  # gunicorn and CLI processes read the data

FEW_SECONDS = 7  # the connect timeout is 3 s


@pytest.fixture
def silent_database():
    """A PostgreSQL URL whose server accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.2)
    accepted, stop = [], threading.Event()

    def accept_and_stay_silent():
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept_and_stay_silent, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    yield f"postgresql+psycopg://forum:secret@127.0.0.1:{port}/forum"
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()


@pytest.fixture
def silent_app(silent_database):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=silent_database)
    yield app
    with app.app_context():
        db.engine.dispose()


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_a_silent_database_gives_the_503_page_within_seconds(silent_app):
    client = silent_app.test_client()
    page, seconds = timed(lambda: client.get("/leaderboard"))
    assert page.status_code == 503
    assert "right back" in page.get_data(as_text=True)
    assert page.headers["Retry-After"] == "5"
    assert seconds < FEW_SECONDS
    api, seconds = timed(lambda: client.get("/api/v1/articles"))
    assert api.status_code == 503
    assert api.get_json()["error"]["code"] == "server_error"
    assert seconds < FEW_SECONDS


def test_a_silent_database_under_gunicorn_answers_503_and_still_serves_static_files(
        silent_database):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": silent_database, "SECRET_KEY": "timeout-test-key",
           "SITE_URL": f"http://127.0.0.1:{port}"}
    process = subprocess.Popen(
        [str(GUNICORN), "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--timeout", make_run_timeout(), "--log-level", "warning", "forum.app:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_static(base, process)
        results = []

        def fetch(path):
            started = time.monotonic()
            try:
                urllib.request.urlopen(base + path, timeout=30).close()
                status = 200
            except urllib.error.HTTPError as error:
                status, body = error.code, error.read().decode()
                assert "right back" in body or "server_error" in body
            results.append((path, status, time.monotonic() - started))

        threads = [threading.Thread(target=fetch, args=(path,)) for path in
                   ("/", "/leaderboard", "/api/v1/articles", "/predictions")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # Two workers, four requests: at most two rounds of the 3 s connect timeout.
        assert {status for _, status, _ in results} == {503}
        assert max(seconds for _, _, seconds in results) < 2 * FEW_SECONDS
        _, status, seconds = fetch_static(base)
        assert status == 200 and seconds < FEW_SECONDS
    finally:
        process.terminate()
        process.wait(timeout=20)


def wait_for_static(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn exited"
        try:
            urllib.request.urlopen(base + "/static/css/site.css", timeout=2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("gunicorn did not start")


def fetch_static(base: str):
    started = time.monotonic()
    with urllib.request.urlopen(base + "/static/css/site.css", timeout=30) as response:
        return "/static/css/site.css", response.status, time.monotonic() - started


def make_run_timeout() -> str:
    """The gunicorn timeout `make run` uses."""
    makefile = Path(ROOT, "Makefile").read_text()
    return re.search(r"^GUNICORN_TIMEOUT \?= (\d+)$", makefile, flags=re.MULTILINE).group(1)


def test_make_run_lets_the_app_answer_before_gunicorn_kills_a_worker():
    settings = TestConfig
    longest_wait_inside = max(30, settings.DATABASE_CONNECT_TIMEOUT +  # 30: SQLite's lock wait
                              settings.DATABASE_STATEMENT_TIMEOUT)
    assert int(make_run_timeout()) > longest_wait_inside
    assert "--timeout $(GUNICORN_TIMEOUT)" in Path(ROOT, "Makefile").read_text()
    assert "--timeout" in Path(ROOT, "README.md").read_text()


def postgres_url(app) -> str:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL)")
    return url


def test_a_statement_that_waits_too_long_gives_the_503_page(make_app):
    app = make_app(DATABASE_STATEMENT_TIMEOUT=1)
    url = postgres_url(app)
    with app.app_context():
        assert db.session.execute(text("SHOW statement_timeout")).scalar() == "1s"
        db.session.rollback()
    locker = create_engine(url)
    try:
        with locker.connect() as connection:
            connection.execute(text("LOCK TABLE articles IN ACCESS EXCLUSIVE MODE"))
            client = app.test_client()
            page, seconds = timed(lambda: client.get("/"))
            assert page.status_code == 503 and seconds < FEW_SECONDS
            api, seconds = timed(lambda: client.get("/api/v1/articles"))
            assert api.status_code == 503 and seconds < FEW_SECONDS
            connection.rollback()
        assert app.test_client().get("/api/v1/articles").status_code == 200
    finally:
        locker.dispose()


def test_commands_run_without_a_statement_timeout(make_app, monkeypatch):
    app = make_app()
    url = postgres_url(app)
    monkeypatch.setattr(config.Config, "SQLALCHEMY_DATABASE_URI", url)
    monkeypatch.setattr(config.Config, "SECRET_KEY", "command-test-key")
    command_app = create_cli_app()
    try:
        with command_app.app_context():
            assert db.session.execute(text("SHOW statement_timeout")).scalar() == "0"
    finally:
        with command_app.app_context():
            db.engine.dispose()
    with app.app_context():
        assert db.session.execute(text("SHOW statement_timeout")).scalar() == "10s"
