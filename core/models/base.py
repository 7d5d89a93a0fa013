"""The abstract bases every app's models build on."""

from __future__ import annotations

from django.db import models

from core.tenancy import TenantManager

__all__ = ["TenantOwned", "TimeStamped"]


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
