"""The rate limits of SPEC.md §8: per IP for logins, per account, per IP for registration;
429 with Retry-After and the JSON error; off with RATELIMIT_ENABLED=false; a forged
X-Forwarded-For changes nothing unless the app is configured behind a proxy."""

import pytest

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
