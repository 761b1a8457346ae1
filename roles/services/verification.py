"""Sferum's «учитель» status of teachers, as the portal records it.

- `decide_teacher_verification`: the admin's decision, on all the person's teacher memberships.
- `initial_verification`: the state a new membership starts in (a verified teacher stays so).
- `is_verified_teacher_in_staff_room`: the rule an additional administrator must meet.
Who may decide is `roles.permissions` ("teacher.verify"); the appointments are in `appointments`.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..errors import RuleBroken
from ..models import Membership, Person, Role, UnitKind, Verification
from .audit import audit


@transaction.atomic
def decide_teacher_verification(*, person: Person, by, approve: bool, note: str = "") -> int:
    """Record Sferum's «учитель» status decision on all the person's teacher memberships."""
    if not approve and not note.strip():
        raise RuleBroken(_("Give the reason for the rejection."))
    updated = Membership.objects.filter(
        person=person, role=Role.TEACHER, end_date__isnull=True
    ).update(
        verification=Verification.VERIFIED if approve else Verification.REJECTED,
        verified_by=by,
        verified_at=timezone.now(),
        verification_note=note.strip(),
    )
    if not updated:
        raise RuleBroken(
            _("%(person)s has no teacher membership in force.") % {"person": person.short_name}
        )
    audit(
        institution=person.institution,
        actor=by,
        action="teacher.verify" if approve else "teacher.reject",
        summary=(
            _("«Teacher» status confirmed: %(person)s")
            if approve
            else _("«Teacher» status rejected: %(person)s")
        )
        % {"person": person.short_name},
        obj=person,
        data={"note": note.strip()},
    )
    return updated


def is_verified_teacher_in_staff_room(person: Person) -> bool:
    return (
        Membership.objects.active(person.institution.local_today())
        .filter(
            person=person,
            unit__kind=UnitKind.STAFF_ROOM,
            role=Role.TEACHER,
            verification=Verification.VERIFIED,
        )
        .exists()
    )


def initial_verification(person: Person | None, role: str) -> str:
    """A teacher's new membership inherits the person's verified status, if any."""
    if role != Role.TEACHER:
        return Verification.NOT_REQUIRED
    verified = (
        person is not None
        and person.pk is not None
        and Membership.objects.filter(
            person=person, role=Role.TEACHER, verification=Verification.VERIFIED
        ).exists()
    )
    return Verification.VERIFIED if verified else Verification.PENDING
