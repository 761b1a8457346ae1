"""What every way in ends with: the roster person's kind for a role, and the membership of the
unit made (enrolled if need be) and marked joined in Sferum.

Shared by `use` (a link used on the landing page) and `join_requests` (a request approved);
the checks of the link or the request are theirs, not here.
"""

from __future__ import annotations

from roles import services as roles_services
from roles.models import Membership, Person, PersonKind, Role, Unit


def person_kind_for(role: str) -> str:
    return {Role.STUDENT: PersonKind.STUDENT, Role.PARENT: PersonKind.PARENT}.get(
        role, PersonKind.STAFF
    )


def join_unit(*, person: Person, unit: Unit, role: str, note: str, by=None) -> Membership:
    """The person's membership of `unit` in `role` (enrolled if need be), joined in Sferum now."""
    membership = Membership.objects.filter(
        person=person, unit=unit, role=role, end_date__isnull=True
    ).first()
    if membership is None:
        membership = roles_services.enrol(
            person=person,
            unit=unit,
            role=role,
            effective_date=unit.institution.local_today(),
            note=roles_services.portal_text(note),
            by=by,
        )
    roles_services.mark_joined(memberships=[membership])
    membership.refresh_from_db()
    return membership
