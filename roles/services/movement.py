"""The movement journal: people entering, moving within and leaving the institution.

- `enrol`, `transfer`, `change_role`, `end_membership`, `leave`: each locks the person, checks
  who may record it (`roles.permissions`), writes the memberships, the journal entry, its manual
  Sferum steps (`todos`) and the audit row, and tells the other apps (`roles.signals`);
- `mark_joined`: people joined their units in Sferum (the invitations app calls it).
The state a teacher's new membership starts in is `verification.initial_verification`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .. import freshness, permissions
from ..errors import NotAllowed, RuleBroken
from ..models import (
    AdminAppointment,
    Institution,
    Membership,
    Movement,
    MovementKind,
    Person,
    PersonKind,
    Role,
    Unit,
)
from ..signals import memberships_ended, person_left
from .appointments import _end_appointment
from .audit import audit
from .todos import portal_text, reinvite_todo, remove_todo, transfer_todo
from .verification import initial_verification


def _end_memberships(queryset, end_date: dt.date) -> int:
    """End memberships on a date, never before their own start (the database forbids that)."""
    permissions.forget_access(queryset.values_list("person__user_id", flat=True))
    # An update sends no signal: the overviews of the institutions are read afresh.
    freshness.touch(queryset.values_list("unit__institution_id", flat=True).distinct())
    later = queryset.filter(start_date__lte=end_date).update(end_date=end_date)
    # A membership that had not started yet simply never happens.
    not_started = queryset.filter(end_date__isnull=True, start_date__gt=end_date).update(
        end_date=models.F("start_date")
    )
    return later + not_started


def _check_unit_open(unit: Unit, person: Person) -> None:
    if unit.institution_id != person.institution_id:
        raise RuleBroken(_("The person and the unit belong to different institutions."))
    if unit.is_archived:
        raise RuleBroken(_("The unit «%(unit)s» is archived.") % {"unit": unit})


def _lock_person(person: Person, by) -> Person:
    """Serialise movements of one person (two admins at once) and check who may record them."""
    locked = Person.objects.select_for_update().select_related("institution").get(pk=person.pk)
    if not permissions.can_change_person(by, locked):
        raise NotAllowed(
            _("Only the director records the movement of the director and the deputies.")
        )
    return locked


def _check_grant(by, institution: Institution, *roles: str) -> None:
    for role in roles:
        if not permissions.can_grant_role(by, institution, role):
            raise NotAllowed(
                _("Only the director can give or take away the role «%(role)s».")
                % {"role": Role(role).label}
            )


def _new_membership(person: Person, unit: Unit, role: str, start: dt.date) -> Membership:
    """An unsaved membership; the caller holds the person's lock, so the check is race-free."""
    membership = Membership(
        person=person,
        unit=unit,
        role=role,
        start_date=start,
        verification=initial_verification(person, role),
    )
    membership.full_clean(validate_constraints=False)
    if Membership.objects.filter(
        person=person, unit=unit, role=role, end_date__isnull=True
    ).exists():
        raise RuleBroken(
            _("%(person)s already has the role «%(role)s» in «%(unit)s».")
            % {"person": person.short_name, "role": Role(role).label, "unit": unit}
        )
    return membership


def _record(person: Person, kind: str, by, todos=(), **fields) -> Movement:
    """The journal entry of a movement, its manual Sferum steps and the audit row."""
    movement = Movement.objects.create(
        institution=person.institution, person=person, kind=kind, recorded_by=by, **fields
    )
    for todo in todos:
        todo.movement = movement
        todo.save()
    audit(
        institution=person.institution,
        actor=by,
        action=f"movement.{kind}",
        summary=str(movement),
        obj=movement,
    )
    return movement


# Whether someone is in a unit in Sferum is unknown for people who were there before the portal:
# every movement out of a unit therefore asks for the manual step.


@transaction.atomic
def enrol(
    *,
    person: Person,
    unit: Unit,
    role: str,
    effective_date: dt.date,
    order_number: str = "",
    note: str = "",
    by=None,
) -> Membership:
    """Enrol a person into a unit in a role (from the effective date)."""
    person = _lock_person(person, by)
    _check_grant(by, person.institution, role)
    _check_unit_open(unit, person)
    membership = _new_membership(person, unit, role, effective_date)
    membership.save()
    if person.left_on is not None:
        person.left_on = None
        person.save(update_fields=["left_on", "updated_at"])
    _record(
        person,
        MovementKind.ENROL,
        by,
        to_unit=unit,
        role=role,
        effective_date=effective_date,
        order_number=order_number,
        note=note,
    )
    return membership


@transaction.atomic
def transfer(
    *,
    person: Person,
    from_unit: Unit,
    to_unit: Unit,
    effective_date: dt.date,
    order_number: str = "",
    note: str = "",
    by=None,
) -> Membership:
    """Move a person between units of the same kind, keeping the role."""
    if from_unit.pk == to_unit.pk:
        raise RuleBroken(_("The person is already in this unit."))
    if from_unit.kind != to_unit.kind:
        raise RuleBroken(_("A transfer is between units of the same kind."))
    person = _lock_person(person, by)
    _check_unit_open(to_unit, person)
    old = Membership.objects.filter(person=person, unit=from_unit, end_date__isnull=True).first()
    if old is None:
        raise RuleBroken(
            _("%(person)s is not a member of «%(unit)s».")
            % {"person": person.short_name, "unit": from_unit}
        )
    _check_grant(by, person.institution, old.role)
    new = _new_membership(person, to_unit, old.role, effective_date)
    _end_memberships(Membership.objects.filter(pk=old.pk), effective_date)
    new.save()
    memberships_ended.send(sender=Membership, memberships=[old], by=by)
    _record(
        person,
        MovementKind.TRANSFER,
        by,
        todos=[transfer_todo(person, from_unit, to_unit)],
        from_unit=from_unit,
        to_unit=to_unit,
        role=old.role,
        effective_date=effective_date,
        order_number=order_number,
        note=note,
    )
    return new


@transaction.atomic
def change_role(
    *,
    membership: Membership,
    role: str,
    effective_date: dt.date,
    order_number: str = "",
    note: str = "",
    by=None,
) -> Membership:
    """Sferum cannot change a role: the old membership ends and a new one begins."""
    person = _lock_person(membership.person, by)
    membership = Membership.objects.select_related("unit").get(pk=membership.pk)
    if membership.role == role:
        raise RuleBroken(_("The person already has this role."))
    if membership.end_date is not None:
        raise RuleBroken(_("This membership has already ended."))
    _check_grant(by, person.institution, membership.role, role)
    unit = membership.unit
    new = _new_membership(person, unit, role, effective_date)
    _end_memberships(Membership.objects.filter(pk=membership.pk), effective_date)
    new.save()
    memberships_ended.send(sender=Membership, memberships=[membership], by=by)
    _record(
        person,
        MovementKind.ROLE_CHANGE,
        by,
        todos=[reinvite_todo(person, unit, role)],
        from_unit=unit,
        to_unit=unit,
        role=role,
        effective_date=effective_date,
        order_number=order_number,
        note=note,
    )
    return new


@transaction.atomic
def end_membership(
    *,
    membership: Membership,
    effective_date: dt.date,
    order_number: str = "",
    note: str = "",
    by=None,
) -> Movement:
    """The person leaves one unit but stays in the institution."""
    person = _lock_person(membership.person, by)
    membership = Membership.objects.select_related("unit").get(pk=membership.pk)
    if membership.end_date is not None:
        raise RuleBroken(_("This membership has already ended."))
    if membership.unit.is_staff_room and person.kind == PersonKind.STAFF:
        raise RuleBroken(_("Staff leave the staff room only by leaving the institution."))
    _check_grant(by, person.institution, membership.role)
    unit = membership.unit
    _end_memberships(Membership.objects.filter(pk=membership.pk), effective_date)
    memberships_ended.send(sender=Membership, memberships=[membership], by=by)
    return _record(
        person,
        MovementKind.UNIT_EXIT,
        by,
        todos=[remove_todo(person, unit)],
        from_unit=unit,
        role=membership.role,
        effective_date=effective_date,
        order_number=order_number,
        note=note,
    )


@transaction.atomic
def leave(
    *,
    person: Person,
    effective_date: dt.date,
    order_number: str = "",
    note: str = "",
    by=None,
) -> Movement:
    """The person leaves the institution: every membership and appointment ends."""
    person = _lock_person(person, by)
    if person.left_on is not None:
        raise RuleBroken(_("%(person)s has already left.") % {"person": person.short_name})
    memberships = list(
        Membership.objects.filter(person=person, end_date__isnull=True).select_related("unit")
    )
    _end_memberships(Membership.objects.filter(pk__in=[m.pk for m in memberships]), effective_date)
    # Leaving is a fact recorded by order: the appointment ends with it, whoever records it.
    for appointment in AdminAppointment.objects.filter(person=person, end_date__isnull=True):
        _end_appointment(
            appointment=appointment,
            by=by,
            end_date=max(effective_date, appointment.start_date),
            reason=portal_text(gettext_noop("left the institution")),
        )
    person.left_on = effective_date
    person.save(update_fields=["left_on", "updated_at"])
    movement = _record(
        person,
        MovementKind.LEAVE,
        by,
        todos=[remove_todo(person, m.unit) for m in memberships],
        effective_date=effective_date,
        order_number=order_number,
        note=note,
    )
    person_left.send(sender=Person, person=person, effective_date=effective_date, by=by)
    return movement


@transaction.atomic
def mark_joined(*, memberships: Iterable[Membership], at: dt.datetime | None = None) -> int:
    """Record that people joined their units in Sferum (the invitations app calls this)."""
    ids = [m.pk for m in memberships]
    freshness.touch(
        Membership.objects.filter(pk__in=ids).values_list("unit__institution_id", flat=True)
    )
    return Membership.objects.filter(pk__in=ids, joined_at__isnull=True).update(
        joined_at=at or timezone.now()
    )
