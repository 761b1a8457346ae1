"""Sign-in links: the way back in for a student or parent who joined without a password
(DESIGN §5: "a sign-in link for an existing account is issued only by the admin or director,
single-use and audited").

- `issue_signin_link`: the admin or the director, for a student or parent who has a login
  without a password; the person's earlier working links are revoked; returns the raw token
  once (the database keeps its SHA-256);
- `use_signin_link`: the login the link signs in, once; checked at that moment (expired,
  used, revoked, the person's login changed or the person left: refused);
- `revoke_signin_link`, `revoke_signin_links_of`: by hand, or when the person leaves.
Every issue, use and revocation is in the audit log.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from roles import permissions
from roles import services as roles_services
from roles.errors import NotAllowed, RuleBroken
from roles.models import Person, PersonKind
from sferum_portal import links
from sferum_portal.tokens import digests_match, hash_token, new_token

from ..models import SignInLink, SignInStatus
from .errors import SignInLinkExpired, SignInLinkNotFound, SignInLinkRevoked, SignInLinkUsed

FAMILY_KINDS = (PersonKind.STUDENT, PersonKind.PARENT)


def signin_url(token: str) -> str:
    return links.absolute_url(reverse("signin", args=[token]))


def check_signin_issuable(person: Person, by) -> None:
    """May `by` issue a sign-in link for `person`? (A refusal says why.)"""
    institution = person.institution
    if not permissions.can(by, "signin.issue", institution):
        raise NotAllowed(_("Only the administrator or the director issues sign-in links."))
    if person.kind not in FAMILY_KINDS:
        raise RuleBroken(
            _("Sign-in links are for students and parents; staff sign in with their password.")
        )
    if person.left_on is not None and person.left_on <= institution.local_today():
        raise RuleBroken(_("%(person)s has left.") % {"person": person.short_name})
    user = person.user
    if user is None:
        raise RuleBroken(
            _("%(person)s has no login yet: issue a personal invitation link instead.")
            % {"person": person.short_name}
        )
    # A sign-in link is no key to a login with a password or with staff rights anywhere.
    if (
        user.has_usable_password()
        or user.is_staff
        or user.is_superuser
        or Person.objects.filter(user=user).exclude(kind__in=FAMILY_KINDS).exists()
    ):
        raise RuleBroken(
            _(
                "%(person)s signs in with a password: a sign-in link is only for a login "
                "without one."
            )
            % {"person": person.short_name}
        )
    # The login may be a family's in another institution too: the link would open that
    # institution's chats to whoever holds it, so it takes the right to issue there as well.
    elsewhere = Person.objects.filter(user=user).exclude(institution=institution)
    for other in elsewhere.select_related("institution"):
        if not permissions.can(by, "signin.issue", other.institution):
            raise NotAllowed(
                _(
                    "This login is also %(person)s's in «%(institution)s»: a sign-in link is "
                    "issued there."
                )
                % {"person": other.short_name, "institution": other.institution}
            )


@transaction.atomic
def issue_signin_link(*, person: Person, by) -> tuple[SignInLink, str]:
    """A single-use sign-in link for the person's login, valid SIGNIN_LINK_HOURS; returns it
    with its raw token, which is never stored. Earlier working links of the person stop."""
    person = (
        Person.objects.select_for_update(of=("self",))
        .select_related("institution", "user")
        .get(pk=person.pk)
    )
    check_signin_issuable(person, by)
    now = timezone.now()
    revoke_signin_links_of(person=person, by=by, now=now)
    token = new_token()
    link = SignInLink.objects.create(
        institution=person.institution,
        person=person,
        user=person.user,
        token_hash=hash_token(token),
        created_by=by if getattr(by, "pk", None) else None,
        created_at=now,
        expires_at=now + dt.timedelta(hours=settings.SIGNIN_LINK_HOURS),
    )
    roles_services.audit(
        institution=person.institution,
        actor=by,
        action="signin.issue",
        summary=_("Sign-in link issued for %(person)s") % {"person": person.short_name},
        obj=link,
        data={"person": person.pk, "expires_at": link.expires_at.isoformat()},
    )
    return link, token


def find_signin_link(token: str, *, lock: bool = False) -> SignInLink:
    qs = SignInLink.objects.select_related("institution", "person", "user")
    if lock:
        qs = qs.select_for_update(of=("self",))
    link = qs.filter(token_hash=hash_token(token)).first()
    if link is None or not digests_match(link.token_hash, token):
        raise SignInLinkNotFound
    return link


def check_signin_usable(link: SignInLink, now: dt.datetime | None = None) -> None:
    status = link.status_at(now)
    if status == SignInStatus.REVOKED:
        raise SignInLinkRevoked
    if status == SignInStatus.USED:
        raise SignInLinkUsed
    if status == SignInStatus.EXPIRED:
        raise SignInLinkExpired
    person = link.person
    # The person's login changed (a merge, a new join) or the person left: the link is void.
    if person.user_id != link.user_id or not link.user.is_active:
        raise SignInLinkRevoked
    if person.left_on is not None and person.left_on <= link.institution.local_today():
        raise SignInLinkRevoked


@transaction.atomic
def use_signin_link(*, token: str):
    """The login the link signs in; the link is spent. Race-free: the row is locked, so of
    two simultaneous uses one signs in and the other is refused as used."""
    link = find_signin_link(token, lock=True)
    check_signin_usable(link)
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    roles_services.audit(
        institution=link.institution,
        actor=link.user,
        action="signin.use",
        summary=_("Signed in by a sign-in link: %(person)s") % {"person": link.person.short_name},
        obj=link,
    )
    return link.user


@transaction.atomic
def revoke_signin_link(*, link: SignInLink, by) -> SignInLink:
    link = (
        SignInLink.objects.select_for_update(of=("self",)).select_related("person").get(pk=link.pk)
    )
    if not permissions.can(by, "signin.issue", link.institution):
        raise NotAllowed(_("Only the administrator or the director issues sign-in links."))
    if link.status != SignInStatus.ACTIVE:
        raise RuleBroken(
            _("The sign-in link can no longer be used: %(status)s.")
            % {"status": link.get_status_display()}
        )
    link.revoked_at = timezone.now()
    link.revoked_by = by if getattr(by, "pk", None) else None
    link.save(update_fields=["revoked_at", "revoked_by"])
    roles_services.audit(
        institution=link.institution,
        actor=by,
        action="signin.revoke",
        summary=_("Sign-in link revoked: %(person)s") % {"person": link.person.short_name},
        obj=link,
    )
    return link


def revoke_signin_links_of(*, person: Person, by=None, now: dt.datetime | None = None) -> int:
    """Every working sign-in link of the person stops (a new one is issued, the person left)."""
    now = now or timezone.now()
    working = SignInLink.objects.filter(
        person=person, revoked_at__isnull=True, used_at__isnull=True, expires_at__gt=now
    )
    count = working.update(
        revoked_at=now, revoked_by=by if getattr(by, "is_authenticated", False) else None
    )
    if count:
        roles_services.audit(
            institution=person.institution,
            actor=by,
            action="signin.revoke",
            summary=_("Sign-in links revoked: %(person)s") % {"person": person.short_name},
            obj=person,
            data={"count": count},
        )
    return count
