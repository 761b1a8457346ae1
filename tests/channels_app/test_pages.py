"""The channels pages as each role uses them: the permission matrix, forms, texts, the demo."""

import datetime as dt
import html
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import get_resolver
from django.utils import translation

from channels_app import services
from channels_app.models import (
    Channel,
    ChannelAuthor,
    Event,
    EventKind,
    Post,
    PostHistory,
    PostState,
    SupportRequest,
    SupportStatus,
)
from roles import permissions as role_permissions
from roles.models import Person, Role, TodoItem, UnitKind

from ..factories import UserFactory, make_institution, make_member, make_unit
from .helpers import (
    channel,
    event,
    future,
    member,
    page,
    post_in_state,
    post_row,
    shared_data,
    teacher,
    text_of,
)

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


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with shared_data(django_db_blocker):
        institution = make_institution("Школа № 7")
        klass = make_unit(institution, UnitKind.CLASS, "4А")
        admin = make_member(institution, Role.ADMIN).user
        director = make_member(institution, Role.DIRECTOR).user
        users = {
            "director": director,
            "deputy": make_member(institution, Role.DEPUTY).user,
            "admin": admin,
            "teacher": teacher(institution, klass).user,
            "student": member(klass, Role.STUDENT).user,
            "parent": member(klass, Role.PARENT).user,
            "no_role": UserFactory(),
            "outsider": make_member(make_institution(), Role.ADMIN).user,
            "superuser": UserFactory(is_superuser=True, is_staff=True),
        }
        news = channel(institution, admin, "everyone", "Новости")
        published = post_in_state(news, director, admin, PostState.PUBLISHED)
        submitted = post_in_state(news, director, admin, PostState.SUBMITTED)
        author = services.allow_author(
            institution=institution,
            person=teacher(institution, klass),
            by=admin,
        )
        broadcast = event(institution, admin, future(3), now=future(0))
        support = services.create_support_request(
            institution=institution, subject="Не приходит код", description="Описание.", by=admin
        )
        ids = {
            "post": [published.pk],
            "post_edit": [submitted.pk],
            "post_link": [published.pk],
            "post_transition": [submitted.pk, "approve"],
            "channel_edit": [news.pk],
            "channel_archive": [news.pk],
            "author_remove": [author.pk],
            "event": [broadcast.pk],
            "event_edit": [broadcast.pk],
            "event_action": [broadcast.pk, "cancel"],
            "support_detail": [support.pk],
        }
        yield {"institution": institution, "klass": klass, "users": users, "ids": ids}


def client_of(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


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


# --- texts --------------------------------------------------------------------------------------


def ru(msgid: str) -> str:
    with translation.override("ru"):
        text = translation.gettext(msgid)
    assert re.search("[а-яё]", text, re.I), f"not translated: {msgid}"
    return text


def test_the_pages_speak_russian_and_show_empty_states(world, db):
    institution, users = world["institution"], world["users"]
    client = client_of(users["parent"])
    text = html.unescape(text_of(client.get(page("feed", institution))))
    assert "Лента" in text and "Новости" in text
    text = html.unescape(text_of(client.get(page("events", institution) + "?period=past")))
    assert ru("No events match.") in text
    director = client_of(users["director"])
    text = html.unescape(text_of(director.get(page("queue", institution) + "?state=rejected")))
    assert ru("My posts") in text and ru("No posts here.") in text


def test_an_empty_feed_and_event_list_say_so_in_russian(institution, klass):
    parent = member(klass, Role.PARENT).user
    client = client_of(parent)
    text = html.unescape(text_of(client.get(page("feed", institution))))
    assert ru("Nothing has been published for you yet.") in text
    text = html.unescape(text_of(client.get(page("events", institution))))
    assert ru("No upcoming events for you.") in text


def test_the_preview_shows_the_post_without_saving_it(world, db):
    institution, users = world["institution"], world["users"]
    news = Channel.objects.get(institution=institution)
    client = client_of(users["director"])
    before = Post.objects.count()
    response = client.post(
        page("post_create", institution),
        {
            "channel": news.pk,
            "title": "Заголовок для предпросмотра",
            "body": "Первый абзац.\n\nВторой абзац.",
            "preview": "1",
        },
    )
    assert response.status_code == 200
    text = html.unescape(text_of(response))
    assert ru("Preview: this is how the post will look") in text
    assert "Заголовок для предпросмотра" in text and "<p>Второй абзац.</p>" in text
    assert Post.objects.count() == before

    response = client.post(
        page("post_create", institution),
        {"channel": news.pk, "title": "Сохранённый", "body": "Текст.", "submit": "1"},
    )
    assert response.status_code == 302
    saved = Post.objects.get(title="Сохранённый")
    assert saved.state == PostState.SUBMITTED and saved.author == users["director"]


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


def day_of(text: str, title: str) -> int:
    """The day number of the calendar cell that shows `title`."""
    cells = text.split('<td class="calendar-day')[1:]
    found = [c for c in cells if title in c]
    assert len(found) == 1, f"{title} in {len(found)} cells"
    return int(re.search(r'fw-semibold">(\d+)</div>', found[0]).group(1))


def test_the_calendar_shows_an_event_on_its_local_day_in_vladivostok(db):
    institution = make_institution(timezone="Asia/Vladivostok")
    admin = make_member(institution, Role.ADMIN).user
    starts = dt.datetime(2031, 3, 10, 8, 0, tzinfo=ZoneInfo("Asia/Vladivostok"))
    assert starts.astimezone(dt.UTC).day == 9  # 22:00 UTC the day before
    event(institution, admin, starts, title="Утренняя трансляция", now=future(0))
    late = dt.datetime(2031, 3, 31, 23, 30, tzinfo=ZoneInfo("Asia/Vladivostok"))
    event(institution, admin, late, title="Поздняя трансляция", now=future(0))

    response = client_of(admin).get(page("calendar", institution) + "?month=2031-03")
    assert response.status_code == 200
    text = text_of(response)
    assert day_of(text, "Утренняя трансляция") == 10
    assert "08:00 Утренняя трансляция" in text
    assert day_of(text, "Поздняя трансляция") == 31
    april = text_of(client_of(admin).get(page("calendar", institution) + "?month=2031-04"))
    assert "Поздняя трансляция" not in april or day_of(april, "Поздняя трансляция") == 31


# --- the demo -----------------------------------------------------------------------------------


def test_seed_demo_adds_channels_posts_events_and_support_once(db):
    from django.utils import timezone

    call_command("seed_demo", verbosity=0)
    assert Channel.objects.count() >= 3
    states = set(Post.objects.values_list("state", flat=True))
    assert len(states) >= 6, states
    now = timezone.now()
    for kind in EventKind.values:
        assert Event.objects.filter(kind=kind, starts_at__lt=now).exists(), f"no past {kind}"
        assert Event.objects.filter(kind=kind, starts_at__gt=now).exists(), f"no future {kind}"
    assert SupportRequest.objects.exists()
    assert ChannelAuthor.objects.exists()

    def counts():
        return [
            m.objects.count()
            for m in (Channel, Post, PostHistory, Event, SupportRequest, ChannelAuthor, TodoItem)
        ]

    before = counts()
    call_command("seed_demo", verbosity=0)
    assert counts() == before
