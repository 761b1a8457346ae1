"""How long a login lasts on the device (DESIGN §5: "families come back without a password").

Staff sign in with a password and keep the short session of the settings: it ends when the
browser closes (school computers are shared) and at the latest SESSION_COOKIE_AGE later. A
student or parent who joins without a password has nothing to sign in with again, so every
passwordless login (the personal link, the class link, the sign-in link) gives a persistent
cookie of FAMILY_SESSION_DAYS instead. They sign out with the ordinary «Выйти»; the way back in
after that is a sign-in link from the administrator.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def family_session_seconds() -> int:
    return settings.FAMILY_SESSION_DAYS * 24 * 60 * 60


def sign_in_family(request, user) -> None:
    """Sign in a student's or parent's passwordless login for FAMILY_SESSION_DAYS on this
    device. A login with a password is signed in as staff are (a browser session)."""
    login(request, user, backend=MODEL_BACKEND)
    if not user.has_usable_password():
        request.session.set_expiry(family_session_seconds())
