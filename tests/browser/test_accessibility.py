"""Pages everyone can read: axe-core over the main page of each app, for each role.

axe-core is vendored (static/vendor/axe-core/axe.min.js) and served by the portal's own static
files — injected by its URL, so the page's strict CSP (script-src 'self') allows it, and nothing
comes from outside. The test fails on any violation of impact "serious" or "critical" (among
them WCAG 2.1 AA colour contrast), and prints the count of every rule it found, minor ones too.
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.conf import settings
from django.core.management import call_command

from roles import services
from roles.models import Institution, Person, PersonKind

from ..factories import PASSWORD, UserFactory
from .test_scenario import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = "/static/vendor/axe-core/axe.min.js"
BLOCKING = {"serious", "critical"}
# The main page of each app (and the pages made for this: print views, the code page), by who
# may open them; "{i}" is the institution's id.
PAGES = {
    "/": "everyone",
    "/structure/{i}/": "staff",
    "/structure/{i}/people/": "management",
    "/structure/{i}/people/print/": "management",
    "/structure/{i}/todo/": "admin",
    "/invitations/{i}/": "invite",
    "/invitations/{i}/bulk/": "invite",
    "/chats/{i}/my/": "everyone",
    "/chats/{i}/board/": "management",
    "/channels/{i}/": "everyone",
    "/channels/{i}/events/": "everyone",
    "/stats/": "management",
    "/stats/print/": "management",
}
GROUPS = {
    "everyone": {"director", "deputy", "admin", "teacher", "student", "parent"},
    "staff": {"director", "deputy", "admin", "teacher"},
    "management": {"director", "deputy", "admin"},
    "admin": {"admin"},
    "invite": {"director", "admin", "teacher"},
}
PUBLIC = ["/accounts/login/", "/invite/"]


@pytest.fixture
def demo():
    """The demo institution (seed_demo) with a login for each role."""
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    institution = Institution.objects.get()
    # The demo's staff log in with the demo password, the others with the tests'.
    logins = {name: (name, settings.DEMO_PASSWORD) for name in ("director", "admin", "teacher")}
    for role, kind, filters in (
        ("deputy", PersonKind.STAFF, {"last_name": "Белова"}),
        ("student", PersonKind.STUDENT, {}),
        ("parent", PersonKind.PARENT, {}),
    ):
        person = (
            Person.objects.filter(institution=institution, kind=kind, user__isnull=True, **filters)
            .order_by("pk")
            .first()
        )
        user = UserFactory(first_name=person.first_name, last_name=person.last_name)
        services.update_person(person=person, by=None, user=user)
        logins[role] = (user.username, PASSWORD)
    return institution, logins


def run_axe(page) -> list[dict]:
    page.add_script_tag(url=AXE)
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" ") + " — " + n.failureSummary),
            }));
        }"""
    )


def test_every_main_page_passes_axe_for_every_role(browsers, demo):
    institution, logins = demo
    found: list[tuple[str, str, dict]] = []
    checked = 0

    def check(page, who: str, url: str) -> None:
        nonlocal checked
        response = page.goto(url)
        assert response.status == 200, f"{who} {url}: {response.status}"
        checked += 1
        for violation in run_axe(page):
            found.append((who, url, violation))

    anonymous = browsers.page("anonymous")
    for url in PUBLIC:
        check(anonymous, "anonymous", url)
    for role, (username, password) in logins.items():
        page = browsers.page(role)
        log_in(page, username, password)
        for pattern, group in PAGES.items():
            if role in GROUPS[group]:
                check(page, role, pattern.format(i=institution.pk))

    counts = Counter((v["id"], v["impact"]) for _who, _url, v in found)
    nodes = Counter()
    for _who, _url, v in found:
        nodes[v["id"]] += len(v["nodes"])
    print(f"\naxe-core over {checked} pages: {len(found)} violations")
    for (rule, impact), pages in sorted(counts.items()):
        print(f"  {rule} ({impact}): {pages} pages, {nodes[rule]} elements")
    blocking = [
        f"{who} {url}: {v['id']} ({v['impact']}) {v['help']}\n    " + "\n    ".join(v["nodes"][:5])
        for who, url, v in found
        if v["impact"] in BLOCKING
    ]
    assert checked >= 50
    assert not blocking, "\n".join(blocking)
    assert not browsers.csp_violations, browsers.csp_violations
