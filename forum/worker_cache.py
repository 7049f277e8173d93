"""Caches kept in a worker process's memory and shared by its threads: rendered pages for
anonymous readers, marked-up articles, scorecards and crowd histories."""

import threading
import time
from collections import OrderedDict

from flask import current_app


class WorkerCache:
    """An LRU bounded by the summed weight of its entries (1 each unless said otherwise); with
    a `ttl`, an entry stored more than that many seconds ago reads as missing."""

    def __init__(self, budget: int):
        self.budget = budget
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._used = 0

    def get(self, key, ttl: float | None = None):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            stored, _weight, value = entry
            if ttl is not None and time.monotonic() - stored > ttl:
                return None
            self._entries.move_to_end(key)
            return value

    def put(self, key, value, weight: int = 1) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            self._used += weight - (old[1] if old else 0)
            self._entries[key] = (time.monotonic(), weight, value)
            while self._used > self.budget and len(self._entries) > 1:
                _stored, dropped, _value = self._entries.popitem(last=False)[1]
                self._used -= dropped


def worker_cache(name: str, budget: int) -> WorkerCache:
    """The current app's cache called `name`, made on first use."""
    cache = current_app.extensions.get(name)
    if cache is None:
        cache = current_app.extensions.setdefault(name, WorkerCache(budget))
    return cache
