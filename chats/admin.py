from django.contrib import admin

from .models import Chat, ChatReminder


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
