"""Login throttling (roles.login) that a school's shared address cannot turn against the real
user: per login from unknown devices, per address, per known device; a code by e-mail; the
administrator's page of locks."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from invitations import services as invitation_services
from roles.login import devices
from roles.models import AuditEvent, LoginFailure, PersonKind, Role

from ..factories import PASSWORD, make_institution, make_member, make_person, make_unit

LOGIN = "/accounts/login/"
WRONG = "wrong-password-42"
SCHOOL = "10.20.30.40"  # the school's one NAT address


@pytest.fixture(autouse=True)
def limits(settings):
    # The defaults the README documents.
    assert (settings.LOGIN_USERNAME_FAILURES, settings.LOGIN_ADDRESS_FAILURES) == (10, 30)
    assert (settings.LOGIN_DEVICE_FAILURES, settings.LOGIN_WINDOW_MINUTES) == (10, 60)


@pytest.fixture
def institution(db):
    return make_institution()


@pytest.fixture
def director(institution):
    user = make_member(institution, Role.DIRECTOR).user
    user.email = "director@school.example"
    user.save()
    return user


def attempt(client, username, password, address=SCHOOL):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def known_device(user, address=SCHOOL) -> Client:
    """A browser where `user` has logged in before (and then logged out)."""
    client = Client()
    assert attempt(client, user.username, PASSWORD, address).status_code == 302
    assert devices.COOKIE in client.cookies
    client.post(reverse("logout"), REMOTE_ADDR=address)
    assert not logged_in(client)
    return client


def test_a_pupil_cannot_lock_the_director_out_of_a_known_device(director):
    office = known_device(director)
    pupil = Client()
    codes = [attempt(pupil, director.username, WRONG).status_code for _ in range(12)]
    # Ten wrong passwords from unknown devices, then the login is paused for unknown devices.
    assert codes == [200] * 10 + [429, 429]
    page = attempt(pupil, director.username, PASSWORD).content.decode()
    assert "Вход временно заблокирован" in page and "незнакомых устройств" in page
    assert not logged_in(pupil)
    # The director, behind the same address, on the computer they always use: in at once.
    assert attempt(office, director.username, PASSWORD).status_code == 302
    assert logged_in(office)


def test_failures_on_a_known_device_count_for_that_device_only(director):
    office = known_device(director)
    codes = [attempt(office, director.username, WRONG).status_code for _ in range(11)]
    assert codes == [200] * 10 + [429]
    # Another known device of the director is not affected, nor is the login for others.
    laptop = known_device(director, address="10.0.0.9")
    assert attempt(laptop, director.username, PASSWORD, "10.0.0.9").status_code == 302


def test_password_spraying_from_one_address_is_stopped(institution):
    users = [make_member(institution, Role.TEACHER).user for _ in range(35)]
    sprayer = Client()
    codes = [attempt(sprayer, user.username, "Summer2026!").status_code for user in users]
    # Thirty failures from the address, each against another login: then the address is paused.
    assert codes[:30] == [200] * 30 and set(codes[30:]) == {429}
    page = attempt(sprayer, users[0].username, PASSWORD).content.decode()
    assert "Из этой сети" in page
    # Elsewhere the same logins work.
    assert attempt(Client(), users[0].username, PASSWORD, address="192.0.2.7").status_code == 302


def test_the_window_slides(director):
    pupil = Client()
    for _ in range(10):
        attempt(pupil, director.username, WRONG)
    assert attempt(pupil, director.username, PASSWORD).status_code == 429
    LoginFailure.objects.update(at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=61))
    assert attempt(pupil, director.username, PASSWORD).status_code == 302


def test_a_code_by_email_lets_the_real_user_in_from_a_new_device(director):
    for _ in range(10):
        attempt(Client(), director.username, WRONG)
    phone = Client()
    assert attempt(phone, director.username, PASSWORD).status_code == 429
    url = reverse("login_code")
    response = phone.post(
        url, {"action": "send", "username": director.username}, REMOTE_ADDR=SCHOOL
    )
    assert response.status_code == 200 and "код" in response.content.decode().lower()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["director@school.example"]
    code = re.search(r"\b(\d{6})\b", mail.outbox[0].body).group(1)
    # A wrong code, then the right one with a wrong password, then both right.
    data = {"action": "login", "username": director.username, "password": PASSWORD}
    assert (
        phone.post(url, {**data, "code": "000000" if code != "000000" else "111111"}).status_code
        == 200
    )
    assert phone.post(url, {**data, "password": WRONG, "code": code}).status_code == 200
    assert not logged_in(phone)
    assert phone.post(url, {**data, "code": code}, REMOTE_ADDR=SCHOOL).status_code == 302
    assert logged_in(phone)
    # The code worked once; the phone is a known device from now on.
    phone.post(reverse("logout"), REMOTE_ADDR=SCHOOL)
    assert phone.post(url, {**data, "code": code}).status_code == 200
    assert attempt(phone, director.username, PASSWORD).status_code == 302


def test_asking_for_a_code_tells_nothing_about_the_login(director):
    url = reverse("login_code")
    for name in (director.username, "no-such-login"):
        response = Client().post(url, {"action": "send", "username": name})
        assert "Если у этого входа есть адрес электронной почты" in response.content.decode()
    assert len(mail.outbox) == 1
    # At most three codes an hour.
    for _ in range(4):
        Client().post(url, {"action": "send", "username": director.username})
    assert len(mail.outbox) == 3


def test_the_admin_sees_and_lifts_a_lock_of_their_institution_only(institution, director):
    admin = make_member(institution, Role.ADMIN).user
    elsewhere = make_member(make_institution(), Role.DIRECTOR).user
    for user in (director, elsewhere):
        for _ in range(10):
            attempt(Client(), user.username, WRONG)
    page_url = reverse("roles:login_locks", args=[institution.pk])
    browser = Client()
    browser.force_login(admin)
    page = browser.get(page_url).content.decode()
    assert director.username in page and elsewhere.username not in page
    # A lock of another institution cannot be lifted from here.
    browser.post(page_url, {"scope": "username", "value": elsewhere.username})
    assert attempt(Client(), elsewhere.username, PASSWORD).status_code == 429
    response = browser.post(page_url, {"scope": "username", "value": director.username})
    assert response.status_code == 302
    assert attempt(Client(), director.username, PASSWORD).status_code == 302
    lifted = AuditEvent.objects.get(action="login.lift")
    assert lifted.institution == institution and lifted.actor == admin
    assert [lock.value for lock in browser.get(page_url).context["locks"]] == []


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.DEPUTY, Role.TEACHER, Role.STUDENT])
def test_only_admins_see_the_locks(institution, role):
    client = Client()
    client.force_login(make_member(institution, role).user)
    assert client.get(reverse("roles:login_locks", args=[institution.pk])).status_code == 403


def test_the_invitation_login_form_is_throttled_too(director, institution):
    klass = make_unit(institution)
    admin = make_member(institution, Role.ADMIN).user
    _inv, token = invitation_services.create_invitation(
        unit=klass, role=Role.TEACHER, created_by=admin, max_uses=5
    )
    url = reverse("invite", args=[token])
    data = {"action": "login", "login-username": director.username, "login-password": WRONG}
    statuses = [Client().post(url, data, REMOTE_ADDR="10.0.0.3").status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]
    data["login-password"] = PASSWORD
    assert Client().post(url, data, REMOTE_ADDR="10.0.0.3").status_code == 429
    # What is kept of the attempts: the folded login, the address, the moment.
    stored = " ".join(f"{f.username} {f.address} {f.device}" for f in LoginFailure.objects.all())
    assert WRONG not in stored and PASSWORD not in stored and token not in stored


def test_every_login_flow_works_with_the_throttle(db):
    """Password login, signing up and the passwordless personal link."""
    institution = make_institution()
    klass = make_unit(institution)
    admin = make_member(institution, Role.ADMIN).user
    client = Client()
    assert attempt(client, admin.username, PASSWORD).status_code == 302 and logged_in(client)
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
    student = make_person(institution, kind=PersonKind.STUDENT, last_name="Ученикова")
    _inv, token = invitation_services.create_invitation(
        unit=klass, role=Role.STUDENT, created_by=admin, person=student
    )
    client = Client()
    response = client.post(
        reverse("invite", args=[token]), {"action": "join"}, REMOTE_ADDR="10.0.0.5"
    )
    assert response.status_code == 302 and logged_in(client)


def test_a_login_without_a_usable_client_address_still_works(director, settings):
    """An address column takes no text: a forged X-Forwarded-For is recorded as none."""
    settings.RATE_LIMIT_TRUST_FORWARDED_FOR = "1"
    client = Client()
    response = client.post(
        LOGIN,
        {"username": director.username, "password": WRONG},
        HTTP_X_FORWARDED_FOR="not-an-address",
    )
    assert response.status_code == 200
    assert LoginFailure.objects.get().address is None
    assert attempt(client, director.username, PASSWORD).status_code == 302


def test_a_changed_password_ends_the_trust_of_known_devices(director):
    office = known_device(director)
    director.set_password("A-new-password-2026")
    director.save()
    for _ in range(10):
        attempt(Client(), director.username, WRONG)
    # The office computer no longer vouches for the login: it is an unknown device now.
    assert attempt(office, director.username, "A-new-password-2026").status_code == 429


def test_old_failed_login_records_are_deleted(director):
    from roles import tasks

    attempt(Client(), director.username, WRONG)
    LoginFailure.objects.update(at=dt.datetime.now(dt.UTC) - dt.timedelta(days=91))
    attempt(Client(), director.username, WRONG)
    assert tasks.purge_login_records() >= 1
    assert LoginFailure.objects.count() == 1
