"""The institution pages: editing its details and the order on the use of Sferum."""

import datetime as dt

from roles.models import Role

from ...conftest import login
from ...factories import make_member
from .helpers import url


def test_edit_institution_details_and_order(institution):
    director = make_member(institution, Role.DIRECTOR).user
    client = login(director)
    response = client.post(
        url("institution_edit", institution),
        {
            "name": institution.name,
            "short_name": "ТЦ",
            "address": "ул. Мира, 1",
            "inn": "7701234567",
            "timezone": "Asia/Yekaterinburg",
            "usage_order_number": "45-од",
            "usage_order_date": "2026-09-01",
        },
    )
    assert response.status_code == 302
    institution.refresh_from_db()
    assert (institution.inn, institution.timezone, institution.usage_order_number) == (
        "7701234567",
        "Asia/Yekaterinburg",
        "45-од",
    )
    assert institution.usage_order_date == dt.date(2026, 9, 1)


def test_a_bad_inn_is_refused(institution):
    client = login(make_member(institution, Role.DIRECTOR).user)
    response = client.post(
        url("institution_edit", institution),
        {"name": institution.name, "inn": "12345", "timezone": "Europe/Moscow"},
    )
    assert response.status_code == 200
    assert "inn" in response.context["form"].errors
