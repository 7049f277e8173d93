"""Error pages in the site's layout, JSON errors under /api/ (SPEC.md §7), security headers,
and the secret key and production settings."""

import threading
from pathlib import Path

import pytest
from flask import abort

import forum.app
from config import TestConfig
from forum.app import create_app, instance_secret_key
from forum.extensions import db
from tests.factories import DEFAULT_PASSWORD

API_ERROR_CODES = {
    "bad_request", "unauthorized", "forbidden", "not_found", "method_not_allowed", "conflict",
    "payload_too_large", "validation_error", "rate_limited", "server_error",
}


def assert_in_layout(response, status: int, title: str) -> str:
    """The error page keeps the navigation, says what happened and offers a way on."""
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert '<nav class="nav" aria-label="Main">' in page
    assert f'<p class="error-code">{status}</p>' in page
    assert f"<h1>{title}</h1>" in page
    assert 'href="/">Back to the article</a>' in page
    return page


def assert_api_error(response, status: int, code: str) -> dict:
    """SPEC.md §7: {"error": {"status", "code", "message", "fields"?}}, and nothing else."""
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert code in API_ERROR_CODES
    assert (error["status"], error["code"]) == (status, code)
    assert isinstance(error["message"], str) and error["message"]
    assert set(error) <= {"status", "code", "message", "fields"}
    return error


@pytest.fixture
def app_with_test_routes(make_app):
    """An app with routes that fail on purpose (added before its first request)."""
    app = make_app()

    def boom():
        raise RuntimeError("a bug")

    app.add_url_rule("/test-only/boom", "boom", boom)
    app.add_url_rule("/test-only/forbidden", "forbidden", lambda: abort(403))
    app.add_url_rule("/api/v1/test-only/boom", "api_boom", boom)
    return app


# Pages ------------------------------------------------------------------------------------

def test_an_unknown_page_is_a_404_in_the_layout(client):
    page = assert_in_layout(client.get("/no/such/page"), 404, "Page not found")
    assert "The page may have moved, or the link may be mistyped." in page


def test_a_wrong_method_is_a_405_in_the_layout(client):
    response = client.delete("/login")
    assert_in_layout(response, 405, "Not allowed here")
    assert "POST" in response.headers["Allow"]


def test_a_forbidden_page_is_a_403_in_the_layout_with_a_way_to_log_in(app_with_test_routes):
    response = app_with_test_routes.test_client().get("/test-only/forbidden")
    page = assert_in_layout(response, 403, "Not allowed")
    assert 'href="/login?next=/test-only/forbidden"' in page


def test_a_bug_is_a_500_in_the_layout_and_is_logged(app_with_test_routes, caplog):
    response = app_with_test_routes.test_client().get("/test-only/boom")
    page = assert_in_layout(response, 500, "Something went wrong on our side")
    assert "a bug" not in page  # no internals shown to the visitor
    assert "Traceback" not in page
    assert any(record.exc_info and "unhandled error on GET /test-only/boom" in record.message
               for record in caplog.records)


def test_too_many_logins_are_a_429_in_the_layout_with_retry_after(auth, make_app, alice):
    app = make_app(RATELIMIT_ENABLED=True,
                   RATE_LIMITS={"login_ip": "3 per minute", "login_account": "20 per hour"})
    client = app.test_client()
    for _ in range(3):
        assert client.post("/login", data={"username": "x", "password": "y"}).status_code == 422
    response = auth.on(client).login()
    # The login form again, in the layout, with what was typed and why (issue 13: a 429
    # keeps the input); the JSON 429 of the API is in test_rate_limits.py.
    page = response.get_data(as_text=True)
    assert response.status_code == 429 and response.mimetype == "text/html"
    assert '<nav class="nav" aria-label="Main">' in page
    assert "Slow down a little" in page and 'value="alice"' in page
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert client.get("/login").status_code == 200  # reading the form is never limited
    # (the limits themselves, and their JSON 429, are tested in test_rate_limits.py)


# JSON errors under /api/ ------------------------------------------------------------------

def test_an_unknown_api_endpoint_is_a_json_404(client):
    assert_api_error(client.get("/api/v1/no-such-thing"), 404, "not_found")


def test_a_wrong_method_on_the_api_is_a_json_405(client):
    response = client.get("/api/v1/tokens")
    assert_api_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


@pytest.mark.parametrize("body", ['{"username": "alice", ', "[1, 2]", '"text"', "", "\xff"])
def test_a_body_that_is_not_a_json_object_is_a_400(client, body):
    response = client.post("/api/v1/tokens", data=body, content_type="application/json")
    assert_api_error(response, 400, "bad_request")


def test_wrong_credentials_are_a_json_401(client, alice):
    response = client.post("/api/v1/tokens", json={"username": "alice", "password": "nope"})
    error = assert_api_error(response, 401, "unauthorized")
    assert error["message"] == "Unknown username or wrong password."


def test_a_bad_bearer_token_is_a_json_401(client):
    response = client.get("/api/v1/articles", headers={"Authorization": "Bearer not-a-token"})
    assert_api_error(response, 401, "unauthorized")


def test_missing_fields_are_a_422_naming_each_field(client):
    response = client.post("/api/v1/tokens", json={"username": "alice"})
    error = assert_api_error(response, 422, "validation_error")
    assert error["fields"] == {"password": ["Required, as a string."]}
    response = client.post("/api/v1/tokens", json={"username": 5, "password": ["x"]})
    error = assert_api_error(response, 422, "validation_error")
    assert set(error["fields"]) == {"username", "password"}


def test_a_bug_in_the_api_is_a_json_500(app_with_test_routes):
    response = app_with_test_routes.test_client().get("/api/v1/test-only/boom")
    error = assert_api_error(response, 500, "server_error")
    assert "a bug" not in error["message"]


# Security headers -------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/login", "/no/such/page", "/api/v1/articles"])
def test_every_response_carries_the_security_headers(client, article, path):
    headers = client.get(path).headers
    csp = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert csp["script-src"] == "'self'"
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert csp["object-src"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in headers  # development


def test_cookies_are_httponly_and_not_secure_in_development(client, alice, auth):
    cookies = auth.login(remember=True).headers.getlist("Set-Cookie")
    assert len(cookies) == 2
    for cookie in cookies:
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie


def test_production_adds_hsts_and_secure_cookies(make_app, alice):
    app = make_app(FORUM_ENV="production", SECRET_KEY="a-production-secret")
    client = app.test_client()
    response = client.post("/login", data={"username": "alice", "password": DEFAULT_PASSWORD,
                                           "remember": "y"})
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    cookies = response.headers.getlist("Set-Cookie")
    assert {cookie.split("=", 1)[0] for cookie in cookies} == {"session", "remember_token"}
    for cookie in cookies:
        assert "; Secure" in cookie


@pytest.mark.parametrize("secret", [None, ""])
def test_production_refuses_to_start_without_a_secret_key(migrated_database, secret):
    with pytest.raises(RuntimeError, match="FORUM_ENV=production needs SECRET_KEY"):
        create_app(TestConfig, SQLALCHEMY_DATABASE_URI=migrated_database,
                   FORUM_ENV="production", SECRET_KEY=secret)


# The development secret key ---------------------------------------------------------------

@pytest.fixture
def instance_folder(tmp_path, monkeypatch):
    """Point the factory's instance folder at a temporary directory."""
    folder = tmp_path / "instance"

    class TemporaryInstanceFlask(forum.app.Flask):
        def auto_find_instance_path(self):
            return str(folder)

    monkeypatch.setattr(forum.app, "Flask", TemporaryInstanceFlask)
    return folder


def test_the_development_secret_key_is_made_once_and_reused(instance_folder, migrated_database):
    first = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=migrated_database, SECRET_KEY=None)
    second = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=migrated_database, SECRET_KEY=None)
    key_file = instance_folder / "secret_key"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert first.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(first.config["SECRET_KEY"]) == 64
    assert key_file.stat().st_mode & 0o777 == 0o600
    for app in (first, second):
        with app.app_context():
            db.engine.dispose()


def test_a_session_made_by_one_worker_is_read_by_another(auth, instance_folder, migrated_database,
                                                          app, alice):
    # Two gunicorn workers build their own apps; a login on one must hold on the other.
    workers = [create_app(TestConfig, SQLALCHEMY_DATABASE_URI=migrated_database, SECRET_KEY=None)
               for _ in range(2)]
    first, second = (worker.test_client() for worker in workers)
    auth.on(first).login()
    second.set_cookie("session", first.get_cookie("session").value)
    assert 'data-testid="nav-username">alice<' in second.get("/settings").get_data(as_text=True)
    for worker in workers:
        with worker.app_context():
            db.session.remove()
            db.engine.dispose()


def test_workers_starting_together_agree_on_one_key(tmp_path):
    path = tmp_path / "secret_key"
    barrier = threading.Barrier(8)
    keys = []

    def start():
        barrier.wait()
        keys.append(instance_secret_key(path))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 8 and len(set(keys)) == 1
    assert Path(path).read_text() == keys[0]


def test_an_empty_key_file_is_a_clear_error(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text("")
    with pytest.raises(RuntimeError, match="exists but is empty; delete it"):
        instance_secret_key(path)
