"""Issuing links: finding and checking a link by its token, creating one, sending and resending
it by e-mail, personal links for a whole class, and the institution's link policy.

The raw token exists only in the return value of `create_invitation` (and of the functions that
issue a new one): it goes into the e-mail or onto the page, and the database keeps its SHA-256.
Everything is checked at the moment of use, whether or not the expiry job has run. Using a link
is in `use`, revoking one in `revoking`.
"""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from roles import permissions
from roles import services as roles_services
from roles.errors import NotAllowed, RuleBroken
from roles.models import (
    ROLES_BY_PERSON_KIND,
    Institution,
    Membership,
    Person,
    Role,
    Unit,
    normalize_search,
)
from sferum_portal.editing import assign_fields
from sferum_portal.links import absolute_url
from sferum_portal.tokens import (
    digests_match,
    format_short_code,
    hash_short_code,
    hash_token,
    new_short_code,
    new_token,
    normalize_short_code,
)

from .. import emails
from ..models import (
    INVITABLE_ROLES,
    MAX_TTL_DAYS,
    PASSWORDLESS_ROLES,
    Invitation,
    InvitationPolicy,
    RevokeReason,
    Status,
)
from .errors import (
    InvitationError,
    InvitationExpired,
    InvitationNotFound,
    InvitationRevoked,
    InvitationUsedUp,
)
from .revoking import revoke_queryset

# --- tokens -----------------------------------------------------------------------------------


def find_invitation(token: str, *, lock: bool = False) -> Invitation:
    """The link of a token, or of a short code printed on a QR sheet (typed in any case,
    with or without its dash: `sferum_portal.tokens.normalize_short_code`)."""
    qs = Invitation.objects.select_related("institution", "unit", "person")
    if lock:
        qs = qs.select_for_update(of=("self",))
    code = normalize_short_code(token)
    if code is not None:
        digest = hash_short_code(code)
        invitation = qs.filter(short_code_hash=digest).first()
        if invitation is None or not hmac.compare_digest(invitation.short_code_hash, digest):
            raise InvitationNotFound
        return invitation
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

    return absolute_url(reverse("invite", args=[token]))


# --- creating and sending ---------------------------------------------------------------------


def policy_for(institution: Institution) -> InvitationPolicy:
    policy = InvitationPolicy.objects.filter(institution=institution).first()
    return policy or InvitationPolicy(institution=institution)


POLICY_EDITABLE = ("default_ttl_days", "unclaimed_after_days")


@transaction.atomic
def update_policy(*, institution: Institution, by, **fields) -> InvitationPolicy:
    """How long links are valid, and after how many days unused ones are annulled: a security
    setting, so every change is in the audit log with the values before and after."""
    if not permissions.can(by, "invitation.manage", institution):
        raise NotAllowed(_("You may not change the invitation settings."))
    policy = policy_for(institution)
    before = {name: getattr(policy, name) for name in POLICY_EDITABLE}
    assign_fields(policy, fields, POLICY_EDITABLE)
    policy.full_clean()
    policy.save()
    after = {name: getattr(policy, name) for name in POLICY_EDITABLE}
    if after != before:
        roles_services.audit(
            institution=institution,
            actor=by,
            action="invitation.policy",
            summary=_(
                "Invitation settings changed: links valid for %(ttl)d days, unused ones "
                "annulled after %(unclaimed)d days"
            )
            % {"ttl": policy.default_ttl_days, "unclaimed": policy.unclaimed_after_days},
            obj=policy,
            data={"before": before, "after": after},
        )
    return policy


def _validate_new(
    *, unit: Unit, role: str, created_by, expires_at, max_uses, person, email, now
) -> None:
    if role not in INVITABLE_ROLES[unit.kind]:
        raise RuleBroken(
            _("A link into «%(unit)s» cannot carry the role «%(role)s».")
            % {"unit": unit, "role": Role(role).label}
        )
    if unit.is_archived:
        raise RuleBroken(_("The unit «%(unit)s» is archived.") % {"unit": unit})
    if not permissions.can_invite(created_by, unit, role):
        raise NotAllowed(_("You may not issue links into this unit in this role."))
    if expires_at <= now:
        raise RuleBroken(_("The expiry date must be in the future."))
    if expires_at > now + dt.timedelta(days=MAX_TTL_DAYS):
        raise RuleBroken(_("A link is valid for at most %(days)d days.") % {"days": MAX_TTL_DAYS})
    if max_uses is not None and max_uses < 1:
        raise RuleBroken(_("A link must allow at least one use."))
    if person is not None:
        # A person of another institution is outside the creator's reach.
        if person.institution_id != unit.institution_id:
            raise NotAllowed(_("The person belongs to another institution."))
        if role not in ROLES_BY_PERSON_KIND[person.kind]:
            raise RuleBroken(_("This role does not fit the person's kind."))
        if person.left_on is not None and person.left_on <= unit.institution.local_today():
            raise RuleBroken(_("%(person)s has left.") % {"person": person.short_name})
        check_person_in_reach(created_by=created_by, unit=unit, role=role, person=person)
    if email and role == Role.STUDENT:
        raise RuleBroken(_("No e-mail address is kept for students."))


def check_person_in_reach(*, created_by, unit: Unit, role: str, person: Person) -> None:
    """May `created_by` issue a personal link for `person` into `unit` in `role`? (DESIGN §4:
    a person outside the creator's reach is refused with `NotAllowed`.)

    - A student's or parent's personal link signs in without a password, so it is never issued
      for somebody who has a login already: that would be a key to their account. The admin
      or the director issues a sign-in link instead (`signin`).
    - A teacher issues personal links only for the students and parents of the very class the
      link leads into (a class they teach as a verified teacher: `permissions.can_invite`)
      who have not joined it yet.
    """
    institution = unit.institution
    manages = created_by is None or permissions.can(created_by, "invitation.manage", institution)
    if role in PASSWORDLESS_ROLES and person.user_id is not None:
        if manages:
            message = _(
                "%(person)s already has a login: a personal link cannot let anybody in as "
                "them. Issue a sign-in link on their page instead."
            )
        else:
            message = _(
                "%(person)s has joined already (has a login). A sign-in link is issued by the "
                "administrator or the director."
            )
        raise NotAllowed({"person": message % {"person": person.short_name}})
    if manages:
        return
    membership = (
        Membership.objects.active(institution.local_today())
        .filter(person=person, unit=unit, role=role)
        .first()
    )
    if membership is None:
        raise NotAllowed(
            {
                "person": _(
                    "%(person)s is not among the %(role)s of «%(unit)s»: a teacher issues "
                    "personal links only for the students and parents of their own class."
                )
                % {"person": person.short_name, "role": Role(role).label, "unit": unit}
            }
        )
    if membership.joined_at is not None:
        raise NotAllowed(
            {
                "person": _("%(person)s has joined «%(unit)s» already.")
                % {"person": person.short_name, "unit": unit}
            }
        )


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
        data={
            "unit": unit.pk,
            "role": role,
            "max_uses": max_uses,
            "person": person.pk if person is not None else None,
        },
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
        raise RuleBroken(_("This invitation has no e-mail address."))
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
        raise RuleBroken(
            _("The link can no longer be used: %(status)s.") % {"status": Status(exc.status).label}
        ) from exc


@dataclass
class IssuedLink:
    person: Person
    invitation: Invitation
    token: str
    # The short code to type by hand (printed sheets), or "".
    code: str = ""

    @property
    def url(self) -> str:
        return invitation_url(self.token)

    @property
    def code_display(self) -> str:
        return format_short_code(self.code) if self.code else ""


def add_short_code(invitation: Invitation) -> str:
    """Give a link a short code to type by hand; returns the code (only its keyed hash is
    kept). A clash with another link's code (one in 10¹⁴) draws again."""
    for _attempt in range(5):
        code = new_short_code()
        try:
            with transaction.atomic():
                Invitation.objects.filter(pk=invitation.pk).update(
                    short_code_hash=hash_short_code(code)
                )
        except IntegrityError:
            continue
        invitation.short_code_hash = hash_short_code(code)
        return code
    raise RuleBroken(_("No short code could be drawn; try again."))  # pragma: no cover


@transaction.atomic
def issue_personal_links(
    *,
    unit: Unit,
    role: str,
    created_by,
    people: list[Person] | None = None,
    expires_at: dt.datetime | None = None,
    short_codes: bool = False,
) -> list[IssuedLink]:
    """One personal link per roster person of `role` in `unit` who has not joined yet and has
    no login (somebody with a login sees the class's chats already, and a personal link is no
    key to a login: see `check_person_in_reach`). `short_codes`: each also gets a short code to
    type by hand (a sheet to print).

    A person who still holds an active personal link gets a new one and the old is revoked:
    the old token cannot be shown again.
    """
    today = unit.institution.local_today()
    members = Membership.objects.active(today).filter(unit=unit, role=role, joined_at__isnull=True)
    candidates = Person.objects.filter(memberships__in=members, user__isnull=True).order_by(
        "last_name", "first_name", "pk"
    )
    if people is not None:
        candidates = candidates.filter(pk__in=[p.pk for p in people])
    candidates = list(candidates.distinct())
    old = Invitation.objects.active().filter(unit=unit, role=role, person__in=candidates)
    revoke_queryset(old, by=created_by, reason=RevokeReason.REISSUED)
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
        code = add_short_code(invitation) if short_codes else ""
        issued.append(IssuedLink(person=person, invitation=invitation, token=token, code=code))
    return issued
