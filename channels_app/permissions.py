"""Who may write, review and see posts, and plan and see events (on top of roles.permissions)."""

from __future__ import annotations

from collections.abc import Iterable

from roles import permissions as role_permissions
from roles.models import Institution, Role, Unit, UnitKind
from roles.permissions import MANAGEMENT

from .models import (
    AUDIENCE_ROLES,
    Channel,
    ChannelAuthor,
    Event,
    EventKind,
    Post,
    PostState,
)

# Who takes each step of a post: its author or the editor (the admin). Action -> (from, to, who).
AUTHOR = "author"
EDITOR = "editor"
TRANSITIONS: dict[str, tuple[frozenset[str], str, str]] = {
    "submit": (
        frozenset({PostState.DRAFT, PostState.CHANGES_REQUESTED}),
        PostState.SUBMITTED,
        AUTHOR,
    ),
    "withdraw": (frozenset({PostState.SUBMITTED}), PostState.DRAFT, AUTHOR),
    "request_changes": (
        frozenset({PostState.SUBMITTED, PostState.APPROVED}),
        PostState.CHANGES_REQUESTED,
        EDITOR,
    ),
    "approve": (frozenset({PostState.SUBMITTED}), PostState.APPROVED, EDITOR),
    "reject": (
        frozenset({PostState.SUBMITTED, PostState.APPROVED, PostState.SCHEDULED}),
        PostState.REJECTED,
        EDITOR,
    ),
    "schedule": (frozenset({PostState.APPROVED}), PostState.SCHEDULED, EDITOR),
    "unschedule": (frozenset({PostState.SCHEDULED}), PostState.APPROVED, EDITOR),
    "publish_now": (
        frozenset({PostState.APPROVED, PostState.SCHEDULED}),
        PostState.PUBLISHED,
        EDITOR,
    ),
}
# Who may change a post's text in which states.
EDITABLE_BY = {
    AUTHOR: frozenset({PostState.DRAFT, PostState.CHANGES_REQUESTED}),
    EDITOR: frozenset({PostState.SUBMITTED, PostState.APPROVED}),
}


def is_editor(user, institution: Institution) -> bool:
    return role_permissions.can(user, "post.review", institution)


def can_write_posts(user, institution: Institution) -> bool:
    """The administration writes; other staff only once the admin allowed them."""
    if not role_permissions.can(user, "post.write", institution):
        return False
    if user.is_superuser or MANAGEMENT & role_permissions.roles_of(user, institution):
        return True
    return ChannelAuthor.objects.filter(
        institution=institution, person__user=user, person__left_on__isnull=True
    ).exists()


def _is_author(user, post: Post) -> bool:
    return post.author_id == getattr(user, "pk", None) and can_write_posts(user, post.institution)


def can_transition(user, post: Post, action: str) -> bool:
    sources, _target, who = TRANSITIONS[action]
    if post.state not in sources:
        return False
    if who == AUTHOR:
        return _is_author(user, post)
    return is_editor(user, post.institution)


def allowed_transitions(user, post: Post) -> list[str]:
    return [action for action in TRANSITIONS if can_transition(user, post, action)]


def can_edit_post(user, post: Post) -> bool:
    if post.state in EDITABLE_BY[AUTHOR] and _is_author(user, post):
        return True
    return post.state in EDITABLE_BY[EDITOR] and is_editor(user, post.institution)


def can_view_post(user, post: Post) -> bool:
    """Published posts: the channel's audience; unpublished: their author and the editors."""
    institution = post.institution
    if is_editor(user, institution) or post.author_id == getattr(user, "pk", None):
        return True
    if post.state != PostState.PUBLISHED:
        return False
    return channel_visible(user, post.channel)


def channel_visible(user, channel: Channel) -> bool:
    roles = role_permissions.roles_of(user, channel.institution)
    return bool(
        getattr(user, "is_superuser", False)
        or MANAGEMENT & roles
        or AUDIENCE_ROLES[channel.audience] & roles
    )


# --- events -----------------------------------------------------------------------------------


def can_create_event(user, institution: Institution, kind: str, units: Iterable[Unit]) -> bool:
    """Broadcasts, meetings and seminars: the admin. Lessons: a teacher for their own classes."""
    if kind != EventKind.LESSON:
        return role_permissions.can(user, "event.manage", institution)
    if role_permissions.can(user, "event.manage", institution):
        return True
    if not role_permissions.can(user, "event.lesson", institution):
        return False
    units = list(units)
    return bool(units) and all(
        unit.kind == UnitKind.CLASS and role_permissions.teaches(user, unit) for unit in units
    )


def can_manage_event(user, event: Event) -> bool:
    """Change, cancel, mark held: the admin, whoever planned it, and its host."""
    if role_permissions.can(user, "event.manage", event.institution):
        return True
    uid = getattr(user, "pk", None)
    if uid is None:
        return False
    if event.created_by_id == uid:
        return True
    return event.host_id is not None and event.host.user_id == uid


def audience_matches(
    unit_ids: Iterable[int], roles: Iterable[str], memberships: set[tuple[int, str]]
) -> bool:
    """Does one membership fall in the audience? No units: the institution; no roles: all.

    The teachers of the chosen units always belong: a class teacher knows what their class does.
    """
    unit_ids = set(unit_ids)
    roles = set(roles)
    return any(
        (not unit_ids or unit in unit_ids)
        and (not roles or role in roles or (unit_ids and role == Role.TEACHER))
        for unit, role in memberships
    )


def sees_all_events(user, institution: Institution) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return bool(MANAGEMENT & role_permissions.roles_of(user, institution))


def event_visible(user, event: Event, memberships: set[tuple[int, str]] | None = None) -> bool:
    if sees_all_events(user, event.institution) or can_manage_event(user, event):
        return True
    if memberships is None:
        memberships = role_permissions.memberships_of(user, event.institution)
    unit_ids = [u.pk for u in event.audience_units.all()]
    return audience_matches(unit_ids, event.audience_roles, memberships)
