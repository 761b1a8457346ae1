"""Sferum's «учитель» status of teachers, as the portal records it.

- `decide_teacher_verification`: the one decision on a teacher's status, whoever takes it (an
  administrator, the director or a deputy: regulation 2.1 and 2.2) and from whichever page
  (the queue, the person's card): the status of all their teacher memberships, one audit row
  and one e-mail to the teacher after the commit.
- `initial_verification`: the state a new membership starts in (a verified teacher stays so).
- `is_verified_teacher_in_staff_room`: the rule an additional administrator must meet.
Who may decide is `roles.permissions` ("teacher.verify"); the appointments are in `appointments`.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sferum_portal import mail

from .. import freshness, permissions
from ..errors import NotAllowed, RuleBroken
from ..models import Membership, Person, Role, UnitKind, Verification
from .audit import audit


def _decided_by(by, institution) -> str:
    """Who decided, as the teacher reads it: «Иванова А. А. (руководитель)»."""
    person = permissions.person_of(by, institution)
    name = person.short_name if person is not None else (by.get_full_name() or by.username)
    roles = permissions.roles_of(by, institution)
    for role in (Role.DIRECTOR, Role.DEPUTY, Role.ADMIN):
        if role in roles:
            return f"{name} ({Role(role).label})"
    return name


def _tell_teacher(person: Person, *, approved: bool, note: str, decided_by: str) -> None:
    address = person.email or (person.user.email if person.user_id else "")
    if not address:
        return
    message = mail.build(
        to=address,
        subject_template="roles/email/verification_subject.txt",
        body_template="roles/email/verification.txt",
        context={"person": person, "approved": approved, "note": note, "decided_by": decided_by},
        tz=person.institution.tzinfo,
    )
    mail.send([message])


@transaction.atomic
def decide_teacher_verification(
    *, person: Person, by, approve: bool, note: str = "", notify: bool = True
) -> int:
    """Confirm or reject Sferum's «учитель» status on all the person's teacher memberships.

    `by` is an administrator, the director or a deputy (`None`: the system, e.g. the demo); a
    decision on one's own status is somebody else's. The teacher is told by e-mail after the
    commit when an address is known and somebody decided (`notify=False`: nobody is told).
    """
    institution = person.institution
    if by is not None:
        if not permissions.can(by, "teacher.verify", institution):
            raise NotAllowed(_("You may not verify teachers."))
        if person.user_id is not None and person.user_id == by.pk and not by.is_superuser:
            raise RuleBroken(
                _(
                    "Your own «teacher» status is confirmed by another member of the "
                    "administration or by an administrator."
                )
            )
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
        institution=institution,
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
    # An update sends no signal: the institution's overview is read afresh.
    freshness.touch([institution.pk])
    if notify and by is not None:
        decided_by = _decided_by(by, institution)
        transaction.on_commit(
            lambda: _tell_teacher(
                person, approved=approve, note=note.strip(), decided_by=decided_by
            )
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
