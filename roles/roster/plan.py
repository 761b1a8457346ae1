"""Planning a roster import: `plan_roster` checks the rows against the file and the database.

It returns a `RosterPlan` (who is created, renamed, transferred, added to or ended in a unit,
who leaves and who is kept) or the bad rows (`RowError`); it never writes.
`roles.services.apply_roster_plan` does the writing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .. import permissions
from ..models import (
    AdminAppointment,
    GuardianLink,
    Institution,
    Membership,
    Person,
    PersonKind,
    Role,
    Unit,
    UnitKind,
)
from .columns import EXTERNAL_ID_MAX, KIND_ALIASES, NAME_RE, norm
from .read import RosterRow


@dataclass
class RowError:
    row: int | None
    messages: list[str]

    def as_dict(self) -> dict:
        return {"row": self.row, "messages": self.messages}


@dataclass
class PersonPlan:
    row: RosterRow
    kind: str
    person: Person | None  # None: to be created
    units: list[Unit]  # units with the role the row asks for (besides the staff room)
    role: str
    name_changed: bool = False
    returning: bool = False  # had left, comes back
    links_changed: bool = False  # an existing parent gets a new child


@dataclass
class RosterPlan:
    institution: Institution
    people: list[PersonPlan] = field(default_factory=list)
    # (person plan, from_unit, to_unit) for students who changed class
    transfers: list[tuple[PersonPlan, Unit, Unit]] = field(default_factory=list)
    # (person plan, unit) memberships to add for existing people
    additions: list[tuple[PersonPlan, Unit]] = field(default_factory=list)
    # (person plan, membership) memberships the file no longer gives (a parent's old class)
    endings: list[tuple[PersonPlan, Membership]] = field(default_factory=list)
    # people missing from the file whom an import never ends: the administration and admins
    kept: list[Person] = field(default_factory=list)
    # parent external id -> student external ids to link
    guardian_links: list[tuple[str, str]] = field(default_factory=list)
    leavers: list[Person] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def created(self) -> list[PersonPlan]:
        return [p for p in self.people if p.person is None]

    @property
    def changed(self) -> list[PersonPlan]:
        moved = (
            {id(t[0]) for t in self.transfers}
            | {id(a[0]) for a in self.additions}
            | {id(e[0]) for e in self.endings}
        )
        return [
            p
            for p in self.people
            if p.person is not None
            and (p.name_changed or p.returning or p.links_changed or id(p) in moved)
        ]

    def summary(self, samples: int = 20) -> dict:
        def describe(plan: PersonPlan) -> str:
            units = ", ".join(str(u) for u in plan.units)
            name = " ".join(x for x in (plan.row.last_name, plan.row.first_name) if x)
            return f"{plan.row.number}: {name}" + (f" — {units}" if units else "")

        created, changed = self.created, self.changed
        return {
            "rows": len(self.people),
            "created": len(created),
            "changed": len(changed),
            "ended": len(self.leavers),
            "unchanged": len(self.people) - len(created) - len(changed),
            "transfers": len(self.transfers),
            "samples": {
                "created": [describe(p) for p in created[:samples]],
                "changed": [describe(p) for p in changed[:samples]],
                "ended": [p.full_name for p in self.leavers[:samples]],
                "kept": [p.full_name for p in self.kept[:samples]],
            },
            "more": {
                "created": max(0, len(created) - samples),
                "changed": max(0, len(changed) - samples),
                "ended": max(0, len(self.leavers) - samples),
            },
            "leaver_ids": sorted(p.pk for p in self.leavers),
        }


def _unit_index(institution: Institution) -> tuple[dict[str, list[Unit]], Unit]:
    by_name: dict[str, list[Unit]] = defaultdict(list)
    staff_room = None
    for unit in Unit.objects.filter(institution=institution, archived_at__isnull=True):
        if unit.kind == UnitKind.STAFF_ROOM:
            staff_room = unit
            continue
        by_name[norm(unit.name)].append(unit)
        by_name[norm(str(unit))].append(unit)
    return by_name, staff_room


def plan_roster(institution: Institution, rows: list[RosterRow]) -> RosterPlan:
    """Validate every row against the file and the database; never writes."""
    plan = RosterPlan(institution=institution)
    units_by_name, staff_room = _unit_index(institution)
    existing = {
        p.external_id: p
        for p in Person.objects.filter(institution=institution).exclude(external_id="")
    }
    open_memberships: dict[int, list[Membership]] = defaultdict(list)
    for m in Membership.objects.filter(
        person__institution=institution, end_date__isnull=True
    ).select_related("unit"):
        open_memberships[m.person_id].append(m)

    linked = set(
        GuardianLink.objects.filter(parent__institution=institution).values_list(
            "parent__external_id", "student__external_id"
        )
    )
    id_counts = Counter(r.external_id for r in rows if r.external_id)
    kinds_by_id = {}
    for r in rows:
        kinds_by_id.setdefault(r.external_id, KIND_ALIASES.get(norm(r.kind_raw)))

    student_units: dict[str, Unit] = {}
    pending_parents: list[tuple[PersonPlan, RosterRow]] = []

    for r in rows:
        messages: list[str] = []
        if not r.external_id:
            messages.append(_("the external id is empty"))
        elif len(r.external_id) > EXTERNAL_ID_MAX:
            messages.append(
                _("the external id is longer than %(max)d characters") % {"max": EXTERNAL_ID_MAX}
            )
        elif id_counts[r.external_id] > 1:
            others = [str(o.number) for o in rows if o.external_id == r.external_id and o is not r]
            messages.append(
                _("the external id %(id)s is repeated in rows %(rows)s")
                % {"id": r.external_id, "rows": ", ".join(others)}
            )
        for label, value in ((_("last name"), r.last_name), (_("first name"), r.first_name)):
            if not value:
                messages.append(_("the %(field)s is empty") % {"field": label})
            elif not NAME_RE.match(value) or len(value) > 150:
                messages.append(
                    _("the %(field)s «%(value)s» is not a name") % {"field": label, "value": value}
                )
        if r.patronymic and (not NAME_RE.match(r.patronymic) or len(r.patronymic) > 150):
            messages.append(_("the patronymic «%(value)s» is not a name") % {"value": r.patronymic})
        kind = KIND_ALIASES.get(norm(r.kind_raw))
        if kind is None:
            messages.append(
                _("unknown kind «%(value)s» (expected: staff, student or parent)")
                % {"value": r.kind_raw}
            )
        units: list[Unit] = []
        if r.unit_name:
            candidates = units_by_name.get(norm(r.unit_name), [])
            candidates = list({u.pk: u for u in candidates}.values())
            if not candidates:
                messages.append(_("unknown class or department «%(unit)s»") % {"unit": r.unit_name})
            elif len(candidates) > 1:
                messages.append(
                    _("«%(unit)s» matches several units; add the academic year")
                    % {"unit": r.unit_name}
                )
            else:
                units = candidates
        role = {
            PersonKind.STAFF: Role.TEACHER,
            PersonKind.STUDENT: Role.STUDENT,
            PersonKind.PARENT: Role.PARENT,
        }.get(kind, "")
        if kind == PersonKind.STUDENT:
            if not r.unit_name:
                messages.append(_("a student needs a class"))
            elif units and units[0].kind != UnitKind.CLASS:
                messages.append(_("«%(unit)s» is not a class") % {"unit": r.unit_name})
        if kind == PersonKind.PARENT:
            if not r.guardian_of:
                messages.append(_("a parent needs the external ids of their children"))
            if units and units[0].kind != UnitKind.CLASS:
                messages.append(_("«%(unit)s» is not a class") % {"unit": r.unit_name})
        if kind != PersonKind.PARENT and r.guardian_of:
            messages.append(_("only a parent can have children listed"))
        for child_id in r.guardian_of:
            child_kind = kinds_by_id.get(child_id)
            if child_kind is None and child_id in existing:
                child_kind = existing[child_id].kind
            if child_kind is None:
                messages.append(_("no student with the external id %(id)s") % {"id": child_id})
            elif child_kind != PersonKind.STUDENT:
                messages.append(_("%(id)s is not a student") % {"id": child_id})

        person = existing.get(r.external_id) if r.external_id else None
        if person is not None and kind is not None and person.kind != kind:
            messages.append(
                _("the person %(id)s is already recorded as «%(kind)s»")
                % {"id": r.external_id, "kind": person.get_kind_display()}
            )
        if messages:
            plan.errors.append(RowError(row=r.number, messages=messages))
            continue

        item = PersonPlan(row=r, kind=kind, person=person, units=units, role=role)
        if kind == PersonKind.STUDENT:
            student_units[r.external_id] = units[0]
        if person is not None:
            item.name_changed = (person.last_name, person.first_name, person.patronymic) != (
                r.last_name,
                r.first_name,
                r.patronymic,
            )
            item.returning = person.left_on is not None
        plan.people.append(item)
        if kind == PersonKind.PARENT:
            pending_parents.append((item, r))

    if plan.errors:
        return plan

    # Parents without a class of their own join their children's classes.
    for item, r in pending_parents:
        if not item.units:
            child_units = {}
            for child_id in r.guardian_of:
                unit = student_units.get(child_id)
                if unit is None and child_id in existing:
                    unit = next(
                        (
                            m.unit
                            for m in open_memberships[existing[child_id].pk]
                            if m.role == Role.STUDENT
                        ),
                        None,
                    )
                if unit is not None:
                    child_units[unit.pk] = unit
            item.units = list(child_units.values())
        for child_id in r.guardian_of:
            if (r.external_id, child_id) not in linked:
                plan.guardian_links.append((r.external_id, child_id))
                item.links_changed = item.person is not None

    # What changes for people already on the roster.
    for item in plan.people:
        person = item.person
        if person is None:
            continue
        current = [m for m in open_memberships[person.pk] if not item.returning]
        if item.kind == PersonKind.STUDENT:
            in_class = [m for m in current if m.role == Role.STUDENT]
            target = item.units[0]
            # A child may attend several classes (объединения); the file names one of them.
            if any(m.unit_id == target.pk for m in in_class):
                pass
            elif len(in_class) == 1:
                plan.transfers.append((item, in_class[0].unit, target))
            else:
                plan.additions.append((item, target))
        else:
            held = {(m.unit_id, m.role) for m in current}
            wanted = list(item.units)
            if item.kind == PersonKind.STAFF and not any(
                m.unit_id == staff_room.pk for m in current
            ):
                wanted.insert(0, staff_room)
            for unit in wanted:
                if (unit.pk, item.role) not in held:
                    plan.additions.append((item, unit))
            # A parent belongs to their children's classes and a teacher to the department the
            # file names; class assignments of teachers are managed in the portal, not the file.
            managed_kind = UnitKind.CLASS if item.kind == PersonKind.PARENT else UnitKind.DEPARTMENT
            if item.kind == PersonKind.STAFF and not any(
                u.kind == UnitKind.DEPARTMENT for u in item.units
            ):
                continue
            wanted_ids = {u.pk for u in wanted}
            for m in current:
                if (
                    m.role == item.role
                    and m.unit.kind == managed_kind
                    and m.unit_id not in wanted_ids
                ):
                    plan.endings.append((item, m))

    # Everyone of a kind the file lists, missing from it, has left.
    listed_kinds = {p.kind for p in plan.people}
    listed_ids = {p.row.external_id for p in plan.people}
    missing = [
        p
        for p in existing.values()
        if p.kind in listed_kinds and p.external_id not in listed_ids and p.left_on is None
    ]
    # An import must not lock out the people who run the institution or the portal: their
    # leaving is recorded by hand.
    protected = {
        m.person_id
        for m in Membership.objects.filter(
            person__in=[p.pk for p in missing],
            end_date__isnull=True,
            role__in=permissions.ADMINISTRATION,
        )
    } | set(
        AdminAppointment.objects.filter(
            person__in=[p.pk for p in missing], end_date__isnull=True
        ).values_list("person_id", flat=True)
    )
    plan.leavers = sorted(
        (p for p in missing if p.pk not in protected), key=lambda p: (p.last_name, p.first_name)
    )
    plan.kept = sorted(
        (p for p in missing if p.pk in protected), key=lambda p: (p.last_name, p.first_name)
    )
    return plan
