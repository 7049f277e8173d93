"""The SQLite rate-limit store (the default, shared by the workers of one machine)."""

import multiprocessing
import time

import pytest
from limits import parse
from limits.errors import ConfigurationError
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from forum.limit_store import SQLiteStorage


@pytest.fixture
def uri(tmp_path):
    return f"sqlite:///{tmp_path / 'limits.db'}"


def test_the_uri_scheme_names_the_store(uri):
    assert isinstance(storage_from_string(uri), SQLiteStorage)
    with pytest.raises(ConfigurationError):
        storage_from_string("sqlite:///:memory:")  # one per connection: shared by no one


def test_the_moving_window_counts_exactly(uri):
    limiter = MovingWindowRateLimiter(storage_from_string(uri))
    three = parse("3 per minute")
    assert [limiter.hit(three, "alice") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit(three, "bob")  # another key has its own window
    assert not limiter.test(three, "alice")
    reset, remaining = limiter.get_window_stats(three, "alice")
    assert remaining == 0 and time.time() < reset <= time.time() + 60
    limiter.clear(three, "alice")
    assert limiter.test(three, "alice")


def test_entries_leave_the_window_when_it_passes(uri):
    limiter = MovingWindowRateLimiter(storage_from_string(uri))
    one = parse("1 per second")
    assert limiter.hit(one, "alice")
    assert not limiter.hit(one, "alice")
    time.sleep(1.1)
    assert limiter.hit(one, "alice")


def test_fixed_window_counters(uri):
    storage = storage_from_string(uri)
    limiter = FixedWindowRateLimiter(storage)
    two = parse("2 per minute")
    assert [limiter.hit(two, "alice") for _ in range(3)] == [True, True, False]
    assert storage.reset() >= 1
    assert limiter.hit(two, "alice")
    assert storage.check()


def hammer(uri: str, attempts: int, results) -> None:
    limiter = MovingWindowRateLimiter(storage_from_string(uri))
    limit = parse("25 per minute")
    results.put(sum(limiter.hit(limit, "shared") for _ in range(attempts)))


def test_processes_share_the_count_exactly(uri):
    """Four processes racing for 25 places get exactly 25 between them."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [context.Process(target=hammer, args=(uri, 20, results)) for _ in range(4)]
    for worker in workers:
        worker.start()
    granted = sum(results.get(timeout=60) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)
    assert granted == 25
