"""Walk every URL pattern with every role, and with the other institution's ids.

Fails on any 200 that the permission rules forbid, on a 200 that shows another institution, on
any server error, and on a URL pattern nobody classified (see urlwalk.SPECIAL and its module
docstring for the convention new views follow).
"""

from __future__ import annotations

import itertools

import pytest
from django.db import transaction
from django.test import Client

from roles import permissions

from ..factories import UserFactory
from .urlwalk import SPECIAL, WORDS, Entry, classify, entries, generic_values
from .world import ROLES, Side, World, build_world

FORBIDDEN = {403, 404, 405}
STAFF_WALK_ROLES = {"anonymous", "admin"}
# Object parameters of institution pages, found by trying A's objects (see discover()).
_DISCOVERED: dict[str, dict[str, list[str]]] = {}


class _Rollback(Exception):
    pass


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """Built once per module in an outer transaction, rolled back at its end; each test still
    runs in its own savepoint."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(shared_world, db, settings) -> World:
    settings.INVITE_RATE_LIMIT_PER_MINUTE = 1_000_000
    return shared_world


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def object_params(entry: Entry) -> list[str]:
    return [p for p in entry.params if p != "institution_id"]


def candidates(entry: Entry, param: str, world: World) -> list[tuple[str, str]]:
    """("obj", name) for an id parameter (one object of each model), ("word", w) for text."""
    if entry.converters.get(param) != "int":
        return [("word", w) for w in WORDS]
    found, models = [], set()
    for key, obj in world.a.objects.items():
        if type(obj) not in models:
            models.add(type(obj))
            found.append(("obj", key))
    return found


def fill(combo: dict, side: Side) -> dict:
    return {
        param: side.objects[value].pk if how == "obj" else value
        for param, (how, value) in combo.items()
    }


def discover(entry: Entry, world: World, superuser_client: Client) -> dict:
    """The object parameters of a pattern filled with A's objects of the kind the view takes.

    The operator opens the URL with each of A's objects (and each of WORDS for a text
    parameter); ids are unique across tables, so only objects of the right kind pass (not 404).
    A POST-only view is probed by a POST that is rolled back.
    """
    if entry.label in _DISCOVERED:
        return _DISCOVERED[entry.label]
    params = object_params(entry)
    accepted = None
    for values in itertools.product(*(candidates(entry, p, world) for p in params)):
        combo = dict(zip(params, values, strict=True))
        url = entry.url({"institution_id": world.a.institution.pk, **fill(combo, world.a)})
        status = superuser_client.get(url).status_code
        if status == 405:
            try:
                with transaction.atomic():
                    status = superuser_client.post(url).status_code
                    raise _Rollback
            except _Rollback:
                pass
        assert status < 500, f"{url}: {status} for the operator"
        if status != 404:
            accepted = combo
            break
    assert accepted is not None, (
        f"{entry.label}: no object of the walk's data set fits {params}; add one of its kind "
        "to tests/security/world.py (or a word to urlwalk.WORDS)"
    )
    _DISCOVERED[entry.label] = accepted
    return accepted


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/login/" in response.get("Location", "")


def refused(response) -> bool:
    return response.status_code in FORBIDDEN or is_login_redirect(response)


def shown_institution(response):
    context = getattr(response, "context", None)
    if context is None:
        return None
    try:
        return context.get("institution")
    except (KeyError, AttributeError):
        return None


def url_sets(entry: Entry, world: World) -> list[tuple[str, Side, Side]]:
    """(variant, the URL's institution, the objects' institution) to request."""
    combos = [("own", world.a, world.a), ("other", world.b, world.b)]
    if any(entry.converters[p] == "int" for p in object_params(entry)):
        combos.insert(1, ("cross", world.a, world.b))
    return combos


def walk_role(role: str, world: World, names: set[str] | None = None) -> tuple[list[str], int]:
    """Every pattern for one role; returns the failures and how many pages it could open."""
    user = world.user(role)
    home = world.home(role)
    client = client_for(user)
    operator = client_for(UserFactory(is_superuser=True, is_staff=True))
    failures: list[str] = []
    opened = 0

    def check(response, url, allowed: bool, method: str, expect_institution=None):
        nonlocal opened
        status = response.status_code
        if status >= 500:
            failures.append(f"{role} {method} {url}: server error {status}")
        elif allowed:
            opened += status == 200
            shown = shown_institution(response) if status == 200 else None
            wanted = expect_institution or home
            if shown is not None and wanted is not None and shown != wanted:
                failures.append(f"{role} {method} {url}: shows {shown}, not {wanted}")
        elif not refused(response):
            failures.append(f"{role} {method} {url}: {status}, but the rules forbid it")

    for entry in entries():
        if names is not None and entry.name not in names:
            continue
        kind, detail = classify(entry)
        if kind == "institution":
            combo = discover(entry, world, operator)
            for variant, inst, objs in url_sets(entry, world):
                may = user is not None and permissions.can(user, detail, inst.institution)
                if variant == "cross" and not may:
                    continue  # refused before any object is looked up, as in "own"
                allowed = may and variant != "cross"
                url = entry.url({"institution_id": inst.institution.pk, **fill(combo, objs)})
                check(client.get(url), url, allowed, "GET", inst.institution)
                # In an institution where the user has no role the view stops before the
                # method; elsewhere a POST handler may check more than a GET.
                if not allowed and variant != "other" and hasattr(entry.view_class, "post"):
                    check(client.post(url), url, allowed, "POST")
        elif kind == "current":
            effective = home
            allowed = effective is not None and permissions.can(user, detail, effective)
            url = entry.url({})
            for side in (world.a, world.b):
                query = f"{url}?institution={side.institution.pk}"
                check(client.get(query), query, allowed, "GET", effective)
                if not allowed:
                    check(client.post(query), query, allowed, "POST")
        elif kind == "redirect":
            url = entry.url({})
            response = client.get(url)
            if response.status_code not in (301, 302):
                failures.append(f"{role} GET {url}: {response.status_code}, expected a redirect")
        elif kind == "staff":
            # The admin lets in staff users only, whatever their roles: all logged-in
            # non-staff users are alike to it, so two of them stand for the rest.
            if role not in STAFF_WALK_ROLES:
                continue
            url = entry.url(generic_values(entry, world.a.institution.pk))
            response = client.get(url)
            # The admin sends a non-staff user's logout to its index, itself for staff only.
            if not (response.status_code == 302 and response["Location"] == "/admin/"):
                check(response, url, bool(user and user.is_staff), "GET")
        elif kind == "login_required":
            url = entry.url(generic_values(entry, world.a.institution.pk))
            for side in (world.a, world.b):
                query = f"{url}?institution={side.institution.pk}"
                check(client.get(query), query, user is not None, "GET")
        elif kind == "superuser":
            url = entry.url(generic_values(entry, world.a.institution.pk))
            check(client.get(url), url, bool(user and user.is_superuser), "GET")
        elif kind == "feed":
            # No session: the token is the key, and the institution one of its owner's.
            feed_token = world.a.tokens["feed"]
            for token, side in itertools.product([feed_token, "x" * 32], (world.a, world.b)):
                values = {"token": token, "institution_id": side.institution.pk}
                url = entry.url({k: v for k, v in values.items() if k in entry.params})
                may = token == feed_token and (
                    "institution_id" not in entry.params or side is world.a
                )
                check(client.get(url), url, may, "GET")
        elif kind == "public":
            values = generic_values(entry, world.a.institution.pk)
            tokens = [world.a.tokens["personal"], world.b.tokens["class"], "x" * 43]
            for token in tokens if "token" in values else [None]:
                if token:
                    values["token"] = token
                url = entry.url(values)
                check(client.get(url), url, True, "GET")
        else:
            failures.append(
                f"unclassified URL pattern {entry.label} ({entry.callback!r}): derive its view "
                "from InstitutionView with an `action`, or add it to urlwalk.SPECIAL with a reason"
            )
    return failures, opened


def test_every_url_pattern_is_classified():
    unknown = [e.label for e in entries() if classify(e)[0] == "unclassified"]
    assert not unknown, f"classify these URL patterns (see urlwalk.SPECIAL): {unknown}"
    names = {e.name for e in entries()}
    assert set(SPECIAL) <= names, f"stale SPECIAL entries: {set(SPECIAL) - names}"


@pytest.mark.parametrize("role", ROLES)
def test_walk_every_url_with_each_role(role, world):
    failures, opened = walk_role(role, world)
    assert not failures, "\n".join(failures)
    # The walk must reach real pages, not only 404s: the data set fits the URLs.
    minimum = {"admin": 40, "director": 25, "teacher": 8, "student": 3, "b_staff": 40}
    assert opened >= minimum.get(role, 0), f"{role} opened only {opened} pages"


def test_the_walk_notices_a_view_that_skips_its_check(world, monkeypatch):
    """A control: the audit log opened to anybody, as a forgotten check would, is reported."""
    from django.views import View

    from roles.models import Institution
    from roles.views import AuditListView

    def unchecked_dispatch(self, request, *args, **kwargs):
        self.institution = Institution.objects.get(pk=kwargs["institution_id"])
        return View.dispatch(self, request, *args, **kwargs)

    monkeypatch.setattr(AuditListView, "dispatch", unchecked_dispatch)
    failures, _opened = walk_role("student", world, names={"roles:audit", "roles:units"})
    audit = [f for f in failures if "/audit/" in f]
    assert len(audit) == 2 and all("forbid" in f for f in audit), failures
