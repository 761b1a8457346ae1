"""Who may do what: written once here and applied to every view and service.

A user's roles in an institution come from their roster person there: the roles of their
memberships in force on the institution's local day, plus «admin» while an appointment by order
is in force. Superusers may do everything everywhere (the municipal operator).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import (
    ROLES_BY_UNIT_KIND,
    AdminAppointment,
    Institution,
    Membership,
    Person,
    Role,
    Unit,
    UnitKind,
    Verification,
)

# Named groups of roles: every rule below (and in the other apps) says which group it means.
EVERYONE: frozenset[str] = frozenset(Role.values)
# The administration of the institution (regulation: «администрация»).
ADMINISTRATION: frozenset[str] = frozenset({Role.DIRECTOR, Role.DEPUTY})
# The administration and the Sferum administrators: those who oversee the whole institution.
MANAGEMENT: frozenset[str] = ADMINISTRATION | {Role.ADMIN}
# Everyone who works at the institution (the admin role comes from an appointment by order).
STAFF: frozenset[str] = MANAGEMENT | {Role.TEACHER}
# Staff roles held as memberships of units (the staff room, departments, classes).
STAFF_MEMBERS: frozenset[str] = ADMINISTRATION | {Role.TEACHER}
# Students and their parents: they join without a password, by a link.
FAMILY: frozenset[str] = frozenset({Role.STUDENT, Role.PARENT})
ADMINS: frozenset[str] = frozenset({Role.ADMIN})
DIRECTOR_AND_ADMINS: frozenset[str] = frozenset({Role.DIRECTOR, Role.ADMIN})

# Action -> the roles that may take it. Every view names exactly one action.
ACTIONS: dict[str, frozenset[str]] = {
    # Home and "my units": anyone with a role in the institution.
    "home.view": EVERYONE,
    # Structure: the institution card and the unit list are for staff.
    "structure.view": STAFF,
    "structure.manage": ADMINS,
    "institution.edit": DIRECTOR_AND_ADMINS,
    # The roster holds minors' data: the administration and the admins only.
    "people.view": MANAGEMENT,
    "people.manage": ADMINS,
    # The duplicates page and merging two roster rows of one person (destructive): admins.
    "people.merge": ADMINS,
    # A sign-in link lets a student or parent without a password back in: the admin or the
    # director issues it (DESIGN §5), single-use and audited.
    "signin.issue": DIRECTOR_AND_ADMINS,
    # The director records movements too: giving the roles director and deputy is theirs.
    "movement.record": DIRECTOR_AND_ADMINS,
    "roster.import": ADMINS,
    "todo.manage": ADMINS,
    # Sferum's «учитель» status: the admins complete it (2.1), the administration confirms it
    # too (2.2), by one service (roles.services.decide_teacher_verification).
    "teacher.verify": MANAGEMENT,
    "appointment.view": MANAGEMENT,
    # The director appoints by order; an admin may add admins among verified teachers.
    "appointment.manage": DIRECTOR_AND_ADMINS,
    "audit.view": DIRECTOR_AND_ADMINS,
    # Login locks of the institution's people (roles.login): seen and lifted by the admins.
    "login.locks": ADMINS,
    # Invitations: admins and the director issue any link (director and deputy roles only by
    # the director); a verified teacher issues links for their own classes (see can_invite).
    "invitation.view": DIRECTOR_AND_ADMINS | {Role.TEACHER},
    "invitation.manage": DIRECTOR_AND_ADMINS,
    "joinrequest.decide": ADMINS,
    # Chats: everyone finds their own; staff register theirs (see chats.permissions); the
    # compliance board is for the administration and the admins.
    "chat.mine": EVERYONE,
    "chat.register": STAFF,
    "chat.board": MANAGEMENT,
    "chat.manage": ADMINS,
    # The director's statistics: the administration and the admins (teachers and families: no).
    "stats.view": MANAGEMENT,
    # Channels and events: everyone reads what is meant for them; the administration (and the
    # staff the admin allows, see channels_app.permissions) writes posts, the admin edits them.
    "channel.view": EVERYONE,
    "channel.manage": ADMINS,
    "post.write": STAFF,
    "post.review": ADMINS,
    # Broadcasts, meetings and seminars are the admin's; lessons a teacher's own classes'.
    "event.manage": ADMINS,
    "event.lesson": ADMINS | {Role.TEACHER},
    # The log of requests to Sferum's support and the registration application.
    "support.manage": ADMINS,
}

# Roles that only the director (or the operator) may give, change or take away: an admin who
# could make themselves director could appoint admins around the rules.
GRANTED_BY_DIRECTOR: frozenset[str] = ADMINISTRATION


# The rows a user's roles come from (memberships and appointments near the server's day), kept
# per user in the cache for ACCESS_SECONDS: every page asks for them. Any change of them
# forgets the entry (roles.receivers, and the services that change rows in bulk call
# `forget_access`); the roles themselves are computed from the rows on each request, on each
# institution's local day, so a day that turns needs no invalidation.
ACCESS_SECONDS = 60
_generation = [0]


def _access_key(user_id: int) -> str:
    # The database's name: test databases (one per test process) share one Redis in CI.
    name = connection.settings_dict.get("NAME") or ""
    return f"portal-access:{name}:{_generation[0]}:{user_id}"


def forget_access(user_ids: Iterable[int | None]) -> None:
    """The users' roles changed: the next request computes them afresh."""
    keys = [_access_key(pk) for pk in set(user_ids) if pk is not None]
    if keys:
        cache.delete_many(keys)
        # Again once the change is committed: a request in between may have read the old rows.
        transaction.on_commit(lambda: cache.delete_many(keys))


def forget_everyone() -> None:
    """Every user's cached rows forgotten at once (between tests; in this process)."""
    _generation[0] += 1


def _access_rows(user) -> list[tuple]:
    """(institution id, its time zone, role, start, end) of the user's memberships and admin
    appointments within a day of the server's date on either side."""
    server_today = timezone.localdate()
    key = _access_key(user.pk)
    entry = cache.get(key)
    if entry is not None and entry[0] == server_today.toordinal():
        return entry[1]
    # Candidates within a day of the server's date on either side, then each checked on its own
    # local day (institutions span eleven time zones).
    soon = server_today + dt.timedelta(days=1)
    not_over = Q(end_date__isnull=True) | Q(end_date__gt=server_today - dt.timedelta(days=1))
    rows = list(
        Membership.objects.filter(not_over, start_date__lte=soon, person__user=user)
        .order_by()
        .values_list(
            "person__institution_id",
            "person__institution__timezone",
            "role",
            "start_date",
            "end_date",
        )
    ) + [
        (institution_id, zone, Role.ADMIN, start, end)
        for institution_id, zone, start, end in AdminAppointment.objects.filter(
            not_over, start_date__lte=soon, person__user=user
        )
        .order_by()
        .values_list("institution_id", "institution__timezone", "start_date", "end_date")
    ]
    cache.set(key, (server_today.toordinal(), rows), ACCESS_SECONDS)
    return rows


def access_of(user) -> dict[int, frozenset[str]]:
    """Institution id -> the roles the user holds there now, for every institution where they
    hold one. Once per request (kept on the user object, which lives as long as the request)."""
    if not getattr(user, "is_authenticated", False):
        return {}
    known = user.__dict__.get("_portal_access")
    if known is not None:
        return known
    now = timezone.now()
    today_of: dict[str, dt.date] = {}
    held: dict[int, set[str]] = {}
    for institution_id, zone, role, start, end in _access_rows(user):
        today = today_of.get(zone)
        if today is None:
            today = today_of[zone] = now.astimezone(zoneinfo.ZoneInfo(zone)).date()
        if start <= today and (end is None or end > today):
            held.setdefault(institution_id, set()).add(role)
    access = {pk: frozenset(roles) for pk, roles in held.items()}
    user.__dict__["_portal_access"] = access
    return access


def roles_of(user, institution: Institution) -> frozenset[str]:
    """The roles the user holds in the institution now (on its local day)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    return access_of(user).get(institution.pk, frozenset())


def institutions_for(user) -> QuerySet[Institution]:
    """The institutions the user may see: those where they hold a role on their local day."""
    if not getattr(user, "is_authenticated", False):
        return Institution.objects.none()
    if user.is_superuser:
        return Institution.objects.all()
    return Institution.objects.filter(pk__in=sorted(access_of(user)))


# The operator (a superuser) sees every institution; their menu lists this many.
MENU_INSTITUTIONS = 50


def institution_list(user) -> list[Institution]:
    """The user's institutions (`institutions_for`, the operator's first MENU_INSTITUTIONS),
    loaded once per request: the view and the navigation both use them."""
    if not getattr(user, "is_authenticated", False):
        return []
    known = user.__dict__.get("_portal_institutions")
    if known is None:
        institutions = institutions_for(user)
        known = list(institutions[:MENU_INSTITUTIONS] if user.is_superuser else institutions)
        user.__dict__["_portal_institutions"] = known
    return known


def find_institution(user, pk: int) -> Institution | None:
    """One of the user's institutions by its id, or None."""
    for institution in institution_list(user):
        if institution.pk == pk:
            return institution
    if getattr(user, "is_superuser", False) and getattr(user, "is_authenticated", False):
        return Institution.objects.filter(pk=pk).first()
    return None


def can(user, action: str, institution: Institution) -> bool:
    if action not in ACTIONS:
        raise KeyError(f"Unknown action {action!r}")
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return bool(ACTIONS[action] & roles_of(user, institution))


def is_director(user, institution: Institution) -> bool:
    """The director, or the operator acting for one."""
    return getattr(user, "is_superuser", False) or Role.DIRECTOR in roles_of(user, institution)


def can_grant_role(user, institution: Institution, role: str) -> bool:
    """May `user` give or take away `role`? `None` is the system (an import, the demo)."""
    return user is None or role not in GRANTED_BY_DIRECTOR or is_director(user, institution)


# The roles a link may give: those of memberships (the admin role comes from an appointment by
# order, never from a link), in the order of `Role`.
INVITABLE_ROLES: tuple[str, ...] = tuple(
    r for r in Role.values if any(r in roles for roles in ROLES_BY_UNIT_KIND.values())
)


def grantable_roles(user, institution: Institution) -> list[str]:
    """The roles of the links `user` may issue (those that manage links; a teacher's are the
    students and parents of their classes, see `can_invite`)."""
    if not can(user, "invitation.manage", institution):
        return [r for r in INVITABLE_ROLES if r in FAMILY]
    return [r for r in INVITABLE_ROLES if can_grant_role(user, institution, r)]


def roles_only_the_director_grants(user, institution: Institution) -> list[str]:
    """The roles `user` manages links for but may not give: the director's to give."""
    if not can(user, "invitation.manage", institution):
        return []
    return [r for r in INVITABLE_ROLES if not can_grant_role(user, institution, r)]


def can_change_person(user, person: Person) -> bool:
    """Movements of the director and deputies are recorded by the director only."""
    if user is None or is_director(user, person.institution):
        return True
    held = Membership.objects.active(person.institution.local_today()).filter(
        person=person, role__in=GRANTED_BY_DIRECTOR
    )
    return not held.exists()


def can_end_appointment(user, appointment: AdminAppointment) -> bool:
    """The main administrator is relieved by the director; additional ones by any admin."""
    if user is None or is_director(user, appointment.institution):
        return True
    return appointment.is_additional and can(user, "appointment.manage", appointment.institution)


def teaches(user, unit: Unit, *, verified: bool = True) -> bool:
    """A teacher of this very unit, verified in their «учитель» status if asked."""
    qs = Membership.objects.active(unit.institution.local_today()).filter(
        person__user=user, unit=unit, role=Role.TEACHER
    )
    if verified:
        qs = qs.filter(verification=Verification.VERIFIED)
    return qs.exists()


def teaches_in_department(user, department: Unit, *, verified: bool = True) -> bool:
    """A teacher of this department or of one of its classes (regulation 2.3: «педагогические
    работники своего отдела»), verified in their «учитель» status if asked."""
    if department.kind != UnitKind.DEPARTMENT:
        return False
    qs = Membership.objects.active(department.institution.local_today()).filter(
        Q(unit=department) | Q(unit__parent=department, unit__kind=UnitKind.CLASS),
        person__user=user,
        role=Role.TEACHER,
        unit__archived_at__isnull=True,
    )
    if verified:
        qs = qs.filter(verification=Verification.VERIFIED)
    return qs.exists()


def can_invite(user, unit: Unit, role: str) -> bool:
    """May `user` issue a link into `unit` in `role`? `None` is the system."""
    if user is None:
        return True
    institution = unit.institution
    if can(user, "invitation.manage", institution):
        return can_grant_role(user, institution, role)
    # Verified teachers bring the students and parents of their own classes.
    return unit.kind == UnitKind.CLASS and role in FAMILY and teaches(user, unit)


def invites_families(user, institution: Institution) -> bool:
    """May `user` bring students and parents in at all: the admins and the director, or a
    teacher verified in their «учитель» status in one of the institution's classes."""
    if can(user, "invitation.manage", institution):
        return True
    return (
        Membership.objects.active(institution.local_today())
        .filter(
            person__user=user,
            unit__institution=institution,
            unit__kind=UnitKind.CLASS,
            role=Role.TEACHER,
            verification=Verification.VERIFIED,
        )
        .exists()
    )


def can_see_invitation(user, invitation) -> bool:
    if can(user, "invitation.manage", invitation.institution):
        return True
    return invitation.created_by_id == getattr(user, "pk", None)


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


def memberships_of(user, institution: Institution) -> set[tuple[int, str]]:
    """(unit id, role) of the user's memberships in force on the institution's local day."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(
        Membership.objects.active(institution.local_today())
        .filter(person__user=user, unit__institution=institution)
        .values_list("unit_id", "role")
    )


def roles_in_unit(user, unit: Unit) -> frozenset[str]:
    """The roles the user holds in this very unit (memberships in force)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(
        Membership.objects.active(unit.institution.local_today())
        .filter(person__user=user, unit=unit)
        .values_list("role", flat=True)
    )


def staff_room_roles(user, institution: Institution) -> frozenset[str]:
    """The roles the user holds in the institution's staff room «Учительская»."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(
        Membership.objects.active(institution.local_today())
        .filter(person__user=user, unit__institution=institution, unit__kind=UnitKind.STAFF_ROOM)
        .values_list("role", flat=True)
    )


def can_view_unit_members(user, unit: Unit) -> bool:
    """The roster of a unit: the administration and admins, or a teacher of that very unit."""
    institution = unit.institution
    if can(user, "people.view", institution):
        return True
    return unit.pk in member_unit_ids(user, institution, roles=[Role.TEACHER])
