"""Who the rows of a file are: `match_people` groups the rows into people and finds each of them
on the roster, or reports the rows it cannot tell apart.

A row with an external id is the person with that id. Otherwise people are matched by their
normalised name (ё = е, case, spaces) within their kind; where several people of the roster
carry the name, a birth date the file gives (compared as keyed hashes), the patronymic, a
parent's children, the unit and being still on the roster tell them apart. Rows of one name and
birth date are one person (a child in two groups); rows of one name that nothing tells apart,
and people of the roster that nothing tells apart, are reported with their rows, never merged
silently. Parents named in a child's row («ФИО родителя») become people of their own, linked to
that child. Nothing here writes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ..models import GuardianLink, Institution, Membership, Person, PersonKind, Role, Unit
from .names import name_key
from .read import RosterRow
from .result import PersonPlan, RowError


@dataclass
class Entry:
    """A row that passed the row checks, with what they found."""

    row: RosterRow
    kind: str
    units: list[Unit]
    role: str
    birth_hash: str


@dataclass(eq=False)
class Identity:
    """One person of the file: their rows, and whom they are on the roster."""

    kind: str
    rows: list[RosterRow]
    units: list[Unit]
    role: str
    birth_hash: str = ""
    # Children of a parent: people of the file or of the roster.
    children: list[PersonPlan | Person] = field(default_factory=list)
    from_child_row: bool = False
    plan: PersonPlan | None = None

    @property
    def row(self) -> RosterRow:
        return self.rows[0]


class Roster:
    """The institution's people, memberships and guardian links, as the matcher looks them up."""

    def __init__(self, institution: Institution):
        self.people = list(Person.objects.filter(institution=institution))
        self.by_id = {p.external_id: p for p in self.people if p.external_id}
        self.by_name: dict[tuple, list[Person]] = defaultdict(list)
        for p in self.people:
            self.by_name[(p.kind, name_key(p.last_name), name_key(p.first_name))].append(p)
        self.open: dict[int, list[Membership]] = defaultdict(list)
        for m in Membership.objects.filter(
            person__institution=institution, end_date__isnull=True
        ).select_related("unit"):
            self.open[m.person_id].append(m)
        self.links = set(
            GuardianLink.objects.filter(parent__institution=institution).values_list(
                "parent_id", "student_id"
            )
        )

    def classes_of(self, person: Person) -> list[Unit]:
        return [m.unit for m in self.open[person.pk] if m.role == Role.STUDENT]


def _full_key(row: RosterRow) -> tuple[str, str, str]:
    return name_key(row.last_name), name_key(row.first_name), name_key(row.patronymic)


def _shown(row: RosterRow) -> str:
    return " ".join(p for p in (row.last_name, row.first_name, row.patronymic) if p)


def _numbers(identities: list[Identity]) -> str:
    return ", ".join(str(n) for n in sorted({r.number for i in identities for r in i.rows}))


def _person_plan(identity: Identity, person: Person | None) -> PersonPlan:
    row = identity.row
    plan = PersonPlan(
        row=row,
        kind=identity.kind,
        person=person,
        units=identity.units,
        role=identity.role,
        birth_hash=identity.birth_hash,
        rows=identity.rows,
        from_child_row=identity.from_child_row,
        children=identity.children,
    )
    if person is not None:
        # «Ковалев» for «Ковалёв» or «ИВАНОВ» for «Иванов» changes nothing; an empty patronymic
        # erases none.
        patronymic = row.patronymic or person.patronymic
        recorded = (person.last_name, person.first_name, person.patronymic)
        given = (row.last_name, row.first_name, patronymic)
        plan.name_changed = [name_key(p) for p in recorded] != [name_key(p) for p in given]
        plan.returning = person.left_on is not None
        plan.id_assigned = bool(row.external_id) and not person.external_id
    identity.plan = plan
    return plan


def _group(entries: list[Entry]) -> tuple[list[Identity], list[RowError]]:
    """Rows into people: one per external id; one per name and birth date; one per name and
    unit when the file gives no birth date (two such rows are namesakes nothing tells apart)."""
    groups: dict[tuple, Identity] = {}
    for entry in entries:
        row = entry.row
        if row.external_id:
            key: tuple = ("id", row.external_id)
        elif entry.birth_hash:
            key = ("born", entry.kind, _full_key(row), entry.birth_hash)
        else:
            units = tuple(sorted(u.pk for u in entry.units))
            key = ("name", entry.kind, _full_key(row), units)
        identity = groups.get(key)
        if identity is None:
            groups[key] = Identity(
                kind=entry.kind,
                rows=[row],
                units=list(entry.units),
                role=entry.role,
                birth_hash=entry.birth_hash,
            )
        else:
            identity.rows.append(row)
            identity.units += [u for u in entry.units if u not in identity.units]
    errors = []
    for key, identity in groups.items():
        if key[0] == "name" and len(identity.rows) > 1:
            message = _(
                "the rows %(rows)s name «%(name)s» with nothing to tell them apart: add the birth "
                "dates or the external ids, or remove the repeated row"
            ) % {"rows": _numbers([identity]), "name": _shown(identity.row)}
            errors += [RowError(row=r.number, messages=[message]) for r in identity.rows]
    return list(groups.values()), errors


class _Matcher:
    def __init__(self, roster: Roster):
        self.roster = roster
        self.claimed: dict[int, Identity] = {}
        self.errors: list[RowError] = []

    def candidates(self, identity: Identity) -> list[Person]:
        row = identity.row
        found = self.roster.by_name.get(
            (identity.kind, name_key(row.last_name), name_key(row.first_name)), []
        )
        patronymic = name_key(row.patronymic)
        cands = [
            p
            for p in found
            if p.pk not in self.claimed
            # A person recorded with another external id is somebody else.
            and not (row.external_id and p.external_id)
            and not (patronymic and p.patronymic and name_key(p.patronymic) != patronymic)
            and not (
                identity.birth_hash
                and p.birth_date_hash
                and p.birth_date_hash != identity.birth_hash
            )
        ]
        child_pks = {
            c.pk if isinstance(c, Person) else getattr(c.person, "pk", None)
            for c in identity.children
        }
        unit_pks = {u.pk for u in identity.units}
        preferences: list[Callable[[Person], bool]] = [
            lambda p: bool(identity.birth_hash) and p.birth_date_hash == identity.birth_hash,
            lambda p: bool(patronymic) and name_key(p.patronymic) == patronymic,
            lambda p: any((p.pk, c) in self.roster.links for c in child_pks if c),
            lambda p: any(m.unit_id in unit_pks for m in self.roster.open[p.pk]),
            lambda p: p.left_on is None,
        ]
        for prefer in preferences:
            if len(cands) <= 1:
                break
            narrowed = [p for p in cands if prefer(p)]
            if narrowed:
                cands = narrowed
        return cands

    def claim(self, identity: Identity, person: Person | None) -> None:
        if person is not None:
            self.claimed[person.pk] = identity
        _person_plan(identity, person)

    def by_name(self, identities: list[Identity]) -> None:
        """Match in rounds: a person found for one row is no candidate for the others, so that
        namesakes the units tell apart are matched whatever their order in the file."""
        pending = identities
        while pending:
            found = {id(i): self.candidates(i) for i in pending}
            unique: dict[int, list[Identity]] = defaultdict(list)
            rest = []
            for identity in pending:
                cands = found[id(identity)]
                if not cands:
                    self.claim(identity, None)
                elif len(cands) == 1:
                    unique[cands[0].pk].append(identity)
                else:
                    rest.append(identity)
            for claimants in unique.values():
                person = found[id(claimants[0])][0]
                if len(claimants) == 1:
                    self.claim(claimants[0], person)
                    continue
                message = _(
                    "the rows %(rows)s all match «%(name)s» on the roster: give them external ids "
                    "or birth dates, or correct the file"
                ) % {"rows": _numbers(claimants), "name": person.full_name}
                self.errors += [
                    RowError(row=r.number, messages=[message]) for i in claimants for r in i.rows
                ]
                for identity in claimants:
                    self.claimed[person.pk] = identity
            if len(rest) == len(pending):
                break
            pending = rest
        for identity in pending:
            cands = self.candidates(identity)
            units = {str(u) for p in cands for m in self.roster.open[p.pk] for u in [m.unit]}
            message = _(
                "%(count)d people named «%(name)s» are on the roster (%(units)s) and nothing in "
                "the file tells which one this is: add the birth date or the external id"
            ) % {
                "count": len(cands),
                "name": _shown(identity.row),
                "units": ", ".join(sorted(units)) or "—",
            }
            self.errors += [RowError(row=r.number, messages=[message]) for r in identity.rows]


def _parents_of_children(identities: list[Identity]) -> list[Identity]:
    """The parents that students' rows name, one per name: siblings share their parent."""
    parents: dict[tuple, Identity] = {}
    for child in identities:
        if child.kind != PersonKind.STUDENT:
            continue
        for row in child.rows:
            for last, first, patronymic in row.parents:
                parent_row = RosterRow(
                    number=row.number,
                    external_id="",
                    last_name=last,
                    first_name=first,
                    patronymic=patronymic,
                    kind_raw=PersonKind.PARENT,
                    unit_name="",
                    guardian_of=[],
                )
                key = _full_key(parent_row)
                parent = parents.get(key)
                if parent is None:
                    parent = parents[key] = Identity(
                        kind=PersonKind.PARENT,
                        rows=[parent_row],
                        units=[],
                        role=Role.PARENT,
                        from_child_row=True,
                    )
                elif row.number not in {r.number for r in parent.rows}:
                    parent.rows.append(parent_row)
                if child.plan not in parent.children:
                    parent.children.append(child.plan)
    return list(parents.values())


def match_people(roster: Roster, entries: list[Entry]) -> tuple[list[PersonPlan], list[RowError]]:
    """A PersonPlan per person of the file (their parents from children's rows included), or
    the rows that could not be told apart."""
    identities, errors = _group(entries)
    if errors:
        return [], errors
    matcher = _Matcher(roster)
    by_id = {}
    for identity in identities:
        external_id = identity.row.external_id
        if external_id:
            by_id[external_id] = identity
            person = roster.by_id.get(external_id)
            if person is not None:
                matcher.claim(identity, person)
    unmatched = [i for i in identities if i.plan is None]
    # Parents last: their children, found first, tell namesake parents apart.
    matcher.by_name([i for i in unmatched if i.kind != PersonKind.PARENT])
    for identity in identities:
        if identity.kind == PersonKind.PARENT:
            for child_id in identity.row.guardian_of:
                child = by_id.get(child_id)
                ref = child.plan if child is not None else roster.by_id.get(child_id)
                if ref is not None and ref not in identity.children:
                    identity.children.append(ref)
    derived = _parents_of_children(identities)
    matcher.by_name([i for i in unmatched if i.kind == PersonKind.PARENT] + derived)
    if matcher.errors:
        return [], sorted(matcher.errors, key=lambda e: e.row or 0)
    return [i.plan for i in identities + derived], []
