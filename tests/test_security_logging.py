"""Logins, failures, 403, 429 and CSRF failures are logged with user and IP, and never with a
password or a token."""

import logging

from tests.factories import DEFAULT_PASSWORD, make_user


def test_login_success_and_failure_are_logged_without_the_password(auth, client, caplog):
    make_user("alice")
    with caplog.at_level(logging.INFO, logger="forum"):
        client.post("/login", data={"username": "alice", "password": "wrong-password-123"})
        auth.login()
    text = caplog.text
    assert "login failed: username='alice' ip=127.0.0.1" in text
    assert "login: user=alice ip=127.0.0.1" in text
    assert "wrong-password-123" not in text and DEFAULT_PASSWORD not in text


def test_issued_tokens_never_reach_the_log(client, caplog):
    make_user("alice")
    with caplog.at_level(logging.INFO, logger="forum"):
        response = client.post("/api/v1/tokens",
                               json={"username": "alice", "password": DEFAULT_PASSWORD})
        token = response.get_json()["token"]
        client.get("/api/v1/articles", headers={"Authorization": "Bearer not-a-real-token"})
    assert "token issued: user=alice" in caplog.text
    assert token not in caplog.text and "not-a-real-token" not in caplog.text


def test_csrf_failures_and_rate_limits_are_logged_with_the_ip(make_app, caplog):
    app = make_app(WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=True)
    client = app.test_client()
    with caplog.at_level(logging.INFO, logger="forum"):
        client.post("/login", data={"username": "x", "password": "y"})
        for _ in range(11):
            client.post("/api/v1/tokens", json={"username": "x", "password": "y"})
    assert "csrf failure: POST /login user=- ip=127.0.0.1" in caplog.text
    assert "rate limited: POST /api/v1/tokens user=- ip=127.0.0.1" in caplog.text
