"""Invariants that the database itself keeps, whatever code writes."""

import datetime as dt

import pytest
from django.db import IntegrityError, models, transaction

from roles.models import AuditEvent, Membership, Person, PersonKind, Role, Unit, UnitKind

from ..factories import make_person


def test_creating_an_institution_creates_exactly_one_staff_room(institution):
    rooms = Unit.objects.filter(institution=institution, kind=UnitKind.STAFF_ROOM)
    assert [r.name for r in rooms] == ["Учительская"]


def test_a_second_staff_room_is_refused_by_the_database(institution):
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(institution=institution, kind=UnitKind.STAFF_ROOM, name="Вторая")
    assert Unit.objects.filter(institution=institution, kind=UnitKind.STAFF_ROOM).count() == 1


def test_a_second_staff_room_through_bulk_create_is_refused_too(institution):
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.bulk_create(
            [Unit(institution=institution, kind=UnitKind.STAFF_ROOM, name="Ещё одна")]
        )


def test_the_staff_room_cannot_be_deleted(institution):
    room = Unit.objects.get(institution=institution, kind=UnitKind.STAFF_ROOM)
    with pytest.raises(models.ProtectedError):
        room.delete()
    with pytest.raises(models.ProtectedError):
        Unit.objects.filter(pk=room.pk).delete()
    assert Unit.objects.filter(pk=room.pk).exists()


def test_the_staff_room_cannot_be_archived_even_by_a_raw_update(institution):
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.filter(institution=institution, kind=UnitKind.STAFF_ROOM).update(
            archived_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        )


def test_each_institution_has_its_own_staff_room(institution):
    from ..factories import make_institution

    other = make_institution()
    assert Unit.objects.filter(kind=UnitKind.STAFF_ROOM).count() == 2
    assert other.units.get().kind == UnitKind.STAFF_ROOM


def test_a_class_needs_an_academic_year(institution):
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(institution=institution, kind=UnitKind.CLASS, name="1А")


def test_two_active_units_cannot_share_a_name(institution, klass):
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(
            institution=institution, kind=UnitKind.CLASS, name="3А", academic_year="2026/2027"
        )


def test_external_ids_are_unique_per_institution_but_may_be_empty(institution):
    make_person(institution, external_id="")
    make_person(institution, external_id="")
    make_person(institution, external_id="A1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(
            institution=institution, last_name="Б", first_name="В", kind="student", external_id="A1"
        )


def test_no_email_is_kept_for_a_student(institution):
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(
            institution=institution,
            last_name="Б",
            first_name="В",
            kind=PersonKind.STUDENT,
            email="child@example.org",
        )


def test_membership_cannot_end_before_it_starts(institution, klass):
    person = make_person(institution)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            person=person,
            unit=klass,
            role=Role.STUDENT,
            start_date=dt.date(2026, 9, 1),
            end_date=dt.date(2026, 8, 1),
        )


def test_only_teachers_carry_a_verification_state(institution, klass):
    person = make_person(institution)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            person=person,
            unit=klass,
            role=Role.STUDENT,
            start_date=dt.date(2026, 9, 1),
            verification="verified",
        )


def test_one_open_membership_per_person_unit_and_role(institution, klass):
    person = make_person(institution)
    Membership.objects.create(
        person=person, unit=klass, role=Role.STUDENT, start_date=dt.date(2026, 9, 1)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            person=person, unit=klass, role=Role.STUDENT, start_date=dt.date(2026, 9, 2)
        )


def test_audit_events_are_append_only(institution):
    event = AuditEvent.objects.create(institution=institution, action="x", summary="y")
    event.summary = "changed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).summary == "y"


def test_units_nest_only_inside_departments_and_never_in_a_cycle(institution, klass):
    from django.core.exceptions import ValidationError

    from roles import services

    a = services.create_unit(institution=institution, kind=UnitKind.DEPARTMENT, name="А")
    b = services.create_unit(institution=institution, kind=UnitKind.DEPARTMENT, name="Б", parent=a)
    with pytest.raises(ValidationError):
        services.update_unit(unit=a, by=None, name="А", parent=b)
    with pytest.raises(ValidationError):
        services.create_unit(institution=institution, kind=UnitKind.CLASS, name="1Б", parent=klass)
    a.refresh_from_db()
    assert a.parent is None


def test_a_units_kind_never_changes(institution):
    from django.core.exceptions import ValidationError

    room = Unit.objects.get(institution=institution, kind=UnitKind.STAFF_ROOM)
    room.kind = UnitKind.DEPARTMENT
    with pytest.raises(ValidationError):
        room.save()
    assert Unit.objects.filter(institution=institution, kind=UnitKind.STAFF_ROOM).count() == 1


def test_the_academic_year_rule_holds_outside_forms_too(institution):
    from django.core.exceptions import ValidationError

    from roles import services

    with pytest.raises(ValidationError):
        services.create_unit(
            institution=institution, kind=UnitKind.CLASS, name="2В", academic_year="2026/2031"
        )
