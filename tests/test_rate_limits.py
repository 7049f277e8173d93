"""The rate limits of SPEC.md §8: per IP for logins, per account, per IP for registration;
429 with Retry-After and the JSON error; off with RATELIMIT_ENABLED=false; a forged
X-Forwarded-For changes nothing unless the app is configured behind a proxy."""

import json
import logging

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from forum.limits import DEFAULT_RATE_LIMITS
from forum.params import IdConverter
from tests.factories import DEFAULT_PASSWORD, make_user

WRONG = {"username": "alice", "password": "not the password"}


@pytest.fixture
def limited_app(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    with app.app_context():
        make_user("alice")
        make_user("bob")
    return app


def token_attempt(client, ip="10.0.0.1", **body):
    return client.post("/api/v1/tokens", json=body or WRONG, environ_base={"REMOTE_ADDR": ip})


def test_eleventh_login_attempt_in_a_minute_from_one_ip_is_rate_limited(limited_app):
    client = limited_app.test_client()
    statuses = [token_attempt(client).status_code for _ in range(10)]
    assert statuses == [401] * 10
    response = token_attempt(client)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert response.get_json()["error"]["status"] == 429


def test_login_form_and_token_requests_share_the_ip_limit(limited_app):
    client = limited_app.test_client()
    for _ in range(5):
        client.post("/login", data=WRONG, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    for _ in range(5):
        token_attempt(client, ip="10.0.0.2")
    page = client.post("/login", data=WRONG, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert page.status_code == 429
    assert b"Slow down" in page.data and b"nav" in page.data  # the 429 page in the layout
    assert "Retry-After" in page.headers


def test_a_brute_force_from_many_ips_meets_the_per_account_limit(limited_app):
    client = limited_app.test_client()
    statuses = [token_attempt(client, ip=f"10.1.{n}.1").status_code for n in range(20)]
    assert statuses == [401] * 20
    assert token_attempt(client, ip="10.9.9.9").status_code == 429
    # another account is untouched
    other = token_attempt(client, ip="10.9.9.9", username="bob", password=DEFAULT_PASSWORD)
    assert other.status_code == 201


def test_sixth_registration_in_an_hour_from_one_ip_is_rate_limited(limited_app):
    client = limited_app.test_client()
    for n in range(5):
        response = client.post("/register", data={
            "username": f"new{n}", "email": f"new{n}@example.com",
            "password": DEFAULT_PASSWORD, "confirm": DEFAULT_PASSWORD,
        }, environ_base={"REMOTE_ADDR": "10.0.0.3"})
        assert response.status_code == 200  # "check your email"
    response = client.post("/register", data={"username": "new9"},
                           environ_base={"REMOTE_ADDR": "10.0.0.3"})
    assert response.status_code == 429


def test_forged_forwarded_for_does_not_reset_the_limit(limited_app):
    client = limited_app.test_client()
    for n in range(10):
        client.post("/api/v1/tokens", json=WRONG, headers={"X-Forwarded-For": f"192.0.2.{n}"},
                    environ_base={"REMOTE_ADDR": "10.0.0.4"})
    response = client.post("/api/v1/tokens", json=WRONG,
                           headers={"X-Forwarded-For": "198.51.100.7"},
                           environ_base={"REMOTE_ADDR": "10.0.0.4"})
    assert response.status_code == 429


def test_behind_a_configured_proxy_the_forwarded_client_is_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, PROXY_FIX_HOPS=1)
    with app.app_context():
        make_user("alice")
    client = app.test_client()
    for _ in range(10):
        client.post("/api/v1/tokens", json=WRONG, headers={"X-Forwarded-For": "198.51.100.1"})
    blocked = client.post("/api/v1/tokens", json=WRONG,
                          headers={"X-Forwarded-For": "198.51.100.1"})
    other_client = client.post("/api/v1/tokens", json={**WRONG, "username": "nobody"},
                               headers={"X-Forwarded-For": "198.51.100.2"})
    assert blocked.status_code == 429
    assert other_client.status_code == 401


def test_limits_are_off_when_disabled(make_app):
    app = make_app(RATELIMIT_ENABLED=False)
    with app.app_context():
        make_user("alice")
    client = app.test_client()
    assert {token_attempt(client).status_code for _ in range(25)} == {401}


# Every write is limited (SPEC.md §8) ------------------------------------------------------

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def example_url(app, rule) -> str:
    """The rule's URL with a value of the right kind for each part (1 for ids)."""
    values = {}
    for name, converter in rule._converters.items():  # Werkzeug keeps them on the rule only
        if isinstance(converter, IntegerConverter | IdConverter):
            values[name] = 1
        elif isinstance(converter, AnyConverter):
            values[name] = min(converter.items)
        else:
            values[name] = "x"
    return app.url_map.bind("localhost").build(rule.endpoint, values)


def test_every_write_route_is_rate_limited(limited_app):
    """A write added without a limit fails here: with every limit at zero, each non-GET route
    answers 429 to an admin (who passes every permission check) before it does anything."""
    with limited_app.app_context():
        make_user("root", role="admin")
    client = limited_app.test_client()
    assert client.post("/login", data={"username": "root", "password": DEFAULT_PASSWORD}
                       ).status_code == 302
    limited_app.config["RATE_LIMITS"] = {name: "0 per minute"
                                         for name in limited_app.config["RATE_LIMITS"]}
    writes = [(rule, method) for rule in limited_app.url_map.iter_rules()
              for method in sorted(rule.methods - SAFE_METHODS)]
    assert len(writes) >= 25
    unlimited = []
    for rule, method in writes:
        response = client.open(example_url(limited_app, rule), method=method,
                               data={"password-current_password": "guess", "body": "x"})
        if response.status_code != 429:
            unlimited.append(f"{method} {rule.rule} -> {response.status_code}")
    assert unlimited == []


def test_every_named_limit_is_a_real_limit(limited_app):
    from limits import parse_many

    for name, value in limited_app.config["RATE_LIMITS"].items():
        assert parse_many(value), name


@pytest.fixture
def board(limited_app):
    from tests.factories import make_article, make_comment, make_prediction

    with limited_app.app_context():
        prediction = make_prediction(make_article(), make_user("carol"))
        comment = make_comment(prediction, make_user("dave"))
        return {"prediction": prediction.id, "comment": comment.id}


def logged_in(app, username):
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": DEFAULT_PASSWORD},
                       environ_base={"REMOTE_ADDR": "10.7.0.1"}).status_code == 302
    return client


def test_the_eleventh_edit_in_a_minute_is_rate_limited(limited_app, board):
    client = logged_in(limited_app, "dave")
    url = f"/comments/{board['comment']}/edit"
    statuses = [client.post(url, data={"body": f"Edited, take {n}."}).status_code
                for n in range(10)]
    assert statuses == [303] * 10
    response = client.post(url, data={"body": "One edit too many."})
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    # deleting is an edit too
    assert client.post(f"/comments/{board['comment']}/delete").status_code == 429


def test_settings_token_revocation_logout_and_notifications_are_limited(limited_app):
    client = logged_in(limited_app, "alice")
    statuses = [client.post("/settings", data={"profile-bio": f"Bio {n}", "profile-submit": "1"}
                            ).status_code for n in range(10)]
    assert statuses == [302] * 10
    assert client.post("/settings", data={"profile-bio": "x", "profile-submit": "1"}
                       ).status_code == 429
    assert client.post("/settings/tokens/1/revoke").status_code == 429  # the same budget
    statuses = {client.post("/notifications/read").status_code for _ in range(60)}
    assert statuses == {302}
    assert client.post("/notifications/read").status_code == 429


def test_invalid_comments_do_not_spend_the_comment_budget(limited_app, board):
    client = logged_in(limited_app, "alice")
    url = f"/predictions/{board['prediction']}/comments"
    assert {client.post(url, data={"body": ""}).status_code for _ in range(10)} == {422}
    statuses = [client.post(url, data={"body": f"Comment {n}"}).status_code for n in range(6)]
    assert statuses == [303] * 6
    assert client.post(url, data={"body": "The seventh"}).status_code == 429
    assert client.post(url, data={"body": ""}).status_code == 429  # spent: refused before reading


def test_invalid_forecasts_do_not_spend_the_forecast_budget(limited_app, board):
    client = logged_in(limited_app, "alice")
    url = f"/api/v1/predictions/{board['prediction']}/forecasts"
    assert {client.post(url, json={"probability": 7}).status_code for _ in range(5)} == {422}
    statuses = [client.post(url, json={"probability": 0.5}).status_code for _ in range(30)]
    assert statuses == [201] * 30
    assert client.post(url, json={"probability": 0.5}).status_code == 429


# The per-account login limit reads the body as the view does (issue 10, item 7) ------------

ACCOUNT_VARIANTS = {
    "json as text/plain": lambda body: {"path": "/api/v1/tokens", "data": json.dumps(body),
                                        "content_type": "text/plain"},
    "json without a content type": lambda body: {"path": "/api/v1/tokens",
                                                 "data": json.dumps(body).encode()},
    "json with a charset": lambda body: {"path": "/api/v1/tokens", "data": json.dumps(body),
                                         "content_type": "application/json; charset=utf-8"},
    "the login form": lambda body: {"path": "/login", "data": body},
    "json to the login form": lambda body: {"path": "/login", "data": json.dumps(body),
                                            "content_type": "application/json"},
}


def attempt(client, variant: str, password: str, ip: str):
    request = ACCOUNT_VARIANTS[variant]({"username": "alice", "password": password})
    return client.post(request.pop("path"), environ_base={"REMOTE_ADDR": ip}, **request)


@pytest.mark.parametrize("variant", ACCOUNT_VARIANTS)
def test_the_account_limit_holds_whatever_the_content_type(limited_app, variant):
    client = limited_app.test_client()
    statuses = {attempt(client, variant, "wrong password", f"10.2.{n}.1").status_code
                for n in range(20)}
    assert 429 not in statuses and statuses <= {401, 422}
    # every spelling of the body spends the account's budget, and is refused once it's spent
    assert token_attempt(client, ip="10.3.0.1", username="alice",
                         password=DEFAULT_PASSWORD).status_code == 429
    assert attempt(client, variant, DEFAULT_PASSWORD, "10.3.0.2").status_code == 429


@pytest.mark.parametrize("variant", ACCOUNT_VARIANTS)
def test_a_spent_account_refuses_every_content_type(limited_app, variant):
    client = limited_app.test_client()
    assert {token_attempt(client, ip=f"10.4.{n}.1").status_code for n in range(20)} == {401}
    assert attempt(client, variant, DEFAULT_PASSWORD, "10.5.0.1").status_code == 429


# Password guessing through the settings (issue 10, item 13) --------------------------------

def wrong_current_password(client, ip="10.6.0.1"):
    return client.post("/settings", data={
        "password-current_password": "a wrong guess", "password-new_password": "x" * 12,
        "password-confirm": "x" * 12, "password-submit": "1"},
        environ_base={"REMOTE_ADDR": ip})


def test_current_password_guesses_in_settings_are_limited_per_ip(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATE_LIMITS={
        **DEFAULT_RATE_LIMITS, "settings": "100 per minute"})
    with app.app_context():
        make_user("alice")
    client = logged_in(app, "alice")  # one login from 10.7.0.1: its own IP bucket
    for n in range(3):  # saving the bio is no password guess
        assert client.post("/settings", data={"profile-bio": f"Bio {n}", "profile-submit": "1"},
                           environ_base={"REMOTE_ADDR": "10.6.0.1"}).status_code == 302
    assert [wrong_current_password(client).status_code for _ in range(10)] == [422] * 10
    blocked = wrong_current_password(client)
    assert blocked.status_code == 429
    # the same IP's logins share the budget
    assert token_attempt(client, ip="10.6.0.1", username="bob",
                         password=DEFAULT_PASSWORD).status_code == 429


def test_current_password_guesses_in_settings_spend_the_account_budget(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATE_LIMITS={
        **DEFAULT_RATE_LIMITS, "settings": "100 per minute"})
    with app.app_context():
        make_user("alice")
    client = logged_in(app, "alice")  # the login spent 1 of the account's 20
    statuses = [wrong_current_password(client, ip=f"10.8.{n}.1").status_code for n in range(19)]
    assert statuses == [422] * 19
    assert wrong_current_password(client, ip="10.9.0.1").status_code == 429
    # and a login to that account, from anywhere, waits too
    assert token_attempt(client, ip="10.9.0.2", username="alice",
                         password=DEFAULT_PASSWORD).status_code == 429


@pytest.mark.parametrize("body", ['"a string"', "[1, 2]", '{"username": 5, "password": []}',
                                  '{"username": {"a": 1}, "password": "x"}'])
def test_the_login_form_refuses_json_that_is_not_an_object_of_strings(limited_app, body):
    client = limited_app.test_client()
    response = client.post("/login", data=body, content_type="application/json")
    assert response.status_code == 422


def test_logins_naming_no_string_still_spend_the_ip_budget(limited_app, caplog):
    """A body whose username is not a string is refused (422) and keyed as no account, without
    an error in the limiter (its key functions never raise); it is a login attempt all the
    same, so the eleventh from one IP in a minute is refused."""
    caplog.set_level(logging.ERROR, logger="flask-limiter")
    client = limited_app.test_client()
    statuses = [token_attempt(client, ip="10.10.0.1", username=5, password="x").status_code
                for _ in range(10)]
    assert statuses == [422] * 10
    assert token_attempt(client, ip="10.10.0.1", username=5, password="x").status_code == 429
    assert [r.getMessage() for r in caplog.records if r.name == "flask-limiter"] == []
