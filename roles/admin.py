from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from . import services
from .models import (
    AdminAppointment,
    AuditEvent,
    GuardianLink,
    Institution,
    LoginCode,
    LoginFailure,
    LoginLift,
    Membership,
    Movement,
    Person,
    RosterImport,
    RosterLayout,
    TodoItem,
    Unit,
    UnitKind,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    pass


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "inn", "timezone", "usage_order_number")
    search_fields = ("name", "short_name", "inn")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # The staff room is created with the institution, through the one service that knows it.
        fields = {
            f: form.cleaned_data[f]
            for f in form.cleaned_data
            if f not in ("name", "short_name", "timezone")
        }
        created = services.create_institution(
            name=obj.name,
            short_name=obj.short_name,
            timezone=obj.timezone,
            by=request.user,
            **fields,
        )
        obj.pk = created.pk
        obj.created_at = created.created_at


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "academic_year", "institution", "archived_at")
    list_filter = ("kind", "institution")
    search_fields = ("name",)

    def get_readonly_fields(self, request, obj=None):
        # A unit's kind never changes: the staff room must stay the staff room.
        return ("kind",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.kind == UnitKind.STAFF_ROOM:
            return False
        return super().has_delete_permission(request, obj)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("unit", "verified_by")


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("last_name", "first_name", "patronymic", "kind", "institution", "left_on")
    list_filter = ("kind", "institution")
    search_fields = ("last_name", "first_name", "external_id")
    raw_id_fields = ("user",)
    inlines = [MembershipInline]


@admin.register(GuardianLink)
class GuardianLinkAdmin(admin.ModelAdmin):
    raw_id_fields = ("parent", "student")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("person", "unit", "role", "start_date", "end_date", "verification")
    list_filter = ("role", "verification")
    raw_id_fields = ("person", "unit", "verified_by")


@admin.register(AdminAppointment)
class AdminAppointmentAdmin(admin.ModelAdmin):
    list_display = ("person", "institution", "order_number", "order_date", "start_date", "end_date")
    raw_id_fields = ("person", "appointed_by", "ended_by")


@admin.register(Movement)
class MovementAdmin(admin.ModelAdmin):
    list_display = ("person", "kind", "from_unit", "to_unit", "effective_date", "order_number")
    list_filter = ("kind",)
    raw_id_fields = ("person", "from_unit", "to_unit", "recorded_by")


@admin.register(TodoItem)
class TodoItemAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "institution", "created_at", "done_at")
    list_filter = ("kind", "institution")
    raw_id_fields = ("person", "unit", "movement", "done_by")


@admin.register(RosterImport)
class RosterImportAdmin(admin.ModelAdmin):
    list_display = ("original_name", "institution", "status", "created_at", "finished_at")
    readonly_fields = [f.name for f in RosterImport._meta.fields]


@admin.register(RosterLayout)
class RosterLayoutAdmin(admin.ModelAdmin):
    list_display = ("__str__", "institution", "kind", "updated_at")
    list_filter = ("institution",)
    readonly_fields = ("key", "headers", "created_at", "updated_at")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only, in the admin as everywhere."""

    list_display = ("created_at", "institution", "actor", "action", "summary")
    list_filter = ("action",)
    search_fields = ("summary",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    """Read-only: the throttle's records (roles.login); locks are lifted on the portal's page."""

    list_display = ("username", "address", "device", "at")
    search_fields = ("username", "address")
    readonly_fields = ("username", "address", "device", "at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(LoginLift)
class LoginLiftAdmin(LoginFailureAdmin):
    list_display = ("scope", "value", "lifted_by", "at")
    search_fields = ("value",)
    readonly_fields = ("scope", "value", "lifted_by", "at")


@admin.register(LoginCode)
class LoginCodeAdmin(LoginFailureAdmin):
    """Codes are kept hashed; nothing here tells them."""

    list_display = ("user", "created_at", "expires_at", "used_at", "wrong_tries")
    search_fields = ("user__username",)
    readonly_fields = ("user", "created_at", "expires_at", "used_at", "wrong_tries")
    exclude = ("code_hash",)
