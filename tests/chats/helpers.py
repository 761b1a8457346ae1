"""Small helpers shared by the chat tests."""

import itertools
import re

from django.urls import reverse

from chats import services
from chats.models import Chat, ChatKind
from roles import services as roles_services
from roles.models import Institution, Person, PersonKind, Role, Unit, UnitKind

from ..factories import START, UserFactory, make_member, make_person, make_unit

_seq = itertools.count(1)


def chat_link(platform: str = "vk") -> str:
    """A valid invitation link of the platform, different every time (easy to search for)."""
    token = f"Tok{next(_seq):05d}x"
    if platform == "max":
        return f"https://max.ru/join/{token}Max"
    return f"https://vk.me/join/{token}Vk"


def register(
    by,
    institution: Institution,
    kind: str,
    unit: Unit | None = None,
    *,
    platform: str = "vk",
    title: str = "",
    **kwargs,
) -> Chat:
    """`services.register_chat` with a fresh valid link and a title."""
    return services.register_chat(
        institution=institution,
        kind=kind,
        unit=unit,
        title=title or f"Чат {next(_seq)}",
        platform=platform,
        link=kwargs.pop("link", None) or chat_link(platform),
        by=by,
        **kwargs,
    )


def teacher(
    institution: Institution,
    *units: Unit,
    verified: bool = True,
    staff_room: bool = True,
    email: str = "",
    **names,
) -> Person:
    """A teacher with a login in each unit (and in the staff room), «учитель» verified if asked."""
    person = make_person(institution, kind=PersonKind.STAFF, user=UserFactory(), **names)
    targets = [roles_services.staff_room(institution)] if staff_room else []
    for unit in [*targets, *units]:
        roles_services.enrol(person=person, unit=unit, role=Role.TEACHER, effective_date=START)
    if verified:
        roles_services.decide_teacher_verification(person=person, by=None, approve=True)
    if email:
        Person.objects.filter(pk=person.pk).update(email=email)
        person.refresh_from_db()
    return person


def member(unit: Unit, role: str, **names) -> Person:
    """A student or parent of `unit` with a login."""
    kind = PersonKind.STUDENT if role == Role.STUDENT else PersonKind.PARENT
    person = make_person(unit.institution, kind=kind, user=UserFactory(), **names)
    roles_services.enrol(person=person, unit=unit, role=role, effective_date=START)
    return person


def populate(institution: Institution, classes: int, departments: int):
    """Classes with verified teachers, departments with teachers, chats for some of them, a
    leaver's chat waiting for a new owner; returns the admin's login."""
    admin = make_member(institution, Role.ADMIN).user
    register(admin, institution, ChatKind.STAFF_ROOM)
    depts = [make_unit(institution, UnitKind.DEPARTMENT, f"Отдел {n}") for n in range(departments)]
    for n in range(classes):
        unit = make_unit(institution, UnitKind.CLASS, f"{n + 1}А")
        person = teacher(institution, unit, *depts[n % len(depts) : n % len(depts) + 1])
        member(unit, Role.STUDENT)
        if n % 3:
            register(person.user, institution, ChatKind.CLASS_STUDENTS, unit, member_count=n)
        if n % 4 == 0:
            chat = register(person.user, institution, ChatKind.CLASS_PARENTS, unit)
            if n % 8 == 0:
                roles_services.leave(
                    person=person, effective_date=institution.local_today(), by=admin
                )
                assert Chat.objects.get(pk=chat.pk).owner is None
    return admin


def page(name: str, institution: Institution, *args) -> str:
    return reverse(f"chats:{name}", args=[institution.pk, *args])


def text_of(response) -> str:
    return response.content.decode()


def cyrillic_only(text: str) -> bool:
    """Words in Russian: some Cyrillic letters and no Latin ones."""
    return bool(re.search("[а-яё]", text, re.I)) and not re.search("[a-z]", text, re.I)


def ru(msgid: str, **params) -> str:
    """A message as the portal shows it (in its language, once the catalogue translates it)."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        text = translation.gettext(msgid)
    return text % params if params else text
