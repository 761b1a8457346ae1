"""Reads for the invitation pages and the dashboard."""

from __future__ import annotations

from django.db.models import Case, Count, F, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from roles import permissions
from roles.models import (
    Institution,
    Membership,
    Person,
    Role,
    Unit,
    UnitKind,
    Verification,
    normalize_search,
    on_roster,
)
from roles.selectors import namesakes

from .models import Invitation, JoinRequest, JoinRequestStatus, SignInLink


def invitations_visible_to(user, institution: Institution) -> QuerySet[Invitation]:
    """Managers see every link of the institution; a teacher the links they issued."""
    qs = (
        Invitation.objects.filter(institution=institution)
        .select_related("unit", "person", "created_by", "revoked_by")
        # A login without a name is shown by its roster entry's (roles.User.__str__).
        .prefetch_related("created_by__people")
    )
    if not permissions.can(user, "invitation.manage", institution):
        qs = qs.filter(created_by=user)
    return qs


def filter_invitations(qs: QuerySet[Invitation], data: dict) -> QuerySet[Invitation]:
    """The list's filters (`InvitationFilterForm.cleaned_data`) applied: its page and exports."""
    if data.get("status"):
        qs = qs.with_status(data["status"])
    if data.get("unit"):
        qs = qs.filter(unit=data["unit"])
    if data.get("role"):
        qs = qs.filter(role=data["role"])
    if data.get("creator"):
        qs = qs.filter(
            Q(created_by__username__icontains=data["creator"])
            | Q(created_by__last_name__icontains=data["creator"])
        )
    for word in normalize_search(data.get("q", "")).split():
        qs = qs.filter(search_key__contains=word)
    return qs


def counts_by_status(queryset: QuerySet[Invitation]) -> dict[str, int]:
    """Active, used up, expired and revoked links, in one aggregate query."""
    now = timezone.now()
    not_revoked = Q(revoked_at__isnull=True)
    used_up = not_revoked & Q(max_uses__isnull=False, uses_count__gte=F("max_uses"))
    active = (
        not_revoked
        & Q(expires_at__gt=now)
        & (Q(max_uses__isnull=True) | Q(uses_count__lt=F("max_uses")))
    )
    expired = not_revoked & Q(expires_at__lte=now) & ~used_up
    return queryset.aggregate(
        active=Count("pk", filter=active),
        used_up=Count("pk", filter=used_up),
        expired=Count("pk", filter=expired),
        revoked=Count("pk", filter=~not_revoked),
    )


def invitation_uses(invitation: Invitation):
    return invitation.uses.select_related("user", "person", "membership", "join_request")


def units_for_inviting(user, institution: Institution) -> QuerySet[Unit]:
    """Units the user may issue links into: every unit for those who manage links, otherwise
    the classes the user teaches as a verified teacher (the units `permissions.can_invite`
    allows, as one queryset for the form)."""
    units = Unit.objects.filter(institution=institution, archived_at__isnull=True)
    if permissions.can(user, "invitation.manage", institution):
        return units
    own = Membership.objects.active(institution.local_today()).filter(
        person__user=user,
        role=Role.TEACHER,
        verification=Verification.VERIFIED,
        unit__kind=UnitKind.CLASS,
    )
    return units.filter(pk__in=own.values("unit_id"))


def not_joined(unit: Unit, role: str) -> QuerySet[Person]:
    """Roster people of `role` in `unit` who have not joined Sferum yet."""
    members = Membership.objects.active(unit.institution.local_today()).filter(
        unit=unit, role=role, joined_at__isnull=True
    )
    return (
        Person.objects.filter(memberships__in=members)
        .distinct()
        .order_by("last_name", "first_name")
    )


def pending_join_requests(institution: Institution) -> QuerySet[JoinRequest]:
    return JoinRequest.objects.filter(
        institution=institution, status=JoinRequestStatus.PENDING
    ).select_related("unit", "invitation", "user")


def join_requests_of(institution: Institution) -> QuerySet[JoinRequest]:
    """Every join request, waiting or decided, the oldest first (the exports)."""
    return (
        JoinRequest.objects.filter(institution=institution)
        .select_related("unit", "person", "decided_by")
        .order_by("created_at", "id")
    )


def decided_join_requests(institution: Institution) -> QuerySet[JoinRequest]:
    return (
        JoinRequest.objects.filter(institution=institution)
        .exclude(status=JoinRequestStatus.PENDING)
        .select_related("unit", "person", "decided_by")
        .order_by("-decided_at")
    )


def match_candidates(join_request: JoinRequest) -> QuerySet[Person]:
    """Roster people the request may be: of the unit and role (and the person the request
    points at, see `use.request_to_join`); those who bear the request's name first, then those
    without a login yet."""
    members = Membership.objects.active(join_request.institution.local_today()).filter(
        unit=join_request.unit, role=join_request.role
    )
    people = Person.objects.filter(
        Q(memberships__in=members) | Q(pk=join_request.person_id or 0),
        institution=join_request.institution,
    ).distinct()
    matching = [p.pk for p in namesakes(people, *_names(join_request))]
    return people.select_related("user").order_by(
        Case(When(pk__in=matching, then=Value(0)), default=Value(1)),
        F("user").asc(nulls_first=True),
        "last_name",
        "first_name",
    )


def _names(join_request: JoinRequest) -> tuple[str, str, str]:
    return join_request.last_name, join_request.first_name, join_request.patronymic


def name_matches(join_request: JoinRequest) -> list[Person]:
    """The candidates who bear the request's name (ё = е, case, spaces): the person the
    request points at first. One of them is pre-selected on the page; approving the request
    as a new person while there is any needs the administrator's explicit choice."""
    found = namesakes(match_candidates(join_request), *_names(join_request))
    return sorted(found, key=lambda p: p.pk != join_request.person_id)


def people_for_personal_links(user, institution: Institution) -> QuerySet[Person]:
    """Whom the user may issue a personal link for, when they do not manage links (a teacher):
    the students and parents of the classes they teach as a verified teacher who have not
    joined them yet and have no login (`services.check_person_in_reach`). Nobody else of the
    roster is offered, searched or named."""
    memberships = Membership.objects.active(institution.local_today()).filter(
        unit__in=units_for_inviting(user, institution),
        role__in=[Role.STUDENT, Role.PARENT],
        joined_at__isnull=True,
    )
    return (
        Person.objects.filter(
            institution=institution, user__isnull=True, memberships__in=memberships
        )
        .filter(on_roster(institution.local_today()))
        .distinct()
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=memberships.select_related("unit").order_by("unit__name"),
                to_attr="waiting_in",
            )
        )
        .order_by("last_name", "first_name", "patronymic", "pk")
    )


def signin_links_of(person: Person) -> QuerySet[SignInLink]:
    return SignInLink.objects.filter(person=person).select_related("created_by", "revoked_by")


def queues(institution: Institution) -> dict[str, QuerySet]:
    """The admin's queues of this app, to be counted (the dashboard counts them in one query)."""
    from roles.selectors import teachers_awaiting_verification

    return {
        "join_requests": JoinRequest.objects.filter(
            institution=institution, status=JoinRequestStatus.PENDING
        ),
        "verifications": teachers_awaiting_verification(institution),
    }


def queue_counts(institution: Institution) -> dict[str, int]:
    return {name: qs.count() for name, qs in queues(institution).items()}
