"""Issue 13, item 3 (regulation 2.3.3): teachers made members of a department without an
invitation of their own — from the person's card and from the department's page (the
teachers of its classes at once); the roster import's «Отдел» column is in tests/roles/roster."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from roles import services
from roles.models import Membership, Movement, MovementKind, Role, UnitKind

from ...conftest import login
from ...factories import START, make_member, make_person, make_unit


@pytest.fixture
def dept_class(institution, department):
    return make_unit(
        institution, UnitKind.CLASS, "Живопись", academic_year="2026/2027", parent=department
    )


@pytest.fixture
def painter(institution, dept_class):
    """A teacher of «Живопись» who has joined «Учительская» in Sferum."""
    person = make_member(institution, Role.TEACHER, joined=True)
    services.enrol(person=person, unit=dept_class, role=Role.TEACHER, effective_date=START)
    return person


def _in_department(person, department):
    return Membership.objects.filter(
        person=person, unit=department, role=Role.TEACHER, end_date__isnull=True
    ).first()


def test_the_person_card_offers_the_department_of_their_class_and_adds_them(
    institution, admin_client, department, painter
):
    card = admin_client.get(reverse("roles:person", args=[institution.pk, painter.pk]))
    html = card.content.decode()
    assert 'id="add-to-department"' in html
    assert f'<option value="{department.pk}" selected>' in html

    response = admin_client.post(
        reverse("roles:add_to_department", args=[institution.pk, painter.pk]),
        {"department": department.pk},
    )
    assert response.status_code == 302
    membership = _in_department(painter, department)
    assert membership is not None
    # No separate invitation: joined «Учительская» in Sferum, so counted as joined here too.
    assert membership.joined_at is not None
    assert Movement.objects.filter(person=painter, kind=MovementKind.ENROL, to_unit=department)


def test_the_director_adds_the_teachers_of_the_classes_from_the_department_page(
    institution, department, dept_class, painter
):
    waiting = make_member(institution, Role.TEACHER)  # not joined Sferum yet
    services.enrol(person=waiting, unit=dept_class, role=Role.TEACHER, effective_date=START)
    director = login(make_member(institution, Role.DIRECTOR).user)
    unit_page = director.get(reverse("roles:unit", args=[institution.pk, department.pk]))
    assert 'id="class-teachers-outside"' in unit_page.content.decode()

    response = director.post(
        reverse("roles:department_class_teachers", args=[institution.pk, department.pk])
    )
    assert response.status_code == 302
    assert _in_department(painter, department).joined_at is not None
    assert _in_department(waiting, department).joined_at is None
    again = director.get(reverse("roles:unit", args=[institution.pk, department.pk]))
    assert 'id="class-teachers-outside"' not in again.content.decode()
    # Twice is still one membership each.
    director.post(reverse("roles:department_class_teachers", args=[institution.pk, department.pk]))
    assert Membership.objects.filter(unit=department, end_date__isnull=True).count() == 2


def test_teachers_and_deputies_may_not_add_members(institution, department, painter):
    for role in (Role.TEACHER, Role.DEPUTY):
        client = login(make_member(institution, role, verified=role == Role.TEACHER).user)
        response = client.post(
            reverse("roles:add_to_department", args=[institution.pk, painter.pk]),
            {"department": department.pk},
        )
        assert response.status_code == 403
        response = client.post(
            reverse("roles:department_class_teachers", args=[institution.pk, department.pk])
        )
        assert response.status_code == 403
    assert _in_department(painter, department) is None


def test_the_service_refuses_what_is_not_a_department_or_not_staff(
    institution, klass, department, painter, admin_user
):
    with pytest.raises(ValidationError):
        services.add_to_department(person=painter, department=klass, by=admin_user)
    with pytest.raises(ValidationError):
        services.add_to_department(
            person=make_person(institution), department=department, by=admin_user
        )
    services.add_to_department(person=painter, department=department, by=admin_user)
    with pytest.raises(ValidationError):
        services.add_to_department(person=painter, department=department, by=admin_user)
