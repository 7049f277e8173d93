"""Security events reach the log under gunicorn (issue 10, item 11).

The real app under a real gunicorn (as `make run` serves it, CSRF on), driven over HTTP:
registration, activation, a password change, a failed and a good login and a token grant each write one
INFO line with the user and the IP to gunicorn's error log, and no password or token does.
"""

import http.cookiejar
import json
import os
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import select

from forum.auth.notifications import activation_token
from forum.extensions import db
from forum.models import User
from tests.servers import GUNICORN, ROOT, free_port, wait_until_serving

pytestmark = pytest.mark.real_commits  # a gunicorn server reads the data

FIRST_PASSWORD = "first-Secret-4821"
SECOND_PASSWORD = "second-Secret-9377"
WRONG_PASSWORD = "wrong-Secret-5555"
SERVER_SECRET_KEY = "logging-test-key"


class Browser:
    """Cookies, CSRF tokens from the forms, no redirects followed."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), self._NoRedirect)

    def open(self, path: str, data: bytes | None = None, headers: dict | None = None):
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def submit(self, path: str, fields: dict) -> int:
        _, page = self.open(path)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({"csrf_token": token, **fields}).encode()
        status, _ = self.open(path, body, {"Content-Type": "application/x-www-form-urlencoded"})
        return status


@pytest.fixture
def gunicorn_log(app, tmp_path):
    """Serve the run's database with gunicorn as `make run` does (default log level), its
    error log in a file; yield the base URL and a function that stops it and reads the log."""
    log_path = tmp_path / "gunicorn.log"
    port = free_port()
    env = {**os.environ, "SECRET_KEY": SERVER_SECRET_KEY, "FORUM_ENV": "development",
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "RATELIMIT_ENABLED": "false",
           "SITE_URL": f"http://127.0.0.1:{port}"}
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            [str(GUNICORN), "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "forum.app:create_app()"], cwd=ROOT, env=env, stdout=log_file, stderr=log_file)
    base = f"http://127.0.0.1:{port}"

    def stop_and_read() -> str:
        process.terminate()
        process.wait(timeout=20)
        return log_path.read_text()

    try:
        wait_until_serving(base, process)
        yield base, stop_and_read
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_security_events_are_logged_under_gunicorn_without_secrets(app, gunicorn_log):
    base, stop_and_read = gunicorn_log
    member = Browser(base)
    assert member.submit("/register", {"username": "logtester", "email": "log@example.org",
                                       "password": FIRST_PASSWORD,
                                       "confirm": FIRST_PASSWORD}) == 200
    app.config["SECRET_KEY"] = SERVER_SECRET_KEY  # the link the server's worker would email
    user = db.session.scalar(select(User).filter_by(username="logtester"))
    assert member.submit(f"/activate/{activation_token(user)}", {}) == 302
    assert member.submit("/login", {"username": "logtester", "password": FIRST_PASSWORD}) == 302
    assert member.submit("/settings", {"password-current_password": FIRST_PASSWORD,
                                       "password-new_password": SECOND_PASSWORD,
                                       "password-confirm": SECOND_PASSWORD,
                                       "password-submit": "1"}) == 302
    stranger = Browser(base)
    assert stranger.submit("/login", {"username": "logtester",
                                      "password": WRONG_PASSWORD}) == 422
    assert stranger.submit("/login", {"username": "logtester",
                                      "password": SECOND_PASSWORD}) == 302
    status, body = Browser(base).open(
        "/api/v1/tokens", json.dumps({"username": "logtester",
                                      "password": SECOND_PASSWORD}).encode(),
        {"Content-Type": "application/json"})
    assert status == 201
    token = json.loads(body)["token"]

    log = stop_and_read()
    lines = log.splitlines()
    for event in ("registered: user=logtester ip=127.0.0.1",
                  "activated: user=logtester ip=127.0.0.1",
                  "password changed: user=logtester ip=127.0.0.1",
                  "login failed: username='logtester' ip=127.0.0.1",
                  "token issued: user=logtester ip=127.0.0.1"):
        matching = [line for line in lines if event in line]
        assert len(matching) == 1, (event, log)  # one line each, not repeated by a parent
        assert "[INFO]" in matching[0] or "[WARNING]" in matching[0]
    logins = [line for line in lines if "login: user=logtester ip=127.0.0.1" in line]
    assert len(logins) == 2, log  # after activation, and the stranger's good try
    for secret in (FIRST_PASSWORD, SECOND_PASSWORD, WRONG_PASSWORD, token):
        assert secret not in log
