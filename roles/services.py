"""Every write to the institution's structure, roster, appointments, movements and to-dos.

Business-rule failures raise `django.core.exceptions.ValidationError` with a message for the user;
views show it and nothing is written (every service that writes more than one row is atomic).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sferum_portal.celery import publish

from . import permissions
from .models import (
    AdminAppointment,
    AuditEvent,
    GuardianLink,
    Institution,
    Membership,
    Movement,
    MovementKind,
    Person,
    PersonKind,
    Role,
    RosterImport,
    RosterImportStatus,
    TodoItem,
    TodoKind,
    Unit,
    UnitKind,
    Verification,
)
from .roster import RosterFileError, RosterPlan, RowError, plan_roster, read_roster
from .signals import memberships_ended, person_left

STAFF_ROOM_NAME = "Учительская"
ROSTER_IMPORT_TASK = "roles.tasks.apply_roster_import"


# --- audit -----------------------------------------------------------------------------------


def audit(
    *,
    institution: Institution | None,
    actor,
    action: str,
    summary: str,
    obj: models.Model | None = None,
    data: dict | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        institution=institution,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        summary=summary[:500],
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        data=data or {},
    )


# --- institution and units ------------------------------------------------------------------


def current_academic_year(on: dt.date | None = None) -> str:
    """The academic year runs from 1 September: "2026/2027"."""
    on = on or timezone.localdate()
    start = on.year if on.month >= 9 else on.year - 1
    return f"{start}/{start + 1}"


@transaction.atomic
def create_institution(
    *, name: str, short_name: str = "", timezone: str = "Europe/Moscow", by=None, **extra
) -> Institution:
    """Create an institution together with its single staff room «Учительская»."""
    institution = Institution(name=name, short_name=short_name, timezone=timezone, **extra)
    institution.full_clean()
    institution.save()
    Unit.objects.create(institution=institution, kind=UnitKind.STAFF_ROOM, name=STAFF_ROOM_NAME)
    audit(
        institution=institution,
        actor=by,
        action="institution.create",
        summary=_("Institution created: %(name)s") % {"name": institution},
        obj=institution,
    )
    return institution


INSTITUTION_EDITABLE = (
    "name",
    "short_name",
    "address",
    "inn",
    "timezone",
    "usage_order_number",
    "usage_order_date",
    "usage_order_file",
)


@transaction.atomic
def update_institution(*, institution: Institution, by, **fields) -> Institution:
    unknown = set(fields) - set(INSTITUTION_EDITABLE)
    if unknown:
        raise TypeError(f"Not editable: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(institution, name, value)
    institution.full_clean()
    institution.save()
    audit(
        institution=institution,
        actor=by,
        action="institution.update",
        summary=_("Institution details changed"),
        obj=institution,
        data={"fields": sorted(fields)},
    )
    return institution


def staff_room(institution: Institution) -> Unit:
    return Unit.objects.get(institution=institution, kind=UnitKind.STAFF_ROOM)


@transaction.atomic
def create_unit(
    *,
    institution: Institution,
    kind: str,
    name: str,
    parent: Unit | None = None,
    academic_year: str = "",
    by=None,
) -> Unit:
    if kind == UnitKind.STAFF_ROOM:
        raise ValidationError(
            _("The staff room is created with the institution; there is only one.")
        )
    if kind == UnitKind.CLASS and not academic_year:
        academic_year = current_academic_year(institution.local_today())
    if kind != UnitKind.CLASS:
        academic_year = ""
    unit = Unit(
        institution=institution,
        kind=kind,
        name=name.strip(),
        parent=parent,
        academic_year=academic_year,
    )
    unit.full_clean()
    unit.save()
    audit(
        institution=institution,
        actor=by,
        action="unit.create",
        summary=_("Unit created: %(unit)s") % {"unit": unit},
        obj=unit,
    )
    return unit


@transaction.atomic
def update_unit(
    *, unit: Unit, by, name: str, parent: Unit | None = None, academic_year: str = ""
) -> Unit:
    if unit.is_archived:
        raise ValidationError(_("An archived unit cannot be changed."))
    unit.name = name.strip()
    if not unit.is_staff_room:
        unit.parent = parent
    if unit.kind == UnitKind.CLASS:
        unit.academic_year = academic_year or unit.academic_year
    unit.full_clean()
    unit.save()
    audit(
        institution=unit.institution,
        actor=by,
        action="unit.update",
        summary=_("Unit changed: %(unit)s") % {"unit": unit},
        obj=unit,
    )
    return unit


@transaction.atomic
def archive_unit(*, unit: Unit, by) -> int:
    """Archive a department or class: its memberships in force end today. Returns how many."""
    if unit.is_staff_room:
        raise ValidationError(_("The staff room cannot be archived."))
    if unit.is_archived:
        raise ValidationError(_("The unit is already archived."))
    if unit.children.filter(archived_at__isnull=True).exists():
        raise ValidationError(_("Archive or move its nested units first."))
    today = unit.institution.local_today()
    open_memberships = list(
        Membership.objects.select_for_update()
        .filter(unit=unit, end_date__isnull=True)
        .select_related("person")
    )
    ended = _end_memberships(
        Membership.objects.filter(pk__in=[m.pk for m in open_memberships]), today
    )
    # The journal shows every exit, written in one go however large the class.
    Movement.objects.bulk_create(
        [
            Movement(
                institution=unit.institution,
                person=m.person,
                kind=MovementKind.UNIT_EXIT,
                from_unit=unit,
                role=m.role,
                effective_date=max(today, m.start_date),
                note=portal_text(gettext_noop("the unit was archived")),
                recorded_by=by,
            )
            for m in open_memberships
        ],
        batch_size=1000,
    )
    unit.archived_at = timezone.now()
    unit.save(update_fields=["archived_at"])
    memberships_ended.send(sender=Membership, memberships=open_memberships, by=by)
    if open_memberships:
        create_todo(
            institution=unit.institution,
            kind=TodoKind.REMOVE,
            title=portal_text(
                gettext_noop("Archive «%(unit)s» in Sferum and remove its participants"), unit=unit
            ),
            unit=unit,
        )
    audit(
        institution=unit.institution,
        actor=by,
        action="unit.archive",
        summary=_("Unit archived: %(unit)s") % {"unit": unit},
        obj=unit,
        data={"memberships_ended": ended},
    )
    return ended


def _end_memberships(queryset, end_date: dt.date) -> int:
    """End memberships on a date, never before their own start (the database forbids that)."""
    later = queryset.filter(start_date__lte=end_date).update(end_date=end_date)
    # A membership that had not started yet simply never happens.
    not_started = queryset.filter(end_date__isnull=True, start_date__gt=end_date).update(
        end_date=models.F("start_date")
    )
    return later + not_started


# --- people -----------------------------------------------------------------------------------


def _clean_person(person: Person) -> None:
    if person.kind == PersonKind.STUDENT and person.email:
        raise ValidationError({"email": _("No e-mail address is kept for students.")})
    person.full_clean()


@transaction.atomic
def create_person(
    *,
    institution: Institution,
    last_name: str,
    first_name: str,
    kind: str,
    patronymic: str = "",
    external_id: str = "",
    email: str = "",
    user=None,
    by=None,
) -> Person:
    person = Person(
        institution=institution,
        last_name=last_name.strip(),
        first_name=first_name.strip(),
        patronymic=patronymic.strip(),
        kind=kind,
        external_id=external_id.strip(),
        email=email.strip(),
        user=user,
    )
    _clean_person(person)
    person.save()
    audit(
        institution=institution,
        actor=by,
        action="person.create",
        summary=_("Person added: %(person)s") % {"person": person.short_name},
        obj=person,
    )
    return person


PERSON_EDITABLE = ("last_name", "first_name", "patronymic", "external_id", "email", "user")


@transaction.atomic
def update_person(*, person: Person, by, **fields) -> Person:
    unknown = set(fields) - set(PERSON_EDITABLE)
    if unknown:
        raise TypeError(f"Not editable: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(person, name, value.strip() if isinstance(value, str) else value)
    _clean_person(person)
    person.save()
    audit(
        institution=person.institution,
        actor=by,
        action="person.update",
        summary=_("Person changed: %(person)s") % {"person": person.short_name},
        obj=person,
        data={"fields": sorted(fields)},
    )
    return person


def link_guardian(*, parent: Person, student: Person, by=None) -> GuardianLink:
    if parent.kind != PersonKind.PARENT or student.kind != PersonKind.STUDENT:
        raise ValidationError(_("A guardian link joins a parent to a student."))
    if parent.institution_id != student.institution_id:
        raise ValidationError(_("The parent and the student belong to different institutions."))
    link, created = GuardianLink.objects.get_or_create(parent=parent, student=student)
    if created:
        audit(
            institution=parent.institution,
            actor=by,
            action="person.guardian_link",
            summary=_("%(parent)s is recorded as a parent of %(student)s")
            % {"parent": parent.short_name, "student": student.short_name},
            obj=link,
        )
    return link


# --- to-do list -------------------------------------------------------------------------------


def portal_text(message: str, **params) -> str:
    """Stored text (a to-do's title) is in the portal's language, not in the request's."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(message) % {k: str(v) for k, v in params.items()}


def create_todo(
    *,
    institution: Institution,
    kind: str,
    title: str,
    person: Person | None = None,
    unit: Unit | None = None,
    movement: Movement | None = None,
) -> TodoItem:
    """Other apps add their manual Sferum steps here too (e.g. publishing a post)."""
    return TodoItem.objects.create(
        institution=institution,
        kind=kind,
        title=title[:500],
        person=person,
        unit=unit,
        movement=movement,
    )


@transaction.atomic
def complete_todo(*, todo: TodoItem, by) -> TodoItem:
    todo = TodoItem.objects.select_for_update().get(pk=todo.pk)
    if todo.done_at is None:
        todo.done_at = timezone.now()
        todo.done_by = by
        todo.save(update_fields=["done_at", "done_by"])
        audit(
            institution=todo.institution,
            actor=by,
            action="todo.done",
            summary=_("Done in Sferum: %(title)s") % {"title": todo.title},
            obj=todo,
        )
    return todo


@transaction.atomic
def reopen_todo(*, todo: TodoItem, by) -> TodoItem:
    todo = TodoItem.objects.select_for_update().get(pk=todo.pk)
    if todo.done_at is not None:
        todo.done_at = None
        todo.done_by = None
        todo.save(update_fields=["done_at", "done_by"])
        audit(
            institution=todo.institution,
            actor=by,
            action="todo.reopen",
            summary=_("Reopened: %(title)s") % {"title": todo.title},
            obj=todo,
        )
    return todo


# --- movement journal -------------------------------------------------------------------------
# A movement needs a manual step in Sferum only when the person had already joined the unit
# there: enrolment needs none (the portal's invitation links do that work).


def remove_todo(person: Person, unit: Unit) -> TodoItem:
    title = portal_text(
        gettext_noop("Remove %(person)s from «%(unit)s» in Sferum"),
        person=person.short_name,
        unit=unit,
    )
    return TodoItem(
        institution_id=person.institution_id,
        kind=TodoKind.REMOVE,
        title=title,
        person=person,
        unit=unit,
    )


def transfer_todo(person: Person, from_unit: Unit, to_unit: Unit) -> TodoItem:
    title = portal_text(
        gettext_noop(
            "Remove %(person)s from «%(from)s» in Sferum and send an invitation to «%(to)s»"
        ),
        person=person.short_name,
        **{"from": from_unit, "to": to_unit},
    )
    return TodoItem(
        institution_id=person.institution_id,
        kind=TodoKind.REINVITE,
        title=title,
        person=person,
        unit=to_unit,
    )


def reinvite_todo(person: Person, unit: Unit, role: str) -> TodoItem:
    title = portal_text(
        gettext_noop(
            "Sferum cannot change a role: remove %(person)s from «%(unit)s» and invite again "
            "as %(role)s"
        ),
        person=person.short_name,
        unit=unit,
        role=_role_label(role),
    )
    return TodoItem(
        institution_id=person.institution_id,
        kind=TodoKind.REINVITE,
        title=title,
        person=person,
        unit=unit,
    )


def _role_label(role: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(Role(role).label)


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


def _check_unit_open(unit: Unit, person: Person) -> None:
    if unit.institution_id != person.institution_id:
        raise ValidationError(_("The person and the unit belong to different institutions."))
    if unit.is_archived:
        raise ValidationError(_("The unit «%(unit)s» is archived.") % {"unit": unit})


def _lock_person(person: Person, by) -> Person:
    """Serialise movements of one person (two admins at once) and check who may record them."""
    locked = Person.objects.select_for_update().select_related("institution").get(pk=person.pk)
    if not permissions.can_change_person(by, locked):
        raise ValidationError(
            _("Only the director records the movement of the director and the deputies.")
        )
    return locked


def _check_grant(by, institution: Institution, *roles: str) -> None:
    for role in roles:
        if not permissions.can_grant_role(by, institution, role):
            raise ValidationError(
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
        raise ValidationError(
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
        raise ValidationError(_("The person is already in this unit."))
    if from_unit.kind != to_unit.kind:
        raise ValidationError(_("A transfer is between units of the same kind."))
    person = _lock_person(person, by)
    _check_unit_open(to_unit, person)
    old = Membership.objects.filter(person=person, unit=from_unit, end_date__isnull=True).first()
    if old is None:
        raise ValidationError(
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
        raise ValidationError(_("The person already has this role."))
    if membership.end_date is not None:
        raise ValidationError(_("This membership has already ended."))
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
        raise ValidationError(_("This membership has already ended."))
    if membership.unit.is_staff_room and person.kind == PersonKind.STAFF:
        raise ValidationError(_("Staff leave the staff room only by leaving the institution."))
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
        raise ValidationError(_("%(person)s has already left.") % {"person": person.short_name})
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
    return Membership.objects.filter(pk__in=ids, joined_at__isnull=True).update(
        joined_at=at or timezone.now()
    )


# --- teacher verification ---------------------------------------------------------------------


@transaction.atomic
def decide_teacher_verification(*, person: Person, by, approve: bool, note: str = "") -> int:
    """Record Sferum's «учитель» status decision on all the person's teacher memberships."""
    if not approve and not note.strip():
        raise ValidationError(_("Give the reason for the rejection."))
    updated = Membership.objects.filter(
        person=person, role=Role.TEACHER, end_date__isnull=True
    ).update(
        verification=Verification.VERIFIED if approve else Verification.REJECTED,
        verified_by=by,
        verified_at=timezone.now(),
        verification_note=note.strip(),
    )
    if not updated:
        raise ValidationError(
            _("%(person)s has no teacher membership in force.") % {"person": person.short_name}
        )
    audit(
        institution=person.institution,
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


# --- administrator appointments ---------------------------------------------------------------


@transaction.atomic
def appoint_admin(
    *,
    institution: Institution,
    person: Person,
    order_number: str,
    order_date: dt.date,
    by,
    start_date: dt.date | None = None,
) -> AdminAppointment:
    """Record an admin's appointment by order.

    The director (or a superuser) appoints any member of the staff room; an admin may appoint
    additional admins only among verified teachers of the staff room.
    """
    if person.institution_id != institution.pk:
        raise ValidationError(_("The person belongs to another institution."))
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.kind != PersonKind.STAFF or person.has_left:
        raise ValidationError(_("Only a current staff member can be an administrator."))
    if not order_number.strip():
        raise ValidationError(_("Give the number of the order."))
    by_director = permissions.is_director(by, institution)
    if not by_director and Role.ADMIN not in permissions.roles_of(by, institution):
        raise ValidationError(
            _("Only the director or an administrator can appoint administrators.")
        )
    in_staff_room = (
        Membership.objects.active(institution.local_today())
        .filter(person=person, unit__kind=UnitKind.STAFF_ROOM)
        .exists()
    )
    if not in_staff_room:
        raise ValidationError(
            _("%(person)s is not a member of the staff room.") % {"person": person.short_name}
        )
    if not by_director and not is_verified_teacher_in_staff_room(person):
        raise ValidationError(
            _("An additional administrator must be a verified teacher of the staff room.")
        )
    if AdminAppointment.objects.filter(person=person, end_date__isnull=True).exists():
        raise ValidationError(
            _("%(person)s is already an administrator.") % {"person": person.short_name}
        )
    is_additional = AdminAppointment.objects.filter(
        institution=institution, end_date__isnull=True
    ).exists()
    appointment = AdminAppointment(
        institution=institution,
        person=person,
        order_number=order_number.strip(),
        order_date=order_date,
        start_date=start_date or institution.local_today(),
        is_additional=is_additional,
        appointed_by=by,
    )
    appointment.full_clean(validate_constraints=False)
    appointment.save()
    audit(
        institution=institution,
        actor=by,
        action="appointment.create",
        summary=_("%(person)s appointed administrator by order № %(number)s of %(date)s")
        % {"person": person.short_name, "number": appointment.order_number, "date": order_date},
        obj=appointment,
    )
    return appointment


@transaction.atomic
def end_appointment(
    *, appointment: AdminAppointment, by, end_date: dt.date | None = None, reason: str = ""
) -> AdminAppointment:
    """Relieve an administrator: the main one by the director, additional ones by any admin."""
    if not permissions.can_end_appointment(by, appointment):
        raise ValidationError(_("Only the director relieves the main administrator."))
    return _end_appointment(appointment=appointment, by=by, end_date=end_date, reason=reason)


def _end_appointment(
    *, appointment: AdminAppointment, by, end_date: dt.date | None, reason: str
) -> AdminAppointment:
    appointment = AdminAppointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.end_date is not None:
        raise ValidationError(_("This appointment has already ended."))
    end_date = end_date or appointment.institution.local_today()
    if end_date < appointment.start_date:
        raise ValidationError(_("The end date is before the start date."))
    appointment.end_date = end_date
    appointment.ended_by = by
    appointment.end_reason = reason.strip()
    appointment.save(update_fields=["end_date", "ended_by", "end_reason"])
    audit(
        institution=appointment.institution,
        actor=by,
        action="appointment.end",
        summary=_("Administrator appointment ended: %(person)s")
        % {"person": appointment.person.short_name},
        obj=appointment,
        data={"reason": appointment.end_reason},
    )
    return appointment


# --- roster import ----------------------------------------------------------------------------


@transaction.atomic
def apply_roster_plan(
    *,
    plan: RosterPlan,
    by,
    effective_date: dt.date | None = None,
    order_number: str = "",
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Write a valid plan in one transaction: all of it or, on any error, nothing.

    New people are written in bulk; the few changes to people already on the roster go through
    the same movement services as a change recorded by hand, with their to-dos.
    """
    if not plan.is_valid:
        raise ValidationError(_("The roster has errors; nothing was imported."))
    institution = plan.institution
    on = effective_date or institution.local_today()
    note = portal_text(gettext_noop("roster import"))
    summary = plan.summary()
    created = plan.created
    new_people = [
        Person(
            institution=institution,
            last_name=item.row.last_name,
            first_name=item.row.first_name,
            patronymic=item.row.patronymic,
            kind=item.kind,
            external_id=item.row.external_id,
        )
        for item in created
    ]
    for person in new_people:
        person.update_search_key()
    Person.objects.bulk_create(new_people, batch_size=1000)
    the_staff_room = staff_room(institution)
    memberships, movements = [], []
    for done, (item, person) in enumerate(zip(created, new_people, strict=True), start=1):
        item.person = person
        units = ([the_staff_room] if item.kind == PersonKind.STAFF else []) + item.units
        for unit in units:
            memberships.append(
                Membership(
                    person=person,
                    unit=unit,
                    role=item.role,
                    start_date=on,
                    verification=initial_verification(None, item.role),
                )
            )
            movements.append(
                Movement(
                    institution=institution,
                    person=person,
                    kind=MovementKind.ENROL,
                    to_unit=unit,
                    role=item.role,
                    effective_date=on,
                    order_number=order_number,
                    note=note,
                    recorded_by=by,
                )
            )
        if progress and done % 1000 == 0:
            progress(done)
    Membership.objects.bulk_create(memberships, batch_size=1000)
    Movement.objects.bulk_create(movements, batch_size=1000)

    renamed = [item.person for item in plan.people if item.person and item.name_changed]
    for item in plan.people:
        if item.person is not None and item.name_changed:
            item.person.last_name = item.row.last_name
            item.person.first_name = item.row.first_name
            item.person.patronymic = item.row.patronymic
            item.person.update_search_key()
    Person.objects.bulk_update(
        renamed, ["last_name", "first_name", "patronymic", "search_key"], batch_size=1000
    )

    for item, from_unit, to_unit in plan.transfers:
        transfer(
            person=item.person,
            from_unit=from_unit,
            to_unit=to_unit,
            effective_date=on,
            order_number=order_number,
            note=note,
            by=by,
        )
    for item, unit in plan.additions:
        enrol(
            person=item.person,
            unit=unit,
            role=item.role,
            effective_date=on,
            order_number=order_number,
            note=note,
            by=by,
        )
    for _item, membership in plan.endings:
        end_membership(
            membership=membership, effective_date=on, order_number=order_number, note=note, by=by
        )
    for person in plan.leavers:
        leave(person=person, effective_date=on, order_number=order_number, note=note, by=by)

    if plan.guardian_links:
        ids = {item.row.external_id: item.person.pk for item in plan.people}
        missing = {e for pair in plan.guardian_links for e in pair if e not in ids}
        if missing:
            ids.update(
                Person.objects.filter(institution=institution, external_id__in=missing).values_list(
                    "external_id", "pk"
                )
            )
        GuardianLink.objects.bulk_create(
            [GuardianLink(parent_id=ids[p], student_id=ids[s]) for p, s in plan.guardian_links],
            batch_size=1000,
            ignore_conflicts=True,
        )
    if progress:
        progress(len(plan.people))
    audit(
        institution=institution,
        actor=by,
        action="roster.import",
        summary=_("Roster imported: %(created)d added, %(changed)d changed, %(ended)d left")
        % summary,
        data={k: summary[k] for k in ("rows", "created", "changed", "ended", "unchanged")},
    )
    return summary


def _progress_key(import_id: int) -> str:
    return f"roster-import:{import_id}:done"


def roster_import_progress(roster_import: RosterImport) -> int:
    """Rows written so far: kept in the cache, since the import's own transaction hides them."""
    if roster_import.status == RosterImportStatus.QUEUED:
        return cache.get(_progress_key(roster_import.pk), 0)
    return roster_import.rows_done


def preview_roster_import(
    *, institution: Institution, data: bytes, filename: str, by
) -> RosterImport:
    """Check an uploaded roster and keep the preview; an invalid file is not stored at all."""
    roster_import = RosterImport(
        institution=institution,
        uploaded_by=by,
        original_name=filename[:255],
        status=RosterImportStatus.PREVIEW,
    )
    try:
        plan = plan_roster(institution, read_roster(data, filename))
    except RosterFileError as exc:
        roster_import.status = RosterImportStatus.INVALID
        roster_import.errors = [RowError(row=None, messages=[str(exc)]).as_dict()]
    else:
        roster_import.rows_total = len(plan.people) + len(plan.errors)
        if plan.errors:
            roster_import.status = RosterImportStatus.INVALID
            roster_import.errors = [e.as_dict() for e in plan.errors]
        else:
            roster_import.summary = plan.summary()
            roster_import.file.save(filename, ContentFile(data), save=False)
    roster_import.save()
    audit(
        institution=institution,
        actor=by,
        action="roster.upload",
        summary=_("Roster file checked: %(name)s") % {"name": roster_import.original_name},
        obj=roster_import,
        data={"status": roster_import.status, "errors": len(roster_import.errors)},
    )
    return roster_import


@transaction.atomic
def start_roster_import(
    *, roster_import: RosterImport, by, confirm_leavers: bool = False
) -> RosterImport:
    """Queue a previewed import; a second click does not import twice.

    People the preview showed as leaving leave only with the administrator's explicit
    confirmation, and only those: the import refuses to run if more would leave by then.
    """
    roster_import = RosterImport.objects.select_for_update().get(pk=roster_import.pk)
    if roster_import.status != RosterImportStatus.PREVIEW:
        raise ValidationError(_("This file has already been imported or rejected."))
    if not roster_import.file:
        raise ValidationError(_("The uploaded file has been deleted; upload it again."))
    leavers = roster_import.summary.get("leaver_ids", [])
    if leavers and not confirm_leavers:
        raise ValidationError(
            _("Confirm that the people missing from the file are recorded as having left.")
        )
    roster_import.confirmed_leavers = leavers
    roster_import.status = RosterImportStatus.QUEUED
    roster_import.queued_at = timezone.now()
    roster_import.save(update_fields=["status", "confirmed_leavers", "queued_at"])
    pk = roster_import.pk
    # With the broker down the import stays queued and redispatch_queued_imports sends it later.
    transaction.on_commit(lambda: publish(ROSTER_IMPORT_TASK, pk))
    return roster_import


def redispatch_queued_imports(*, older_than: dt.timedelta | None = None) -> int:
    """Send again the jobs of imports queued for longer than `older_than` and not running now.

    A job is lost when the broker was down at the moment of confirming (or lost its queue).
    Sending one twice is harmless: run_roster_import locks the row and applies a queued import
    only once. Returns how many were sent.
    """
    if older_than is None:
        older_than = dt.timedelta(minutes=settings.JOB_REDISPATCH_AFTER_MINUTES)
    with transaction.atomic():
        # A running import holds its row's lock for the whole import: skip those.
        waiting = list(
            RosterImport.objects.select_for_update(skip_locked=True)
            .filter(status=RosterImportStatus.QUEUED, queued_at__lte=timezone.now() - older_than)
            .values_list("pk", flat=True)
        )
    return sum(publish(ROSTER_IMPORT_TASK, pk) for pk in waiting)


def run_roster_import(*, import_id: int) -> RosterImport:
    """Apply a queued import (the Celery task's body).

    The database may have changed since the preview, so the file is checked again and rejected
    whole if it no longer fits. The import row stays locked in the import's own transaction: a
    worker killed half-way leaves nothing written and the import still queued, so the broker's
    redelivery runs it again, and a duplicate delivery waits and then finds it done.
    """
    try:
        with transaction.atomic():
            roster_import = RosterImport.objects.select_for_update().get(pk=import_id)
            if roster_import.status != RosterImportStatus.QUEUED:
                return roster_import
            with roster_import.file.open("rb") as fh:
                data = fh.read()
            plan = plan_roster(
                roster_import.institution, read_roster(data, roster_import.original_name)
            )
            unconfirmed = {p.pk for p in plan.leavers} - set(roster_import.confirmed_leavers)
            if plan.errors:
                roster_import.status = RosterImportStatus.INVALID
                roster_import.errors = [e.as_dict() for e in plan.errors]
            elif unconfirmed:
                roster_import.status = RosterImportStatus.INVALID
                roster_import.errors = [
                    RowError(
                        row=None,
                        messages=[
                            _(
                                "The roster changed since the preview: more people would leave "
                                "than you confirmed. Upload the file again and check it."
                            )
                        ],
                    ).as_dict()
                ]
            else:
                key = _progress_key(roster_import.pk)
                roster_import.summary = apply_roster_plan(
                    plan=plan,
                    by=roster_import.uploaded_by,
                    progress=lambda n: cache.set(key, n, 3600),
                )
                roster_import.status = RosterImportStatus.DONE
                roster_import.rows_done = roster_import.rows_total
            roster_import.finished_at = timezone.now()
            roster_import.save(
                update_fields=["status", "errors", "summary", "rows_done", "finished_at"]
            )
    except RosterFileError as exc:
        _finish_unapplied(import_id, RosterImportStatus.INVALID, str(exc))
    except Exception as exc:
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        _finish_unapplied(import_id, RosterImportStatus.FAILED, message[:500])
        _discard_roster_file(RosterImport.objects.get(pk=import_id))
        raise
    roster_import = RosterImport.objects.get(pk=import_id)
    _discard_roster_file(roster_import)
    return roster_import


def _finish_unapplied(import_id: int, status: str, message: str) -> None:
    RosterImport.objects.filter(pk=import_id).update(
        status=status,
        errors=[RowError(row=None, messages=[message]).as_dict()],
        finished_at=timezone.now(),
    )


def _discard_roster_file(roster_import: RosterImport) -> None:
    # The file holds minors' names: once applied or rejected it is no longer needed.
    if roster_import.file and roster_import.status != RosterImportStatus.PREVIEW:
        roster_import.file.delete(save=False)
        RosterImport.objects.filter(pk=roster_import.pk).update(file="")


def purge_roster_files(*, older_than_days: int | None = None) -> int:
    """Delete stored files of previews never confirmed. Returns how many."""
    days = settings.ROSTER_FILE_RETENTION_DAYS if older_than_days is None else older_than_days
    cutoff = timezone.now() - dt.timedelta(days=days)
    stale = list(
        RosterImport.objects.filter(
            created_at__lt=cutoff, status=RosterImportStatus.PREVIEW
        ).exclude(file="")
    )
    for roster_import in stale:
        roster_import.file.delete(save=False)
    RosterImport.objects.filter(pk__in=[r.pk for r in stale]).update(file="")
    return len(stale)
