"""Valid HTML on the main pages, as the W3C Nu checker reads it, for what a template can break:
no block (a form, a table, a list, a heading) inside a paragraph, no empty table header, no
duplicate id. The pages are those of the demo institution, seen by its administrator and
director and by nobody signed in (the Nu checker itself found no error on them either)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from channels_app.models import Event
from invitations.models import Invitation
from roles.models import Institution, Person, PersonKind, Unit, UnitKind

# Elements that close an open <p> in the HTML parser (its content is phrasing only).
BLOCKS = {
    *("address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset"),
    *("figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6"),
    *("header", "hr", "main", "menu", "nav", "ol", "p", "pre", "section", "table", "ul"),
}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
VOID |= {"track", "wbr"}


class Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.ids: set[str] = set()
        self.th_text: list[str] | None = None
        self.th_label = False
        self.in_svg = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        line = self.getpos()[0]
        if tag == "svg":
            self.in_svg += 1
        if self.in_svg:
            return
        if tag in BLOCKS and "p" in self.stack:
            self.problems.append(f"line {line}: <{tag}> inside <p>")
        if "id" in attrs:
            if attrs["id"] in self.ids:
                self.problems.append(f"line {line}: duplicate id {attrs['id']!r}")
            self.ids.add(attrs["id"])
        if tag == "th":
            self.th_text, self.th_label = [], bool(attrs.get("aria-label") or attrs.get("title"))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag == "svg":
            self.in_svg -= 1
            return
        if self.in_svg:
            return
        if tag == "p" and "p" not in self.stack:
            self.problems.append(f"line {self.getpos()[0]}: </p> with no open <p>")
        if tag == "th" and self.th_text is not None:
            if not "".join(self.th_text).strip() and not self.th_label:
                self.problems.append(f"line {self.getpos()[0]}: an empty table header")
            self.th_text = None
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        if self.th_text is not None:
            self.th_text.append(data)


def problems_of(html: str) -> list[str]:
    checker = Checker()
    checker.feed(html)
    return checker.problems


def test_the_checker_finds_what_it_looks_for():
    assert problems_of("<p>a <form></form></p>")[0].endswith("<form> inside <p>")
    assert problems_of("<table><tr><th></th></tr></table>") == ["line 1: an empty table header"]
    assert problems_of('<i id="a"></i><b id="a"></b>') == ["line 1: duplicate id 'a'"]
    assert problems_of('<p>x <svg><g><title>t</title></g></svg></p><th aria-label="x"></th>') == []


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
        from stats import services as stats_services

        institution = Institution.objects.get()
        stats_services.rollup(institution=institution)
        yield institution
        transaction.set_rollback(True)


def pages(institution) -> list[str]:
    i = institution.pk
    unit = Unit.objects.filter(institution=institution, kind=UnitKind.CLASS).first()
    person = Person.objects.filter(institution=institution, kind=PersonKind.STUDENT).first()
    invitation = Invitation.objects.filter(institution=institution).first()
    event = Event.objects.filter(institution=institution).first()
    return [
        "/",
        f"/structure/{i}/",
        f"/structure/{i}/units/{unit.pk}/",
        f"/structure/{i}/people/",
        f"/structure/{i}/people/print/",
        f"/structure/{i}/people/{person.pk}/",
        f"/structure/{i}/movements/",
        f"/structure/{i}/movements/print/",
        f"/structure/{i}/todo/",
        f"/structure/{i}/todo/?show=done",
        f"/structure/{i}/audit/",
        f"/structure/{i}/audit/print/",
        f"/invitations/{i}/",
        f"/invitations/{i}/print/",
        f"/invitations/{i}/bulk/",
        f"/invitations/{i}/{invitation.pk}/",
        f"/invitations/{i}/requests/",
        f"/invitations/{i}/requests/print/",
        f"/chats/{i}/my/",
        f"/chats/{i}/board/",
        f"/channels/{i}/",
        f"/channels/{i}/events/",
        f"/channels/{i}/events/print/",
        f"/channels/{i}/events/{event.pk}/",
        f"/channels/{i}/support/",
        f"/channels/{i}/support/print/",
        "/stats/",
        "/stats/print/",
    ]


@pytest.mark.parametrize("who", ["admin", "director"])
def test_the_main_pages_are_valid_html(demo, db, who):
    client = Client()
    assert client.login(username=who, password=settings.DEMO_PASSWORD)
    found = {}
    for url in pages(demo):
        response = client.get(url)
        if response.status_code == 403:
            continue
        assert response.status_code == 200, (url, response.status_code)
        problems = problems_of(response.content.decode())
        if problems:
            found[url] = problems
    unit = Unit.objects.filter(institution=demo, kind=UnitKind.CLASS).first()
    if who == "admin":
        sheet = client.post(f"/invitations/{demo.pk}/bulk/", {"unit": unit.pk, "role": "parent"})
        problems = problems_of(sheet.content.decode())
        if problems:
            found["the QR sheet"] = problems
    assert not found, found


def test_the_public_pages_are_valid_html(db):
    client = Client()
    for url in ("/accounts/login/", "/invite/", "/invite/ABCDEFGHJK/"):
        assert not problems_of(client.get(url).content.decode()), url
