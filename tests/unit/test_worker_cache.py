"""The per-worker cache: least recently used entries go first, a weight budget bounds it, and
a time-to-live makes old entries read as missing."""

from forum import worker_cache as module
from forum.worker_cache import WorkerCache


def test_the_least_recently_used_entry_is_dropped_first():
    cache = WorkerCache(budget=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "b" is now the least recently used
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)


def test_heavy_entries_use_more_of_the_budget_but_the_newest_always_stays():
    cache = WorkerCache(budget=10)
    cache.put("small", "x", weight=4)
    cache.put("medium", "y", weight=5)
    cache.put("huge", "z", weight=50)
    assert (cache.get("small"), cache.get("medium"), cache.get("huge")) == (None, None, "z")


def test_replacing_an_entry_counts_only_its_new_weight():
    cache = WorkerCache(budget=10)
    cache.put("a", 1, weight=6)
    cache.put("a", 2, weight=6)
    cache.put("b", 3, weight=4)
    assert (cache.get("a"), cache.get("b")) == (2, 3)


def test_an_entry_older_than_its_time_to_live_reads_as_missing(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(module.time, "monotonic", lambda: now[0])
    cache = WorkerCache(budget=5)
    cache.put("page", "html")
    now[0] += 30
    assert cache.get("page", ttl=30) == "html"
    assert cache.get("page") == "html"  # no ttl: kept until evicted
    now[0] += 0.5
    assert cache.get("page", ttl=30) is None
