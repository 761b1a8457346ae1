"""Every page of every role reads in Russian: with Russian active, no English message of the
catalogue (a msgid whose Russian differs, at least three words long, so that names never match)
shows in the rendered text of any page the role may open.

The walk reuses the URL walk's data set (tests/security/world.py: two institutions with an
object of every kind and a user per role) and its way of filling a URL's parameters.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from django.db import transaction
from django.test import Client

from roles import permissions

from .factories import UserFactory
from .security.test_url_walk import discover, fill
from .security.urlwalk import classify, entries
from .security.world import build_world
from .test_locale import LOCALE, _po_entries

ROLES = ["director", "deputy", "admin", "teacher", "student", "parent"]
CYRILLIC = re.compile(r"[А-Яа-яЁё]+")
# Placeholders, markup and anything Russian split a msgid into the fragments looked for.
SPLIT = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\{[^}]*\}\}|<[^>]*>|[А-Яа-яЁё]+|[\n\t]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def english_fragments() -> list[str]:
    """Lower-cased English fragments of the catalogue's msgids that the Russian replaces."""
    found = set()
    for key, msgstr in _po_entries(LOCALE / "ru/LC_MESSAGES/django.po").items():
        msgid = (key[0] if isinstance(key, tuple) else key).rpartition("\x04")[2]
        if msgstr == msgid:
            continue
        for piece in SPLIT.split(msgid):
            piece = " ".join(piece.split()).strip(" .,:;—-()«»\"'")
            if len(LATIN_WORD.findall(piece)) >= 3 and piece.lower() not in msgstr.lower():
                found.add(piece.lower())
    return sorted(found)


class _Text(HTMLParser):
    """The text a reader sees or hears: data outside scripts and styles, and the attributes
    that screen readers and tooltips show."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1
        for name, value in attrs:
            if name in ("title", "aria-label", "placeholder", "alt") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(body: str) -> str:
    parser = _Text()
    parser.feed(body)
    return " ".join(" ".join(html.unescape(p) for p in parser.parts).split())


def english_in(text: str, fragments: list[str]) -> list[str]:
    """The fragments found in the text's runs without Russian letters."""
    latin = "\n".join(
        " ".join(run.split()).lower()
        for run in CYRILLIC.split(text)
        if len(LATIN_WORD.findall(run)) >= 3
    )
    return [f for f in fragments if f in latin] if latin else []


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(shared_world, db, settings):
    settings.INVITE_RATE_LIMIT_PER_MINUTE = 1_000_000
    return shared_world


def pages_of(role: str, world) -> list[str]:
    """Every page the role may open in its own institution (and the pages of its current one)."""
    user = world.user(role)
    institution = world.a.institution
    operator = Client()
    operator.force_login(UserFactory(is_superuser=True, is_staff=True))
    urls = ["/"]
    for entry in entries():
        kind, detail = classify(entry)
        if kind == "institution" and permissions.can(user, detail, institution):
            combo = discover(entry, world, operator)
            urls.append(entry.url({"institution_id": institution.pk, **fill(combo, world.a)}))
        elif kind == "current" and permissions.can(user, detail, institution):
            urls.append(entry.url({}))
    return urls


def test_the_fragments_are_real_english_messages():
    fragments = english_fragments()
    assert len(fragments) > 300
    phrase = "the statistics show how far the institution is from full coverage, day by day"
    assert phrase in fragments
    # A control: an untranslated message on a page is found, a Russian one is not.
    page = f"<p>Статистика: {phrase.capitalize()}.</p>"
    assert english_in(visible_text(page), fragments)
    assert not english_in(visible_text("<p>Статистика показывает охват</p>"), fragments)
    assert english_in(visible_text('<nav aria-label="Members of the chat list">'), ["of the chat"])


@pytest.mark.parametrize("role", ROLES)
def test_no_page_of_the_role_shows_an_english_message(role, world, settings):
    settings.LANGUAGE_CODE = "ru"
    fragments = english_fragments()
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    client.force_login(world.user(role))
    found, opened = [], 0
    for url in pages_of(role, world):
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        opened += 1
        text = visible_text(response.content.decode())
        found += [f"{url}: {fragment!r}" for fragment in english_in(text, fragments)]
    assert opened >= {"student": 8, "parent": 8}.get(role, 20), f"{role} opened {opened} pages"
    assert not found, "\n".join(found)
