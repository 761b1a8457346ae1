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


def _edit_with_file(institution, upload):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(make_member(institution, Role.DIRECTOR).user)
    data = {
        "name": institution.name,
        "timezone": institution.timezone,
        "usage_order_number": "45-од",
        "usage_order_date": "2026-09-01",
        "usage_order_file": SimpleUploadedFile(*upload),
    }
    return client, client.post(url("institution_edit", institution), data)


def test_the_order_file_is_checked_by_its_content_not_its_name(institution):
    # An HTML page named like a PDF is refused.
    _client, response = _edit_with_file(
        institution, ("order.pdf", b"<html><script>alert(1)</script></html>", "application/pdf")
    )
    assert response.status_code == 200
    assert "Это не PDF" in response.content.decode()
    institution.refresh_from_db()
    assert not institution.usage_order_file


def test_a_scan_named_wrongly_is_stored_and_served_as_what_it_is(institution):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    client, response = _edit_with_file(institution, ("prikaz.doc", png, "application/msword"))
    assert response.status_code == 302
    institution.refresh_from_db()
    assert institution.usage_order_file.name.endswith(".png")
    download = client.get(url("order_file", institution))
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"


def test_an_order_file_above_the_limit_is_refused(institution, settings):
    settings.ORDER_FILE_MAX_MB = 1
    big = b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 1)
    _client, response = _edit_with_file(institution, ("order.pdf", big, "application/pdf"))
    assert response.status_code == 200
    assert "больше 1 МБ" in response.content.decode()
