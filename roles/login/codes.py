"""One-time codes by e-mail: the real user's way in from a new device while their login is
locked for unknown clients. The page never tells whether a login exists or has an address."""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy

from sferum_portal import links, mail

from ..models import LoginCode

logger = logging.getLogger(__name__)

CODES_PER_HOUR = 3
TRIES_PER_CODE = 5


def _hash(code: str) -> str:
    return salted_hmac("roles.login.code", code, algorithm="sha256").hexdigest()


def send_code(*, username: str) -> bool:
    """E-mail a code to the login's address, at most three an hour. True if one was sent
    (for the tests and the log; the page says the same either way)."""
    user = get_user_model()._default_manager.filter(username=username, is_active=True).first()
    if user is None or not user.email:
        return False
    now = timezone.now()
    if (
        LoginCode.objects.filter(user=user, created_at__gt=now - dt.timedelta(hours=1)).count()
        >= CODES_PER_HOUR
    ):
        return False
    code = f"{secrets.randbelow(10**6):06d}"
    LoginCode.objects.create(
        user=user,
        code_hash=_hash(code),
        expires_at=now + dt.timedelta(minutes=settings.LOGIN_CODE_MINUTES),
    )
    message = mail.build(
        to=user.email,
        subject=gettext_lazy("Code for logging in to the Sferum portal"),
        body_template="registration/email/login_code.txt",
        context={
            "user": user,
            "code": code,
            "minutes": settings.LOGIN_CODE_MINUTES,
            "base_url": links.base_url(),
        },
    )
    sent = mail.send([message]) == 1
    logger.info("Login code for user %s: %s", user.pk, "sent" if sent else "not sent")
    return sent


@transaction.atomic
def check_code(*, username: str, password: str, code: str):
    """The user if the code (the newest unused one) and the password are right, else None.

    Each wrong code or password spends one of the code's five tries.
    """
    user = get_user_model()._default_manager.filter(username=username, is_active=True).first()
    if user is None:
        return None
    now = timezone.now()
    found = (
        LoginCode.objects.select_for_update()
        .filter(user=user, used_at__isnull=True, expires_at__gt=now, wrong_tries__lt=TRIES_PER_CODE)
        .order_by("-created_at")
        .first()
    )
    if found is None:
        return None
    if not constant_time_compare(_hash(code.strip()), found.code_hash) or not user.check_password(
        password
    ):
        found.wrong_tries += 1
        found.save(update_fields=["wrong_tries"])
        return None
    found.used_at = now
    found.save(update_fields=["used_at"])
    return user


def purge(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    deleted, _ = LoginCode.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted
