"""How long a login lasts on the device: a student or parent who joined without a password
keeps it (a persistent cookie of FAMILY_SESSION_DAYS), staff keep the session that ends with
the browser. Asserted on the Set-Cookie of the real responses, and by "restarting the browser":
a new client that keeps only the cookies with an expiry, as a browser does."""

from http.cookies import SimpleCookie

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from invitations import services
from roles.models import Role

from ...factories import PASSWORD, UserFactory, make_person
from ..helpers import issue, landing, roster_member

DAY = 24 * 60 * 60


def session_cookie(response):
    cookie = response.cookies.get(settings.SESSION_COOKIE_NAME)
    assert cookie is not None and cookie.value, "the response sets no session cookie"
    return cookie


def is_persistent(cookie) -> bool:
    return bool(cookie["max-age"] or cookie["expires"])


def restarted(client: Client) -> Client:
    """The browser closed and opened again: cookies without an expiry are gone."""
    kept = SimpleCookie()
    for name, morsel in client.cookies.items():
        if is_persistent(morsel):
            kept[name] = morsel.value
    fresh = Client()
    fresh.cookies = kept
    return fresh


def my_chats(institution) -> str:
    return reverse("chats:my", args=[institution.pk])


@pytest.fixture(autouse=True)
def family_days(settings):
    settings.FAMILY_SESSION_DAYS = 180


@pytest.mark.parametrize("role", [Role.STUDENT, Role.PARENT])
def test_a_personal_link_login_lasts_on_the_device(institution, klass, admin_user, role):
    person = roster_member(klass, role)
    _invitation, token = issue(klass, role, admin_user, person=person)
    client = Client()

    response = client.post(landing(token), {"action": "join"})

    cookie = session_cookie(response)
    assert int(cookie["max-age"]) == 180 * DAY
    assert cookie["expires"]
    assert restarted(client).get(my_chats(institution)).status_code == 200


def test_a_class_link_request_login_lasts_on_the_device(institution, klass, admin_user):
    _invitation, token = issue(klass, Role.PARENT, admin_user, max_uses=None)
    client = Client()

    response = client.post(
        landing(token),
        {"action": "request", "last_name": "Орлова", "first_name": "Анна", "child_name": "Вера"},
    )

    assert response.status_code == 200  # «the request is sent»
    assert int(session_cookie(response)["max-age"]) == 180 * DAY
    # After a restart the home page still knows them: it shows the waiting request.
    home = restarted(client).get(reverse("home"))
    assert home.status_code == 200
    assert list(home.context["waiting_requests"])


def test_a_signin_link_login_lasts_on_the_device(institution, admin_user):
    user = services.passwordless_user(first_name="Вера", last_name="Орлова")
    make_person(institution, user=user)
    _link, token = services.issue_signin_link(person=user.people.get(), by=admin_user)
    client = Client()

    response = client.post(reverse("signin", args=[token]))

    assert response.status_code == 302
    assert int(session_cookie(response)["max-age"]) == 180 * DAY


def test_a_staff_login_ends_with_the_browser(institution, staff_room, admin_user):
    _invitation, token = issue(staff_room, Role.TEACHER, admin_user)
    client = Client()

    response = client.post(
        landing(token),
        {
            "action": "signup",
            "signup-last_name": "Петрова",
            "signup-first_name": "Нина",
            "signup-email": "nina@example.org",
            "signup-username": "n.petrova",
            "signup-password1": "Kx9-long-pass",
            "signup-password2": "Kx9-long-pass",
        },
    )

    assert response.status_code == 302
    assert not is_persistent(session_cookie(response))
    assert restarted(client).get(my_chats(institution)).status_code == 302  # to the login

    teacher = UserFactory()
    other = Client()
    login = other.post(reverse("login"), {"username": teacher.username, "password": PASSWORD})
    assert not is_persistent(session_cookie(login))


def test_a_family_member_signs_out_and_comes_back_by_a_signin_link(institution, klass, admin_user):
    person = roster_member(klass, Role.STUDENT)
    _invitation, token = issue(klass, Role.STUDENT, admin_user, person=person)
    client = Client()
    client.post(landing(token), {"action": "join"})

    client.post(reverse("logout"))
    assert client.get(my_chats(institution)).status_code == 302  # signed out

    person.refresh_from_db()
    _link, signin_token = services.issue_signin_link(person=person, by=admin_user)
    response = client.post(reverse("signin", args=[signin_token]))
    assert response["Location"] == my_chats(institution)
    assert client.get(my_chats(institution)).status_code == 200
