"""Fixed-window rate limits that keep limiting while the shared cache is down.

The counters live in the cache (Redis in production, shared by every gunicorn worker). While
Redis is unreachable they are counted in the process instead: each worker then allows the limit
on its own (at most workers × limit in all), which is looser, but never no limit at all.
"""

from __future__ import annotations

import threading
import time

from django.core.cache import cache

_lock = threading.Lock()
_local: dict[str, int] = {}
_local_window: list[int] = [0]


def shared() -> bool:
    """Are the limits counted in the shared cache now (False: per process)?"""
    return not getattr(cache, "unreachable", False)


def _count_here(name: str, window_id: int) -> int:
    with _lock:
        if _local_window[0] != window_id:
            # A new window: the old counters are of no use any more.
            _local.clear()
            _local_window[0] = window_id
        _local[name] = _local.get(name, 0) + 1
        return _local[name]


def allow(key: str, *, limit: int, window: int = 60) -> bool:
    """Count one use of `key` in the current window; True while within `limit`."""
    window_id = int(time.time() // window)
    name = f"rate:{key}:{window_id}"
    cache.add(name, 0, timeout=window * 2)
    try:
        count = cache.incr(name)
    except ValueError:  # the key expired between add and incr, or the cache is down
        count = None
    if not shared():
        count = _count_here(name, window_id)
    elif count is None:
        cache.set(name, 1, timeout=window * 2)
        count = 1
    return count <= limit
