"""A fixed-window limit of invitation landings per client address (sferum_portal.ratelimit)."""

from django.conf import settings

from sferum_portal.clients import client_address
from sferum_portal.ratelimit import allow as _allow


def allow(request) -> bool:
    return _allow(f"invite:{client_address(request)}", limit=settings.INVITE_RATE_LIMIT_PER_MINUTE)
