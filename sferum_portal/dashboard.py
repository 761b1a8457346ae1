"""What the home dashboard shows, read from the apps and kept in the cache.

Up to three parts, each under the institution's stamp (`roles.freshness`: it moves on with
every change of the rows shown here) and its local day (the roster and the memberships in force
change at midnight):
- whom to ask (the administrators' names), the same for everyone;
- the overview, the same for each of the institution's administrators (the counts, the queues,
  the to-do list) or for the rest of the administration (the counts and the teachers waiting
  for verification);
- the user's own part: their memberships, their upcoming events, whether they may invite
  families.
Each is kept for CACHED_SECONDS at most, so that an event that has ended leaves the list within
that time. A request that finds them all runs no query for them (one read of the cache); the
first request after a change reads them again, as the page did before it was cached.
"""

from __future__ import annotations

from django.core.cache import cache
from django.urls import reverse

from channels_app import selectors as channel_selectors
from invitations import selectors as invitation_selectors
from roles import freshness, permissions, selectors
from roles.models import Institution, Role

CACHED_SECONDS = 60
TODOS_SHOWN = 10
EVENTS_SHOWN = 5


def contents(user, institution: Institution, roles: frozenset[str]) -> dict:
    """The dashboard's context, everything the template shows but the institution."""
    is_admin = user.is_superuser or Role.ADMIN in roles
    is_management = bool(permissions.ADMINISTRATION & roles)
    stamp = freshness.stamp(institution.pk)
    prefix = f"portal-home:{stamp}:{institution.local_today().toordinal()}"
    build = {
        # Whom to ask: the same for everyone.
        f"{prefix}:everyone": lambda: _for_everyone(institution),
        f"{prefix}:user-{user.pk}:{','.join(sorted(roles))}": lambda: _personal(
            user, institution, roles, is_admin=is_admin, is_management=is_management
        ),
    }
    if is_admin:
        build[f"{prefix}:admin"] = lambda: _overview(institution, is_admin=True)
    elif is_management:
        build[f"{prefix}:management"] = lambda: _overview(institution, is_admin=False)
    found = cache.get_many(list(build))
    missing = {key: make() for key, make in build.items() if key not in found}
    if missing:
        cache.set_many(missing, CACHED_SECONDS)
    context = {
        "roles": sorted(Role(r).label for r in roles),
        "is_admin": is_admin,
        "is_management": is_management,
    }
    for key in build:
        context.update(found[key] if key in found else missing[key])
    return context


def _for_everyone(institution: Institution) -> dict:
    # Only the names are shown: not the users who appointed or relieved them.
    return {
        "admins": list(
            selectors.active_admins(institution).select_related(None).select_related("person")
        )
    }


ADMIN_QUEUES = ("join_requests", "verifications", "posts")


def _admin_queues(institution: Institution) -> dict:
    return {
        **invitation_selectors.queues(institution),
        "posts": channel_selectors.posts_waiting_queue(institution),
    }


def _management_queues(institution: Institution) -> dict:
    # The administration confirms teachers' status too (2.2); the admins see it among their
    # queues.
    return {"verifications": selectors.teachers_awaiting_verification(institution)}


def _overview(institution: Institution, *, is_admin: bool) -> dict:
    # Every counter of the page in one query, each through the institution; the query is
    # built and compiled once a day per institution and kind of reader (`counts_of`).
    queues = _admin_queues if is_admin else _management_queues
    counts = selectors.dashboard_counts(
        institution,
        extra=lambda: queues(institution),
        shape="admin" if is_admin else "management",
    )
    if not is_admin:
        return {
            "counts": counts,
            "show_verifications": True,
            "verifications_waiting": counts["verifications"],
        }
    # The title and the date are shown: no person, unit or user joined in.
    todos = list(selectors.todos_of(institution).select_related(None)[:TODOS_SHOWN])
    for todo in todos:
        # Once, with the list, rather than on every showing of the page.
        todo.done_url = reverse("roles:todo_done", args=[institution.pk, todo.pk])
    return {
        "counts": counts,
        "queues": {name: counts[name] for name in ADMIN_QUEUES},
        "todos": todos,
    }


def _personal(
    user, institution: Institution, roles: frozenset[str], *, is_admin: bool, is_management: bool
) -> dict:
    return {
        "my_memberships": list(selectors.my_memberships(user, institution)),
        "upcoming_events": channel_selectors.upcoming_events(user, institution, limit=EVENTS_SHOWN),
        # A teacher not yet verified is not offered links they could not issue.
        "invites_families": not is_admin
        and (is_management or Role.TEACHER in roles)
        and permissions.invites_families(user, institution),
    }
