"""Bad query parameters are answered, never a server error: every institution page of the URL
walk is opened with each parameter the portal reads set to non-integers, NUL, huge numbers, bad
dates and the like."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

from django.test import Client

from ..factories import UserFactory
from .test_url_walk import discover, fill, shared_world, world  # noqa: F401
from .urlwalk import classify, entries

ROOT = Path(__file__).resolve().parents[2]
APPS = ("roles", "invitations", "chats", "channels_app", "stats", "sferum_portal")
BAD_VALUES = ["x", "\x00", "9" * 30, "-1", "2026-13-45", "1e9999", "' OR '1'='1", "../../x"]


def names_in_code() -> set[str]:
    """Every parameter name the views read from request.GET."""
    found = set()
    pattern = re.compile(r"""GET(?:\.get\(|\[)\s*["'](\w+)["']""")
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            found |= set(pattern.findall(path.read_text(encoding="utf-8")))
    return found


class _FormFields(HTMLParser):
    """The names of the fields of a page's GET forms (its filters)."""

    def __init__(self):
        super().__init__()
        self.names: set[str] = set()
        self._in_get_form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._in_get_form = (attrs.get("method") or "get").lower() == "get"
        elif self._in_get_form and tag in ("input", "select", "textarea") and attrs.get("name"):
            self.names.add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_get_form = False


def test_no_page_fails_on_bad_query_parameters(world):  # noqa: F811
    operator = Client(raise_request_exception=False)  # a 500 is a status to report here
    operator.force_login(UserFactory(is_superuser=True, is_staff=True))
    pages = []
    raw = names_in_code()
    names = set(raw)
    for entry in entries():
        if classify(entry)[0] != "institution":
            continue
        combo = discover(entry, world, operator)
        url = entry.url({"institution_id": world.a.institution.pk, **fill(combo, world.a)})
        response = operator.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = _FormFields()
        parser.feed(response.content.decode())
        names |= parser.names
        pages.append(url)
    names -= {"csrfmiddlewaretoken"}
    assert len(pages) >= 40 and {"page", "unit", "status", "sort"} <= names
    failures = []
    for url in pages:
        for value in BAD_VALUES:
            query = urlencode({name: value for name in sorted(names)})
            status = operator.get(f"{url}?{query}").status_code
            if status >= 500:
                failures.append(f"{status} {url}?…={value!r}")
            # A parameter the code reads by hand, alone too: a bad value may hide behind
            # another's error (the forms' fields are checked by their forms).
            if value in ("x", "9" * 30):
                for name in sorted(raw):
                    status = operator.get(f"{url}?{urlencode({name: value})}").status_code
                    if status >= 500:
                        failures.append(f"{status} {url}?{name}={value!r}")
    assert not failures, "\n".join(failures)


def test_a_nul_in_a_parameter_is_a_400(client, db):
    assert client.get("/accounts/login/?next=%00").status_code == 400
    assert client.get("/accounts/login/", {"next": "a\x00b"}).status_code == 400
    response = client.post("/accounts/login/", {"username": "a\x00b", "password": "x"})
    assert response.status_code == 400
    assert "NUL" in response.content.decode()
