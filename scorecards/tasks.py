"""Keeping the scorecards' rollups current: a refresh from the change feeds every minute, a
rebuild at night (scorecards/rollup.py)."""

from __future__ import annotations

from celery import shared_task

from core.tasks import TenantTask
from core.tenancy import current_tenant
from scorecards import rollup

__all__ = ["rebuild_all", "rebuild_tenant", "refresh_all", "refresh_tenant"]


@shared_task(base=TenantTask, name="scorecards.tasks.refresh_tenant", ignore_result=True)
def refresh_tenant(*, tenant_id: int) -> int:
    """Idempotent: reads the feeds from the stored cursors; a retry reads them again."""
    return rollup.refresh(current_tenant())


@shared_task(base=TenantTask, name="scorecards.tasks.rebuild_tenant", ignore_result=True)
def rebuild_tenant(*, tenant_id: int) -> int:
    return rollup.rebuild(current_tenant())


def _each_tenant(task) -> int:
    from tenancy.models import Tenant

    tenant_ids = list(Tenant.objects.values_list("id", flat=True))
    for tenant_id in tenant_ids:
        task.delay(tenant_id=tenant_id)
    return len(tenant_ids)


@shared_task(name="scorecards.tasks.refresh_all", ignore_result=True)
def refresh_all() -> int:
    """Periodic (every minute): one `refresh_tenant` per tenant."""
    return _each_tenant(refresh_tenant)


@shared_task(name="scorecards.tasks.rebuild_all", ignore_result=True)
def rebuild_all() -> int:
    """Periodic (nightly): one `rebuild_tenant` per tenant."""
    return _each_tenant(rebuild_tenant)
