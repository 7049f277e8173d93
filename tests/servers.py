"""Run the real app under gunicorn in subprocesses, for tests that need several processes."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            urllib.request.urlopen(url + "/api/v1/articles", timeout=2).close()
            return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not start in {seconds} s")


@contextmanager
def gunicorn_servers(count: int, env: dict, workers: int = 1):
    """Start `count` gunicorn servers of the app with the given environment (a None value
    removes the variable); yield their base URLs."""
    processes, urls = [], []
    merged = {**os.environ, "SECRET_KEY": "multi-process-test-key", **env}
    base_env = {name: value for name, value in merged.items() if value is not None}
    try:
        for _ in range(count):
            port = free_port()
            process = subprocess.Popen(
                [str(GUNICORN), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                 "--log-level", "warning", "forum.app:create_app()"],
                cwd=ROOT, env=base_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )
            processes.append(process)
            urls.append(f"http://127.0.0.1:{port}")
        for url, process in zip(urls, processes, strict=True):
            wait_until_serving(url, process)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stderr:
                process.stderr.close()


TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def reachable_redis(url: str):
    """A client of the Redis at `url`; the test is skipped when it is down, except in CI,
    where Redis runs and its tests must."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        client.close()
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis is not reachable at {url}")
    return client
