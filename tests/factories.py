"""Test data built through the services, so that the invariants hold as in real use."""

import datetime as dt
import itertools

import factory

from roles import services
from roles.models import Institution, Person, PersonKind, Role, Unit, UnitKind, User

_seq = itertools.count(1)
PASSWORD = "pass-for-tests-1"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def make_institution(name: str = "", **kwargs) -> Institution:
    n = next(_seq)
    return services.create_institution(name=name or f"Учреждение {n}", short_name=f"У{n}", **kwargs)


def make_unit(institution: Institution, kind: str = UnitKind.CLASS, name: str = "", **kw) -> Unit:
    return services.create_unit(
        institution=institution, kind=kind, name=name or f"{kind}-{next(_seq)}", **kw
    )


def make_person(institution: Institution, kind: str = PersonKind.STUDENT, **kw) -> Person:
    kw.setdefault("last_name", "Петров")
    kw.setdefault("first_name", "Иван")
    kw.setdefault("external_id", f"X{next(_seq)}")
    return services.create_person(institution=institution, kind=kind, **kw)


START = dt.date(2025, 9, 1)


def make_member(
    institution: Institution,
    role: str,
    unit: Unit | None = None,
    *,
    with_user: bool = True,
    verified: bool = False,
    joined: bool = False,
):
    """A person with a login holding `role` (admin: a verified teacher appointed by order)."""
    kind = {Role.STUDENT: PersonKind.STUDENT, Role.PARENT: PersonKind.PARENT}.get(
        role, PersonKind.STAFF
    )
    user = UserFactory() if with_user else None
    person = make_person(institution, kind=kind, user=user)
    if role == Role.ADMIN:
        services.enrol(
            person=person,
            unit=services.staff_room(institution),
            role=Role.TEACHER,
            effective_date=START,
        )
        services.decide_teacher_verification(person=person, by=None, approve=True)
        director = make_member(institution, Role.DIRECTOR).user
        services.appoint_admin(
            institution=institution,
            person=person,
            order_number="1-од",
            order_date=START,
            by=director,
            start_date=START,
        )
        return person
    if unit is None:
        unit = (
            services.staff_room(institution)
            if kind == PersonKind.STAFF
            else make_unit(institution, UnitKind.CLASS)
        )
    membership = services.enrol(person=person, unit=unit, role=role, effective_date=START)
    if verified:
        services.decide_teacher_verification(person=person, by=None, approve=True)
    if joined:
        services.mark_joined(memberships=[membership])
    return person
