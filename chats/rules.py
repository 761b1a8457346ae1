"""The chats the regulation requires, and who may see each kind of chat: data, in one place.

Regulation 2.2: the administration keeps management chats (director with deputies, director
with teachers); 2.1: every teacher is in «Учительская»; 2.3: a teacher creates chats with the
students of their class, with the parents, and with the teachers of their department.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from roles.models import Role, UnitKind
from roles.permissions import ADMINISTRATION, ADMINS, EVERYONE, STAFF_MEMBERS

from .models import ChatKind


@dataclass(frozen=True)
class Requirement:
    kind: str
    # "institution": once per institution; "class": per class that has a verified teacher;
    # "department": per department that has a teacher.
    scope: str
    # Who is asked to create it: roles in the unit (class, department) or, for the institution,
    # the director or the administrators ("admin").
    responsible: tuple[str, ...]


REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement(ChatKind.DIRECTOR_DEPUTIES, "institution", (Role.DIRECTOR,)),
    Requirement(ChatKind.DIRECTOR_TEACHERS, "institution", (Role.DIRECTOR,)),
    Requirement(ChatKind.STAFF_ROOM, "institution", (Role.ADMIN,)),
    Requirement(ChatKind.CLASS_STUDENTS, "class", (Role.TEACHER,)),
    Requirement(ChatKind.CLASS_PARENTS, "class", (Role.TEACHER,)),
    Requirement(ChatKind.DEPARTMENT_TEACHERS, "department", (Role.TEACHER,)),
)

# The chats every class with a verified teacher must have (its students', its parents').
CLASS_CHAT_KINDS: tuple[str, ...] = tuple(r.kind for r in REQUIREMENTS if r.scope == "class")


class ClassState(models.TextChoices):
    """Where a class stands with its chats (regulation 2.2.7): the one rule of «a class with its
    chats», the same on the compliance board and in the statistics."""

    COMPLETE = "complete", _("all its chats are registered")
    GAPS = "gaps", _("chats are missing")
    NO_VERIFIED_TEACHER = "no_verified_teacher", _("chats not yet required: no verified teacher")
    NEEDS_OWNER = "needs_owner", _("needs a new owner: no teacher in the class")


def class_state_sql(*, teachers: str, verified_teachers: str, present: dict[str, str]) -> str:
    """The state of each class as an SQL expression over the named columns: the counts of its
    teachers in force and of the verified ones, and for each of `CLASS_CHAT_KINDS` a boolean
    «a chat of that kind is registered». Used by `chats.selectors.unit_state_sql`, the board's
    query and the statistics' rollup alike.

    - no teacher in force (the teacher left, or none yet): the class needs a new owner;
    - teachers, none verified: its chats are not required yet (`applies`);
    - a verified teacher and every chat of `CLASS_CHAT_KINDS`: the class has its chats;
    - otherwise: chats are missing.
    """
    every_chat = " AND ".join(present[kind] for kind in CLASS_CHAT_KINDS)
    return (
        f"CASE WHEN {teachers} = 0 THEN '{ClassState.NEEDS_OWNER.value}'"
        f" WHEN {verified_teachers} = 0 THEN '{ClassState.NO_VERIFIED_TEACHER.value}'"
        f" WHEN {every_chat} THEN '{ClassState.COMPLETE.value}'"
        f" ELSE '{ClassState.GAPS.value}' END"
    )


def applies(
    requirement: Requirement, *, unit_kind: str | None, teachers: int, verified_teachers: int
) -> bool:
    """Does `requirement` ask for a chat here? The rule as the statistics (`stats.services`)
    apply it; the board (`chats.selectors.unit_state_sql`) states the same in SQL: a class by
    `class_state_sql`, a department by its teachers with its classes'. «My classes» and the
    reminders read the board (`chats.selectors.compliance`).

    `unit_kind` is None for the institution itself; `teachers` and `verified_teachers` count
    the unit's teachers in force (verified in their «учитель» status, for the second).
    - the institution's chats are always required;
    - a class requires its chats once it has a verified teacher to create them;
    - a department requires its teachers' chat once it has a teacher, its classes' teachers
      counted (see `department_teachers`).
    """
    if requirement.scope == "institution":
        return unit_kind is None
    if requirement.scope == "class":
        return unit_kind == UnitKind.CLASS and verified_teachers > 0
    return unit_kind == UnitKind.DEPARTMENT and teachers > 0


def department_teachers(teachers_of: dict, units) -> dict:
    """The teachers of each department, for its teachers' chat (2.3: «чат с педагогическими
    работниками своего отдела»): its own teachers and the teachers of the classes inside it (a
    class's parent is always a department). `teachers_of` maps a unit id to its teachers in
    force (people, one per membership); the result maps each department's id to them, each
    person once, its own teachers first. The board names those responsible with it; its SQL
    counts the same people (`chats.selectors.unit_state_sql`)."""
    result = {}
    for unit in units:
        if unit.kind == UnitKind.DEPARTMENT:
            result.setdefault(unit.pk, []).extend(teachers_of.get(unit.pk, []))
    for unit in units:
        if unit.kind == UnitKind.CLASS and unit.parent_id in result:
            result[unit.parent_id].extend(teachers_of.get(unit.pk, []))
    return {
        pk: list({person.pk: person for person in people}.values()) for pk, people in result.items()
    }


# Who may see a chat's link (it is the key to the chat): roles held in the chat's own unit
# ("unit") or in the staff room ("staff_room"). The chat's owner always may. An "other" chat
# without a unit is seen by its owner only.
AUDIENCE: dict[str, tuple[str, frozenset[str]]] = {
    ChatKind.DIRECTOR_DEPUTIES: ("staff_room", ADMINISTRATION),
    ChatKind.DIRECTOR_TEACHERS: ("staff_room", STAFF_MEMBERS),
    ChatKind.STAFF_ROOM: ("staff_room", STAFF_MEMBERS),
    ChatKind.CLASS_STUDENTS: ("unit", frozenset({Role.TEACHER, Role.STUDENT})),
    ChatKind.CLASS_PARENTS: ("unit", frozenset({Role.TEACHER, Role.PARENT})),
    ChatKind.DEPARTMENT_TEACHERS: ("unit", frozenset({Role.TEACHER, Role.DEPUTY})),
    ChatKind.OTHER: ("unit", EVERYONE),
}

# Who registers a chat of each kind (besides the administrators, who may register any).
REGISTERED_BY: dict[str, frozenset[str]] = {
    ChatKind.DIRECTOR_DEPUTIES: frozenset({Role.DIRECTOR}),
    ChatKind.DIRECTOR_TEACHERS: frozenset({Role.DIRECTOR}),
    ChatKind.STAFF_ROOM: ADMINS,
    ChatKind.CLASS_STUDENTS: frozenset({Role.TEACHER}),
    ChatKind.CLASS_PARENTS: frozenset({Role.TEACHER}),
    ChatKind.DEPARTMENT_TEACHERS: frozenset({Role.TEACHER}),
    ChatKind.OTHER: STAFF_MEMBERS,
}
