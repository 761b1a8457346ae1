"""Who is asking: the client address that rate limits and login throttling count.

Behind the documented nginx (on the same machine), every request comes from 127.0.0.1 and the
real client is the last address nginx appended to X-Forwarded-For. That header is believed only
from a proxy we trust (`TRUSTED_PROXIES`): anyone else could write it to pose as another
address. `RATE_LIMIT_TRUST_FORWARDED_FOR` is "auto" (that rule, the default), "1" (believe it
from anyone: only behind a proxy that every request must pass) or "0" (never).
"""

import ipaddress

from django.conf import settings


def _trust_forwarded_for(remote_addr: str) -> bool:
    mode = str(getattr(settings, "RATE_LIMIT_TRUST_FORWARDED_FOR", "auto")).lower()
    if mode in ("1", "true", "yes", "on"):
        return True
    if mode in ("0", "false", "no", "off"):
        return False
    return remote_addr in getattr(settings, "TRUSTED_PROXIES", ("127.0.0.1", "::1"))


def client_address(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "unknown")
    if _trust_forwarded_for(remote):
        # The client is the last address our proxy appended.
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return remote


def client_ip(request) -> str | None:
    """The client address if it is one (a request built without REMOTE_ADDR, or a forged
    X-Forwarded-For, gives none): what an address column may store."""
    address = client_address(request)
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return None
    return address
