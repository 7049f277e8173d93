"""Every app process shares one rate-limit store, so a script can't spread its attempts over
workers or servers to escape a limit: by default (`make run`: gunicorn workers, no Redis) a
SQLite file in the instance folder, and Redis when several machines serve."""

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from tests.factories import DEFAULT_PASSWORD, make_article, make_prediction, make_user
from tests.servers import gunicorn_servers, reachable_redis

pytestmark = pytest.mark.real_commits  # gunicorn servers read the data


def post_json(url: str, body: dict, token: str | None = None) -> int:
    return send_json(url, body, token)[0]


def send_json(url: str, body: dict, token: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, {}


def register(server: str, n: int) -> int:
    """Fill in the registration form as a browser would (its CSRF token and session cookie)."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
        urllib.request.HTTPErrorProcessor())
    page = opener.open(f"{server}/register", timeout=10).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({
        "csrf_token": token, "username": f"newcomer{n}", "email": f"newcomer{n}@example.com",
        "password": DEFAULT_PASSWORD, "confirm": DEFAULT_PASSWORD}).encode()
    try:
        with opener.open(f"{server}/register", data=form, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def default_store_env(migrated_database):
    """`make run`'s set-up: no RATELIMIT_STORAGE_URI, so the instance folder's SQLite file;
    a fresh key prefix keeps this run's counters apart from earlier ones in that file."""
    return {"DATABASE_URL": migrated_database, "RATELIMIT_ENABLED": "true",
            "RATELIMIT_STORAGE_URI": None, "FORUM_ENV": "development",
            "RATELIMIT_KEY_PREFIX": f"forum-test-{uuid.uuid4().hex[:10]}"}


# Two gunicorn servers of two workers each, on one machine, and requests alternating between
# them: at least two processes answer, and they count together.

@pytest.mark.slow
def test_the_default_store_holds_the_login_and_registration_limits_across_workers(
        app, default_store_env):
    make_user("alice")
    wrong = {"username": "alice", "password": "not the password"}
    with gunicorn_servers(2, default_store_env, workers=2) as (first, second):
        statuses = [post_json(f"{server}/api/v1/tokens", wrong)
                    for _ in range(5) for server in (first, second)]
        assert statuses == [401] * 10
        assert post_json(f"{first}/api/v1/tokens", wrong) == 429
        assert post_json(f"{second}/api/v1/tokens", wrong) == 429

        statuses = [register(server, n) for n, server in enumerate([first, second] * 3)]
        assert all(status != 429 for status in statuses[:5]), statuses
        assert statuses[5] == 429


@pytest.mark.slow
def test_the_default_store_holds_the_forecast_limit_across_workers(app, default_store_env):
    make_user("alice")
    prediction = make_prediction(make_article(), make_user("bob"))
    with gunicorn_servers(2, default_store_env, workers=2) as (first, second):
        status, body = send_json(f"{first}/api/v1/tokens",
                                 {"username": "alice", "password": DEFAULT_PASSWORD})
        assert status == 201
        path = f"/api/v1/predictions/{prediction.id}/forecasts"
        statuses = [post_json(f"{server}{path}", {"probability": 0.4}, body["token"])
                    for _ in range(15) for server in (first, second)]
        assert statuses == [201] * 30
        assert post_json(f"{first}{path}", {"probability": 0.4}, body["token"]) == 429
        assert post_json(f"{second}{path}", {"probability": 0.4}, body["token"]) == 429


@pytest.mark.slow
def test_login_limit_holds_across_two_app_processes_sharing_redis(app, migrated_database,
                                                                   redis_rate_limits):
    make_user("alice")
    url, prefix = redis_rate_limits
    env = {"DATABASE_URL": migrated_database, "RATELIMIT_ENABLED": "true",
           "RATELIMIT_STORAGE_URI": url, "RATELIMIT_KEY_PREFIX": prefix}
    wrong = {"username": "alice", "password": "not the password"}
    with gunicorn_servers(2, env) as (first, second):
        statuses = [post_json(f"{server}/api/v1/tokens", wrong)
                    for _ in range(5) for server in (first, second)]
        assert statuses == [401] * 10
        assert post_json(f"{first}/api/v1/tokens", wrong) == 429
        assert post_json(f"{second}/api/v1/tokens", wrong) == 429


def test_each_app_counts_under_its_own_key_prefix(make_app, redis_rate_limits):
    """Flask-Limiter keeps the key prefix of the first app it served; every app built after
    it in the same process must still count under its own (RATELIMIT_KEY_PREFIX)."""
    url, prefix = redis_rate_limits
    first = f"{prefix}-first"  # emptied after the test with the fixture's own keys
    make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=url, RATELIMIT_KEY_PREFIX=first)
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=url,
                   RATELIMIT_KEY_PREFIX=prefix)
    client = app.test_client()
    assert client.post("/login", data={"username": "nobody", "password": "x"}).status_code \
        == 422
    keys = [key.decode() for key in reachable_redis(url).scan_iter("LIMITS:*")]
    assert any(f"/{prefix}/" in key for key in keys), keys
    assert not any(f"/{first}/" in key for key in keys), keys
