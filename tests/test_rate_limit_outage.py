"""The rate-limit store unreachable (Redis down, nothing listening on its port): every limited
write still gets its normal answer, never a 500; the error is logged; and the limits keep
holding, counted in the worker's memory, until the store answers again."""

import logging

import pytest

from tests.factories import DEFAULT_PASSWORD, make_article, make_comment, make_prediction, make_user
from tests.servers import free_port

pytest.importorskip("redis")


@pytest.fixture
def store_down(make_app):
    """An app whose rate-limit store is a Redis URL with nothing listening (a real client)."""
    app = make_app(RATELIMIT_ENABLED=True,
                   RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0")
    with app.app_context():
        make_user("alice")
        prediction = make_prediction(make_article(), make_user("bob"))
        comment = make_comment(prediction, make_user("carol"))
        app.config["ids"] = {"prediction": prediction.id, "comment": comment.id}
    return app


def test_every_limited_write_answers_normally_while_the_store_is_down(store_down, caplog):
    ids = store_down.config["ids"]
    client = store_down.test_client()
    with caplog.at_level(logging.INFO):
        assert client.post("/api/v1/tokens", json={"username": "alice", "password": "nope"}
                           ).status_code == 401
        assert client.post("/login", data={"username": "alice", "password": "nope"}
                           ).status_code == 422
        assert client.post("/register", data={
            "username": "newcomer", "email": "newcomer@example.com",
            "password": DEFAULT_PASSWORD, "confirm": DEFAULT_PASSWORD}).status_code == 200
        assert client.post("/login", data={"username": "alice", "password": DEFAULT_PASSWORD}
                           ).status_code == 302
        prediction = f"/predictions/{ids['prediction']}"
        assert client.post(f"{prediction}/comments", data={"body": "Still here."}
                           ).status_code == 303
        assert client.post(f"{prediction}/forecasts", data={"probability": "40"}
                           ).status_code == 303
        assert client.post(f"{prediction}/vote", data={"value": "1"}).status_code == 303
        assert client.post(f"/comments/{ids['comment']}/vote", data={"value": "1"}
                           ).status_code == 303
        api = f"/api/v1{prediction}"
        assert client.post(f"{api}/forecasts", json={"probability": 0.5}).status_code == 201
        assert client.put(f"{api}/vote", json={"value": 1}).status_code == 200
        assert client.post(f"{api}/comments", json={"body": "Via the API."}).status_code == 201
    errors = [record for record in caplog.records
              if record.name == "flask-limiter" and record.levelno >= logging.ERROR]
    assert errors, "the store's failure must be logged"
    assert "ConnectionError" in errors[0].getMessage()
    assert "Connection refused" in errors[0].getMessage()
    assert errors[0].levelname == "ERROR"  # as the log line prints it


def test_the_limiters_other_messages_pass_unchanged(caplog):
    """Only a warning logged while an error is being handled gains the error and becomes an
    ERROR; a warning outside one, an INFO line or a record with its own traceback are left
    as they were."""
    limiter_log = logging.getLogger("flask-limiter")
    with caplog.at_level(logging.INFO, logger="flask-limiter"):
        limiter_log.warning("Rate limit storage recovered %s", "at last")
        limiter_log.info("Reset %d limits", 3)
        try:
            raise ConnectionError("refused")
        except ConnectionError:
            limiter_log.info("Retrying %s", "soon")
            limiter_log.exception("Failed to rate limit")
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", "Rate limit storage recovered at last"),
        ("INFO", "Reset 3 limits"),
        ("INFO", "Retrying soon"),
        ("ERROR", "Failed to rate limit"),
    ]


def test_the_limits_still_hold_while_the_store_is_down(store_down):
    client = store_down.test_client()
    wrong = {"username": "alice", "password": "nope"}
    statuses = [client.post("/api/v1/tokens", json=wrong).status_code for _ in range(10)]
    assert statuses == [401] * 10
    response = client.post("/api/v1/tokens", json=wrong)
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"


@pytest.mark.parametrize(("path", "content_type"), [
    ("/login", "application/x-www-form-urlencoded"), ("/api/v1/tokens", "application/json"),
    ("/api/v1/tokens", "text/plain")])
def test_an_oversized_body_is_413_and_no_store_failure(make_app, caplog, path, content_type):
    """Reading the body for the account's key must not fail the limit check: Flask-Limiter
    would take that for the store failing and count in the worker's memory for a while."""
    app = make_app(RATELIMIT_ENABLED=True)
    body = b"username=alice&password=" + b"x" * (2 * 1024 * 1024)
    with caplog.at_level(logging.INFO):
        response = app.test_client().post(path, data=body, content_type=content_type)
    assert response.status_code == 413
    assert [record.getMessage() for record in caplog.records
            if record.name == "flask-limiter" and record.levelno >= logging.WARNING] == []
