"""The support log, the registration application and the help page."""

import html

from channels_app.models import SupportRequest, SupportStatus
from roles.models import Person

from ..helpers import client_of, page, ru, text_of


def test_a_support_request_marked_sent_needs_a_date(world, db):
    institution, users = world["institution"], world["users"]
    client = client_of(users["admin"])
    before = SupportRequest.objects.count()
    response = client.post(
        page("support_create", institution),
        {
            "subject": "Не видно класс",
            "description": "Учитель не видит класс.",
            "status": SupportStatus.SENT,
            "sent_on": "",
            "ticket_number": "",
            "resolution": "",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors
    assert "sent_on" in form.errors, form.errors
    assert ru("Enter the date the request was sent.") in form.errors["sent_on"]
    assert SupportRequest.objects.count() == before


def test_the_registration_application_names_the_admin_and_their_order(world, db):
    institution, users = world["institution"], world["users"]
    admin_person = Person.objects.get(user=users["admin"], institution=institution)
    response = client_of(users["admin"]).get(page("application", institution))
    text = html.unescape(text_of(response))
    assert "1-од" in text
    assert admin_person.full_name in text


def test_the_help_page_has_a_section_for_each_role_and_names_the_admins(world, db):
    institution, users = world["institution"], world["users"]
    admin_name = Person.objects.get(user=users["admin"], institution=institution).full_name
    safety = ru("Keeping your Sferum profile safe")
    texts = {
        role: html.unescape(text_of(client_of(users[role]).get(page("help", institution))))
        for role in ("student", "parent", "teacher", "admin", "director")
    }
    assert safety in texts["student"] and safety in texts["parent"]
    assert safety not in texts["teacher"] and safety not in texts["director"]
    assert ru("For teachers") in texts["teacher"] and ru("For teachers") not in texts["student"]
    assert ru("For the Sferum administrator") in texts["admin"]
    assert ru("For the Sferum administrator") not in texts["teacher"]
    assert "info@sferum.ru" in texts["student"]
    for text in texts.values():
        assert admin_name in text
