"""Sign-in links through HTTP: the person's page, issuing one (shown once with its QR code),
revoking it, and the public landing `/signin/<token>/` (404 unknown, 410 expired, used or
revoked; never a 500; rate-limited)."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from invitations import services
from invitations.models import SignInLink, SignInStatus
from roles import services as roles_services
from roles.models import AuditEvent, PersonKind, Role

from ...conftest import login
from ...factories import START, make_member, make_person
from ..helpers import text_of


@pytest.fixture
def kid(institution, klass):
    """A student of 3А who joined without a password (and lost the way back)."""
    user = services.passwordless_user(first_name="Вера", last_name="Орлова")
    person = make_person(
        institution, kind=PersonKind.STUDENT, last_name="Орлова", first_name="Вера", user=user
    )
    roles_services.enrol(person=person, unit=klass, role=Role.STUDENT, effective_date=START)
    return person


def person_page(institution, person) -> str:
    return reverse("roles:person", args=[institution.pk, person.pk])


def issue_page(institution, person) -> str:
    return reverse("invitations:signin_issue", args=[institution.pk, person.pk])


def landing(token: str) -> str:
    return reverse("signin", args=[token])


def logged_in_user_id(client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def test_the_admin_issues_a_link_after_a_confirmation_and_sees_it_once(
    institution, kid, admin_client, admin_user
):
    page = admin_client.get(person_page(institution, kid))
    assert issue_page(institution, kid) in text_of(page)

    confirm = admin_client.get(issue_page(institution, kid))
    assert confirm.status_code == 200
    assert not SignInLink.objects.exists()  # a GET issues nothing

    created = admin_client.post(issue_page(institution, kid))

    assert created.status_code == 200
    url = created.context["url"]
    token = url.rstrip("/").rsplit("/", 1)[1]
    html = text_of(created)
    assert url in html and "<svg" in html  # the link and its QR code
    link = SignInLink.objects.get()
    assert link.token_hash == services.hash_token(token) and token not in link.token_hash
    assert AuditEvent.objects.filter(action="signin.issue", actor=admin_user).count() == 1
    # The person's page lists it with its status, never the link itself.
    again = text_of(admin_client.get(person_page(institution, kid)))
    assert token not in again
    assert str(SignInStatus.ACTIVE.label) in again


@pytest.mark.parametrize("role", [Role.DEPUTY, Role.TEACHER])
def test_others_cannot_issue_one(institution, klass, kid, role):
    staff = make_member(institution, role, klass if role == Role.TEACHER else None)
    client = login(staff.user)
    assert client.get(issue_page(institution, kid)).status_code == 403
    assert client.post(issue_page(institution, kid)).status_code == 403
    assert not SignInLink.objects.exists()


def test_the_director_issues_one(institution, kid, director_user):
    client = login(director_user)
    assert client.post(issue_page(institution, kid)).status_code == 200
    assert SignInLink.objects.get().created_by == director_user


def test_a_person_without_a_passwordless_login_gets_no_link(institution, klass, admin_client):
    teacher = make_member(institution, Role.TEACHER, klass)
    response = admin_client.post(issue_page(institution, teacher))
    assert response.status_code == 302
    assert response["Location"] == person_page(institution, teacher)
    assert not SignInLink.objects.exists()


def test_the_admin_revokes_a_link(institution, kid, admin_client, admin_user):
    link, token = services.issue_signin_link(person=kid, by=admin_user)
    revoke = reverse("invitations:signin_revoke", args=[institution.pk, link.pk])

    assert admin_client.get(revoke).status_code == 200
    response = admin_client.post(revoke)

    assert response["Location"] == person_page(institution, kid)
    link.refresh_from_db()
    assert link.status == SignInStatus.REVOKED
    assert Client().get(landing(token)).status_code == 410


# --- the landing --------------------------------------------------------------------------------


def test_a_link_says_whom_it_signs_in_then_signs_in_once(institution, kid, admin_user):
    _link, token = services.issue_signin_link(person=kid, by=admin_user)
    client = Client()

    page = client.get(landing(token))
    assert page.status_code == 200
    assert "Орлова Вера" in text_of(page)
    assert logged_in_user_id(client) is None  # a GET signs nobody in

    response = client.post(landing(token))

    assert response.status_code == 302
    assert response["Location"] == reverse("chats:my", args=[institution.pk])
    assert logged_in_user_id(client) == kid.user_id
    assert client.get(response["Location"]).status_code == 200

    for method in ("get", "post"):
        again = getattr(Client(), method)(landing(token))
        assert again.status_code == 410
        assert again.context["reason"] == SignInStatus.USED
    assert SignInLink.objects.get().status == SignInStatus.USED


def test_an_expired_link_is_410(institution, kid, admin_user):
    link, token = services.issue_signin_link(person=kid, by=admin_user)
    SignInLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    client = Client()
    for response in (client.get(landing(token)), client.post(landing(token))):
        assert response.status_code == 410
        assert response.context["reason"] == SignInStatus.EXPIRED
    assert logged_in_user_id(client) is None


def test_a_revoked_link_is_410(institution, kid, admin_user):
    link, token = services.issue_signin_link(person=kid, by=admin_user)
    services.revoke_signin_link(link=link, by=admin_user)
    response = Client().post(landing(token))
    assert response.status_code == 410
    assert response.context["reason"] == SignInStatus.REVOKED


def test_an_unknown_link_is_404(db):
    for method in ("get", "post"):
        response = getattr(Client(), method)(landing(services.new_token()))
        assert response.status_code == 404
        assert response.context["reason"] == "unknown"


def test_the_landing_is_rate_limited(institution, kid, admin_user):
    _link, token = services.issue_signin_link(person=kid, by=admin_user)
    with override_settings(INVITE_RATE_LIMIT_PER_MINUTE=2):
        client = Client(REMOTE_ADDR="10.77.0.1")  # counted apart from other tests' landings
        assert client.get(landing(token)).status_code == 200
        assert client.get(landing("x" * 43)).status_code == 404
        assert client.post(landing(token)).status_code == 429
    assert SignInLink.objects.get().status == SignInStatus.ACTIVE


def test_no_signin_token_reaches_the_log_or_the_database(caplog, institution, kid, admin_user):
    import io
    import logging

    from sferum_portal.logging import RedactInviteTokens

    from ..helpers import all_table_values

    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RedactInviteTokens) for f in h.filters)
    )
    link, used = services.issue_signin_link(person=kid, by=admin_user)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, "django.request"):
            assert Client().post(landing(used)).status_code == 302
            assert Client().get(landing(used)).status_code == 410
            unknown = services.new_token()
            assert Client().get(landing(unknown)).status_code == 404
    finally:
        handler.setStream(previous)
    for token in (used, unknown):
        assert token not in caplog.text
        assert token not in buffer.getvalue()
    assert "/signin/[hidden]/" in buffer.getvalue()
    assert used not in all_table_values()
