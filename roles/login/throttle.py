"""The limits themselves: failures counted in a sliding window, per login, address and device."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone

from sferum_portal.clients import client_ip

from ..models import LockScope, LoginFailure, LoginLift

logger = logging.getLogger(__name__)

USERNAME, ADDRESS, DEVICE = "username", "address", "device"


def window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.LOGIN_WINDOW_MINUTES)


def fold(username: str) -> str:
    return (username or "").strip().casefold()[:150]


@dataclass(frozen=True)
class Refusal:
    reason: str  # USERNAME, ADDRESS or DEVICE
    retry_at: dt.datetime  # when enough counted failures have left the window

    @property
    def minutes(self) -> int:
        return max(1, round((self.retry_at - timezone.now()).total_seconds() / 60))


def _last_lift(scope: str, value: str) -> dt.datetime | None:
    return LoginLift.objects.filter(scope=scope, value=value).aggregate(last=Max("at")).get("last")


def _locked_until(failures, limit: int, since: dt.datetime) -> dt.datetime | None:
    """The moment the `limit`-th most recent failure leaves the window, if there are `limit`."""
    recent = list(
        failures.filter(at__gt=since).order_by("-at").values_list("at", flat=True)[:limit]
    )
    if len(recent) < limit:
        return None
    return recent[limit - 1] + window()


def refusal_for(request, username: str, device: str | None) -> Refusal | None:
    """Should this password attempt be refused before the password is even checked?"""
    now = timezone.now()
    start = now - window()
    if device:
        until = _locked_until(
            LoginFailure.objects.filter(device=device), settings.LOGIN_DEVICE_FAILURES, start
        )
        return Refusal(DEVICE, until) if until else None
    name = fold(username)
    unknown = LoginFailure.objects.filter(device="")
    lifted = _last_lift(LockScope.USERNAME, name)
    until = _locked_until(
        unknown.filter(username=name), settings.LOGIN_USERNAME_FAILURES, max(start, lifted or start)
    )
    if until:
        return Refusal(USERNAME, until)
    address = client_ip(request)
    if address is None:
        return None
    lifted = _last_lift(LockScope.ADDRESS, address)
    until = _locked_until(
        unknown.filter(address=address),
        settings.LOGIN_ADDRESS_FAILURES,
        max(start, lifted or start),
    )
    return Refusal(ADDRESS, until) if until else None


def record_failure(request, username: str, device: str | None) -> None:
    LoginFailure.objects.create(
        username=fold(username), address=client_ip(request), device=device or ""
    )


@dataclass
class Lock:
    scope: str
    value: str
    failures: int
    last_at: dt.datetime

    @property
    def retry_at(self) -> dt.datetime:
        return self.last_at + window()


def current_locks(*, usernames: set[str] | None = None) -> list[Lock]:
    """Logins and addresses refused to unknown clients now, with their failures in the window.

    `usernames` narrows the list to these logins (an institution's) and to the addresses that
    failed against them; None is every lock (the operator).
    """
    start = timezone.now() - window()
    unknown = LoginFailure.objects.filter(device="", at__gt=start)
    if usernames is not None:
        unknown = unknown.filter(username__in={fold(u) for u in usernames})
    lifts = {
        (row["scope"], row["value"]): row["last"]
        for row in LoginLift.objects.filter(at__gt=start)
        .values("scope", "value")
        .annotate(last=Max("at"))
    }
    locks = []
    for scope, field, limit in (
        (LockScope.USERNAME, "username", settings.LOGIN_USERNAME_FAILURES),
        (LockScope.ADDRESS, "address", settings.LOGIN_ADDRESS_FAILURES),
    ):
        rows = (
            unknown.exclude(**{f"{field}__isnull": True})
            .values(field)
            .annotate(n=Count("pk"), last=Max("at"))
        )
        for row in rows.filter(n__gte=limit):
            value = str(row[field])
            lifted = lifts.get((scope, value))
            failures = row["n"]
            if lifted is not None:
                failures = unknown.filter(**{field: row[field]}, at__gt=lifted).count()
            if failures >= limit:
                locks.append(Lock(scope, value, failures, row["last"]))
    return sorted(locks, key=lambda lock: lock.last_at, reverse=True)


def lift(*, scope: str, value: str, by) -> LoginLift:
    """Failures before now no longer count against this login or address."""
    value = fold(value) if scope == LockScope.USERNAME else value
    logger.warning("Login lock lifted: %s %s", scope, value)
    return LoginLift.objects.create(
        scope=scope, value=value, lifted_by=by if getattr(by, "pk", None) else None
    )


def purge(*, older_than_days: int | None = None) -> int:
    """Access records are kept no longer than the retention period (152-ФЗ)."""
    days = settings.LOGIN_RECORD_RETENTION_DAYS if older_than_days is None else older_than_days
    cutoff = timezone.now() - dt.timedelta(days=days)
    deleted, _ = LoginFailure.objects.filter(at__lt=cutoff).delete()
    lifted, _ = LoginLift.objects.filter(at__lt=cutoff).delete()
    return deleted + lifted
