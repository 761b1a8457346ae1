"""The permission matrix of the invitation pages: every view × every role.

Written out by hand, independently of roles/permissions.py.
"""

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from invitations import services
from invitations.models import JoinRequest
from roles.models import Role, UnitKind

from .conftest import login
from .factories import UserFactory, make_institution, make_member, make_person, make_unit

MANAGERS = {"director", "admin"}
STAFF_INVITERS = {"director", "admin", "teacher"}

# url name -> (roles allowed, status for an allowed GET)
MATRIX = {
    "list": (STAFF_INVITERS, 200),
    "create": (STAFF_INVITERS, 200),
    "bulk": (STAFF_INVITERS, 200),
    "policy": (MANAGERS, 200),
    "detail": (MANAGERS, 200),  # the admin's link: not the teacher's to see
    "revoke": (MANAGERS, 200),
    "resend": (STAFF_INVITERS, 405),  # POST only; the link itself is checked on POST
    "revoke_unit": (MANAGERS, 200),
    "requests": ({"admin"}, 200),
    "decide_request": ({"admin"}, 405),  # POST only
    # The administration confirms teachers' status like the admins (issue 13, 2.2.4).
    "verification": ({"director", "deputy", "admin"}, 200),
    "verify": ({"director", "deputy", "admin"}, 405),  # POST only
    "signin_issue": (MANAGERS, 200),
    "signin_revoke": (MANAGERS, 200),
    # The lists' exports and print views: for those who see the list (a teacher: their links).
    **{f"list_{fmt}": (STAFF_INVITERS, 200) for fmt in ("xlsx", "csv", "print")},
    **{f"requests_{fmt}": ({"admin"}, 200) for fmt in ("xlsx", "csv", "print")},
}
ROLES = [
    "anonymous", "director", "deputy", "admin", "teacher", "student", "parent", "outsider",
    "superuser",
]  # fmt: skip


@pytest.fixture
def world(db):
    institution = make_institution()
    klass = make_unit(institution, UnitKind.CLASS, "2А")
    users = {
        "director": make_member(institution, Role.DIRECTOR).user,
        "deputy": make_member(institution, Role.DEPUTY).user,
        "admin": make_member(institution, Role.ADMIN).user,
        "teacher": make_member(institution, Role.TEACHER, klass, verified=True).user,
        "student": make_member(institution, Role.STUDENT, klass).user,
        "parent": make_member(institution, Role.PARENT, klass).user,
        "superuser": UserFactory(is_superuser=True, is_staff=True),
        "outsider": make_member(make_institution(), Role.ADMIN).user,
    }
    invitation, _token = services.create_invitation(
        unit=klass, role=Role.STUDENT, created_by=users["admin"], email="", max_uses=5
    )
    _class_link, token = services.create_invitation(
        unit=klass, role=Role.PARENT, created_by=users["admin"], max_uses=None
    )
    _user, join_request = services.request_as_guest(
        token=token, user=None, last_name="Орлова", first_name="Мария", child_name="Орлов Ваня"
    )
    assert isinstance(join_request, JoinRequest)
    pending_teacher = make_member(institution, Role.TEACHER)
    # A student who joined without a password: the sign-in link pages are about them.
    kid = make_person(
        institution,
        last_name="Беспарольный",
        user=services.passwordless_user(first_name="Коля", last_name="Беспарольный"),
    )
    signin_link, _token = services.issue_signin_link(person=kid, by=users["admin"])
    ids = {
        "detail": invitation.pk,
        "revoke": invitation.pk,
        "resend": invitation.pk,
        "revoke_unit": klass.pk,
        "decide_request": join_request.pk,
        "verify": pending_teacher.pk,
        "signin_issue": kid.pk,
        "signin_revoke": signin_link.pk,
    }
    return institution, users, ids


def test_the_matrix_covers_every_view_of_the_app():
    names = {p.name for p in get_resolver("invitations.urls").url_patterns}
    assert names - {"home"} == set(MATRIX), "add the new view to MATRIX"


@pytest.mark.parametrize("role", ROLES)
def test_every_invitation_view_answers_each_role_as_the_rules_say(world, role):
    institution, users, ids = world
    client = login(users[role]) if role != "anonymous" else Client()
    wrong = []
    for name, (allowed, ok_status) in MATRIX.items():
        args = [institution.pk] + ([ids[name]] if name in ids else [])
        response = client.get(reverse(f"invitations:{name}", args=args))
        if role == "anonymous":
            expected = 302
        elif role == "outsider":
            expected = 404
        elif role == "superuser" or role in allowed:
            expected = ok_status
        else:
            expected = 403
        if response.status_code != expected:
            wrong.append((name, response.status_code, expected))
    assert wrong == []


def test_a_teacher_cannot_resend_or_revoke_somebody_elses_link(world):
    institution, users, ids = world
    client = login(users["teacher"])
    for name in ("resend", "revoke"):
        url = reverse(f"invitations:{name}", args=[institution.pk, ids[name]])
        assert client.post(url).status_code == 403


def test_the_landing_page_is_public(world):
    institution, users, ids = world
    # An address of its own: the rate limit's count of 127.0.0.1 is shared with the tests
    # that ran before in this process (the URL walk opens every landing page).
    client = Client(REMOTE_ADDR="10.20.30.40")
    assert client.get(reverse("invite", args=["no-such-token"])).status_code == 404
