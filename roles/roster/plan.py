"""Planning a roster import: `plan_roster` checks the rows against the file and the database.

Every row is checked on its own (names, kind, unit, children), then `match` finds who the rows
are; the result is a `RosterPlan` (who is created, renamed, transferred, added to or ended in a
unit, who leaves and who is kept) or the bad rows (`RowError`); it never writes.
Nobody leaves unless the file is declared the complete list of its kinds (`complete`).
`roles.services.apply_roster_plan` does the writing.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from django.utils.translation import gettext as _

from .. import permissions
from ..models import (
    AdminAppointment,
    Institution,
    Membership,
    Person,
    PersonKind,
    Role,
    Unit,
    UnitKind,
)
from .columns import EXTERNAL_ID_MAX, KIND_ALIASES, NAME_RE, norm
from .match import Entry, Roster, match_people
from .names import birth_date_hash, unit_key
from .read import RosterRow
from .result import PersonPlan, PersonRef, RosterPlan, RowError, person_pk

ROLE_OF_KIND = {
    PersonKind.STAFF: Role.TEACHER,
    PersonKind.STUDENT: Role.STUDENT,
    PersonKind.PARENT: Role.PARENT,
}
STAFF_ROLES = (Role.DIRECTOR, Role.DEPUTY, Role.TEACHER)

__all__ = ["PersonPlan", "RosterPlan", "RowError", "plan_roster"]


def _unit_index(institution: Institution) -> tuple[dict[str, list[Unit]], Unit]:
    """Units by their lenient key (see names.unit_key), by name and by name with the year."""
    by_name: dict[str, list[Unit]] = defaultdict(list)
    staff_room = None
    for unit in Unit.objects.filter(institution=institution, archived_at__isnull=True):
        if unit.kind == UnitKind.STAFF_ROOM:
            staff_room = unit
            continue
        for key in {unit_key(unit.name), unit_key(str(unit))}:
            by_name[key].append(unit)
    return by_name, staff_room


def _is_name(value: str) -> bool:
    return bool(NAME_RE.match(value)) and len(value) <= 150


def _check_row(r: RosterRow, ctx: dict) -> tuple[list[str], Entry | None]:
    """The row's own problems, or what it asks for."""
    messages = list(r.problems)
    rows, existing = ctx["rows"], ctx["roster"].by_id
    if r.external_id and len(r.external_id) > EXTERNAL_ID_MAX:
        messages.append(
            _("the external id is longer than %(max)d characters") % {"max": EXTERNAL_ID_MAX}
        )
    elif r.external_id and ctx["id_counts"][r.external_id] > 1:
        others = [str(o.number) for o in rows if o.external_id == r.external_id and o is not r]
        messages.append(
            _("the external id %(id)s is repeated in rows %(rows)s")
            % {"id": r.external_id, "rows": ", ".join(others)}
        )
    if not r.problems:
        for label, value in ((_("last name"), r.last_name), (_("first name"), r.first_name)):
            if not value:
                messages.append(_("the %(field)s is empty") % {"field": label})
            elif not _is_name(value):
                messages.append(
                    _("the %(field)s «%(value)s» is not a name") % {"field": label, "value": value}
                )
        if r.patronymic and not _is_name(r.patronymic):
            messages.append(_("the patronymic «%(value)s» is not a name") % {"value": r.patronymic})
    kind = KIND_ALIASES.get(norm(r.kind_raw))
    if kind is None:
        messages.append(
            _("unknown kind «%(value)s» (expected: staff, student or parent)")
            % {"value": r.kind_raw}
        )
    department = None
    if r.department_name:
        found = {
            u.pk: u
            for u in ctx["units"].get(unit_key(r.department_name), [])
            if u.kind == UnitKind.DEPARTMENT
        }
        if not found:
            messages.append(_("unknown department «%(unit)s»") % {"unit": r.department_name})
        else:
            department = next(iter(found.values()))
    units: list[Unit] = []
    if r.unit_name:
        candidates = ctx["units"].get(unit_key(r.unit_name), [])
        candidates = list({u.pk: u for u in candidates}.values())
        if not candidates:
            messages.append(_("unknown class or department «%(unit)s»") % {"unit": r.unit_name})
        elif len(candidates) > 1:
            messages.append(
                _("«%(unit)s» matches several units; add the academic year") % {"unit": r.unit_name}
            )
        else:
            units = candidates
    if kind == PersonKind.STUDENT:
        if not r.unit_name:
            messages.append(_("a student needs a class"))
        elif units and units[0].kind != UnitKind.CLASS:
            messages.append(_("«%(unit)s» is not a class") % {"unit": r.unit_name})
    elif r.parents:
        messages.append(_("only a student's row can name parents"))
    if kind == PersonKind.PARENT:
        if not r.guardian_of:
            messages.append(_("a parent needs the external ids of their children"))
        if units and units[0].kind != UnitKind.CLASS:
            messages.append(_("«%(unit)s» is not a class") % {"unit": r.unit_name})
    if kind != PersonKind.PARENT and r.guardian_of:
        messages.append(_("only a parent can have children listed"))
    for child_id in r.guardian_of:
        child_kind = ctx["kinds_by_id"].get(child_id)
        if child_kind is None and child_id in existing:
            child_kind = existing[child_id].kind
        if child_kind is None:
            messages.append(_("no student with the external id %(id)s") % {"id": child_id})
        elif child_kind != PersonKind.STUDENT:
            messages.append(_("%(id)s is not a student") % {"id": child_id})
    for last, first, patronymic in r.parents:
        if not (_is_name(last) and _is_name(first)) or (patronymic and not _is_name(patronymic)):
            name = " ".join(p for p in (last, first, patronymic) if p)
            messages.append(_("«%(value)s» is not a parent's full name") % {"value": name})

    if department is not None and kind == PersonKind.STAFF and department not in units:
        # A teacher of the department besides their class: no invitation of its own.
        units.append(department)
    person = existing.get(r.external_id) if r.external_id else None
    if person is not None and kind is not None and person.kind != kind:
        messages.append(
            _("the person %(id)s is already recorded as «%(kind)s»")
            % {"id": r.external_id, "kind": person.get_kind_display()}
        )
    if messages:
        return messages, None
    birth = birth_date_hash(ctx["institution"].pk, r.birth_date)
    return [], Entry(row=r, kind=kind, units=units, role=ROLE_OF_KIND[kind], birth_hash=birth)


def plan_roster(
    institution: Institution, rows: list[RosterRow], *, complete: bool = False
) -> RosterPlan:
    """Validate every row against the file and the database; never writes.

    `complete`: the file is the complete list of the kinds it lists, so that the people of
    those kinds missing from it leave (the administration and the admins never do).
    """
    plan = RosterPlan(institution=institution, complete=complete)
    units_by_name, staff_room = _unit_index(institution)
    roster = Roster(institution)
    kinds_by_id: dict[str, str | None] = {}
    for r in rows:
        kinds_by_id.setdefault(r.external_id, KIND_ALIASES.get(norm(r.kind_raw)))
    ctx = {
        "institution": institution,
        "rows": rows,
        "roster": roster,
        "units": units_by_name,
        "id_counts": Counter(r.external_id for r in rows if r.external_id),
        "kinds_by_id": kinds_by_id,
    }
    entries = []
    for r in rows:
        messages, entry = _check_row(r, ctx)
        if messages:
            plan.errors.append(RowError(row=r.number, messages=messages))
        else:
            entries.append(entry)
    if plan.errors:
        return plan
    plan.people, plan.errors = match_people(roster, entries)
    if plan.errors:
        return plan

    _parents_follow_children(plan, roster)
    _changes(plan, roster, staff_room)
    _leavers(plan, roster, listed_kinds={e.kind for e in entries})
    return plan


def _parents_follow_children(plan: RosterPlan, roster: Roster) -> None:
    """Parents without a class of their own join their children's classes; the links to make."""
    for item in plan.people:
        if item.kind != PersonKind.PARENT:
            continue
        if not item.units:
            child_units: dict[int, Unit] = {}
            for child in item.children:
                units = child.units if isinstance(child, PersonPlan) else roster.classes_of(child)
                for unit in units:
                    child_units[unit.pk] = unit
            item.units = list(child_units.values())
        for child in item.children:
            child_person = child if isinstance(child, Person) else child.person
            if (
                item.person is not None
                and child_person is not None
                and (item.person.pk, child_person.pk) in roster.links
            ):
                continue
            plan.guardian_links.append((item, child))
            item.links_changed = item.person is not None


def _changes(plan: RosterPlan, roster: Roster, staff_room: Unit) -> None:
    """What changes for people already on the roster."""
    for item in plan.people:
        person = item.person
        if person is None:
            continue
        current = [m for m in roster.open[person.pk] if not item.returning]
        if item.kind == PersonKind.STUDENT:
            in_class = [m for m in current if m.role == Role.STUDENT]
            held = {m.unit_id for m in in_class}
            missing = [u for u in item.units if u.pk not in held]
            # A child may attend several classes (объединения); the file may name some of them.
            if len(missing) == 1 and len(item.units) == 1 and len(in_class) == 1:
                plan.transfers.append((item, in_class[0].unit, missing[0]))
            else:
                plan.additions += [(item, unit) for unit in missing]
            continue
        if item.kind == PersonKind.STAFF:
            # A deputy of a department holds it already, as a director holds the staff room.
            held = {(m.unit_id, item.role) for m in current if m.role in STAFF_ROLES}
        else:
            held = {(m.unit_id, m.role) for m in current}
        wanted = list(item.units)
        if item.kind == PersonKind.STAFF and not any(m.unit_id == staff_room.pk for m in current):
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
        if item.from_child_row:
            continue  # a parent named by one child's row may have other children here
        wanted_ids = {u.pk for u in wanted}
        for m in current:
            if m.role == item.role and m.unit.kind == managed_kind and m.unit_id not in wanted_ids:
                plan.endings.append((item, m))


def _leavers(plan: RosterPlan, roster: Roster, listed_kinds: set[str]) -> None:
    """Everyone of a kind the file lists, missing from it, has left: only when the file is
    declared complete. Otherwise they are only counted."""
    matched = {item.person.pk for item in plan.people if item.person is not None}
    missing = [
        p
        for p in roster.people
        if p.kind in listed_kinds and p.pk not in matched and p.left_on is None
    ]
    if not plan.complete:
        plan.absent = len(missing)
        return
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


def link_pks(links: list[tuple[PersonRef, PersonRef]]) -> list[tuple[int, int]]:
    """The (parent, student) person ids of a plan's links, once the people are written."""
    return [(person_pk(parent), person_pk(child)) for parent, child in links]
