"""The movement services: enrolment, transfer, change of role, leaving, and their to-dos."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from roles import permissions, services
from roles.models import (
    AdminAppointment,
    Membership,
    Movement,
    MovementKind,
    PersonKind,
    Role,
    TodoItem,
    TodoKind,
    UnitKind,
    Verification,
)
from roles.signals import person_left

from ...factories import make_member, make_person, make_unit
from .helpers import TODAY, open_roles


def test_enrol_creates_membership_and_journal_entry_but_no_manual_step(institution, klass):
    person = make_person(institution)
    membership = services.enrol(
        person=person, unit=klass, role=Role.STUDENT, effective_date=TODAY, order_number="7-у"
    )
    assert membership.start_date == TODAY and membership.verification == Verification.NOT_REQUIRED
    movement = Movement.objects.get(person=person)
    assert (movement.kind, movement.to_unit, movement.order_number) == (
        MovementKind.ENROL,
        klass,
        "7-у",
    )
    assert not TodoItem.objects.exists()


def test_enrol_refuses_a_role_that_does_not_fit(institution, klass, department):
    student = make_person(institution, kind=PersonKind.STUDENT)
    with pytest.raises(ValidationError):
        services.enrol(person=student, unit=klass, role=Role.TEACHER, effective_date=TODAY)
    with pytest.raises(ValidationError):
        services.enrol(person=student, unit=department, role=Role.STUDENT, effective_date=TODAY)
    assert not Membership.objects.filter(person=student).exists()


def test_enrol_twice_in_the_same_role_is_refused(institution, klass):
    person = make_member(institution, Role.STUDENT, klass)
    with pytest.raises(ValidationError):
        services.enrol(person=person, unit=klass, role=Role.STUDENT, effective_date=TODAY)


def test_enrol_into_an_archived_unit_is_refused(institution, klass):
    services.archive_unit(unit=klass, by=None)
    with pytest.raises(ValidationError):
        services.enrol(
            person=make_person(institution), unit=klass, role=Role.STUDENT, effective_date=TODAY
        )


def test_transfer_of_a_joined_student_asks_to_remove_and_reinvite(institution, klass):
    other = make_unit(institution, UnitKind.CLASS, "3Б")
    student = make_member(institution, Role.STUDENT, klass, joined=True)
    services.transfer(person=student, from_unit=klass, to_unit=other, effective_date=TODAY)
    old = Membership.objects.get(person=student, unit=klass)
    assert old.end_date == TODAY
    assert open_roles(student) == [("3Б", Role.STUDENT)]
    todo = TodoItem.objects.get()
    assert todo.kind == TodoKind.REINVITE and todo.unit == other
    assert "3А" in todo.title and "3Б" in todo.title
    assert todo.movement.kind == MovementKind.TRANSFER


def test_transfer_asks_for_the_step_even_when_joining_is_unknown(institution, klass):
    # People who were in Sferum before the portal have no joining date on record.
    other = make_unit(institution, UnitKind.CLASS, "3Б")
    student = make_member(institution, Role.STUDENT, klass)
    services.transfer(person=student, from_unit=klass, to_unit=other, effective_date=TODAY)
    assert TodoItem.objects.get().kind == TodoKind.REINVITE


def test_transfer_from_a_unit_the_person_is_not_in_is_refused(institution, klass):
    other = make_unit(institution, UnitKind.CLASS, "3Б")
    student = make_member(institution, Role.STUDENT, other)
    with pytest.raises(ValidationError):
        services.transfer(person=student, from_unit=klass, to_unit=other, effective_date=TODAY)
    assert open_roles(student) == [("3Б", Role.STUDENT)]


def test_change_of_role_ends_the_membership_and_asks_to_reinvite(institution):
    room = services.staff_room(institution)
    teacher = make_member(institution, Role.TEACHER, room, joined=True)
    membership = Membership.objects.get(person=teacher)
    services.change_role(membership=membership, role=Role.DEPUTY, effective_date=TODAY)
    assert open_roles(teacher) == [("Учительская", Role.DEPUTY)]
    todo = TodoItem.objects.get()
    assert todo.kind == TodoKind.REINVITE and todo.person == teacher


def test_leaving_ends_everything_and_lists_the_removals(institution, klass, department):
    teacher = make_member(institution, Role.TEACHER, joined=True)
    services.enrol(person=teacher, unit=klass, role=Role.TEACHER, effective_date=TODAY)
    services.mark_joined(memberships=Membership.objects.filter(person=teacher))
    received = []
    person_left.connect(lambda **kw: received.append(kw["person"]), weak=False, dispatch_uid="t")
    try:
        services.leave(person=teacher, effective_date=TODAY, order_number="9-к", by=None)
    finally:
        person_left.disconnect(dispatch_uid="t")
    teacher.refresh_from_db()
    assert teacher.left_on == TODAY
    assert open_roles(teacher) == []
    assert sorted(TodoItem.objects.values_list("unit__name", flat=True)) == ["3А", "Учительская"]
    assert received == [teacher]


def test_leaving_ends_an_admin_appointment(institution, admin_person):
    services.leave(person=admin_person, effective_date=TODAY, by=None)
    assert not AdminAppointment.objects.filter(person=admin_person, end_date=None).exists()


def test_leaving_twice_is_refused(institution, klass):
    student = make_member(institution, Role.STUDENT, klass)
    services.leave(person=student, effective_date=TODAY)
    with pytest.raises(ValidationError):
        services.leave(person=student, effective_date=TODAY)
    assert Movement.objects.filter(person=student, kind=MovementKind.LEAVE).count() == 1


def test_a_returning_person_is_enrolled_again(institution, klass):
    student = make_member(institution, Role.STUDENT, klass)
    services.leave(person=student, effective_date=TODAY)
    services.enrol(person=student, unit=klass, role=Role.STUDENT, effective_date=TODAY)
    student.refresh_from_db()
    assert student.left_on is None
    assert open_roles(student) == [("3А", Role.STUDENT)]


def test_a_future_leaving_keeps_memberships_in_force_until_then(institution, klass):
    student = make_member(institution, Role.STUDENT, klass)
    today = institution.local_today()
    later = today + dt.timedelta(days=10)
    services.leave(person=student, effective_date=later)
    assert Membership.objects.active(today).filter(person=student).exists()
    assert not Membership.objects.active(later).filter(person=student).exists()
    # They keep their access until then.
    assert permissions.roles_of(student.user, institution) == {Role.STUDENT}
    assert permissions.institutions_for(student.user).filter(pk=institution.pk).exists()
