"""The expiry job: links past their expiry recorded as expired, links nobody used annulled as
unclaimed after the institution's number of days, and the creators warned once of their unused
links that expire soon. Set-based and idempotent; the status of a link never depends on it (a
link past its expiry is refused at the moment of use, see `links.check_usable`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from .. import emails
from ..models import Invitation, InvitationPolicy, RevokeReason
from .revoking import revoke_queryset


def expire_invitations(*, now: dt.datetime | None = None) -> int:
    """The hourly job, idempotent and set-based.

    1. Links past their expiry are recorded as expired (the status itself is derived anyway).
    2. Links nobody used within the institution's number of days are annulled as unclaimed.
    3. Creators get one digest of their unused links that expire within two days, never twice
       for the same link.
    Returns the number of links expired or annulled by this run.
    """
    now = now or timezone.now()
    with transaction.atomic():
        expired = (
            Invitation.objects.expired(now)
            .filter(expiry_recorded_at__isnull=True)
            .update(expiry_recorded_at=now)
        )
        annulled = 0
        default_days = InvitationPolicy._meta.get_field("unclaimed_after_days").default
        days_by_institution = dict(
            InvitationPolicy.objects.values_list("institution_id", "unclaimed_after_days")
        )
        groups: dict[int, list[int]] = defaultdict(list)
        for institution_id, days in days_by_institution.items():
            groups[days].append(institution_id)
        unused = Invitation.objects.active(now).filter(uses_count=0)
        for days, institution_ids in groups.items():
            annulled += revoke_queryset(
                unused.filter(
                    institution_id__in=institution_ids,
                    created_at__lte=now - dt.timedelta(days=days),
                ),
                by=None,
                reason=RevokeReason.UNCLAIMED,
                now=now,
            )
        annulled += revoke_queryset(
            unused.exclude(institution_id__in=list(days_by_institution)).filter(
                created_at__lte=now - dt.timedelta(days=default_days)
            ),
            by=None,
            reason=RevokeReason.UNCLAIMED,
            now=now,
        )
    warn_about_expiring_links(now=now)
    return expired + annulled


def warn_about_expiring_links(*, now: dt.datetime | None = None) -> int:
    """E-mail each creator the list of their unused links that expire within two days."""
    now = now or timezone.now()
    soon = (
        Invitation.objects.active(now)
        .filter(
            uses_count=0,
            expiry_warned_at__isnull=True,
            expires_at__lte=now + dt.timedelta(days=2),
            created_by__isnull=False,
        )
        .exclude(created_by__email="")
        .select_related("created_by", "unit", "person", "institution")
        .order_by("created_by_id", "expires_at")
    )
    by_creator: dict[int, list[Invitation]] = defaultdict(list)
    for invitation in soon:
        by_creator[invitation.created_by_id].append(invitation)
    warned = 0
    for links in by_creator.values():
        with transaction.atomic():
            # Claim the links first: a second run (or a parallel one) finds them claimed.
            claimed = Invitation.objects.filter(
                pk__in=[i.pk for i in links], expiry_warned_at__isnull=True
            ).update(expiry_warned_at=now)
            if claimed != len(links):
                transaction.set_rollback(True)
                continue
            transaction.on_commit(
                lambda links=links: emails.send_expiry_digest(
                    user=links[0].created_by, invitations=links
                )
            )
            warned += len(links)
    return warned
