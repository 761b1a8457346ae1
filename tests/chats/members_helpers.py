"""A class of the roster with its chats, shared by the reconciliation and MAX tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from chats.models import Chat, ChatKind
from roles import services as roles_services
from roles.models import Institution, Person, PersonKind, Role, Unit, UnitKind

from ..factories import START, make_person, make_unit
from .helpers import register, teacher

STUDENTS = [
    ("Иванов", "Иван", "Сергеевич"),
    ("Петрова", "Мария", "Андреевна"),
    ("Сидоров", "Пётр", ""),
    ("Козлова", "Алёна", "Игоревна"),
    ("Смирнов", "Егор", "Павлович"),
]
STUDENTS_LINK = "https://max.ru/join/Tok5AStudentsChat"
PARENTS_LINK = "https://max.ru/join/Tok5AParentsChat"


@dataclass
class School:
    institution: Institution
    klass: Unit
    other_class: Unit
    teacher: Person
    students: dict[str, Person] = field(default_factory=dict)
    parent: Person | None = None
    elsewhere: Person | None = None
    students_chat: Chat | None = None
    parents_chat: Chat | None = None


def person(institution, kind, last, first, patronymic="") -> Person:
    return make_person(
        institution, kind=kind, last_name=last, first_name=first, patronymic=patronymic
    )


def build_school(institution: Institution) -> School:
    klass = make_unit(institution, UnitKind.CLASS, "5А", academic_year="2026/2027")
    other = make_unit(institution, UnitKind.CLASS, "5Б", academic_year="2026/2027")
    owner = teacher(institution, klass, last_name="Соколова", first_name="Анна",
                    patronymic="Викторовна")  # fmt: skip
    school = School(institution=institution, klass=klass, other_class=other, teacher=owner)
    for last, first, patronymic in STUDENTS:
        student = person(institution, PersonKind.STUDENT, last, first, patronymic)
        roles_services.enrol(person=student, unit=klass, role=Role.STUDENT, effective_date=START)
        school.students[last] = student
    school.parent = person(institution, PersonKind.PARENT, "Иванова", "Ольга", "Петровна")
    roles_services.enrol(person=school.parent, unit=klass, role=Role.PARENT, effective_date=START)
    school.elsewhere = person(institution, PersonKind.STUDENT, "Орлов", "Денис")
    roles_services.enrol(person=school.elsewhere, unit=other, role=Role.STUDENT,
                         effective_date=START)  # fmt: skip
    school.students_chat = register(
        owner.user, institution, ChatKind.CLASS_STUDENTS, klass, platform="max",
        title="5А: ученики", link=STUDENTS_LINK,
    )  # fmt: skip
    school.parents_chat = register(
        owner.user, institution, ChatKind.CLASS_PARENTS, klass, platform="max",
        title="5А: родители", link=PARENTS_LINK,
    )  # fmt: skip
    return school
