"""Thin views of the chat pages; a package whose `__init__` names every view the URLs use:

- `registry`: "my chats", "my classes", the compliance board and its CSV, the registry, the
  MAX migration, registering, changing and archiving a chat;
- `members`: a chat's page with its reconciled members, the pasted member list, decisions;
- `messenger`: the MAX bot's token, "sync now", the matching of the chats the bot sees.
"""

from .exports import BoardExportView, RegistryExportView
from .members import ChatDetailView, MemberDecideView, MemberListView
from .messenger import BotChatMatchView, MessengerSyncView, MessengerTokenRemoveView, MessengerView
from .registry import (
    BoardCsvView,
    BoardView,
    ChatArchiveView,
    ChatCreateView,
    ChatEditView,
    MaxMigrationView,
    MyChatsView,
    MyClassesView,
    RegistryView,
    RemindView,
)

__all__ = [
    "BoardCsvView",
    "BoardExportView",
    "BoardView",
    "BotChatMatchView",
    "ChatArchiveView",
    "ChatCreateView",
    "ChatDetailView",
    "ChatEditView",
    "MaxMigrationView",
    "MemberDecideView",
    "MemberListView",
    "MessengerSyncView",
    "MessengerTokenRemoveView",
    "MessengerView",
    "MyChatsView",
    "MyClassesView",
    "RegistryExportView",
    "RegistryView",
    "RemindView",
]
