"""Deciding join requests: approving one (matched to a roster person, or a new person added only
when no namesake is on the unit's roster or the administrator confirms it is somebody else) or
rejecting it with a reason; the person is told by e-mail when they left an address.

A request is made when somebody uses a class-wide link that needs approval (see `use`).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from roles import permissions
from roles import services as roles_services
from roles.errors import NotAllowed, RuleBroken
from roles.models import ROLES_BY_PERSON_KIND, Membership, Person, PersonKind

from .. import emails, selectors
from ..models import JoinRequest, JoinRequestStatus
from .joining import join_unit, person_kind_for


def _lock_pending(join_request: JoinRequest) -> JoinRequest:
    join_request = (
        JoinRequest.objects.select_for_update(of=("self",))
        .select_related("institution", "unit", "user")
        .get(pk=join_request.pk)
    )
    if join_request.status != JoinRequestStatus.PENDING:
        raise RuleBroken(_("This request has already been decided."))
    return join_request


def _replaceable_login(person: Person) -> bool:
    """A student's or parent's login without a password (and without staff rights anywhere)
    may be replaced by the login of an approved request: the same person on a new device."""
    user = person.user
    return (
        person.kind in (PersonKind.STUDENT, PersonKind.PARENT)
        and not user.has_usable_password()
        and not user.is_staff
        and not user.is_superuser
        and not Person.objects.filter(user=user, kind=PersonKind.STAFF).exists()
    )


@transaction.atomic
def approve_join_request(
    *, join_request: JoinRequest, by, person: Person | None = None, as_new: bool = False
) -> Membership:
    """Approve by matching the request to a roster person (or adding a new one).

    One person, one roster row: without `person`, a new person is added only when nobody of
    the unit and role bears the name, or with `as_new=True` (the administrator confirmed a
    namesake is somebody else). A person who joined before with another passwordless login
    (a lost phone, a cleared browser) is re-linked to the request's login; the old login no
    longer reaches them, and the re-link is audited."""
    join_request = _lock_pending(join_request)
    if not permissions.can(by, "joinrequest.decide", join_request.institution):
        raise NotAllowed(_("You may not decide join requests."))
    user = join_request.user
    replaced = None
    if person is not None:
        if person.institution_id != join_request.institution_id:
            raise NotAllowed(_("The person belongs to another institution."))
        person = (
            Person.objects.select_for_update(of=("self",)).select_related("user").get(pk=person.pk)
        )
        if join_request.role not in ROLES_BY_PERSON_KIND[person.kind]:
            raise RuleBroken(_("This role does not fit the person's kind."))
        if user is not None and person.user_id not in (None, user.pk):
            if not _replaceable_login(person):
                raise RuleBroken(
                    _("%(person)s already has another login.") % {"person": person.short_name}
                )
            replaced = person.user
        if (
            user is not None
            and Person.objects.filter(institution=join_request.institution, user=user)
            .exclude(pk=person.pk)
            .exists()
        ):
            raise RuleBroken(_("This login already belongs to another person here."))
    else:
        person = Person.objects.filter(institution=join_request.institution, user=user).first()
        if person is None:
            matches = selectors.name_matches(join_request)
            if matches and not as_new:
                raise RuleBroken(
                    _(
                        "«%(name)s» bears the name of %(people)s of «%(unit)s». Choose who it "
                        "is under «This is», or confirm that it is a different person with the "
                        "same name."
                    )
                    % {
                        "name": join_request.full_name,
                        "people": ", ".join(p.full_name for p in matches),
                        "unit": join_request.unit,
                    }
                )
            person = roles_services.create_person(
                institution=join_request.institution,
                last_name=join_request.last_name,
                first_name=join_request.first_name,
                patronymic=join_request.patronymic,
                kind=person_kind_for(join_request.role),
                email=join_request.email,
                by=by,
            )
    if user is not None and person.user_id != user.pk:
        person.user = user
        person.save(update_fields=["user", "updated_at", "search_key"])
    if replaced is not None:
        roles_services.audit(
            institution=join_request.institution,
            actor=by,
            action="person.relink",
            summary=_("%(person)s now signs in with the login of the approved request")
            % {"person": person.short_name},
            obj=person,
            data={"old_user": replaced.pk, "new_user": user.pk, "join_request": join_request.pk},
        )
    membership = join_unit(
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
        raise NotAllowed(_("You may not decide join requests."))
    if not reason.strip():
        raise RuleBroken(_("Give the reason for the rejection."))
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
