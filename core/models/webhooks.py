"""The webhook tables: the endpoints a tenant subscribes and the outbox of deliveries to them
(core.webhooks)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import ClassVar

from django.db import models
from django.db.models import Q

from core.models.base import TenantOwned
from core.tenancy import TenantManager

__all__ = ["SECRET_PREFIX", "WebhookDelivery", "WebhookEndpoint", "new_secret"]

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _matches(patterns: Iterable[str], event: str) -> bool:
    resource = event.split(".", 1)[0]
    return any(p in ("*", event, f"{resource}.*") for p in patterns)


class WebhookEndpoint(TenantOwned):
    """A URL of the tenant's that receives the events it subscribes to."""

    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    # Event names ("contact.created"), "<resource>.*" or "*".
    events = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)

    objects: ClassVar = TenantManager()
    audit_exclude = ("secret",)  # never copied into the audit log

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["id"]
        indexes = [models.Index(fields=["tenant", "is_active"], name="webhookendpoint_active")]

    def __str__(self) -> str:
        return self.url

    @property
    def masked_secret(self) -> str:
        return f"{SECRET_PREFIX}…{self.secret[-4:]}"

    def subscribes_to(self, event: str) -> bool:
        return _matches(self.events, event)


class WebhookDelivery(TenantOwned):
    """One event for one endpoint, and how sending it went."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=100)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Pending: when the next attempt is due. Sending: when the attempt counts as lost. Else empty.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar = TenantManager()
    audit_skip = True  # bookkeeping; the change that caused it is audited, replays are recorded

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-id"]
        indexes = [
            # The sweep's work list: only rows still waiting, so it stays small.
            models.Index(
                fields=["tenant", "next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="webhookdelivery_due",
            ),
            models.Index(fields=["tenant", "status"], name="webhookdelivery_status"),
        ]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} #{self.pk} → {self.endpoint_id}"
