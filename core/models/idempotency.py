"""The table of Idempotency-Keys and the responses they replay (core.idempotency)."""

from __future__ import annotations

from django.db import models

from core.models.base import TenantOwned

__all__ = ["MAX_KEY_LENGTH", "IdempotencyKey"]

MAX_KEY_LENGTH = 255


class IdempotencyKey(TenantOwned):
    credential = models.CharField(max_length=40)  # "token:<id>" or "user:<id>": keys are per caller
    key = models.CharField(max_length=MAX_KEY_LENGTH)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.TextField(blank=True)
    response_headers = models.JSONField(default=dict)

    audit_skip = True

    class Meta:
        base_manager_name = "all_tenants"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "credential", "key"], name="idempotencykey_uniq"
            )
        ]
        indexes = [models.Index(fields=["tenant", "created_at"], name="idempotencykey_age")]

    def __str__(self) -> str:
        return self.key
