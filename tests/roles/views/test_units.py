"""The unit pages as an administrator uses them: creating a class, bad input, archiving."""

import pytest

from roles import services
from roles.models import Membership, Role, Unit, UnitKind

from ...factories import make_member
from .helpers import url


def test_create_a_class(institution, admin_client, department):
    response = admin_client.post(
        url("unit_create", institution),
        {"kind": "class", "name": "5Б", "academic_year": "2026/2027", "parent": department.pk},
    )
    unit = Unit.objects.get(name="5Б")
    assert response.status_code == 302
    assert response["Location"] == url("unit", institution, unit.pk)
    assert (unit.kind, unit.academic_year, unit.parent) == (UnitKind.CLASS, "2026/2027", department)


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "class", "name": ""},
        {"kind": "class", "name": "5Б", "academic_year": "2026-2027"},
        {"kind": "class", "name": "5Б", "academic_year": "2026/2028"},
        {"kind": "staff_room", "name": "Вторая учительская"},
    ],
)
def test_bad_unit_input_is_shown_and_changes_nothing(institution, admin_client, data):
    before = Unit.objects.count()
    response = admin_client.post(url("unit_create", institution), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Unit.objects.count() == before


def test_a_duplicate_class_name_is_a_form_error(institution, admin_client, klass):
    response = admin_client.post(
        url("unit_create", institution),
        {"kind": "class", "name": "3А", "academic_year": "2026/2027"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Unit.objects.filter(name="3А").count() == 1


def test_archiving_asks_for_confirmation_first(institution, admin_client, klass):
    make_member(institution, Role.STUDENT, klass)
    page = admin_client.get(url("unit_archive", institution, klass.pk))
    assert page.status_code == 200
    assert b'method="post"' in page.content
    klass.refresh_from_db()
    assert not klass.is_archived
    response = admin_client.post(url("unit_archive", institution, klass.pk))
    assert response.status_code == 302
    klass.refresh_from_db()
    assert klass.is_archived
    assert not Membership.objects.filter(unit=klass, end_date=None).exists()


def test_the_staff_room_has_no_archive_action(institution, admin_client):
    room = services.staff_room(institution)
    response = admin_client.post(url("unit_archive", institution, room.pk))
    assert response.status_code == 302
    room.refresh_from_db()
    assert not room.is_archived
    page = admin_client.get(url("unit", institution, room.pk)).content.decode()
    assert url("unit_archive", institution, room.pk) not in page
