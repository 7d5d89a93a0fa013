"""Tenant scoping: the one mechanism that keeps tenants apart.

Every tenant-owned model's default manager (`TenantManager`) refuses to query unless a tenant
scope is active, and filters to that tenant when one is. Scopes are entered in exactly four places:
the tenant-URL middleware (tenancy.middleware), the API base view after authentication
(core.api.views), the Celery task base (core.tasks.TenantTask) and management commands. The
platform admin uses `all_tenants_scope()`, the only deliberate cross-tenant door; grep for it.

Built on django-scopes' context variable, with two changes: `tenant_scope(None)` is refused
(django-scopes reads None as "every tenant"), and custom queryset methods such as `visible_to()`
raise ScopeError outside a scope instead of AttributeError.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import models
from django_scopes import ScopeError, scope, scopes_disabled
from django_scopes.manager import DisabledQuerySet
from django_scopes.state import get_scope

__all__ = [
    "ScopeError",
    "TenantManager",
    "TenantQuerySet",
    "all_tenants_scope",
    "current_tenant",
    "tenant_scope",
]


@contextmanager
def tenant_scope(tenant: Any) -> Iterator[Any]:
    """Run the block with every tenant-owned query limited to `tenant`."""
    if tenant is None or getattr(tenant, "pk", None) is None:
        raise ScopeError(
            "tenant_scope() needs a saved tenant; use all_tenants_scope() deliberately"
        )
    with scope(tenant=tenant):
        yield tenant


@contextmanager
def all_tenants_scope() -> Iterator[None]:
    """Deliberately lift tenant scoping (platform admin, cross-tenant maintenance). Audited in review."""
    with scopes_disabled():
        yield


def current_tenant() -> Any:
    """The tenant of the active scope, or None outside any tenant scope."""
    return get_scope().get("tenant") if get_scope().get("_enabled", True) else None


class _OutOfScope(DisabledQuerySet):
    """Any query method, ours included, raises ScopeError without an active scope."""

    # django-scopes leaves these open; they would answer questions about other tenants' rows:
    # existence checks, use as a subquery, async iteration, pickling. `.query` stays readable
    # (django-filter inspects it at import).
    exists = explain = contains = in_bulk = DisabledQuerySet.error
    resolve_expression = _fetch_all = aiterator = __aiter__ = __getstate__ = DisabledQuerySet.error

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.error


class TenantQuerySet(models.QuerySet):
    """Base for tenant-owned querysets. Apps add `visible_to(membership)` for in-tenant visibility."""

    def visible_to(self, membership: Any) -> TenantQuerySet:
        # Default: anyone in the tenant sees every row. Models with narrower rules override this.
        return self


_TenantManagerBase = models.Manager.from_queryset(TenantQuerySet)


class TenantManager(_TenantManagerBase):
    """Default manager of tenant-owned models: fails closed without a scope."""

    def get_queryset(self) -> models.QuerySet:
        state = get_scope()
        if not state.get("_enabled", True):
            return super().get_queryset()
        if state.get("tenant") is None:
            return _OutOfScope(self.model, using=self._db, missing_scopes=["tenant"])
        return super().get_queryset().filter(tenant=state["tenant"])

    def all(self) -> models.QuerySet:
        # Out of scope, all() hands back the refusing queryset unevaluated (libraries such as
        # django-filter inspect `.all().query` at import); evaluating or filtering it raises.
        # Like Django's Manager.all(): the queryset itself, so a related manager's prefetched
        # rows are used rather than queried again.
        return self.get_queryset()
