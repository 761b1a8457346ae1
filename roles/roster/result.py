"""What planning a roster import gives: a `RosterPlan` (a `PersonPlan` per person of the file,
the transfers, additions and endings of memberships, the guardian links, the leavers) or the
bad rows (`RowError`), and the summary a preview shows.

Data only: `plan` fills it, `roles.services.apply_roster_plan` writes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import Institution, Membership, Person, Unit
from .read import RosterRow


@dataclass
class RowError:
    row: int | None
    messages: list[str]

    def as_dict(self) -> dict:
        return {"row": self.row, "messages": self.messages}


@dataclass(eq=False)
class PersonPlan:
    row: RosterRow  # the person's first row in the file
    kind: str
    person: Person | None  # None: to be created
    units: list[Unit]  # units with the role the row asks for (besides the staff room)
    role: str
    name_changed: bool = False
    returning: bool = False  # had left, comes back
    links_changed: bool = False  # an existing parent gets a new child
    id_assigned: bool = False  # a person on the roster gets the file's external id
    # The keyed hash of the birth date the file gives ("" when it gives none).
    birth_hash: str = ""
    # Every row of the file that names this person (a child in two groups has two).
    rows: list[RosterRow] = field(default_factory=list)
    # A parent named in a child's row, not in a row of their own.
    from_child_row: bool = False
    # A parent's children: people of the file or of the roster (PersonRef).
    children: list = field(default_factory=list)

    @property
    def numbers(self) -> list[int]:
        return [r.number for r in self.rows] or [self.row.number]


# A person a guardian link names: one of the file (created or matched) or one on the roster.
PersonRef = PersonPlan | Person


def person_pk(ref: PersonRef) -> int:
    return ref.pk if isinstance(ref, Person) else ref.person.pk


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
    # (parent, student) links to make
    guardian_links: list[tuple[PersonRef, PersonRef]] = field(default_factory=list)
    leavers: list[Person] = field(default_factory=list)
    # people of the file's kinds on the roster but not in the file, who stay (the file was not
    # declared complete); counted for the preview only
    absent: int = 0
    complete: bool = False
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
            and (
                p.name_changed or p.returning or p.links_changed or p.id_assigned or id(p) in moved
            )
        ]

    def summary(self, samples: int = 20) -> dict:
        def describe(plan: PersonPlan) -> str:
            units = ", ".join(str(u) for u in plan.units)
            name = " ".join(x for x in (plan.row.last_name, plan.row.first_name) if x)
            return f"{plan.row.number}: {name}" + (f" — {units}" if units else "")

        created, changed = self.created, self.changed
        return {
            "rows": len({n for p in self.people for n in p.numbers}),
            "people": len(self.people),
            "created": len(created),
            "changed": len(changed),
            "ended": len(self.leavers),
            "unchanged": len(self.people) - len(created) - len(changed),
            "transfers": len(self.transfers),
            "absent": self.absent,
            "complete": self.complete,
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
