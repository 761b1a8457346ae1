"""Administrator appointments by order: `appoint_admin`, `end_appointment`.

The director appoints any member of the staff room; an admin adds admins among verified teachers
(`verification.is_verified_teacher_in_staff_room`); the main administrator is relieved by the
director only (`roles.permissions.can_end_appointment`). Leaving the institution ends an
appointment too (`movement.leave` calls `_end_appointment`).
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import transaction
from django.utils.translation import gettext as _

from .. import permissions
from ..errors import NotAllowed, RuleBroken
from ..models import AdminAppointment, Institution, Membership, Person, PersonKind, Role, UnitKind
from .audit import audit
from .verification import is_verified_teacher_in_staff_room


@transaction.atomic
def appoint_admin(
    *,
    institution: Institution,
    person: Person,
    order_number: str,
    order_date: dt.date,
    by,
    start_date: dt.date | None = None,
    order_file=None,
    contact_phone: str = "",
) -> AdminAppointment:
    """Record an admin's appointment by order.

    The director (or a superuser) appoints any member of the staff room; an admin may appoint
    additional admins only among verified teachers of the staff room. The appointment starts on
    the order's date or later. `order_file` (checked by the form: `roles.documents`) and
    `contact_phone` (personal data, kept only if given) go into the registration application.
    """
    if person.institution_id != institution.pk:
        raise RuleBroken(_("The person belongs to another institution."))
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.kind != PersonKind.STAFF or person.has_left:
        raise RuleBroken(_("Only a current staff member can be an administrator."))
    if not order_number.strip():
        raise RuleBroken(_("Give the number of the order."))
    by_director = permissions.is_director(by, institution)
    if not by_director and Role.ADMIN not in permissions.roles_of(by, institution):
        raise NotAllowed(_("Only the director or an administrator can appoint administrators."))
    in_staff_room = (
        Membership.objects.active(institution.local_today())
        .filter(person=person, unit__kind=UnitKind.STAFF_ROOM)
        .exists()
    )
    if not in_staff_room:
        raise RuleBroken(
            _("%(person)s is not a member of the staff room.") % {"person": person.short_name}
        )
    if not by_director and not is_verified_teacher_in_staff_room(person):
        raise RuleBroken(
            _("An additional administrator must be a verified teacher of the staff room.")
        )
    if AdminAppointment.objects.filter(person=person, end_date__isnull=True).exists():
        raise RuleBroken(
            _("%(person)s is already an administrator.") % {"person": person.short_name}
        )
    start_date = start_date or institution.local_today()
    if start_date < order_date:
        raise RuleBroken(
            {"start_date": _("The appointment cannot start before the date of its order.")}
        )
    is_additional = AdminAppointment.objects.filter(
        institution=institution, end_date__isnull=True
    ).exists()
    appointment = AdminAppointment(
        institution=institution,
        person=person,
        order_number=order_number.strip(),
        order_date=order_date,
        start_date=start_date,
        is_additional=is_additional,
        appointed_by=by,
        contact_phone=clean_phone(contact_phone),
    )
    if order_file:
        appointment.order_file = order_file
    appointment.full_clean(validate_constraints=False)
    appointment.save()
    audit(
        institution=institution,
        actor=by,
        action="appointment.create",
        summary=_("%(person)s appointed administrator by order № %(number)s of %(date)s")
        % {
            "person": person.short_name,
            "number": appointment.order_number,
            "date": f"{appointment.order_date:%d.%m.%Y}",
        },
        obj=appointment,
    )
    return appointment


PHONE = re.compile(r"^\+?[0-9 ()\-]{10,20}$")


def clean_phone(phone: str) -> str:
    """A mobile phone as typed (+7 900 000-00-00), or a refusal that names the field."""
    phone = " ".join((phone or "").split())
    if phone and (not PHONE.match(phone) or sum(c.isdigit() for c in phone) < 10):
        raise RuleBroken({"contact_phone": _("Enter the phone as +7 900 000-00-00.")})
    return phone


KEEP = object()


@transaction.atomic
def update_appointment_details(
    *, appointment: AdminAppointment, by, order_file=KEEP, contact_phone: str | None = None
) -> AdminAppointment:
    """Attach (or replace, or remove with `None`) the order's file and keep (or clear with "")
    the admin's contact phone for the registration application. The phone is personal data:
    the audit log records that it changed, never the number."""
    if not permissions.can(by, "appointment.manage", appointment.institution):
        raise NotAllowed(_("Only the director or an administrator changes the appointments."))
    appointment = AdminAppointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.end_date is not None:
        raise RuleBroken(_("This appointment has already ended."))
    changed = []
    if order_file is not KEEP:
        if order_file:
            appointment.order_file = order_file
        else:
            appointment.order_file = ""
        changed.append("order_file")
    if contact_phone is not None:
        phone = clean_phone(contact_phone)
        if phone != appointment.contact_phone:
            appointment.contact_phone = phone
            changed.append("contact_phone")
    if changed:
        appointment.save(update_fields=changed)
        audit(
            institution=appointment.institution,
            actor=by,
            action="appointment.update",
            summary=_("Appointment details changed: %(person)s")
            % {"person": appointment.person.short_name},
            obj=appointment,
            data={"fields": changed},
        )
    return appointment


@transaction.atomic
def end_appointment(
    *, appointment: AdminAppointment, by, end_date: dt.date | None = None, reason: str = ""
) -> AdminAppointment:
    """Relieve an administrator: the main one by the director, additional ones by any admin."""
    if not permissions.can_end_appointment(by, appointment):
        raise NotAllowed(_("Only the director relieves the main administrator."))
    return _end_appointment(appointment=appointment, by=by, end_date=end_date, reason=reason)


def _end_appointment(
    *, appointment: AdminAppointment, by, end_date: dt.date | None, reason: str
) -> AdminAppointment:
    appointment = AdminAppointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.end_date is not None:
        raise RuleBroken(_("This appointment has already ended."))
    end_date = end_date or appointment.institution.local_today()
    if end_date < appointment.start_date:
        raise RuleBroken(_("The end date is before the start date."))
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
