"""Abstract bases every app builds on, and the two plumbing tables: the audit log and the
scheduler heartbeat."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.tenancy import TenantManager

__all__ = [
    "AuditEvent",
    "IdempotencyKey",
    "ImportJob",
    "SchedulerHeartbeat",
    "SyncClock",
    "TenantOwned",
    "TimeStamped",
    "Tombstone",
    "WebhookDelivery",
    "WebhookEndpoint",
]


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


class TenantOwned(TimeStamped):
    """A row that belongs to one tenant.

    The tenant is stored on every such row, even where a parent would give it, so the scope filter
    is one indexed column (no JOIN) and the schema can be distributed by tenant. Put `tenant`
    first in every composite unique constraint and index of a subclass.
    """

    # No index of its own: every tenant-owned table has composite indexes that start with the
    # tenant (tests/test_scoped_models.py checks), and a redundant index slows every insert.
    tenant = models.ForeignKey(
        "tenancy.Tenant", on_delete=models.PROTECT, related_name="+", db_index=False
    )

    objects = TenantManager()
    # Deliberate cross-tenant access only; the name is meant to stand out in review.
    all_tenants = models.Manager()

    # Fields never copied into the audit log.
    audit_exclude: tuple[str, ...] = ()

    class Meta:
        abstract = True
        base_manager_name = "all_tenants"


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

    objects = TenantManager()
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


class SchedulerHeartbeat(models.Model):
    """Written by the periodic scheduler (Celery beat or the embedded runner); read by /healthz."""

    name = models.CharField(max_length=50, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


# Models defined beside the code that owns them, registered here with the app.
from core.idempotency import IdempotencyKey  # noqa: E402
from core.imports import ImportJob  # noqa: E402
from core.sync import SyncClock, Tombstone  # noqa: E402
from core.webhooks import WebhookDelivery, WebhookEndpoint  # noqa: E402
