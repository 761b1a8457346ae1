"""Every URL pattern of the project, classified by who may open it, and a URL built for it.

Classification is generic where the code says it:
- a view derived from `roles.web.InstitutionView` names an `action`; the user may open it in
  the institution of the URL iff `permissions.can(user, action, institution)`;
- a view with an `action` but no `institution_id` in its URL works in the user's current
  institution (`/stats/`): `?institution=` may only choose one of the user's own;
- `CurrentInstitutionRedirect` views only ever redirect;
- the Django admin is for staff users;
- anything else must be in SPECIAL with its rule and the reason, or the walk fails.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern

from roles.permissions import ACTIONS
from roles.web import CurrentInstitutionRedirect, InstitutionView

# Function views and other special URLs: qualified name -> (rule, reason).
#   public          anyone may get a 200
#   login_required  any logged-in user (the page shows only the user's own institutions)
#   superuser       the municipal operator only
SPECIAL: dict[str, tuple[str, str]] = {
    "home": ("login_required", "the role-aware dashboard of the user's own institution"),
    "healthz": ("public", "the load balancer's probe: database and broker state, nothing else"),
    "login": ("public", "the login page"),
    "login_code": ("public", "logging in with a code by e-mail while a login is locked"),
    "logout": ("public", "logging out: POST only, a GET is 405"),
    "set_language": ("public", "the language switch: sets a cookie, then redirects"),
    "roles:institutions": ("login_required", "the list of the user's own institutions"),
    "invite": (
        "public",
        "an invitation's landing page: the token is the key (unknown 404, used up or expired "
        "410, rate-limited per address)",
    ),
    "invite_code": (
        "public",
        "typing the short code of a printed QR sheet: leads to the code's landing page "
        "(rate-limited like it)",
    ),
    "signin": (
        "public",
        "a sign-in link's landing page: the token is the key (unknown 404, used, expired or "
        "revoked 410, rate-limited per address)",
    ),
    "stats:region": ("superuser", "all institutions side by side: the municipal operator only"),
    "admin:login": ("public", "the Django admin's login page"),
    "channels:ics_personal": ("feed", "a calendar app's feed: the feed token is the key"),
    "channels:ics_institution": (
        "feed",
        "a calendar app's feed: the feed token is the key, for the token owner's institutions",
    ),
    "channels:atom": ("feed", "a feed reader's Atom feed: the feed token is the key"),
}
# Values tried for text parameters of institution pages (workflow steps and the like).
WORDS = ["approve", "cancel"]

PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^)]*)\)")


@dataclass(frozen=True)
class Entry:
    parts: tuple  # the pattern objects from the root to the view
    name: str  # the qualified name ("roles:unit"), or "" for an unnamed pattern
    namespace: str
    callback: object

    @property
    def view_class(self):
        return getattr(self.callback, "view_class", None)

    @property
    def params(self) -> list[str]:
        names = []
        for part in self.parts:
            pattern = part.pattern
            if isinstance(pattern, RoutePattern):
                names += [m["name"] for m in PARAM.finditer(str(pattern))]
            else:
                names += [m["name"] for m in GROUP.finditer(str(pattern))]
        return names

    @property
    def converters(self) -> dict[str, str]:
        """Parameter -> its converter ("int", "slug", "str", "path"; "regex" for re_path)."""
        found = {}
        for part in self.parts:
            pattern = part.pattern
            if isinstance(pattern, RoutePattern):
                for m in PARAM.finditer(str(pattern)):
                    found[m["name"]] = m["converter"] or "str"
            else:
                found.update({m["name"]: "regex" for m in GROUP.finditer(str(pattern))})
        return found

    @property
    def route(self) -> str:
        return "".join(str(p.pattern) for p in self.parts)

    @property
    def label(self) -> str:
        return f"{self.name or '(unnamed)'} /{self.route}"

    def url(self, values: dict) -> str:
        """The URL of this pattern with `values` for its parameters (checked by resolving)."""
        path = ""
        for part in self.parts:
            pattern = part.pattern
            text = str(pattern)
            if isinstance(pattern, RoutePattern):
                text = PARAM.sub(lambda m: str(values[m["name"]]), text)
            elif isinstance(pattern, RegexPattern):
                text = GROUP.sub(lambda m: str(values[m["name"]]), text)
                text = text.removeprefix("^").removesuffix("$").replace("\\", "")
            path += text
        url = "/" + path
        match = resolve(url)
        assert match.func is self.callback, f"{url} resolves to {match.view_name}, not {self.label}"
        return url


def entries() -> list[Entry]:
    found: list[Entry] = []

    def walk(patterns, parts, namespaces):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = namespaces + ([p.namespace] if p.namespace else [])
                walk(p.url_patterns, parts + (p,), ns)
            elif isinstance(p, URLPattern):
                namespace = ":".join(namespaces)
                name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or "")
                found.append(Entry(parts + (p,), name, namespace, p.callback))

    walk(get_resolver().url_patterns, (), [])
    return found


def classify(entry: Entry) -> tuple[str, str]:
    """(kind, detail): kind is institution, current, redirect, staff, or a SPECIAL rule."""
    cls = entry.view_class
    if entry.name in SPECIAL:
        return SPECIAL[entry.name]
    if cls is not None and issubclass(cls, InstitutionView):
        assert cls.action in ACTIONS, f"{entry.label}: {cls.__name__}.action must name an action"
        return "institution", cls.action
    if cls is not None and getattr(cls, "action", "") and "institution_id" not in entry.params:
        assert cls.action in ACTIONS, f"{entry.label}: {cls.__name__}.action must name an action"
        return "current", cls.action
    if cls is not None and issubclass(cls, CurrentInstitutionRedirect):
        return "redirect", "sends the user to the page of their own current institution"
    if entry.namespace == "admin":
        return "staff", "the Django admin"
    return "unclassified", ""


def first_alternative(body: str) -> str:
    """A value for a regex group such as `roles|auth` (the admin's app list)."""
    return body.split("|")[0]


def generic_values(entry: Entry, institution_id: int) -> dict:
    """Parameter values that resolve, for patterns whose objects do not matter (admin, CSRF)."""
    values = {}
    for part in entry.parts:
        pattern = part.pattern
        if isinstance(pattern, RegexPattern):
            for m in GROUP.finditer(str(pattern)):
                body = m["body"]
                values[m["name"]] = first_alternative(body) if "|" in body else "walk/"
        else:
            for m in PARAM.finditer(str(pattern)):
                values[m["name"]] = 1
    values["institution_id"] = institution_id
    values.setdefault("token", "x" * 43)
    return {k: v for k, v in values.items() if k in entry.params}
