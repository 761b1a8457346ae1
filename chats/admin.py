from django.contrib import admin

from .models import (
    BotChat,
    Chat,
    ChatMember,
    ChatReconciliation,
    ChatReminder,
    ChatTodo,
    MemberIdentity,
    MessengerBot,
)


@admin.register(Chat)
class ChatAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "unit", "owner", "platform", "member_count", "archived_at")
    list_filter = ("kind", "platform", "institution")
    search_fields = ("title",)
    raw_id_fields = ("unit", "owner", "created_by")


@admin.register(ChatReminder)
class ChatReminderAdmin(admin.ModelAdmin):
    list_display = ("teacher", "institution", "sent_at")
    raw_id_fields = ("teacher",)

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the reconciliation and the sync only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ChatMember)
class ChatMemberAdmin(ReadOnlyAdmin):
    list_display = ("chat", "name", "person", "state", "source", "since")
    list_filter = ("state", "source")
    raw_id_fields = ("chat", "person")


@admin.register(ChatReconciliation)
class ChatReconciliationAdmin(ReadOnlyAdmin):
    list_display = ("chat", "source", "checked_at", "present", "missing", "unknown")


@admin.register(MemberIdentity)
class MemberIdentityAdmin(ReadOnlyAdmin):
    list_display = ("key", "chat", "person", "decided_by", "decided_at")
    raw_id_fields = ("chat", "person")


@admin.register(ChatTodo)
class ChatTodoAdmin(ReadOnlyAdmin):
    list_display = ("chat", "kind", "todo")


@admin.register(MessengerBot)
class MessengerBotAdmin(ReadOnlyAdmin):
    """The token is never listed nor shown: it is set on the portal's page or by
    `set_messenger_token`, and stays encrypted."""

    list_display = ("institution", "state", "state_since", "set_at", "set_by", "synced_at")
    exclude = ("token_encrypted",)


@admin.register(BotChat)
class BotChatAdmin(ReadOnlyAdmin):
    list_display = ("title", "institution", "max_chat_id", "status", "chat", "synced_at")
    list_filter = ("status",)
