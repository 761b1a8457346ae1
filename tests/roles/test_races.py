"""Two administrators acting on the same person at the same moment, with real threads.

Only PostgreSQL has concurrent writers (SQLite serialises whole transactions), so these run in
the second half of `.ci/run`.
"""

import pytest
from django.core.exceptions import ValidationError

from roles import services
from roles.models import AdminAppointment, Membership, Movement, MovementKind, Role, UnitKind

from ..concurrency import race
from ..factories import make_institution, make_member, make_unit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def place():
    institution = make_institution()
    return institution, make_unit(institution, UnitKind.CLASS, "1А")


def test_concurrent_leavings_are_recorded_once(place):
    institution, klass = place
    student = make_member(institution, Role.STUDENT, klass)
    today = institution.local_today()

    results = race(lambda: services.leave(person=student, effective_date=today))

    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(isinstance(r, ValidationError) for r in results if isinstance(r, Exception))
    assert Movement.objects.filter(person=student, kind=MovementKind.LEAVE).count() == 1


def test_concurrent_enrolments_give_one_membership(place):
    institution, klass = place
    student = make_member(institution, Role.STUDENT, klass)
    other = make_unit(institution, UnitKind.CLASS, "1Б")
    today = institution.local_today()

    results = race(
        lambda: services.enrol(person=student, unit=other, role=Role.STUDENT, effective_date=today)
    )

    assert sum(isinstance(r, Membership) for r in results) == 1
    assert all(isinstance(r, ValidationError) for r in results if not isinstance(r, Membership))
    assert Membership.objects.filter(person=student, unit=other).count() == 1


def test_concurrent_appointments_give_one_admin(place):
    institution, _klass = place
    director = make_member(institution, Role.DIRECTOR).user
    teacher = make_member(institution, Role.TEACHER, verified=True)

    results = race(
        lambda: services.appoint_admin(
            institution=institution,
            person=teacher,
            order_number="5-од",
            order_date=institution.local_today(),
            by=director,
        )
    )

    assert sum(isinstance(r, AdminAppointment) for r in results) == 1
    assert all(
        isinstance(r, ValidationError) for r in results if not isinstance(r, AdminAppointment)
    )
    assert AdminAppointment.objects.filter(person=teacher, end_date=None).count() == 1
