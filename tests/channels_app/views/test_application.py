"""The registration application (regulation 2.1.1, 2.1.2): the letter keeps its lines, names the
order on the admin's appointment and offers its file (or a ready .eml with it attached); the
admin's personal phone is sent by POST only, never in an address or a log line."""

import datetime as dt
import email
import html
import io
import logging
import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from roles import services as role_services
from roles.errors import RuleBroken
from roles.models import AdminAppointment, AuditEvent, Role

from ...factories import make_institution, make_member
from ..helpers import client_of, page, ru, text_of

PHONE = "+7 912 345-67-89"
DIGITS = "9123456789"
PDF = b"%PDF-1.4 order on the appointment"


@pytest.fixture
def school(db):
    institution = make_institution("Муниципальное общеобразовательное учреждение «Школа № 3»")
    institution.short_name = "Школа № 3"
    institution.inn = "7707083893"
    institution.save()
    admin = make_member(institution, Role.ADMIN)
    admin.email = "admin@example.org"
    admin.save()
    director = make_member(institution, Role.DIRECTOR)
    return institution, admin, director


@pytest.fixture
def console(settings):
    """The output of the configured console handler (what the journal gets), at DEBUG."""
    root = logging.getLogger()
    handler = next(
        h
        for h in root.handlers
        if isinstance(h, logging.StreamHandler)
        and any(type(f).__name__ == "RedactInviteTokens" for f in h.filters)
    )
    loggers = [root, logging.getLogger("django.request"), logging.getLogger("django.server")]
    stream, levels = io.StringIO(), [lg.level for lg in loggers]
    old_stream = handler.setStream(stream)
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)
        handler.setStream(old_stream)


def squeezed(text: str) -> str:
    """The text without the characters a phone is written with between its digits."""
    return re.sub(r"[\s()+\-]", "", text)


def urls_in(content: str) -> list[str]:
    """Every address of the page: links, form actions, sources, refreshes."""
    return [html.unescape(u) for u in re.findall(r'(?:href|action|src|content)="([^"]*)"', content)]


def attach_order(appointment: AdminAppointment, by) -> None:
    role_services.update_appointment_details(
        appointment=appointment, by=by, order_file=ContentFile(PDF, name="prikaz-7.pdf")
    )


def test_the_letter_keeps_its_lines_and_says_the_order_is_attached(school):
    institution, admin, _director = school
    response = client_of(admin.user).get(page("application", institution))
    assert response.status_code == 200
    content = text_of(response)
    # Shown as lines: a block that keeps its line breaks, the text with its newlines.
    block = re.search(r'<pre class="[^"]*application-text[^"]*">(.*?)</pre>', content, re.S)
    assert block, "the letter is not in its own pre-wrapped block"
    letter = html.unescape(block[1])
    assert "\n" in letter and institution.name in letter
    appointment = AdminAppointment.objects.get(person=admin)
    assert appointment.order_number in letter
    attached = ru(
        "Attached: the order № %(number)s of %(date)s on the appointment of the administrator."
    )
    day = appointment.order_date.strftime("%d.%m.%Y")
    order = {"number": appointment.order_number, "date": day}
    assert attached % order in letter
    # No file yet: the page says what is missing and offers no download.
    assert "appointment_order" not in content
    missing = ru(
        "the file of the order on the administrator's appointment (Structure → Administrators)"
    )
    assert missing in html.unescape(content)
    css = Path("static/css/portal.css").read_text(encoding="utf-8")
    assert re.search(r"\.application-text\s*\{[^}]*white-space:\s*pre-wrap", css)


def test_the_order_file_is_offered_beside_the_letter_and_downloads(school):
    institution, admin, director = school
    appointment = AdminAppointment.objects.get(person=admin)
    # The director attaches the order's file through the appointment's page.
    client = client_of(director.user)
    upload = ContentFile(PDF, name="prikaz.pdf")
    response = client.post(
        reverse("roles:appointment_details", args=[institution.pk, appointment.pk]),
        {"order_file": upload, "contact_phone": ""},
    )
    assert response.status_code == 302, text_of(response)[:2000]
    appointment.refresh_from_db()
    assert appointment.order_file
    content = text_of(client_of(admin.user).get(page("application", institution)))
    download = reverse("roles:appointment_order", args=[institution.pk, appointment.pk])
    assert download in content
    file_response = client_of(admin.user).get(download)
    assert file_response.status_code == 200
    assert file_response["Content-Type"] == "application/pdf"
    assert "attachment" in file_response["Content-Disposition"]
    assert b"".join(file_response.streaming_content) == PDF


def test_a_file_that_is_not_an_order_is_refused(school):
    institution, admin, director = school
    appointment = AdminAppointment.objects.get(person=admin)
    response = client_of(director.user).post(
        reverse("roles:appointment_details", args=[institution.pk, appointment.pk]),
        {"order_file": ContentFile(b"MZ\x90\x00 not a document", name="prikaz.pdf")},
    )
    assert response.status_code == 200
    assert "order_file" in response.context["form"].errors
    appointment.refresh_from_db()
    assert not appointment.order_file


def test_the_phone_comes_by_post_only_and_is_in_no_address(school):
    institution, admin, _director = school
    client = client_of(admin.user)
    url = page("application", institution)
    # Put in an address, it is ignored: the letter does not take it from there.
    content = text_of(client.get(url, {"phone": PHONE}))
    letter = html.unescape(re.search(r"<pre[^>]*>(.*?)</pre>", content, re.S)[1])
    assert DIGITS not in squeezed(letter)
    form = re.search(r'<form method="post"[^>]*>', content)
    assert form, "the phone's form is not a POST form"
    # Posted, it is in the letter on the page (a 200, no redirect to an address with it) ...
    response = client.post(url, {"phone": PHONE, "action": "fill"})
    assert response.status_code == 200
    content = text_of(response)
    letter = html.unescape(re.search(r"<pre[^>]*>(.*?)</pre>", content, re.S)[1])
    assert PHONE in letter
    # ... and in no address of the page: not the mailto: link, not a form's action.
    for address in urls_in(content):
        assert DIGITS not in re.sub(r"\D", "", address), address
    mailto = response.context["application"]["mailto"]
    assert mailto.startswith("mailto:info@sferum.ru?")
    assert DIGITS not in re.sub(r"\D", "", mailto)


def test_a_bad_phone_is_refused_with_a_russian_message(school):
    institution, admin, _director = school
    response = client_of(admin.user).post(
        page("application", institution), {"phone": "позвоните", "action": "fill"}
    )
    assert response.status_code == 200
    assert ru("Enter the phone as +7 900 000-00-00.") in response.context["form"].errors["phone"]


def test_the_eml_is_a_ready_letter_with_the_order_attached(school):
    institution, admin, director = school
    attach_order(AdminAppointment.objects.get(person=admin), director.user)
    response = client_of(admin.user).post(
        page("application", institution), {"phone": PHONE, "action": "eml"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert "attachment" in response["Content-Disposition"]
    message = email.message_from_bytes(response.content)
    assert message["To"] == "info@sferum.ru"
    assert message["From"] == "admin@example.org"
    assert message["X-Unsent"] == "1"
    parts = list(message.walk())
    body = next(p for p in parts if p.get_content_type() == "text/plain").get_payload(decode=True)
    assert PHONE in body.decode()
    attached = [p for p in parts if p.get_filename()]
    assert [p.get_filename() for p in attached] == ["prikaz-7.pdf"]
    assert attached[0].get_content_type() == "application/pdf"
    assert attached[0].get_payload(decode=True) == PDF


def test_the_appointment_keeps_the_phone_if_the_admin_chooses(school):
    institution, admin, _director = school
    appointment = AdminAppointment.objects.get(person=admin)
    client = client_of(admin.user)
    details = reverse("roles:appointment_details", args=[institution.pk, appointment.pk])
    form_page = client.get(details)
    assert "персональн" in text_of(form_page).lower()
    assert client.post(details, {"contact_phone": PHONE}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.contact_phone == PHONE
    # The application uses it without typing it again.
    response = client.get(page("application", institution))
    assert PHONE in html.unescape(re.search(r"<pre[^>]*>(.*?)</pre>", text_of(response), re.S)[1])
    # The audit log says the phone changed, never the number.
    entry = AuditEvent.objects.filter(action="appointment.update").latest("pk")
    assert DIGITS not in re.sub(r"\D", "", f"{entry.summary} {entry.data}")
    # Cleared, it is gone.
    assert client.post(details, {"contact_phone": ""}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.contact_phone == ""


def test_a_malformed_phone_is_not_kept(school):
    _institution, admin, director = school
    appointment = AdminAppointment.objects.get(person=admin)
    with pytest.raises(RuleBroken):
        role_services.update_appointment_details(
            appointment=appointment, by=director.user, contact_phone="12"
        )
    appointment.refresh_from_db()
    assert appointment.contact_phone == ""


def test_the_phone_never_reaches_a_log_line(school, console, caplog):
    caplog.set_level(logging.DEBUG)
    institution, admin, director = school
    appointment = AdminAppointment.objects.get(person=admin)
    attach_order(appointment, director.user)
    client = Client()
    client.force_login(admin.user)
    url = page("application", institution)
    client.get(url)
    client.post(url, {"phone": PHONE, "action": "fill"})
    client.post(url, {"phone": PHONE, "action": "eml"})
    client.post(url, {"phone": "bad " + PHONE, "action": "fill"})
    details = reverse("roles:appointment_details", args=[institution.pk, appointment.pk])
    client.post(details, {"contact_phone": PHONE})
    client.post(details, {"contact_phone": "12"})
    client.get(url)
    # Refusals are logged with their address: the phone posted to them is not.
    teacher = Client()
    teacher.force_login(make_member(institution, Role.TEACHER).user)
    teacher.post(url, {"phone": PHONE, "action": "eml"})
    client.post(url + "missing/", {"phone": PHONE})
    logged = console.getvalue() + "\n".join(r.getMessage() for r in caplog.records)
    assert logged.strip(), "nothing was logged: the capture does not work"
    assert DIGITS not in squeezed(logged)
    assert "345-67-89" not in logged


def test_an_appointment_does_not_start_before_its_order(school):
    institution, _admin, director = school
    teacher = make_member(institution, Role.TEACHER)
    with pytest.raises(RuleBroken) as refusal:
        role_services.appoint_admin(
            institution=institution,
            person=teacher,
            order_number="9-од",
            order_date=dt.date(2026, 11, 20),
            start_date=dt.date(2026, 11, 10),
            by=director.user,
        )
    assert "start_date" in refusal.value.message_dict
