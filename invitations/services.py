"""Every write about invitation links, join requests and the expiry job.

The raw token exists only in the return value of `create_invitation` (and of the functions that
issue a new one): it goes into the e-mail or onto the page, and the database keeps its SHA-256.
Everything is checked at the moment of use, whether or not the expiry job has run.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from roles import permissions
from roles import services as roles_services
from roles.models import (
    ROLES_BY_PERSON_KIND,
    Institution,
    Membership,
    Person,
    PersonKind,
    Role,
    Unit,
    normalize_search,
)
from sferum_portal.tokens import digests_match, hash_token, new_token

from . import emails
from .models import (
    INVITABLE_ROLES,
    MAX_TTL_DAYS,
    PASSWORDLESS_ROLES,
    Invitation,
    InvitationPolicy,
    InvitationUse,
    JoinRequest,
    JoinRequestStatus,
    RevokeReason,
    Status,
)

User = get_user_model()


# --- errors: each has its own page -----------------------------------------------------------


class InvitationError(Exception):
    status = "invalid"


class InvitationNotFound(InvitationError):
    status = "unknown"


class InvitationExpired(InvitationError):
    status = Status.EXPIRED


class InvitationRevoked(InvitationError):
    status = Status.REVOKED


class InvitationUsedUp(InvitationError):
    status = Status.USED_UP


class InvitationNotForYou(InvitationError):
    """A personal link used by somebody else, or a link that does not fit the login."""

    status = "not_for_you"


class InvitationNeedsRequest(InvitationError):
    """A class-wide link for students or parents: the person must say who they are."""

    status = "needs_request"


# --- tokens -----------------------------------------------------------------------------------


def find_invitation(token: str, *, lock: bool = False) -> Invitation:
    qs = Invitation.objects.select_related("institution", "unit", "person")
    if lock:
        qs = qs.select_for_update(of=("self",))
    invitation = qs.filter(token_hash=hash_token(token)).first()
    # The lookup is by hash; the comparison is constant-time all the same.
    if invitation is None or not digests_match(invitation.token_hash, token):
        raise InvitationNotFound
    return invitation


def check_usable(invitation: Invitation, now: dt.datetime | None = None) -> None:
    status = invitation.status_at(now)
    if status == Status.REVOKED:
        raise InvitationRevoked
    if status == Status.USED_UP:
        raise InvitationUsedUp
    if status == Status.EXPIRED:
        raise InvitationExpired


def invitation_url(token: str) -> str:
    from django.urls import reverse

    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("invite", args=[token])


# --- creating and sending ---------------------------------------------------------------------


def policy_for(institution: Institution) -> InvitationPolicy:
    policy = InvitationPolicy.objects.filter(institution=institution).first()
    return policy or InvitationPolicy(institution=institution)


def _validate_new(
    *, unit: Unit, role: str, created_by, expires_at, max_uses, person, email, now
) -> None:
    if role not in INVITABLE_ROLES[unit.kind]:
        raise ValidationError(
            _("A link into «%(unit)s» cannot carry the role «%(role)s».")
            % {"unit": unit, "role": Role(role).label}
        )
    if unit.is_archived:
        raise ValidationError(_("The unit «%(unit)s» is archived.") % {"unit": unit})
    if not permissions.can_invite(created_by, unit, role):
        raise ValidationError(_("You may not issue links into this unit in this role."))
    if expires_at <= now:
        raise ValidationError(_("The expiry date must be in the future."))
    if expires_at > now + dt.timedelta(days=MAX_TTL_DAYS):
        raise ValidationError(
            _("A link is valid for at most %(days)d days.") % {"days": MAX_TTL_DAYS}
        )
    if max_uses is not None and max_uses < 1:
        raise ValidationError(_("A link must allow at least one use."))
    if person is not None:
        if person.institution_id != unit.institution_id:
            raise ValidationError(_("The person belongs to another institution."))
        if role not in ROLES_BY_PERSON_KIND[person.kind]:
            raise ValidationError(_("This role does not fit the person's kind."))
        if person.left_on is not None and person.left_on <= unit.institution.local_today():
            raise ValidationError(_("%(person)s has left.") % {"person": person.short_name})
    if email and role == Role.STUDENT:
        raise ValidationError(_("No e-mail address is kept for students."))


@transaction.atomic
def create_invitation(
    *,
    unit: Unit,
    role: str,
    created_by,
    expires_at: dt.datetime | None = None,
    max_uses: int | None = 1,
    email: str = "",
    person: Person | None = None,
    needs_approval: bool = True,
    note: str = "",
    send: bool = True,
) -> tuple[Invitation, str]:
    """Issue a link; returns it with its raw token, which is never stored.

    `max_uses=None` is a link without a limit (class-wide). A personal link admits one use.
    With an e-mail address the link is sent there once the transaction commits.
    """
    now = timezone.now()
    institution = unit.institution
    if expires_at is None:
        expires_at = now + dt.timedelta(days=policy_for(institution).default_ttl_days)
    if person is not None:
        max_uses = 1
    email = email.strip()
    _validate_new(
        unit=unit,
        role=role,
        created_by=created_by,
        expires_at=expires_at,
        max_uses=max_uses,
        person=person,
        email=email,
        now=now,
    )
    token = new_token()
    invitation = Invitation.objects.create(
        institution=institution,
        unit=unit,
        role=role,
        created_by=created_by if getattr(created_by, "pk", None) else None,
        person=person,
        email=email,
        token_hash=hash_token(token),
        max_uses=max_uses,
        # Approval matters only for links that anyone may use to join as a student or parent.
        needs_approval=needs_approval and person is None and role in PASSWORDLESS_ROLES,
        note=note.strip()[:300],
        created_at=now,
        expires_at=expires_at,
        search_key=normalize_search(
            " ".join(x for x in (person.full_name if person else "", email, note) if x)
        )[:800],
    )
    roles_services.audit(
        institution=institution,
        actor=created_by,
        action="invitation.create",
        summary=_("Invitation issued: %(invitation)s") % {"invitation": invitation},
        obj=invitation,
        data={"unit": unit.pk, "role": role, "max_uses": max_uses},
    )
    if email and send:
        transaction.on_commit(
            lambda: send_invitation(invitation=invitation, token=token, by=created_by)
        )
    return invitation, token


def send_invitation(*, invitation: Invitation, token: str, by) -> None:
    """E-mail the link (synchronously: the raw token never goes through the broker)."""
    emails.send_invitation(invitation=invitation, url=invitation_url(token))
    Invitation.objects.filter(pk=invitation.pk).update(last_sent_at=timezone.now())
    roles_services.audit(
        institution=invitation.institution,
        actor=by,
        action="invitation.send",
        summary=_("Invitation sent to %(email)s") % {"email": invitation.email},
        obj=invitation,
    )


@transaction.atomic
def resend_invitation(*, invitation: Invitation, by) -> str:
    """Send an e-mail invitation again. Only the hash was kept, so the link is replaced by a
    new one; the original expiry stays."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.email:
        raise ValidationError(_("This invitation has no e-mail address."))
    check_or_explain(invitation)
    token = new_token()
    invitation.token_hash = hash_token(token)
    invitation.save(update_fields=["token_hash"])
    transaction.on_commit(lambda: send_invitation(invitation=invitation, token=token, by=by))
    return token


def check_or_explain(invitation: Invitation) -> None:
    """check_usable for the administrator's pages: a message instead of a typed error."""
    try:
        check_usable(invitation)
    except InvitationError as exc:
        raise ValidationError(
            _("The link can no longer be used: %(status)s.") % {"status": Status(exc.status).label}
        ) from exc


@dataclass
class IssuedLink:
    person: Person
    invitation: Invitation
    token: str

    @property
    def url(self) -> str:
        return invitation_url(self.token)


@transaction.atomic
def issue_personal_links(
    *,
    unit: Unit,
    role: str,
    created_by,
    people: list[Person] | None = None,
    expires_at: dt.datetime | None = None,
) -> list[IssuedLink]:
    """One personal link per roster person of `role` in `unit` who has not joined yet.

    A person who still holds an active personal link gets a new one and the old is revoked:
    the old token cannot be shown again.
    """
    today = unit.institution.local_today()
    members = Membership.objects.active(today).filter(unit=unit, role=role, joined_at__isnull=True)
    candidates = Person.objects.filter(memberships__in=members).order_by(
        "last_name", "first_name", "pk"
    )
    if people is not None:
        candidates = candidates.filter(pk__in=[p.pk for p in people])
    candidates = list(candidates.distinct())
    old = Invitation.objects.active().filter(unit=unit, role=role, person__in=candidates)
    _revoke(old, by=created_by, reason=RevokeReason.REISSUED)
    issued = []
    for person in candidates:
        invitation, token = create_invitation(
            unit=unit,
            role=role,
            created_by=created_by,
            person=person,
            expires_at=expires_at,
            send=False,
        )
        issued.append(IssuedLink(person=person, invitation=invitation, token=token))
    return issued


# --- revoking ---------------------------------------------------------------------------------


def _revoke(queryset, *, by, reason: str, now: dt.datetime | None = None) -> int:
    """Revoke the links of a queryset that are not revoked yet, in one UPDATE."""
    now = now or timezone.now()
    return queryset.filter(revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=by if getattr(by, "pk", None) else None, revoke_reason=reason
    )


@transaction.atomic
def revoke_invitation(*, invitation: Invitation, by, reason: str = RevokeReason.MANUAL) -> None:
    if by is not None and not permissions.can_see_invitation(by, invitation):
        raise ValidationError(_("You may not revoke this link."))
    if _revoke(Invitation.objects.filter(pk=invitation.pk), by=by, reason=reason):
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
        raise ValidationError(_("You may not revoke the links of this unit."))
    count = _revoke(
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
    return _revoke(
        Invitation.objects.active().filter(query), by=by, reason=RevokeReason.PERSON_LEFT
    )


def revoke_for_person(*, person: Person, by=None) -> int:
    """A person who left keeps no working personal link (called on the `person_left` signal)."""
    count = _revoke(
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


# --- using a link -----------------------------------------------------------------------------


def _person_kind_for(role: str) -> str:
    return {Role.STUDENT: PersonKind.STUDENT, Role.PARENT: PersonKind.PARENT}.get(
        role, PersonKind.STAFF
    )


def _person_for(invitation: Invitation, user) -> Person:
    """The roster person who joins: the link's own, the login's, or a new one."""
    institution = invitation.institution
    mine = Person.objects.filter(institution=institution, user=user).first()
    if invitation.person_id is not None:
        person = Person.objects.select_for_update().get(pk=invitation.person_id)
        if person.user_id not in (None, user.pk) or (mine is not None and mine.pk != person.pk):
            raise InvitationNotForYou
        if person.user_id is None:
            person.user = user
            person.save(update_fields=["user", "updated_at", "search_key"])
        return person
    if mine is not None:
        if invitation.role not in ROLES_BY_PERSON_KIND[mine.kind]:
            raise InvitationNotForYou
        return mine
    return roles_services.create_person(
        institution=institution,
        last_name=user.last_name or user.username,
        first_name=user.first_name or user.username,
        kind=_person_kind_for(invitation.role),
        email=user.email if invitation.role != Role.STUDENT else "",
        user=user,
    )


def _join_unit(*, person: Person, unit: Unit, role: str, note: str, by=None) -> Membership:
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


def _join(invitation: Invitation, person: Person) -> Membership:
    return _join_unit(
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
def accept_invitation(*, token: str, user) -> Membership:
    """Use a link: the person joins its unit in its role. Race-free: the link's row is locked,
    so of twenty simultaneous uses of a single-use link exactly one succeeds. Somebody who has
    joined already spends no use by opening the link again."""
    invitation = find_invitation(token, lock=True)
    check_usable(invitation)
    if invitation.needs_approval:
        raise InvitationNeedsRequest
    person = _person_for(invitation, user)
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
    """The login a personal student or parent link signs in: the person's own, or a new one."""
    invitation = find_invitation(token)
    check_usable(invitation)
    person = invitation.person
    if person is None or invitation.role not in PASSWORDLESS_ROLES:
        raise InvitationNotForYou
    if person.user_id is not None:
        if person.user.has_usable_password():
            # Somebody with a password signs in with it; the link is no key to their account.
            raise InvitationNotForYou
        return person.user
    return passwordless_user(first_name=person.first_name, last_name=person.last_name)


def _match_in_unit(unit: Unit, role: str, last_name: str, first_name: str) -> Person | None:
    """The roster person of this unit and role with exactly this name, if there is one only."""
    key = normalize_search(f"{last_name} {first_name}")
    today = unit.institution.local_today()
    # Whole words only: «Лебедев П» is not «Лебедев Павел».
    found = list(
        Person.objects.filter(
            Q(search_key=key) | Q(search_key__startswith=key + " "),
            memberships__in=Membership.objects.active(today).filter(unit=unit, role=role),
        ).distinct()[:2]
    )
    return found[0] if len(found) == 1 else None


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
    link made without approval, the membership itself."""
    invitation = find_invitation(token, lock=True)
    check_usable(invitation)
    if invitation.is_personal or invitation.role not in PASSWORDLESS_ROLES:
        raise InvitationNotForYou
    last_name, first_name = last_name.strip(), first_name.strip()
    if not last_name or not first_name:
        raise ValidationError(_("Give the last and first name."))
    if invitation.role == Role.PARENT and not child_name.strip():
        raise ValidationError(_("Give your child's name."))
    if invitation.role == Role.STUDENT:
        email = ""
    waiting = JoinRequest.objects.filter(
        user=user, unit=invitation.unit, role=invitation.role, status=JoinRequestStatus.PENDING
    ).first()
    if waiting is not None:
        return waiting  # asking twice is still one request
    if not invitation.needs_approval:
        person = Person.objects.filter(institution=invitation.institution, user=user).first()
        if person is not None and invitation.role not in ROLES_BY_PERSON_KIND[person.kind]:
            raise InvitationNotForYou
        if person is None:
            person = _match_in_unit(invitation.unit, invitation.role, last_name, first_name)
            if person is not None and person.user_id not in (None, user.pk):
                person = None
        if person is None:
            person = roles_services.create_person(
                institution=invitation.institution,
                last_name=last_name,
                first_name=first_name,
                patronymic=patronymic.strip(),
                kind=_person_kind_for(invitation.role),
                email=email,
                user=user,
            )
        elif person.user_id is None:
            person.user = user
            person.save(update_fields=["user", "updated_at", "search_key"])
        return _join_and_count(invitation, person, user)
    join_request = JoinRequest.objects.create(
        institution=invitation.institution,
        invitation=invitation,
        unit=invitation.unit,
        role=invitation.role,
        last_name=last_name,
        first_name=first_name,
        patronymic=patronymic.strip(),
        child_name=child_name.strip()[:300],
        email=email.strip(),
        user=user,
    )
    _count_use(invitation, user=user, join_request=join_request)
    roles_services.audit(
        institution=invitation.institution,
        actor=user,
        action="joinrequest.create",
        summary=_("Join request: %(name)s to «%(unit)s»")
        % {"name": join_request.full_name, "unit": invitation.unit},
        obj=join_request,
    )
    return join_request


# --- join requests ----------------------------------------------------------------------------


def _lock_pending(join_request: JoinRequest) -> JoinRequest:
    join_request = (
        JoinRequest.objects.select_for_update(of=("self",))
        .select_related("institution", "unit", "user")
        .get(pk=join_request.pk)
    )
    if join_request.status != JoinRequestStatus.PENDING:
        raise ValidationError(_("This request has already been decided."))
    return join_request


@transaction.atomic
def approve_join_request(
    *, join_request: JoinRequest, by, person: Person | None = None
) -> Membership:
    """Approve by matching the request to a roster person (or adding a new one)."""
    join_request = _lock_pending(join_request)
    if not permissions.can(by, "joinrequest.decide", join_request.institution):
        raise ValidationError(_("You may not decide join requests."))
    user = join_request.user
    if person is not None:
        if person.institution_id != join_request.institution_id:
            raise ValidationError(_("The person belongs to another institution."))
        if join_request.role not in ROLES_BY_PERSON_KIND[person.kind]:
            raise ValidationError(_("This role does not fit the person's kind."))
        if user is not None and person.user_id not in (None, user.pk):
            raise ValidationError(
                _("%(person)s already has another login.") % {"person": person.short_name}
            )
        if (
            user is not None
            and Person.objects.filter(institution=join_request.institution, user=user)
            .exclude(pk=person.pk)
            .exists()
        ):
            raise ValidationError(_("This login already belongs to another person here."))
    else:
        person = Person.objects.filter(institution=join_request.institution, user=user).first()
        if person is None:
            person = roles_services.create_person(
                institution=join_request.institution,
                last_name=join_request.last_name,
                first_name=join_request.first_name,
                patronymic=join_request.patronymic,
                kind=_person_kind_for(join_request.role),
                email=join_request.email,
                by=by,
            )
    if user is not None and person.user_id is None:
        person.user = user
        person.save(update_fields=["user", "updated_at", "search_key"])
    membership = _join_unit(
        person=person,
        unit=join_request.unit,
        role=join_request.role,
        note=gettext_noop("join request approved"),
        by=by,
    )
    join_request.status = JoinRequestStatus.APPROVED
    join_request.person = person
    join_request.decided_by = by
    join_request.decided_at = timezone.now()
    join_request.save(update_fields=["status", "person", "decided_by", "decided_at"])
    roles_services.audit(
        institution=join_request.institution,
        actor=by,
        action="joinrequest.approve",
        summary=_("Join request approved: %(name)s") % {"name": join_request.full_name},
        obj=join_request,
    )
    if join_request.email:
        transaction.on_commit(lambda: emails.send_join_decision(join_request=join_request))
    return membership


@transaction.atomic
def reject_join_request(*, join_request: JoinRequest, by, reason: str) -> JoinRequest:
    join_request = _lock_pending(join_request)
    if not permissions.can(by, "joinrequest.decide", join_request.institution):
        raise ValidationError(_("You may not decide join requests."))
    if not reason.strip():
        raise ValidationError(_("Give the reason for the rejection."))
    join_request.status = JoinRequestStatus.REJECTED
    join_request.reason = reason.strip()[:500]
    join_request.decided_by = by
    join_request.decided_at = timezone.now()
    join_request.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    roles_services.audit(
        institution=join_request.institution,
        actor=by,
        action="joinrequest.reject",
        summary=_("Join request rejected: %(name)s") % {"name": join_request.full_name},
        obj=join_request,
        data={"reason": join_request.reason},
    )
    if join_request.email:
        transaction.on_commit(lambda: emails.send_join_decision(join_request=join_request))
    return join_request


# --- teacher verification ---------------------------------------------------------------------


@transaction.atomic
def decide_verification(*, person: Person, by, approve: bool, note: str = "") -> int:
    """Confirm or reject the «учитель» status, and tell the teacher when an address is known."""
    if not permissions.can(by, "teacher.verify", person.institution):
        raise ValidationError(_("You may not verify teachers."))
    count = roles_services.decide_teacher_verification(
        person=person, by=by, approve=approve, note=note
    )
    address = person.email or (person.user.email if person.user_id else "")
    if address:
        transaction.on_commit(
            lambda: emails.send_verification_decision(
                person=person, address=address, approved=approve, note=note
            )
        )
    return count


# --- the expiry job ---------------------------------------------------------------------------


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
            annulled += _revoke(
                unused.filter(
                    institution_id__in=institution_ids,
                    created_at__lte=now - dt.timedelta(days=days),
                ),
                by=None,
                reason=RevokeReason.UNCLAIMED,
                now=now,
            )
        annulled += _revoke(
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


# --- joining from the landing page ------------------------------------------------------------


@transaction.atomic
def join_with_new_account(
    *, token: str, username: str, password: str, first_name: str, last_name: str, email: str
) -> tuple:
    """Staff who have no login yet: the account and the membership, both or neither."""
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
    return user, accept_invitation(token=token, user=user)


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
