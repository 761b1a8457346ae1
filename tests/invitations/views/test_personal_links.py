"""Personal links through HTTP (issue 12, item 6): the teacher's person field offers only the
people of their own classes who wait to join and reveals nobody else; a personal link never
signs anybody in as a person who has a login."""

import pytest
from django.test import Client

from invitations import services
from invitations.models import Invitation
from roles import services as roles_services
from roles.models import Role, UnitKind

from ...conftest import login
from ...factories import make_unit
from ..helpers import issue, landing, page, roster_member, text_of


@pytest.fixture
def other_class(institution):
    return make_unit(institution, UnitKind.CLASS, "3Б", academic_year="2026/2027")


@pytest.fixture
def people(klass, other_class):
    return {
        "mine": roster_member(klass, Role.STUDENT, last_name="Свойский", first_name="Олег"),
        "stranger": roster_member(other_class, Role.STUDENT, last_name="Чужаков", first_name="Ян"),
    }


def personal_link(client, institution, unit, person, role=Role.STUDENT):
    return client.post(
        page("create", institution),
        {
            "unit": unit.pk,
            "role": role,
            "person": person,
            "link_kind": "single",
            "valid_days": 7,
            "needs_approval": "on",
        },
    )


def test_the_teachers_person_field_offers_only_their_waiting_people(
    institution, klass, teacher, people
):
    client = login(teacher.user)

    response = client.get(page("create", institution))

    field = response.context["form"].fields["person"]
    assert list(field.queryset) == [people["mine"]]
    html = text_of(response)
    assert "Свойский Олег" in html
    assert "Чужаков" not in html


def test_a_teacher_cannot_issue_a_link_for_another_classs_student(
    institution, klass, other_class, teacher, people
):
    client = login(teacher.user)
    stranger = people["stranger"]

    for unit in (klass, other_class):
        response = personal_link(client, institution, unit, stranger.pk)
        assert response.status_code == 200
        assert response.context["form"].errors
    assert not Invitation.objects.exists()

    response = personal_link(client, institution, klass, people["mine"].pk)
    assert response.status_code == 200
    assert Invitation.objects.get().person == people["mine"]


def test_the_person_field_reveals_nothing_by_name(institution, klass, teacher, people):
    """The old field searched the whole roster by name prefix: «Чуж» found the stranger. Now a
    name is no choice at all, and an existing and an unknown name are refused alike."""
    client = login(teacher.user)
    errors = []
    for value in ("Чужаков", "Чуж", "Несуществующий", people["stranger"].external_id):
        response = personal_link(client, institution, klass, value)
        errors.append(response.context["form"].errors["person"])
        assert "Чужаков" not in text_of(response)
    assert all(e == errors[0] for e in errors)
    assert not Invitation.objects.exists()


def test_a_teacher_cannot_issue_a_link_for_a_joined_person(institution, klass, teacher, people):
    joined = people["mine"]
    roles_services.update_person(
        person=joined, by=None, user=services.passwordless_user(first_name="О", last_name="С")
    )
    response = personal_link(login(teacher.user), institution, klass, joined.pk)
    assert response.context["form"].errors
    assert not Invitation.objects.exists()


def test_an_admins_personal_link_for_a_person_with_a_login_is_refused(
    institution, klass, admin_client, people
):
    person = people["mine"]
    roles_services.update_person(
        person=person, by=None, user=services.passwordless_user(first_name="О", last_name="С")
    )

    response = personal_link(admin_client, institution, klass, person.external_id)

    assert response.status_code == 200
    assert response.context["form"].errors["person"]
    assert not Invitation.objects.exists()


def test_an_admins_link_for_a_joined_person_does_not_sign_in_as_them(
    institution, klass, admin_user, people
):
    person = people["mine"]
    _invitation, token = issue(klass, Role.STUDENT, admin_user, person=person)
    login_of_person = services.passwordless_user(first_name="О", last_name="С")
    roles_services.update_person(person=person, by=None, user=login_of_person)
    client = Client()

    page_response = client.get(landing(token))
    joined = client.post(landing(token), {"action": "join"})

    for response in (page_response, joined):
        assert response.status_code == 403
        assert response.context["reason"] == "has_login"
    assert "_auth_user_id" not in client.session
    person.refresh_from_db()
    assert person.user == login_of_person
    assert Invitation.objects.get().uses_count == 0


def test_the_person_themselves_may_still_use_their_link(institution, klass, admin_user, people):
    person = people["mine"]
    _invitation, token = issue(klass, Role.STUDENT, admin_user, person=person)
    own = services.passwordless_user(first_name="О", last_name="С")
    roles_services.update_person(person=person, by=None, user=own)
    client = Client()
    client.force_login(own)  # signed in on their own device

    assert client.get(landing(token)).status_code == 200
    response = client.post(landing(token), {"action": "accept"})

    assert response.status_code == 302
    assert Invitation.objects.get().uses_count == 1


def test_the_bulk_sheet_says_who_got_no_link(institution, klass, teacher, people):
    roles_services.update_person(
        person=people["mine"],
        by=None,
        user=services.passwordless_user(first_name="О", last_name="С"),
    )
    client = login(teacher.user)
    response = client.post(
        page("bulk", institution), {"unit": klass.pk, "role": Role.STUDENT}, follow=True
    )
    assert not Invitation.objects.exists()
    assert [m.level_tag for m in response.context["messages"]] == ["info"]
