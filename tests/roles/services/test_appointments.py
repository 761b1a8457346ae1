"""The administrator appointment services: appointing by order and ending."""

import pytest
from django.core.exceptions import ValidationError

from roles import services
from roles.models import AdminAppointment, Role

from ...factories import make_member
from .helpers import TODAY


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
