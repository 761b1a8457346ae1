"""Login lockout (django-axes): 5 failures per username and address lock that pair for 15 min."""

import datetime as dt

import pytest
from axes.models import AccessAttempt, AccessLog
from django.test import Client
from django.urls import reverse

from invitations import services as invitation_services
from roles.models import PersonKind, Role

from ..factories import PASSWORD, make_institution, make_member, make_person, make_unit

LOGIN = "/accounts/login/"
WRONG = "wrong-password-42"


@pytest.fixture(autouse=True)
def axes_on(settings, db):
    settings.AXES_ENABLED = True
    assert settings.AXES_FAILURE_LIMIT == 5
    assert dt.timedelta(minutes=15) == settings.AXES_COOLOFF_TIME


@pytest.fixture
def user(db):
    return make_member(make_institution(), Role.DIRECTOR).user


def attempt(client, username, password, address="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_five_failures_lock_the_username_from_that_address(user):
    client = Client()
    for _ in range(4):
        response = attempt(client, user.username, WRONG)
        assert response.status_code == 200  # the form again, with its error
    response = attempt(client, user.username, WRONG)
    assert response.status_code == 429
    text = response.content.decode()
    assert "Вход временно заблокирован" in text and "15" in text
    # Locked: the right password does not help now.
    response = attempt(client, user.username, PASSWORD)
    assert response.status_code == 429 and not logged_in(client)
    # Another address, or another name from this one, is not locked.
    other = Client()
    assert attempt(other, user.username, PASSWORD, address="10.0.0.2").status_code == 302
    assert logged_in(other)


def test_the_lock_ends_after_the_cool_off(user):
    client = Client()
    for _ in range(5):
        attempt(client, user.username, WRONG)
    assert attempt(client, user.username, PASSWORD).status_code == 429
    # Fifteen minutes later (the attempts are dated in the database).
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16))
    assert attempt(client, user.username, PASSWORD).status_code == 302
    assert logged_in(client)


def test_a_successful_login_resets_the_count(user):
    client = Client()
    for _ in range(4):
        attempt(client, user.username, WRONG)
    assert attempt(client, user.username, PASSWORD).status_code == 302
    client.post(reverse("logout"), REMOTE_ADDR="10.0.0.1")
    for _ in range(4):
        assert attempt(client, user.username, WRONG).status_code == 200
    assert attempt(client, user.username, PASSWORD).status_code == 302


def test_the_invitation_login_form_counts_and_locks_too(user):
    institution = make_institution()
    klass = make_unit(institution)
    admin = make_member(institution, Role.ADMIN).user
    _inv, token = invitation_services.create_invitation(
        unit=klass, role=Role.TEACHER, created_by=admin, max_uses=5
    )
    client = Client()
    url = reverse("invite", args=[token])
    data = {"action": "login", "login-username": user.username, "login-password": WRONG}
    statuses = [client.post(url, data, REMOTE_ADDR="10.0.0.3").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    data["login-password"] = PASSWORD
    assert client.post(url, data, REMOTE_ADDR="10.0.0.3").status_code == 429
    # What axes keeps of the attempts: neither the password nor the invitation's token.
    stored = " ".join(
        f"{a.path_info} {a.get_data} {a.post_data} {a.username}"
        for a in AccessAttempt.objects.all()
    )
    assert WRONG not in stored and PASSWORD not in stored and token not in stored
    assert "/invite/[hidden]/" in stored


def test_every_login_flow_works_with_the_lockout_on(db):
    """Password login, signing up and the passwordless personal link, axes switched on."""
    institution = make_institution()
    klass = make_unit(institution)
    admin = make_member(institution, Role.ADMIN).user
    # Password login.
    client = Client()
    assert attempt(client, admin.username, PASSWORD).status_code == 302 and logged_in(client)
    # Signing up through a teacher's link.
    _inv, token = invitation_services.create_invitation(
        unit=klass, role=Role.TEACHER, created_by=admin, max_uses=1
    )
    client = Client()
    response = client.post(
        reverse("invite", args=[token]),
        {
            "action": "signup",
            "signup-username": "new.teacher",
            "signup-first_name": "Анна",
            "signup-last_name": "Смирнова",
            "signup-email": "anna@example.org",
            "signup-password1": "Very-long-secret-77",
            "signup-password2": "Very-long-secret-77",
        },
        REMOTE_ADDR="10.0.0.4",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert logged_in(client)
    # A student's personal link: no password at all.
    student = make_person(institution, kind=PersonKind.STUDENT, last_name="Ученикова")
    _inv, token = invitation_services.create_invitation(
        unit=klass, role=Role.STUDENT, created_by=admin, person=student
    )
    client = Client()
    response = client.post(
        reverse("invite", args=[token]), {"action": "join"}, REMOTE_ADDR="10.0.0.5"
    )
    assert response.status_code == 302 and logged_in(client)
    # Successful logins are logged by axes without the token of the path.
    assert not AccessLog.objects.filter(path_info__contains=token).exists()
    assert AccessLog.objects.filter(path_info="/invite/[hidden]/").count() == 2


def test_a_login_without_a_usable_client_address_still_works(user, settings):
    """Axes keeps the address in an address column: a forged X-Forwarded-For or a request
    without REMOTE_ADDR is recorded without one (PostgreSQL refused the text)."""
    settings.RATE_LIMIT_TRUST_FORWARDED_FOR = True
    client = Client()
    response = client.post(
        LOGIN,
        {"username": user.username, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="not-an-address",
    )
    assert response.status_code == 302 and logged_in(client)
    Client().force_login(user)  # a request built without REMOTE_ADDR
    assert AccessLog.objects.filter(ip_address__isnull=True).count() == 2
