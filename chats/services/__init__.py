"""Every write of the chats app; this package re-exports them, so callers keep writing
`from chats import services; services.register_chat(...)`:

- `registry`: registering, changing and archiving chats, the reminders about missing chats;
- `memberlist`: reading a member list pasted from a messenger's members screen (no writes);
- `matching`: the roster people a chat expects and the matching of names to them (no writes);
- `reconcile`: the one reconciliation of a chat's members with the roster, its to-dos;
- `messenger`: the MAX bot's token and the sync of the chats the bot sees.
"""

from .memberlist import ParsedList, parse_member_list, read_member_file
from .messenger import (
    SYNC_TASK,
    MessengerNotConfigured,
    SyncResult,
    bot_token,
    match_bot_chat,
    remove_bot_token,
    request_sync,
    set_bot_token,
    sync_all,
    sync_institution,
)
from .reconcile import (
    Member,
    ReconcileResult,
    decide_member,
    preview,
    reconcile,
    reconcile_pasted,
    remove_leaver_from_chats,
)
from .registry import (
    EDITABLE,
    archive_chat,
    hand_over_person,
    missing_chat_reminders_due,
    register_chat,
    release_chats_of,
    request_missing_chat_reminders,
    send_missing_chat_reminders,
    update_chat,
)

__all__ = [
    "EDITABLE",
    "hand_over_person",
    "SYNC_TASK",
    "Member",
    "MessengerNotConfigured",
    "ParsedList",
    "ReconcileResult",
    "SyncResult",
    "archive_chat",
    "bot_token",
    "decide_member",
    "match_bot_chat",
    "parse_member_list",
    "preview",
    "read_member_file",
    "reconcile",
    "reconcile_pasted",
    "register_chat",
    "release_chats_of",
    "remove_bot_token",
    "remove_leaver_from_chats",
    "missing_chat_reminders_due",
    "request_missing_chat_reminders",
    "request_sync",
    "send_missing_chat_reminders",
    "set_bot_token",
    "sync_all",
    "sync_institution",
    "update_chat",
]
