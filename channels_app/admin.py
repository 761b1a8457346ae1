from django.contrib import admin

from .models import Channel, ChannelAuthor, Event, Post, PostHistory, SupportRequest


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ("name", "institution", "platform", "audience", "archived_at")
    list_filter = ("platform", "audience")
    search_fields = ("name",)


@admin.register(ChannelAuthor)
class ChannelAuthorAdmin(admin.ModelAdmin):
    list_display = ("person", "institution", "allowed_at")
    raw_id_fields = ("person",)


class PostHistoryInline(admin.TabularInline):
    model = PostHistory
    extra = 0
    can_delete = False
    readonly_fields = ("actor", "action", "state_from", "state_to", "comment", "at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    # States change through the workflow's services only, so that history stays whole.
    list_display = ("title", "institution", "channel", "state", "publish_at", "published_at")
    list_filter = ("state",)
    search_fields = ("title",)
    readonly_fields = ("state", "publish_at", "published_at", "todo")
    inlines = [PostHistoryInline]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("title", "institution", "kind", "starts_at", "status")
    list_filter = ("kind", "status")
    search_fields = ("title",)
    raw_id_fields = ("host",)
    filter_horizontal = ("audience_units",)


@admin.register(SupportRequest)
class SupportRequestAdmin(admin.ModelAdmin):
    list_display = ("subject", "institution", "status", "sent_on", "ticket_number")
    list_filter = ("status",)
    search_fields = ("subject", "ticket_number")
