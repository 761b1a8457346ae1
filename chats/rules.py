"""The chats the regulation requires, and who may see each kind of chat: data, in one place.

Regulation 2.2: the administration keeps management chats (director with deputies, director
with teachers); 2.1: every teacher is in «Учительская»; 2.3: a teacher creates chats with the
students of their class, with the parents, and with the teachers of their department.
"""

from dataclasses import dataclass

from roles.models import Role

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

# Who may see a chat's link (it is the key to the chat): roles held in the chat's own unit
# ("unit") or in the staff room ("staff_room"). The chat's owner always may. An "other" chat
# without a unit is seen by its owner only.
AUDIENCE: dict[str, tuple[str, tuple[str, ...]]] = {
    ChatKind.DIRECTOR_DEPUTIES: ("staff_room", (Role.DIRECTOR, Role.DEPUTY)),
    ChatKind.DIRECTOR_TEACHERS: ("staff_room", (Role.DIRECTOR, Role.DEPUTY, Role.TEACHER)),
    ChatKind.STAFF_ROOM: ("staff_room", (Role.DIRECTOR, Role.DEPUTY, Role.TEACHER)),
    ChatKind.CLASS_STUDENTS: ("unit", (Role.TEACHER, Role.STUDENT)),
    ChatKind.CLASS_PARENTS: ("unit", (Role.TEACHER, Role.PARENT)),
    ChatKind.DEPARTMENT_TEACHERS: ("unit", (Role.TEACHER, Role.DEPUTY)),
    ChatKind.OTHER: ("unit", tuple(Role.values)),
}

# Who registers a chat of each kind (besides the administrators, who may register any).
REGISTERED_BY: dict[str, tuple[str, ...]] = {
    ChatKind.DIRECTOR_DEPUTIES: (Role.DIRECTOR,),
    ChatKind.DIRECTOR_TEACHERS: (Role.DIRECTOR,),
    ChatKind.STAFF_ROOM: (Role.ADMIN,),
    ChatKind.CLASS_STUDENTS: (Role.TEACHER,),
    ChatKind.CLASS_PARENTS: (Role.TEACHER,),
    ChatKind.DEPARTMENT_TEACHERS: (Role.TEACHER,),
    ChatKind.OTHER: (Role.DIRECTOR, Role.DEPUTY, Role.TEACHER),
}
