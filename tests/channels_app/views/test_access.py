"""Every channels page answers each role as the rules say: the permission matrix."""

import pytest
from django.urls import get_resolver

from channels_app.models import Channel, EventKind
from roles import permissions as role_permissions
from roles.models import Role, UnitKind

from ...factories import make_unit
from ..helpers import client_of, event, future, page, post_row

ROLES = [
    "anonymous", "director", "deputy", "admin", "teacher", "student", "parent", "no_role",
    "outsider", "superuser",
]  # fmt: skip
# The roles of a user in the institution (superusers, outsiders and anonymous ones: none).
HOLDS = {
    "director": {Role.DIRECTOR},
    "deputy": {Role.DEPUTY},
    "admin": {Role.ADMIN, Role.TEACHER},
    "teacher": {Role.TEACHER},
    "student": {Role.STUDENT},
    "parent": {Role.PARENT},
}

# url name -> (action of roles.permissions, status of an allowed GET, object rules by role)
MATRIX = {
    "feed": ("channel.view", 200, {}),
    # A teacher the admin did not allow to write has no queue and no post form.
    "queue": ("post.write", 200, {"teacher": 403}),
    "post_create": ("post.write", 200, {"teacher": 403}),
    "post": ("channel.view", 200, {}),  # a published post for everyone
    # A submitted post of the director: the editor changes it; its author no longer may; the
    # others do not even see it.
    "post_edit": ("post.write", 200, {"director": 403, "deputy": 404, "teacher": 404}),
    "post_link": ("post.review", 405, {}),  # POST only
    "post_transition": ("channel.view", 405, {}),  # POST only
    "channels": ("channel.manage", 200, {}),
    "channel_create": ("channel.manage", 200, {}),
    "channel_edit": ("channel.manage", 200, {}),
    "channel_archive": ("channel.manage", 200, {}),  # GET: the confirmation
    "author_add": ("channel.manage", 405, {}),  # POST only
    "author_remove": ("channel.manage", 200, {}),  # GET: the confirmation
    "events": ("channel.view", 200, {}),
    "calendar": ("channel.view", 200, {}),
    "event_create": ("event.lesson", 200, {}),
    "event_record": ("event.lesson", 200, {}),  # a held event entered after the fact
    "event": ("channel.view", 200, {}),  # a broadcast for the whole institution
    # The admin planned it: only the admin (and the operator) changes it.
    "event_edit": (
        "channel.view",
        200,
        {r: 403 for r in ("director", "deputy", "teacher", "student", "parent")},
    ),
    "event_action": ("channel.view", 405, {}),  # POST only
    "feed_addresses": ("channel.view", 200, {}),
    "support": ("support.manage", 200, {}),
    "support_create": ("support.manage", 200, {}),
    "support_detail": ("support.manage", 200, {}),
    "application": ("support.manage", 200, {}),
    "help": ("channel.view", 200, {}),
    # The lists' exports and print views: for those who see the list.
    **{f"events_{fmt}": ("channel.view", 200, {}) for fmt in ("xlsx", "csv", "print")},
    **{f"support_{fmt}": ("support.manage", 200, {}) for fmt in ("xlsx", "csv", "print")},
}
# Read by calendar apps with the secret in the address (see test_feeds) and the redirect.
NOT_IN_MATRIX = {"home", "ics_personal", "ics_institution", "atom"}


def expected_status(role: str, name: str) -> int:
    action, ok_status, rules = MATRIX[name]
    if role == "anonymous":
        return 302
    if role in ("no_role", "outsider"):
        return 404
    if role == "superuser":
        return ok_status
    if not role_permissions.ACTIONS[action] & HOLDS[role]:
        return 403
    return rules.get(role, ok_status)


def test_the_matrix_covers_every_view_of_the_app():
    names = {p.name for p in get_resolver("channels_app.urls").url_patterns}
    assert names - NOT_IN_MATRIX == set(MATRIX), "add the new view to MATRIX"


@pytest.mark.parametrize("role", ROLES)
def test_every_channels_view_answers_each_role_as_the_rules_say(world, db, role):
    institution, users, ids = world["institution"], world["users"], world["ids"]
    client = client_of(users.get(role))
    wrong = []
    for name in MATRIX:
        url = page(name, institution, *ids.get(name, []))
        response = client.get(url)
        expected = expected_status(role, name)
        if response.status_code != expected:
            wrong.append(f"{name}: {response.status_code} (expected {expected})")
        elif expected == 302:
            assert response["Location"].startswith("/accounts/login/")
    assert wrong == []


@pytest.mark.parametrize("role", ROLES)
def test_the_channels_home_sends_everyone_on(world, db, role):
    institution, users = world["institution"], world["users"]
    response = client_of(users.get(role)).get("/channels/")
    assert response.status_code == 302
    if role == "anonymous":
        assert response["Location"].startswith("/accounts/login/")
    elif role in ("no_role",):
        assert response["Location"] == "/"
    elif role not in ("outsider", "superuser"):
        assert response["Location"] == page("feed", institution)


def test_unpublished_posts_and_other_classes_events_are_not_found(world, db):
    institution, users, klass = world["institution"], world["users"], world["klass"]
    draft = post_row(Channel.objects.get(institution=institution), users["director"], "draft")
    other = make_unit(institution, UnitKind.CLASS, "4Б")
    lesson = event(
        institution, users["admin"], future(4), kind=EventKind.LESSON, units=[other], now=future(0)
    )
    own = event(
        institution, users["admin"], future(4), kind=EventKind.LESSON, units=[klass], now=future(0)
    )
    draft_expected = {"director": 200, "admin": 200, "superuser": 200, "deputy": 404}
    draft_expected |= {"teacher": 404, "student": 404, "parent": 404}
    lesson_expected = {"director": 200, "deputy": 200, "admin": 200, "superuser": 200}
    lesson_expected |= {"teacher": 404, "student": 404, "parent": 404}
    for role, status in draft_expected.items():
        client = client_of(users[role])
        assert client.get(page("post", institution, draft.pk)).status_code == status, role
        assert (
            client.get(page("event", institution, lesson.pk)).status_code == (lesson_expected[role])
        ), role
    # A lesson is meant for the students of its classes (by default).
    assert client_of(users["student"]).get(page("event", institution, own.pk)).status_code == 200
    assert client_of(users["parent"]).get(page("event", institution, own.pk)).status_code == 404
    # ... and its class's own teacher knows about it.
    assert client_of(users["teacher"]).get(page("event", institution, own.pk)).status_code == 200
