"""The institution's structure: the institution, its units and its single staff room.

- `create_institution` (with its staff room «Учительская»), `update_institution`
  (`INSTITUTION_EDITABLE`), `staff_room`, `current_academic_year`;
- `create_unit`, `update_unit`, `archive_unit` (its memberships in force end, with a to-do).
People and their memberships are `people` and `movement`.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sferum_portal.editing import assign_fields

from ..errors import RuleBroken
from ..models import Institution, Membership, Movement, MovementKind, TodoKind, Unit, UnitKind
from ..signals import memberships_ended
from .audit import audit
from .movement import _end_memberships
from .todos import create_todo, portal_text

STAFF_ROOM_NAME = "Учительская"


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
    changed = assign_fields(institution, fields, INSTITUTION_EDITABLE)
    institution.full_clean()
    institution.save()
    audit(
        institution=institution,
        actor=by,
        action="institution.update",
        summary=_("Institution details changed"),
        obj=institution,
        data={"fields": changed},
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
        raise RuleBroken(_("The staff room is created with the institution; there is only one."))
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
        raise RuleBroken(_("An archived unit cannot be changed."))
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
        raise RuleBroken(_("The staff room cannot be archived."))
    if unit.is_archived:
        raise RuleBroken(_("The unit is already archived."))
    if unit.children.filter(archived_at__isnull=True).exists():
        raise RuleBroken(_("Archive or move its nested units first."))
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
