"""Several app processes behind a load balancer share one rate-limit store (Redis): the limit
holds across them, so a script can't spread its attempts over servers to escape it."""

import json
import os
import urllib.error
import urllib.request
import uuid

import pytest

from tests.factories import make_user
from tests.servers import gunicorn_servers

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_url():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    prefix = f"forum-test-{uuid.uuid4().hex[:10]}"
    yield REDIS_URL, prefix
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)
    client.close()


def post_json(url: str, body: dict) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.slow
def test_login_limit_holds_across_two_app_processes_sharing_redis(app, migrated_database,
                                                                   redis_url):
    make_user("alice")
    url, prefix = redis_url
    env = {"DATABASE_URL": migrated_database, "RATELIMIT_ENABLED": "true",
           "RATELIMIT_STORAGE_URI": url, "RATELIMIT_KEY_PREFIX": prefix}
    wrong = {"username": "alice", "password": "not the password"}
    with gunicorn_servers(2, env) as (first, second):
        statuses = [post_json(f"{server}/api/v1/tokens", wrong)
                    for _ in range(5) for server in (first, second)]
        assert statuses == [401] * 10
        assert post_json(f"{first}/api/v1/tokens", wrong) == 429
        assert post_json(f"{second}/api/v1/tokens", wrong) == 429
