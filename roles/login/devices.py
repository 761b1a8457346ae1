"""Trusted devices: a signed cookie saying "this login has signed in with its password here".

The cookie holds, for each of the last few logins that signed in on this browser, the user's id,
a random device id and a fingerprint of the user's password hash, so that changing the password
ends the trust everywhere. It is signed (SECRET_KEY), HttpOnly, Secure in production.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

COOKIE = "portal_device"
SALT = "roles.login.device"
MAX_LOGINS = 5


def _fingerprint(user) -> str:
    return salted_hmac(SALT, user.password, algorithm="sha256").hexdigest()[:20]


def _entries(request) -> list[list]:
    raw = request.COOKIES.get(COOKIE)
    if not raw:
        return []
    try:
        entries = signing.loads(raw, salt=SALT, max_age=settings.LOGIN_DEVICE_DAYS * 24 * 3600)
    except signing.BadSignature:
        return []
    if not isinstance(entries, list):
        return []
    return [e for e in entries if isinstance(e, list) and len(e) == 3][:MAX_LOGINS]


def trusted_device(request, user) -> str | None:
    """The device id if this browser's cookie vouches for `user` (with the current password)."""
    if user is None or request is None:
        return None
    for user_id, device, fingerprint in _entries(request):
        if user_id == user.pk and constant_time_compare(str(fingerprint), _fingerprint(user)):
            return str(device)
    return None


def remember(request, response, user) -> None:
    """After a password login: this browser is a known device of `user` from now on."""
    kept = [e for e in _entries(request) if e[0] != user.pk]
    device = trusted_device(request, user) or secrets.token_hex(16)
    entries = [[user.pk, device, _fingerprint(user)], *kept][:MAX_LOGINS]
    response.set_cookie(
        COOKIE,
        signing.dumps(entries, salt=SALT),
        max_age=settings.LOGIN_DEVICE_DAYS * 24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
