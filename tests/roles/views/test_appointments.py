"""The appointment pages: the director appoints an admin, an admin is refused an unverified
teacher."""

from roles.models import AdminAppointment, Role

from ...conftest import login
from ...factories import make_member
from .helpers import url


def test_the_director_appoints_an_admin_through_the_page(institution):
    director = make_member(institution, Role.DIRECTOR).user
    teacher = make_member(institution, Role.TEACHER)
    client = login(director)
    page = client.get(url("appointments", institution))
    assert teacher in page.context["form"].fields["person"].queryset
    response = client.post(
        url("appointments", institution),
        {"person": teacher.pk, "order_number": "15-од", "order_date": "2026-11-01"},
    )
    assert response.status_code == 302
    assert AdminAppointment.objects.get(person=teacher).order_number == "15-од"


def test_an_admin_cannot_appoint_an_unverified_teacher_through_the_page(institution, admin_client):
    teacher = make_member(institution, Role.TEACHER)
    response = admin_client.post(
        url("appointments", institution),
        {"person": teacher.pk, "order_number": "16-од", "order_date": "2026-11-01"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not AdminAppointment.objects.filter(person=teacher).exists()
