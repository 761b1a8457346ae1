"""Who may see a chat's link and who may register or change a chat: one function each."""

from __future__ import annotations

from roles import permissions
from roles.models import Role

from .models import UNIT_KINDS, Chat, ChatKind
from .rules import AUDIENCE, REGISTERED_BY


def link_visible(
    chat: Chat, user_id: int, staff_room_roles: frozenset[str], unit_roles: frozenset[str]
) -> bool:
    """The rule itself, on roles already known: the owner and the audience, nobody else."""
    if chat.is_archived:
        return False
    if chat.owner_id is not None and chat.owner.user_id == user_id:
        return True
    where, roles = AUDIENCE[chat.kind]
    if where == "staff_room":
        return bool(staff_room_roles & roles)
    return chat.unit_id is not None and bool(unit_roles & roles)


def can_see_link(user, chat: Chat) -> bool:
    """The link is the key to the chat: may this user see it?"""
    if not getattr(user, "is_authenticated", False):
        return False
    staff_room_roles = permissions.staff_room_roles(user, chat.institution)
    unit_roles = permissions.roles_in_unit(user, chat.unit) if chat.unit_id else frozenset()
    return link_visible(chat, user.pk, staff_room_roles, unit_roles)


def can_register(user, institution, kind: str, unit=None) -> bool:
    """Admins register any chat; the director the management chats; a verified teacher the
    chats of their own classes and departments (a department's too if they teach one of its
    classes), and "other" chats."""
    if permissions.can(user, "chat.manage", institution):
        return True
    allowed = REGISTERED_BY[kind]
    roles = permissions.roles_of(user, institution)
    if kind == ChatKind.OTHER and unit is not None:
        # Its link reaches the unit's members: only a member of the unit's staff may attach it.
        return bool(permissions.STAFF_MEMBERS & permissions.roles_in_unit(user, unit))
    if kind in UNIT_KINDS:
        if unit is None or Role.TEACHER not in allowed:
            return False
        if kind == ChatKind.DEPARTMENT_TEACHERS:
            # 2.3: a teacher of the department, or of one of its classes.
            return permissions.teaches_in_department(user, unit)
        return permissions.teaches(user, unit)
    return bool(allowed & roles)


def can_change_owner(user, chat: Chat) -> bool:
    return permissions.can(user, "chat.manage", chat.institution)


def can_change(user, chat: Chat) -> bool:
    """The owner changes their chat; admins change any (e.g. to give it a new owner)."""
    if permissions.can(user, "chat.manage", chat.institution):
        return True
    return chat.owner_id is not None and chat.owner.user_id == getattr(user, "pk", None)


def can_view_members(user, chat: Chat) -> bool:
    """Who is in the chat, who is missing, who is a stranger: the lists name the roster's people
    (minors among them). The administration and the admins see them (they see the roster); the
    staff who may see the chat (its owner, the teachers of its audience) too; families never."""
    if permissions.can(user, "chat.board", chat.institution):
        return True
    if not (permissions.STAFF & permissions.roles_of(user, chat.institution)):
        return False
    return can_see_link(user, chat)
