from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db.models import Model
from django.http import HttpRequest

from core.models import AuditEvent
from tenancy.models import ApiToken, Membership, Partner, Team, Tenant, User

# Roles live in memberships, not in Django groups.
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "last_login"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "full_name"]}),
        ("Platform", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    filter_horizontal = ()
    list_filter = ["is_active", "is_staff"]


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "currency", "timezone"]
    prepopulated_fields = {"slug": ["name"]}


class TenantOwnedAdmin(admin.ModelAdmin):
    list_filter = ["tenant"]

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        # Moving a row to another tenant would leave links across tenants behind.
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "tenant"] if obj is not None else fields


@admin.register(Partner)
class PartnerAdmin(TenantOwnedAdmin):
    list_display = ["name", "tenant", "tier", "status"]
    search_fields = ["name"]


@admin.register(Team)
class TeamAdmin(TenantOwnedAdmin):
    list_display = ["name", "tenant", "region"]


@admin.register(Membership)
class MembershipAdmin(TenantOwnedAdmin):
    list_display = ["user", "tenant", "role", "partner", "team", "is_active"]
    list_filter = ["tenant", "role"]
    raw_id_fields = ["user", "partner", "team"]


@admin.register(ApiToken)
class ApiTokenAdmin(TenantOwnedAdmin):
    list_display = ["name", "tenant", "user", "key_prefix", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "key_prefix", "key_hash", "last_used_at"]

    def has_add_permission(self, request: object) -> bool:
        return False  # keys are issued by `manage.py issue_api_token` or the console, shown once


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "tenant", "actor_label", "action", "object_type", "object_repr"]
    list_filter = ["action", "tenant"]
    search_fields = ["actor_label", "object_repr"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False  # the log is append-only
