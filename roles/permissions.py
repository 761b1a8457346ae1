"""Who may do what: written once here and applied to every view.

A user's roles in an institution come from their roster person there: the roles of their
memberships in force, plus «admin» while an appointment by order is open. Superusers may do
everything everywhere (the municipal operator).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import AdminAppointment, Institution, Membership, Person, Role, Unit

# Action -> the roles that may take it. Every view names exactly one action.
ACTIONS: dict[str, frozenset[str]] = {
    # Home and "my units": anyone with a role in the institution.
    "home.view": frozenset(Role.values),
    # Structure: the institution card and the unit list are for staff.
    "structure.view": frozenset({Role.DIRECTOR, Role.DEPUTY, Role.ADMIN, Role.TEACHER}),
    "structure.manage": frozenset({Role.ADMIN}),
    "institution.edit": frozenset({Role.DIRECTOR, Role.ADMIN}),
    # The roster holds minors' data: the administration and the admins only.
    "people.view": frozenset({Role.DIRECTOR, Role.DEPUTY, Role.ADMIN}),
    "people.manage": frozenset({Role.ADMIN}),
    "movement.record": frozenset({Role.ADMIN}),
    "roster.import": frozenset({Role.ADMIN}),
    "todo.manage": frozenset({Role.ADMIN}),
    "teacher.verify": frozenset({Role.ADMIN}),
    "appointment.view": frozenset({Role.DIRECTOR, Role.DEPUTY, Role.ADMIN}),
    # The director appoints by order; an admin may add admins among verified teachers.
    "appointment.manage": frozenset({Role.DIRECTOR, Role.ADMIN}),
    "audit.view": frozenset({Role.DIRECTOR, Role.ADMIN}),
}


def roles_of(user, institution: Institution) -> frozenset[str]:
    """The roles the user holds in the institution now (cached on the user object)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cache = user.__dict__.setdefault("_portal_roles", {})
    if institution.pk in cache:
        return cache[institution.pk]
    today = institution.local_today()
    roles = set(
        Membership.objects.active(today)
        .filter(person__user=user, person__institution=institution, person__left_on__isnull=True)
        .values_list("role", flat=True)
    )
    if AdminAppointment.objects.filter(
        institution=institution, person__user=user, end_date__isnull=True, start_date__lte=today
    ).exists():
        roles.add(Role.ADMIN)
    cache[institution.pk] = frozenset(roles)
    return cache[institution.pk]


def institutions_for(user) -> QuerySet[Institution]:
    """The institutions the user may see: those where they hold any role."""
    if not getattr(user, "is_authenticated", False):
        return Institution.objects.none()
    if user.is_superuser:
        return Institution.objects.all()
    today = timezone.localdate()
    member_of = Membership.objects.active(today).filter(
        person__user=user, person__left_on__isnull=True
    )
    admin_of = AdminAppointment.objects.filter(person__user=user, end_date__isnull=True)
    return Institution.objects.filter(
        Q(pk__in=member_of.values("unit__institution_id"))
        | Q(pk__in=admin_of.values("institution_id"))
    ).distinct()


def can(user, action: str, institution: Institution) -> bool:
    if action not in ACTIONS:
        raise KeyError(f"Unknown action {action!r}")
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return bool(ACTIONS[action] & roles_of(user, institution))


def has_any_role(user, institution: Institution) -> bool:
    return getattr(user, "is_superuser", False) or bool(roles_of(user, institution))


def person_of(user, institution: Institution) -> Person | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Person.objects.filter(user=user, institution=institution).first()


def member_unit_ids(user, institution: Institution, roles: Iterable[str] | None = None) -> set[int]:
    """Units in which the user holds a membership in force (optionally with given roles)."""
    qs = Membership.objects.active(institution.local_today()).filter(
        person__user=user, unit__institution=institution
    )
    if roles is not None:
        qs = qs.filter(role__in=list(roles))
    return set(qs.values_list("unit_id", flat=True))


def can_view_unit_members(user, unit: Unit) -> bool:
    """The roster of a unit: the administration and admins, or a teacher of that very unit."""
    institution = unit.institution
    if can(user, "people.view", institution):
        return True
    return unit.pk in member_unit_ids(user, institution, roles=[Role.TEACHER])
