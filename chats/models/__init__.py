"""The chat registry and what the portal knows of the chats' real members: data only.

A package: `registry` (the registered chats and the reminders about missing ones), `members`
(the reconciled membership of a chat against the roster), `messenger` (the institution's MAX bot
and the chats it sees). Everything is importable from here.
"""

from sferum_portal.messengers import Platform

from .members import (
    STRANGER_STATES,
    ChatMember,
    ChatReconciliation,
    ChatTodo,
    MemberIdentity,
    MemberSource,
    MemberState,
)
from .messenger import BotChat, BotChatStatus, BotState, MessengerBot
from .registry import UNIT_KINDS, Chat, ChatKind, ChatReminder, validate_chat_link

__all__ = [
    "STRANGER_STATES",
    "UNIT_KINDS",
    "BotChat",
    "BotChatStatus",
    "BotState",
    "Chat",
    "ChatKind",
    "ChatMember",
    "ChatReconciliation",
    "ChatReminder",
    "ChatTodo",
    "MemberIdentity",
    "MemberSource",
    "MemberState",
    "MessengerBot",
    "Platform",
    "validate_chat_link",
]
