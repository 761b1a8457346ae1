from django.contrib import admin

from .models import Invitation, InvitationPolicy, InvitationUse, JoinRequest, SignInLink


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "institution",
        "created_by",
        "created_at",
        "expires_at",
        "uses_count",
    )
    list_filter = ("role", "institution")
    search_fields = ("email", "note", "person__last_name")
    raw_id_fields = ("unit", "person", "created_by", "revoked_by")
    # The hash is no secret, but it is no business of anybody's either.
    exclude = ("token_hash",)
    readonly_fields = ("uses_count", "created_at", "expiry_recorded_at", "expiry_warned_at")

    def has_add_permission(self, request):
        # A link made here would have no token to hand out: links are issued in the portal.
        return False


@admin.register(InvitationUse)
class InvitationUseAdmin(admin.ModelAdmin):
    list_display = ("invitation", "user", "person", "used_at")
    raw_id_fields = ("invitation", "user", "person", "membership", "join_request")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ("full_name", "unit", "role", "status", "created_at", "decided_at")
    list_filter = ("status", "role")
    raw_id_fields = ("invitation", "unit", "user", "person", "decided_by")


@admin.register(InvitationPolicy)
class InvitationPolicyAdmin(admin.ModelAdmin):
    list_display = ("institution", "default_ttl_days", "unclaimed_after_days")


@admin.register(SignInLink)
class SignInLinkAdmin(admin.ModelAdmin):
    """Read only: a sign-in link is issued (and revoked) on the person's page, audited."""

    list_display = ("person", "institution", "created_by", "created_at", "expires_at", "used_at")
    raw_id_fields = ("person", "user", "created_by", "revoked_by")
    exclude = ("token_hash",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
