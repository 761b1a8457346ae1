"""Using a link: accepting it with a login, joining with a new staff account, the passwordless
personal link of a student or parent, and the class-wide link where somebody says who they are
(a join request for the administrator, or the membership at once for a link without approval),
also for a guest without a login.

Every use locks the link's row and checks it at that moment. A personal family link is never a
key to an existing login (`InvitationPersonHasLogin`); a class link finds the person already on
the roster before it creates one. Deciding join requests is in `join_requests`; the membership
itself is made in `joining`; the way back in without a password is `signin`.
"""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from roles import services as roles_services
from roles.errors import RuleBroken
from roles.models import (
    ROLES_BY_PERSON_KIND,
    Membership,
    Person,
    Role,
    Unit,
)
from roles.selectors import namesakes

from ..models import (
    PASSWORDLESS_ROLES,
    Invitation,
    InvitationUse,
    JoinRequest,
    JoinRequestStatus,
)
from .errors import InvitationNeedsRequest, InvitationNotForYou, InvitationPersonHasLogin
from .joining import join_unit, person_kind_for
from .links import check_usable, find_invitation

User = get_user_model()


def _person_for(invitation: Invitation, user, patronymic: str = "") -> Person:
    """The roster person who joins: the link's own, the login's, or a new one (with the
    patronymic a new staff member gave when signing up)."""
    institution = invitation.institution
    mine = Person.objects.filter(institution=institution, user=user).first()
    if invitation.person_id is not None:
        person = Person.objects.select_for_update().get(pk=invitation.person_id)
        if person.user_id not in (None, user.pk) or (mine is not None and mine.pk != person.pk):
            raise InvitationNotForYou
        if person.user_id is None:
            person.user = user
            if patronymic.strip() and not person.patronymic:
                person.patronymic = patronymic.strip()[:150]
            person.save(update_fields=["user", "patronymic", "updated_at", "search_key"])
        return person
    if mine is not None:
        if invitation.role not in ROLES_BY_PERSON_KIND[mine.kind]:
            raise InvitationNotForYou
        return mine
    return roles_services.create_person(
        institution=institution,
        last_name=user.last_name or user.username,
        first_name=user.first_name or user.username,
        patronymic=patronymic.strip()[:150],
        kind=person_kind_for(invitation.role),
        email=user.email if invitation.role != Role.STUDENT else "",
        user=user,
    )


def _join(invitation: Invitation, person: Person) -> Membership:
    return join_unit(
        person=person,
        unit=invitation.unit,
        role=invitation.role,
        note=gettext_noop("by invitation"),
    )


def _count_use(invitation: Invitation, **use) -> InvitationUse:
    invitation.uses_count += 1
    invitation.save(update_fields=["uses_count"])
    return InvitationUse.objects.create(invitation=invitation, **use)


@transaction.atomic
def accept_invitation(*, token: str, user, patronymic: str = "") -> Membership:
    """Use a link: the person joins its unit in its role. Race-free: the link's row is locked,
    so of twenty simultaneous uses of a single-use link exactly one succeeds. Somebody who has
    joined already spends no use by opening the link again. `patronymic`: of a new staff member
    who signed up on the landing page (kept on a person made now, or one who has none)."""
    invitation = find_invitation(token, lock=True)
    check_usable(invitation)
    if invitation.needs_approval:
        raise InvitationNeedsRequest
    person = _person_for(invitation, user, patronymic)
    joined_before = Membership.objects.filter(
        person=person,
        unit=invitation.unit,
        role=invitation.role,
        end_date__isnull=True,
        joined_at__isnull=False,
    ).first()
    if joined_before is not None:
        return joined_before
    return _join_and_count(invitation, person, user)


def _join_and_count(invitation: Invitation, person: Person, user) -> Membership:
    """Join, record the use and audit it: every way of joining by a link ends here."""
    membership = _join(invitation, person)
    _count_use(invitation, user=user, person=person, membership=membership)
    roles_services.audit(
        institution=invitation.institution,
        actor=user,
        action="invitation.accept",
        summary=_("%(person)s joined «%(unit)s» by invitation")
        % {"person": person.short_name, "unit": invitation.unit},
        obj=invitation,
    )
    return membership


def passwordless_user(*, first_name: str, last_name: str):
    """A login without a password for a student or parent who joins by a link."""
    user = User(
        username=f"member-{secrets.token_hex(8)}", first_name=first_name, last_name=last_name
    )
    user.set_unusable_password()
    user.save()
    return user


def user_for_personal_link(token: str):
    """The new passwordless login a personal student or parent link makes for its person.

    A person who has a login by now is refused (`InvitationPersonHasLogin`): the link is never
    a key to an existing login, with a password or without. Somebody signed in as that person
    uses the link with `accept_invitation`; a family member who lost their way back gets a
    sign-in link from the administrator (`signin`)."""
    invitation = find_invitation(token)
    check_usable(invitation)
    person = invitation.person
    if person is None or invitation.role not in PASSWORDLESS_ROLES:
        raise InvitationNotForYou
    if person.user_id is not None:
        raise InvitationPersonHasLogin
    return passwordless_user(first_name=person.first_name, last_name=person.last_name)


def _namesakes_in_unit(
    unit: Unit, role: str, last_name: str, first_name: str, patronymic: str
) -> list[Person]:
    """The roster people of this unit and role who bear this name (ё = е, case, spaces)."""
    members = Membership.objects.active(unit.institution.local_today()).filter(unit=unit, role=role)
    people = Person.objects.filter(memberships__in=members).distinct()
    return namesakes(people, last_name, first_name, patronymic)


def _has_joined(person: Person, unit: Unit, role: str) -> bool:
    """Somebody joined as this person already: a login, or the membership marked joined."""
    return (
        person.user_id is not None
        or Membership.objects.filter(
            person=person, unit=unit, role=role, end_date__isnull=True, joined_at__isnull=False
        ).exists()
    )


def _make_request(
    invitation: Invitation, user, *, names: dict, person: Person | None = None
) -> JoinRequest:
    """A join request for the administrator (`person`: the roster person it is probably)."""
    join_request = JoinRequest.objects.create(
        institution=invitation.institution,
        invitation=invitation,
        unit=invitation.unit,
        role=invitation.role,
        last_name=names["last_name"],
        first_name=names["first_name"],
        patronymic=names["patronymic"],
        child_name=names["child_name"][:300],
        email=names["email"],
        user=user,
        person=person,
    )
    _count_use(invitation, user=user, join_request=join_request)
    roles_services.audit(
        institution=invitation.institution,
        actor=user,
        action="joinrequest.create",
        summary=_("Join request: %(name)s to «%(unit)s»")
        % {"name": join_request.full_name, "unit": invitation.unit},
        obj=join_request,
        data={"person": person.pk} if person is not None else {},
    )
    return join_request


@transaction.atomic
def request_to_join(
    *,
    token: str,
    user,
    last_name: str,
    first_name: str,
    patronymic: str = "",
    child_name: str = "",
    email: str = "",
) -> JoinRequest | Membership:
    """Use a class-wide student or parent link: a join request for the administrator, or, for a
    link made without approval, the membership itself.

    One person, one roster row (DESIGN §5): without approval, the name is looked up among the
    class's people of the role. One namesake who has not joined is that person; one who has
    joined already (a login, or marked joined: the same student on a new device, or somebody
    else giving their name), or several namesakes, make a join request for the administrator
    instead, pointing at the one person if there is one. Nobody is created twice."""
    invitation = find_invitation(token, lock=True)
    check_usable(invitation)
    if invitation.is_personal or invitation.role not in PASSWORDLESS_ROLES:
        raise InvitationNotForYou
    last_name, first_name = last_name.strip(), first_name.strip()
    if not last_name or not first_name:
        raise RuleBroken(_("Give the last and first name."))
    if invitation.role == Role.PARENT and not child_name.strip():
        raise RuleBroken(_("Give your child's name."))
    if invitation.role == Role.STUDENT:
        email = ""
    names = {
        "last_name": last_name,
        "first_name": first_name,
        "patronymic": patronymic.strip(),
        "child_name": child_name.strip(),
        "email": email.strip(),
    }
    waiting = JoinRequest.objects.filter(
        user=user, unit=invitation.unit, role=invitation.role, status=JoinRequestStatus.PENDING
    ).first()
    if waiting is not None:
        return waiting  # asking twice is still one request
    if invitation.needs_approval:
        return _make_request(invitation, user, names=names)
    unit, role = invitation.unit, invitation.role
    person = Person.objects.filter(institution=invitation.institution, user=user).first()
    if person is not None and role not in ROLES_BY_PERSON_KIND[person.kind]:
        raise InvitationNotForYou
    if person is None:
        found = _namesakes_in_unit(unit, role, last_name, first_name, names["patronymic"])
        if len(found) > 1:
            return _make_request(invitation, user, names=names)
        if found and _has_joined(found[0], unit, role):
            return _make_request(invitation, user, names=names, person=found[0])
        person = found[0] if found else None
    if person is None:
        person = roles_services.create_person(
            institution=invitation.institution,
            kind=person_kind_for(role),
            user=user,
            **{k: v for k, v in names.items() if k != "child_name"},
        )
    elif person.user_id is None:
        person.user = user
        person.save(update_fields=["user", "updated_at", "search_key"])
    return _join_and_count(invitation, person, user)


# --- joining from the landing page ------------------------------------------------------------


@transaction.atomic
def join_with_new_account(
    *,
    token: str,
    username: str,
    password: str,
    first_name: str,
    last_name: str,
    email: str,
    patronymic: str = "",
) -> tuple:
    """Staff who have no login yet: the account and the membership, both or neither. The
    patronymic (optional) is kept on the roster person."""
    invitation = find_invitation(token)
    check_usable(invitation)
    if invitation.role in PASSWORDLESS_ROLES:
        raise InvitationNotForYou
    user = User.objects.create_user(
        username=username,
        password=password,
        first_name=first_name,
        last_name=last_name,
        email=email,
    )
    return user, accept_invitation(token=token, user=user, patronymic=patronymic)


@transaction.atomic
def join_by_personal_link(*, token: str) -> tuple:
    """A student or parent with a personal link: one confirmation, no password."""
    user = user_for_personal_link(token)
    return user, accept_invitation(token=token, user=user)


@transaction.atomic
def request_as_guest(
    *,
    token: str,
    user,
    last_name: str,
    first_name: str,
    patronymic: str = "",
    child_name: str = "",
    email: str = "",
) -> tuple:
    """A class-wide link opened by somebody without a login: a passwordless one is made."""
    if not getattr(user, "is_authenticated", False):
        user = passwordless_user(first_name=first_name.strip(), last_name=last_name.strip())
    result = request_to_join(
        token=token,
        user=user,
        last_name=last_name,
        first_name=first_name,
        patronymic=patronymic,
        child_name=child_name,
        email=email,
    )
    return user, result
