"""Lifting a login lock (see `roles.login`), and deleting access records past their time."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..login import codes, throttle
from ..models import Institution, LockScope
from .audit import audit


@transaction.atomic
def lift_login_lock(*, institution: Institution, scope: str, value: str, by) -> None:
    """Failures before now no longer count against this login or address."""
    throttle.lift(scope=scope, value=value, by=by)
    audit(
        institution=institution,
        actor=by,
        action="login.lift",
        summary=_("Login lock lifted: %(what)s %(value)s")
        % {"what": LockScope(scope).label, "value": value},
        data={"scope": scope, "value": value},
    )


def purge_login_records() -> int:
    """Failed-login records and lifts past the retention period, used or stale login codes."""
    return throttle.purge() + codes.purge()


def clear_expired_sessions() -> int:
    """Sessions past their expiry (Django's `clearsessions`): a family's long session included."""
    from django.contrib.sessions.models import Session

    expired = Session.objects.filter(expire_date__lt=timezone.now())
    count = expired.count()
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()
    return count
