"""The write services: structure, movements and their to-dos, verification, appointments."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from roles import permissions, services
from roles.models import (
    AdminAppointment,
    AuditEvent,
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

from ..factories import make_institution, make_member, make_person, make_unit

TODAY = dt.date(2026, 11, 20)


def open_roles(person):
    return sorted(
        (m.unit.name, m.role)
        for m in Membership.objects.filter(person=person, end_date__isnull=True)
    )


# --- institution and units --------------------------------------------------------------------


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


# --- movements --------------------------------------------------------------------------------


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


# --- to-do list -------------------------------------------------------------------------------


def test_completing_a_todo_keeps_who_and_when(institution, klass, admin_user):
    student = make_member(institution, Role.STUDENT, klass, joined=True)
    services.leave(person=student, effective_date=TODAY)
    todo = TodoItem.objects.get()
    services.complete_todo(todo=todo, by=admin_user)
    todo.refresh_from_db()
    assert todo.done_by == admin_user and todo.done_at is not None
    first_done = todo.done_at
    services.complete_todo(todo=todo, by=admin_user)  # a second click changes nothing
    todo.refresh_from_db()
    assert todo.done_at == first_done
    services.reopen_todo(todo=todo, by=admin_user)
    todo.refresh_from_db()
    assert todo.done_at is None and todo.done_by is None


# --- teacher verification ---------------------------------------------------------------------


def test_verification_covers_every_teacher_membership(institution, klass):
    teacher = make_member(institution, Role.TEACHER)
    services.enrol(person=teacher, unit=klass, role=Role.TEACHER, effective_date=TODAY)
    assert set(
        Membership.objects.filter(person=teacher).values_list("verification", flat=True)
    ) == {Verification.PENDING}
    services.decide_teacher_verification(person=teacher, by=None, approve=True)
    assert set(
        Membership.objects.filter(person=teacher).values_list("verification", flat=True)
    ) == {Verification.VERIFIED}
    other = make_unit(institution, UnitKind.CLASS, "7В")
    later = services.enrol(person=teacher, unit=other, role=Role.TEACHER, effective_date=TODAY)
    assert later.verification == Verification.VERIFIED


def test_rejecting_a_teacher_needs_a_reason(institution):
    teacher = make_member(institution, Role.TEACHER)
    with pytest.raises(ValidationError):
        services.decide_teacher_verification(person=teacher, by=None, approve=False)
    services.decide_teacher_verification(person=teacher, by=None, approve=False, note="не педагог")
    membership = Membership.objects.get(person=teacher)
    assert membership.verification == Verification.REJECTED
    assert membership.verification_note == "не педагог"


# --- administrator appointments ---------------------------------------------------------------


def test_the_director_appoints_the_first_admin_by_order(institution):
    director = make_member(institution, Role.DIRECTOR).user
    teacher = make_member(institution, Role.TEACHER)
    appointment = services.appoint_admin(
        institution=institution,
        person=teacher,
        order_number="12-од",
        order_date=TODAY,
        by=director,
    )
    assert not appointment.is_additional
    assert appointment.appointed_by == director


def test_an_admin_may_appoint_only_verified_teachers_of_the_staff_room(institution, admin_user):
    unverified = make_member(institution, Role.TEACHER)
    with pytest.raises(ValidationError):
        services.appoint_admin(
            institution=institution,
            person=unverified,
            order_number="13-од",
            order_date=TODAY,
            by=admin_user,
        )
    verified = make_member(institution, Role.TEACHER, verified=True)
    appointment = services.appoint_admin(
        institution=institution,
        person=verified,
        order_number="13-од",
        order_date=TODAY,
        by=admin_user,
    )
    assert appointment.is_additional


def test_nobody_outside_the_staff_room_becomes_admin(institution, klass):
    director = make_member(institution, Role.DIRECTOR).user
    teacher_of_class_only = make_member(institution, Role.TEACHER, klass, verified=True)
    with pytest.raises(ValidationError):
        services.appoint_admin(
            institution=institution,
            person=teacher_of_class_only,
            order_number="1",
            order_date=TODAY,
            by=director,
        )


def test_a_teacher_cannot_appoint_admins(institution):
    teacher = make_member(institution, Role.TEACHER, verified=True)
    colleague = make_member(institution, Role.TEACHER, verified=True)
    with pytest.raises(ValidationError):
        services.appoint_admin(
            institution=institution,
            person=colleague,
            order_number="1",
            order_date=TODAY,
            by=teacher.user,
        )
    assert not AdminAppointment.objects.filter(person=colleague).exists()


def test_an_admin_cannot_be_appointed_twice_and_history_is_kept(institution, admin_person):
    director = make_member(institution, Role.DIRECTOR).user
    with pytest.raises(ValidationError):
        services.appoint_admin(
            institution=institution,
            person=admin_person,
            order_number="2",
            order_date=TODAY,
            by=director,
        )
    appointment = AdminAppointment.objects.get(person=admin_person)
    services.end_appointment(appointment=appointment, by=director, reason="перевод")
    with pytest.raises(ValidationError):
        services.end_appointment(appointment=appointment, by=director)
    services.appoint_admin(
        institution=institution,
        person=admin_person,
        order_number="3",
        order_date=TODAY,
        by=director,
    )
    assert AdminAppointment.objects.filter(person=admin_person).count() == 2


def test_every_administrative_action_is_audited(institution, klass, admin_user):
    student = make_member(institution, Role.STUDENT, klass)
    services.leave(person=student, effective_date=TODAY, by=admin_user)
    event = AuditEvent.objects.filter(action="movement.leave").get()
    assert event.actor == admin_user and event.institution == institution
