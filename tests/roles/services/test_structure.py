"""The structure services: the institution, its units, the staff room, the academic year."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from roles import services
from roles.models import AuditEvent, Role, TodoItem, TodoKind, UnitKind

from ...factories import make_institution, make_member, make_unit
from .helpers import open_roles


def test_create_institution_follows_the_contract(db):
    institution = services.create_institution(name="Школа № 1", short_name="Ш1")
    assert institution.timezone == "Europe/Moscow"
    assert institution.units.get().kind == UnitKind.STAFF_ROOM
    assert AuditEvent.objects.filter(action="institution.create", institution=institution).exists()


def test_create_institution_rejects_an_unknown_time_zone(db):
    with pytest.raises(ValidationError):
        services.create_institution(name="Школа", timezone="Mars/Olympus")


def test_create_unit_refuses_a_second_staff_room(institution):
    with pytest.raises(ValidationError):
        services.create_unit(institution=institution, kind=UnitKind.STAFF_ROOM, name="Ещё")


def test_a_class_gets_the_current_academic_year_by_default(institution):
    unit = services.create_unit(institution=institution, kind=UnitKind.CLASS, name="5Б")
    assert unit.academic_year == services.current_academic_year(institution.local_today())


def test_academic_year_starts_in_september():
    assert services.current_academic_year(dt.date(2026, 8, 31)) == "2025/2026"
    assert services.current_academic_year(dt.date(2026, 9, 1)) == "2026/2027"


def test_a_parent_unit_must_belong_to_the_same_institution(institution):
    other_department = make_unit(make_institution(), UnitKind.DEPARTMENT)
    with pytest.raises(ValidationError):
        services.create_unit(
            institution=institution, kind=UnitKind.CLASS, name="1А", parent=other_department
        )


def test_archiving_a_class_ends_its_memberships_and_asks_to_clean_up_sferum(institution, klass):
    student = make_member(institution, Role.STUDENT, klass, joined=True)
    ended = services.archive_unit(unit=klass, by=None)
    klass.refresh_from_db()
    assert ended == 1 and klass.is_archived
    assert open_roles(student) == []
    assert TodoItem.objects.filter(unit=klass, kind=TodoKind.REMOVE, done_at=None).count() == 1


def test_the_staff_room_cannot_be_archived_by_the_service(institution):
    with pytest.raises(ValidationError):
        services.archive_unit(unit=services.staff_room(institution), by=None)


def test_a_department_with_active_classes_cannot_be_archived(institution, department):
    make_unit(institution, UnitKind.CLASS, parent=department)
    with pytest.raises(ValidationError):
        services.archive_unit(unit=department, by=None)
    department.refresh_from_db()
    assert not department.is_archived
