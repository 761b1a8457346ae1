"""Django's Redis cache, degraded to a cache miss while Redis is unreachable.

The cache holds nothing that must survive (rate-limit counters, progress figures, "a job is
on its way" flags): with Redis down the pages keep working without them instead of failing.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, OSError)


class ResilientRedisCache(RedisCache):
    _warned_at = 0.0
    # Whether the last operation found Redis unreachable: the rate limits then count in the
    # process (sferum_portal.ratelimit) and /healthz says so.
    unreachable = False

    def _down(self, operation: str, exc: Exception) -> None:
        self.unreachable = True
        # One warning a minute per process is enough for an outage.
        now = time.monotonic()
        if now - ResilientRedisCache._warned_at > 60:
            ResilientRedisCache._warned_at = now
            logger.warning("Cache unreachable (%s): %s", operation, exc)

    def _safely(self, operation: str, default, call, *args, **kwargs):
        try:
            result = call(*args, **kwargs)
        except UNREACHABLE as exc:
            self._down(operation, exc)
            return default
        self.unreachable = False
        return result

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._safely("add", False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._safely("get", default, super().get, key, default, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._safely("set", None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._safely("touch", False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._safely("delete", False, super().delete, key, version=version)

    def get_many(self, keys, version=None):
        return self._safely("get_many", {}, super().get_many, keys, version=version)

    def has_key(self, key, version=None):
        return self._safely("has_key", False, super().has_key, key, version=version)

    def incr(self, key, delta=1, version=None):
        try:
            result = super().incr(key, delta, version=version)
        except UNREACHABLE as exc:
            self._down("incr", exc)
            # As for a missing key: callers already handle it (the rate limit starts anew).
            raise ValueError(f"Key '{key}' not found (cache unreachable)") from exc
        self.unreachable = False
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._safely("set_many", list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._safely("delete_many", None, super().delete_many, keys, version=version)

    def clear(self):
        return self._safely("clear", False, super().clear)
