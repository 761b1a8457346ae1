"""Teachers made members of a department without an invitation of their own (issue 13, 2.3).

A department is the portal's structure, not a unit anybody joins by a link: its members are
the teachers who share its teachers' chat («чат с педагогическими работниками своего отдела»).
An administrator or the director adds a teacher from the person's card, from the department's
page (the teachers of its classes, at once) or by the roster import (its «Отдел» column); a
teacher who has joined «Учительская» in Sferum is counted as joined at once, since there is
no separate link to send. Each addition is an enrolment in the movement journal.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .. import permissions
from ..errors import NotAllowed, RuleBroken
from ..models import Membership, Person, PersonKind, Role, Unit, UnitKind
from .movement import enrol, mark_joined
from .todos import portal_text


def _check(department: Unit, by) -> None:
    if department.kind != UnitKind.DEPARTMENT:
        raise RuleBroken(_("«%(unit)s» is not a department.") % {"unit": department})
    if department.is_archived:
        raise RuleBroken(_("The department «%(unit)s» is archived.") % {"unit": department})
    if by is not None and not permissions.can(by, "movement.record", department.institution):
        raise NotAllowed(_("You may not add teachers to departments."))


def _joined_staff_room(person: Person) -> bool:
    return (
        Membership.objects.active(person.institution.local_today())
        .filter(person=person, unit__kind=UnitKind.STAFF_ROOM, joined_at__isnull=False)
        .exists()
    )


def joined_without_invitation(membership: Membership) -> None:
    """A teacher's new membership of a department counts as joined once they have joined
    «Учительская» in Sferum: there is no link into a department to send them."""
    if (
        membership.unit.kind == UnitKind.DEPARTMENT
        and membership.role == Role.TEACHER
        and _joined_staff_room(membership.person)
    ):
        mark_joined(memberships=[membership])
        membership.refresh_from_db()


def _add(person: Person, department: Unit, by, effective_date: dt.date) -> Membership:
    membership = enrol(
        person=person,
        unit=department,
        role=Role.TEACHER,
        effective_date=effective_date,
        note=portal_text(gettext_noop("added to the department, without an invitation")),
        by=by,
    )
    joined_without_invitation(membership)
    return membership


@transaction.atomic
def add_to_department(
    *, person: Person, department: Unit, by=None, effective_date: dt.date | None = None
) -> Membership:
    """Make a teacher a member of a department (role «teacher»), without an invitation."""
    _check(department, by)
    if person.institution_id != department.institution_id:
        raise RuleBroken(_("The person and the unit belong to different institutions."))
    if person.kind != PersonKind.STAFF:
        raise RuleBroken(_("Only staff can be members of a department."))
    if Membership.objects.filter(
        person=person, unit=department, role=Role.TEACHER, end_date__isnull=True
    ).exists():
        raise RuleBroken(
            _("%(person)s is already a teacher of «%(unit)s».")
            % {"person": person.short_name, "unit": department}
        )
    return _add(person, department, by, effective_date or department.institution.local_today())


def class_teachers_outside(department: Unit) -> list[Person]:
    """The teachers of the department's classes who are not its members yet."""
    today = department.institution.local_today()
    members = Membership.objects.active(today).filter(unit=department, role=Role.TEACHER)
    return list(
        Person.objects.filter(
            memberships__in=Membership.objects.active(today).filter(
                unit__parent=department,
                unit__kind=UnitKind.CLASS,
                unit__archived_at__isnull=True,
                role=Role.TEACHER,
            )
        )
        .exclude(pk__in=members.values("person_id"))
        .filter(left_on__isnull=True)
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )


@transaction.atomic
def add_class_teachers_to_department(*, department: Unit, by=None) -> list[Membership]:
    """Make every teacher of the department's classes a member of it (those not yet)."""
    _check(department, by)
    today = department.institution.local_today()
    return [_add(person, department, by, today) for person in class_teachers_outside(department)]
