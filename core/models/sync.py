"""The sync feed's tables: the change counter and the tombstones of deleted rows (core.sync)."""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from core.models.base import TenantOwned
from core.tenancy import TenantManager

__all__ = ["SyncClock", "Tombstone"]


class SyncClock(models.Model):
    """The change counter on databases without transaction ids (SQLite). One row."""

    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.value)


class Tombstone(TenantOwned):
    """What a connector needs to delete its copy of a row we deleted."""

    resource = models.CharField(max_length=50)  # model label, e.g. "accounts.Contact"
    object_id = models.BigIntegerField()
    external_id = models.CharField(max_length=100, blank=True)
    sync_seq = models.BigIntegerField()

    objects: ClassVar = TenantManager()
    audit_skip = True  # the deletion itself is audited

    class Meta:
        base_manager_name = "all_tenants"
        indexes = [
            models.Index(
                fields=["tenant", "resource", "sync_seq", "object_id"], name="tombstone_feed"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource}#{self.object_id} deleted"
