"""A fixed-window limit of invitation landings per client address, counted in the cache."""

import time

from django.conf import settings
from django.core.cache import cache

from sferum_portal.clients import client_address


def allow(request) -> bool:
    limit = settings.INVITE_RATE_LIMIT_PER_MINUTE
    window = int(time.time() // 60)
    key = f"invite-rate:{client_address(request)}:{window}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    return count <= limit
