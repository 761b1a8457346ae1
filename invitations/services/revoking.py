"""Revoking links: one link by hand, every unused link of a unit, and the links of people who
leave (a unit, or the institution). A link is never deleted: it is marked revoked, with who,
when and why.

The receivers that call `revoke_for_person` and `revoke_for_memberships` when the roster moves
are in `invitations.receivers`; the expiry job's annulling of unclaimed links is in `expiry`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from roles import permissions
from roles import services as roles_services
from roles.errors import NotAllowed
from roles.models import Membership, Person, Unit

from ..models import Invitation, RevokeReason


def revoke_queryset(queryset, *, by, reason: str, now: dt.datetime | None = None) -> int:
    """Revoke the links of a queryset that are not revoked yet, in one UPDATE."""
    now = now or timezone.now()
    return queryset.filter(revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=by if getattr(by, "pk", None) else None, revoke_reason=reason
    )


@transaction.atomic
def revoke_invitation(*, invitation: Invitation, by, reason: str = RevokeReason.MANUAL) -> None:
    if by is not None and not permissions.can_see_invitation(by, invitation):
        raise NotAllowed(_("You may not revoke this link."))
    if revoke_queryset(Invitation.objects.filter(pk=invitation.pk), by=by, reason=reason):
        roles_services.audit(
            institution=invitation.institution,
            actor=by,
            action="invitation.revoke",
            summary=_("Invitation revoked: %(invitation)s") % {"invitation": invitation},
            obj=invitation,
            data={"reason": reason},
        )
    invitation.refresh_from_db()


@transaction.atomic
def revoke_unused_for_unit(*, unit: Unit, by) -> int:
    """Revoke every link of a unit that nobody has used and that still works."""
    if by is not None and not permissions.can(by, "invitation.manage", unit.institution):
        raise NotAllowed(_("You may not revoke the links of this unit."))
    count = revoke_queryset(
        Invitation.objects.active().filter(unit=unit, uses_count=0),
        by=by,
        reason=RevokeReason.MANUAL,
    )
    roles_services.audit(
        institution=unit.institution,
        actor=by,
        action="invitation.revoke_unit",
        summary=_("All unused links of «%(unit)s» revoked: %(count)d")
        % {"unit": unit, "count": count},
        obj=unit,
        data={"count": count},
    )
    return count


def revoke_for_memberships(*, memberships: list[Membership], by=None) -> int:
    """A person who leaves a unit keeps no working personal link back into it."""
    people: dict[tuple[int, str], list[int]] = defaultdict(list)
    for m in memberships:
        people[(m.unit_id, m.role)].append(m.person_id)
    query = Q(pk__in=[])
    for (unit_id, role), person_ids in people.items():
        query |= Q(unit_id=unit_id, role=role, person_id__in=person_ids)
    return revoke_queryset(
        Invitation.objects.active().filter(query), by=by, reason=RevokeReason.PERSON_LEFT
    )


def revoke_for_person(*, person: Person, by=None) -> int:
    """A person who left keeps no working personal link (called on the `person_left` signal)."""
    count = revoke_queryset(
        Invitation.objects.active().filter(person=person), by=by, reason=RevokeReason.PERSON_LEFT
    )
    if count:
        roles_services.audit(
            institution=person.institution,
            actor=by,
            action="invitation.revoke_person",
            summary=_("Links of %(person)s revoked: they left") % {"person": person.short_name},
            obj=person,
            data={"count": count},
        )
    return count
