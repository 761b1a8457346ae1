"""No raw invitation token, password or chat link reaches a log line, even at DEBUG."""

import io
import logging
import re

import pytest
from django.test import Client
from django.urls import reverse

from chats.models import Chat
from invitations.models import Invitation
from roles.models import PersonKind, Role, UnitKind

from ..factories import PASSWORD, make_institution, make_member, make_person, make_unit

CHAT_LINK = "https://vk.me/join/AbCdEf123456"
NEW_PASSWORD = "Very-long-secret-77"
WRONG = "wrong-password-42"


@pytest.fixture
def console(settings):
    """The output of the configured console handler (what the journal gets), at DEBUG."""
    settings.AXES_ENABLED = True
    root = logging.getLogger()
    handlers = [h for h in root.handlers if isinstance(h, logging.StreamHandler)]
    handler = next(
        h for h in handlers if any(type(f).__name__ == "RedactInviteTokens" for f in h.filters)
    )
    request_logger = logging.getLogger("django.request")  # ERROR in the test settings
    stream, levels = io.StringIO(), (root.level, request_logger.level)
    old_stream = handler.setStream(stream)
    root.setLevel(logging.DEBUG)
    request_logger.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.setLevel(levels[0])
        request_logger.setLevel(levels[1])
        handler.setStream(old_stream)


@pytest.fixture
def school(db):
    """Made before the log capture starts: the test factories log their own password."""
    from roles import services

    institution = make_institution()
    klass = make_unit(institution, UnitKind.CLASS, "7А")
    admin = make_member(institution, Role.ADMIN).user
    teacher = make_member(institution, Role.TEACHER, klass, verified=True).user
    student = make_person(institution, kind=PersonKind.STUDENT, last_name="Логова")
    services.enrol(person=student, unit=klass, role=Role.STUDENT, effective_date=klass.created_at)
    return institution, klass, admin, teacher


def test_the_flows_with_secrets_log_none_of_them(school, console, caplog):
    caplog.set_level(logging.DEBUG)
    institution, klass, admin, teacher = school
    secrets = [PASSWORD, NEW_PASSWORD, WRONG, CHAT_LINK, "AbCdEf123456"]

    # The administrator issues a teacher's link (through the page).
    admin_client = Client()
    admin_client.force_login(admin)
    response = admin_client.post(
        reverse("invitations:create", args=[institution.pk]),
        {"unit": klass.pk, "role": Role.TEACHER, "link_kind": "single", "valid_days": 7},
    )
    assert response.status_code == 200, response.content.decode()[:3000]
    url = re.search(r'value="(http[^"]+/invite/[^"]+)"', response.content.decode())[1]
    token = url.rstrip("/").rsplit("/", 1)[1]
    secrets += [token, url]

    # The teacher-to-be opens the landing, fails to log in once, then signs up.
    newcomer = Client()
    landing = reverse("invite", args=[token])
    assert newcomer.get(landing).status_code == 200
    newcomer.post(
        landing, {"action": "login", "login-username": admin.username, "login-password": WRONG}
    )
    response = newcomer.post(
        landing,
        {
            "action": "signup",
            "signup-username": "log.teacher",
            "signup-first_name": "Анна",
            "signup-last_name": "Смирнова",
            "signup-email": "anna@example.org",
            "signup-password1": NEW_PASSWORD,
            "signup-password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302

    # A wrong password on the login page, then the right one.
    client = Client()
    client.post("/accounts/login/", {"username": teacher.username, "password": WRONG})
    client.post("/accounts/login/", {"username": teacher.username, "password": PASSWORD})
    assert "_auth_user_id" in client.session

    # The teacher registers the class chat, issues the student's personal link, who joins.
    response = client.post(
        reverse("chats:create", args=[institution.pk]),
        {
            "kind": "class_students",
            "unit": klass.pk,
            "title": "7А: ученики",
            "platform": "vk",
            "link": CHAT_LINK,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Chat.objects.filter(link=CHAT_LINK).exists()
    response = client.post(
        reverse("invitations:bulk", args=[institution.pk]), {"unit": klass.pk, "role": "student"}
    )
    assert response.status_code == 200
    # The sheet has the link in its QR code and, under it, the short code to type.
    shown = re.search(r'class="qr-card-short">([A-Z0-9-]{11})<', response.content.decode())[1]
    personal = shown.replace("-", "")
    secrets += [shown, personal]
    student_client = Client()
    response = student_client.post(reverse("invite_code"), {"code": shown.lower()})
    assert response.status_code == 302
    response = student_client.post(response["Location"], {"action": "join"})
    assert response.status_code == 302
    # A link that does not exist is logged as a 404 (by django.request).
    student_client.get("/invite/not-a-real-token-0123456789/")
    secrets.append("not-a-real-token-0123456789")

    assert Invitation.objects.count() >= 2
    output = console.getvalue()
    records = "\n".join(
        f"{r.name} {r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records
    )
    # The logs did run, and named the invitation paths without their tokens.
    assert "Not Found: /invite/[hidden]/" in output
    assert f"Login failed: {admin.username}" in output
    for secret in secrets:
        assert secret not in output, f"{secret!r} in the console log:\n{output}"
        assert secret not in records, f"{secret!r} in a log record:\n{records}"


def test_a_403_or_a_404_is_one_line_without_a_traceback(caplog, db):
    import logging

    from django.test import Client

    from roles.models import Role

    from ..factories import make_institution, make_member

    institution = make_institution()
    student = make_member(institution, Role.STUDENT).user
    client = Client()
    client.force_login(student)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(f"/structure/{institution.pk}/audit/").status_code == 403
        assert client.get("/invite/no-such-token-0123456789012345678/").status_code == 404
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 2
    assert all(r.exc_info is None and "\n" not in r.getMessage() for r in records)
    assert "Forbidden" in records[0].getMessage()


def test_the_nginx_site_keeps_secret_paths_out_of_the_access_log():
    import re
    from pathlib import Path

    conf = (Path(__file__).resolve().parents[2] / "deploy/nginx/sferum-portal.conf").read_text()
    for prefix in ("/invite/", "/signin/", "/channels/feeds/"):
        block = re.search(r"location " + re.escape(prefix) + r" \{(.*?)\}", conf, re.S)
        assert block and "access_log off;" in block[1], prefix
