"""The audit log's table (written by core.audit)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from core.tenancy import TenantManager

__all__ = ["AuditEvent"]


class AuditEvent(models.Model):
    """One thing that happened: a change to tenant data, a sign-in, a refused request.

    Tenant is empty only for events that belong to no tenant (a failed sign-in for an unknown
    email); those are visible to platform staff in /admin/ alone.
    """

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Updated"
        DELETE = "delete", "Deleted"
        LOGIN = "login", "Signed in"
        LOGIN_FAILED = "login_failed", "Sign-in failed"
        LOGOUT = "logout", "Signed out"
        DENIED = "denied", "Permission denied"

    # Indexed through the (tenant, ...) composites below; the log is written far more than read.
    tenant = models.ForeignKey(
        "tenancy.Tenant",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # Kept as text too, so the log still reads after a user is deleted or for unknown emails.
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=20, blank=True)  # web, api, task, command, admin
    # Which credential acted, when not the browser session (e.g. "token cb_Xy12ab…").
    credential = models.CharField(max_length=40, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.CharField(max_length=500, blank=True)

    objects: ClassVar = TenantManager()
    all_tenants = models.Manager()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "-at"], name="audit_tenant_at"),
            models.Index(fields=["tenant", "object_type", "object_id"], name="audit_tenant_object"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"
