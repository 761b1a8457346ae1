"""iCalendar and Atom feeds: parsed, with exactly what each user may see; the secret addresses."""

import datetime as dt
import hashlib
import re
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from channels_app import services
from channels_app.models import EventKind, FeedToken, Post, PostState
from roles.models import Role

from ..conftest import login
from ..factories import make_institution, make_member
from .helpers import channel, event, future, member, page, post_in_state, post_row, teacher

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def world(institution, klass, other_class, admin_user, director, class_teacher):
    people = {
        "director": director.user,
        "admin": admin_user,
        "teacher": class_teacher.user,
        "teacher_b": teacher(institution, other_class).user,
        "student": member(klass, Role.STUDENT).user,
        "student_b": member(other_class, Role.STUDENT).user,
        "parent": member(klass, Role.PARENT).user,
    }
    now = dt.datetime.now(dt.UTC)

    def plan(key, by, days, **extra):
        return key, event(institution, by, future(days), title=key, now=now, **extra)

    events = dict(
        [
            plan("lesson_a", class_teacher.user, 2, kind=EventKind.LESSON, units=[klass]),
            plan("lesson_b", admin_user, 3, kind=EventKind.LESSON, units=[other_class]),
            plan("for_parents", admin_user, 4, roles=[Role.PARENT]),
            plan("for_all", admin_user, 5),
            plan("cancelled", admin_user, 6),
            plan("seminar", admin_user, 7, kind=EventKind.SEMINAR),
            plan("meeting", admin_user, 8, kind=EventKind.MEETING),
            plan("staff_of_b", admin_user, 9, units=[other_class], roles=[Role.TEACHER]),
        ]
    )
    services.cancel_event(event=events["cancelled"], by=admin_user, reason="Перенос")
    events["cancelled"].refresh_from_db()
    return institution, people, events


PERSONAL = {
    "student": {"lesson_a", "for_all", "cancelled"},
    "student_b": {"lesson_b", "for_all", "cancelled"},
    "parent": {"for_parents", "for_all", "cancelled"},
    "teacher": {"lesson_a", "for_all", "cancelled", "seminar"},
    # The teachers of a lesson's classes belong to its audience.
    "teacher_b": {"lesson_b", "for_all", "cancelled", "seminar", "staff_of_b"},
    "director": {
        "lesson_a", "lesson_b", "for_parents", "for_all", "cancelled", "seminar", "meeting",
        "staff_of_b",
    },
}  # fmt: skip
WHOLE_INSTITUTION = {"for_parents", "for_all", "cancelled", "seminar", "meeting"}


def vevents(response) -> dict[str, object]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    found = {}
    for item in cal.walk("VEVENT"):
        title = str(item["SUMMARY"]).rsplit(" (", 1)[0]
        assert title not in found, f"{title} twice"
        found[title] = item
    return found


@pytest.mark.parametrize("who", list(PERSONAL))
def test_the_personal_calendar_holds_exactly_the_users_events(world, who):
    institution, people, events = world
    token = services.issue_feed_token(user=people[who])
    response = Client().get(reverse("channels:ics_personal", args=[token]))
    found = vevents(response)
    assert set(found) == PERSONAL[who]
    for key, item in found.items():
        planned = events[key]
        start, end = item.decoded("DTSTART"), item.decoded("DTEND")
        assert start == planned.starts_at and end == planned.ends_at
        assert start.utcoffset() == dt.timedelta(0) and end.utcoffset() == dt.timedelta(0)
        assert item.to_ical().decode().count("DTSTART:") == 1  # written in UTC ("...Z")
        assert str(item["UID"]).startswith(f"event-{planned.pk}@")
        assert str(item["SUMMARY"]).startswith(key + " (")
        expected = "CANCELLED" if key == "cancelled" else "CONFIRMED"
        assert str(item["STATUS"]) == expected


@pytest.mark.parametrize("who", ["student", "parent", "teacher", "director"])
def test_the_institution_calendar_holds_only_whole_institution_events(world, who):
    institution, people, _events = world
    token = services.issue_feed_token(user=people[who])
    url = reverse("channels:ics_institution", args=[token, institution.pk])
    found = set(vevents(Client().get(url)))
    assert found == PERSONAL[who] & WHOLE_INSTITUTION


def test_another_institutions_calendar_is_not_found(world):
    institution, people, _events = world
    other = make_institution()
    make_member(other, Role.ADMIN)
    token = services.issue_feed_token(user=people["student"])
    client = Client()
    for pk in (other.pk, other.pk + 1000):
        url = reverse("channels:ics_institution", args=[token, pk])
        assert client.get(url).status_code == 404


def test_a_revoked_replaced_or_unknown_secret_opens_nothing(world):
    institution, people, _events = world
    user = people["parent"]
    client = Client()

    def urls(token):
        return [
            reverse("channels:ics_personal", args=[token]),
            reverse("channels:ics_institution", args=[token, institution.pk]),
            reverse("channels:atom", args=[token]),
        ]

    first = services.issue_feed_token(user=user)
    assert [client.get(u).status_code for u in urls(first)] == [200, 200, 200]
    second = services.issue_feed_token(user=user)
    assert [client.get(u).status_code for u in urls(first)] == [404, 404, 404]
    assert [client.get(u).status_code for u in urls(second)] == [200, 200, 200]
    services.revoke_feed_tokens(user=user)
    assert [client.get(u).status_code for u in urls(second)] == [404, 404, 404]
    unknown = "x" * 32
    assert [client.get(u).status_code for u in urls(unknown)] == [404, 404, 404]
    assert FeedToken.objects.filter(user=user, revoked_at__isnull=True).count() == 0


def test_a_secret_of_a_deactivated_user_opens_nothing(world):
    _institution, people, _events = world
    user = people["teacher"]
    token = services.issue_feed_token(user=user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert Client().get(reverse("channels:ics_personal", args=[token])).status_code == 404


# --- Atom -----------------------------------------------------------------------------------------


@pytest.fixture
def posts(institution, admin_user, director):
    news = channel(institution, admin_user, "everyone", "Новости")
    parents = channel(institution, admin_user, "parents", "Родителям")
    staff = channel(institution, admin_user, "staff", "Педагогам")
    students = channel(institution, admin_user, "students", "Ученикам")
    author = director.user
    post_in_state(news, author, admin_user, PostState.PUBLISHED, title="Для всех")
    post_in_state(parents, author, admin_user, PostState.PUBLISHED, title="Собрание родителей")
    post_row(staff, author, PostState.PUBLISHED, title="Педсовет")
    post_row(students, author, PostState.PUBLISHED, title="Олимпиада")
    for state in (
        PostState.DRAFT,
        PostState.SUBMITTED,
        PostState.APPROVED,
        PostState.SCHEDULED,
        PostState.REJECTED,
        PostState.CHANGES_REQUESTED,
    ):
        post_row(news, author, state, title=f"Не опубликован ({state})")
        post_row(parents, author, state, title=f"Родителям, не опубликован ({state})")


ATOM_EXPECTED = {
    "parent": {"Для всех", "Собрание родителей"},
    "student": {"Для всех", "Олимпиада"},
    "teacher": {"Для всех", "Педсовет"},
    "director": {"Для всех", "Собрание родителей", "Педсовет", "Олимпиада"},
}


@pytest.mark.parametrize("who", list(ATOM_EXPECTED))
def test_the_atom_feed_has_the_published_posts_of_the_users_channels(world, posts, who):
    _institution, people, _events = world
    token = services.issue_feed_token(user=people[who])
    response = Client().get(reverse("channels:atom", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert len(titles) == len(set(titles))
    assert set(titles) == ATOM_EXPECTED[who]
    for entry in entries:
        assert TAG_URI.match(entry.findtext(f"{ATOM}id"))
        assert entry.find(f"{ATOM}link").get("href")


TAG_URI = re.compile(r"^tag:[a-z0-9.-]+,\d{4}(-\d{2}(-\d{2})?)?:[^\s]+$")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _atom(user) -> ET.Element:
    token = services.issue_feed_token(user=user)
    response = Client().get(reverse("channels:atom", args=[token]))
    assert response.status_code == 200
    # The strict parser: a feed that is not well-formed XML fails here.
    return ET.fromstring(response.content)


def _one(element, name: str):
    found = element.findall(f"{ATOM}{name}")
    assert len(found) == 1, f"{element.tag} must have exactly one atom:{name}, has {len(found)}"
    return found[0]


def test_the_atom_feed_keeps_the_rules_of_rfc_4287(world, posts, admin_user, director):
    """What the W3C Feed Validator checks: ids are IRIs (tag: URIs), unique per feed and per
    entry; one title, id and updated each; dates in RFC 3339; a self link; an author for every
    entry; the post's text as plain text, exactly."""
    _institution, people, _events = world
    body = 'Собрание в 18:00 <b>не</b> & "вовремя"\nВторая строка'
    news = channel(_institution, admin_user, "everyone", "Объявления")
    post = post_in_state(news, director.user, admin_user, PostState.PUBLISHED, title="Текст")
    Post.objects.filter(pk=post.pk).update(body=body)

    feeds = {who: _atom(people[who]) for who in ("parent", "teacher")}

    feed_ids = {who: _one(feed, "id").text for who, feed in feeds.items()}
    assert all(TAG_URI.match(i) for i in feed_ids.values()), feed_ids
    assert len(set(feed_ids.values())) == 2  # one feed per user
    for feed in feeds.values():
        assert feed.tag == f"{ATOM}feed"
        assert _one(feed, "title").text
        assert RFC3339.match(_one(feed, "updated").text)
        self_links = [link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self"]
        assert len(self_links) == 1 and self_links[0].get("href").startswith("http")
        entries = feed.findall(f"{ATOM}entry")
        ids = [_one(e, "id").text for e in entries]
        assert len(ids) == len(set(ids)) and all(TAG_URI.match(i) for i in ids), ids
        for entry in entries:
            assert _one(entry, "title").text
            assert RFC3339.match(_one(entry, "updated").text)
            assert _one(entry, "author").find(f"{ATOM}name").text
            alternate = entry.find(f"{ATOM}link[@rel='alternate']")
            assert alternate is not None and alternate.get("href").startswith("http")
            assert entry.find(f"{ATOM}summary") is None
            content = _one(entry, "content")
            assert content.get("type") == "text"
        text_entry = next(e for e in entries if _one(e, "title").text == "Текст")
        assert _one(text_entry, "content").text == body
    # The same post has the same id in every feed that shows it.
    assert {_one(e, "id").text for e in feeds["parent"].findall(f"{ATOM}entry")} & {
        _one(e, "id").text for e in feeds["teacher"].findall(f"{ATOM}entry")
    }


# --- the page of the addresses --------------------------------------------------------------------


def test_the_addresses_are_shown_once_and_the_secret_is_kept_hashed(world):
    institution, people, _events = world
    user = people["student"]
    client = login(user)
    url = page("feed_addresses", institution)
    assert client.get(url).status_code == 200
    assert not FeedToken.objects.exists()

    response = client.post(url)
    assert response.status_code == 200
    token = response.context["new_token"]
    text = response.content.decode()
    personal = reverse("channels:ics_personal", args=[token])
    for address in (
        personal,
        reverse("channels:ics_institution", args=[token, institution.pk]),
        reverse("channels:atom", args=[token]),
    ):
        assert address in text

    stored = FeedToken.objects.get(user=user, revoked_at__isnull=True)
    assert stored.token_hash != token
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in client.get(url).content.decode()  # never shown again

    assert Client().get(personal).status_code == 200  # no session needed

    response = client.post(url)  # new addresses: the old stop working
    assert Client().get(personal).status_code == 404
    assert FeedToken.objects.filter(user=user, revoked_at__isnull=True).count() == 1
    client.post(url, {"revoke": "1"})
    assert not FeedToken.objects.filter(user=user, revoked_at__isnull=True).exists()
