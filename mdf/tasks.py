"""Background work of MDF: the periodic sweep (due clocks, claim windows, quarter ends, hourly
accruals), one small task per tenant, and an accrual recomputation queued when a partner's
opportunity is won or changes after winning."""

from __future__ import annotations

from celery import shared_task

from core.acting import SystemActor
from core.tasks import TenantTask
from core.tenancy import current_tenant
from mdf.services import budgets
from mdf.services import sweep as sweeping

__all__ = ["SWEEP", "recompute_partner_accruals", "sweep", "sweep_tenant"]

SWEEP = SystemActor("MDF sweep")
ACCRUALS = SystemActor("MDF accruals")


@shared_task(base=TenantTask, name="mdf.tasks.sweep_tenant", ignore_result=True)
def sweep_tenant(*, tenant_id: int) -> int:
    return sweeping.sweep_tenant(current_tenant(), acting=SWEEP)


@shared_task(name="mdf.tasks.sweep", ignore_result=True)
def sweep() -> int:
    """Periodic: one `sweep_tenant` per tenant."""
    from tenancy.models import Tenant

    tenant_ids = list(Tenant.objects.values_list("id", flat=True))
    for tenant_id in tenant_ids:
        sweep_tenant.delay(tenant_id=tenant_id)
    return len(tenant_ids)


@shared_task(base=TenantTask, name="mdf.tasks.recompute_partner_accruals", ignore_result=True)
def recompute_partner_accruals(*, tenant_id: int, partner_id: int) -> int:
    """Idempotent: posts only the difference between what is due and what was posted."""
    return budgets.recompute_accruals(current_tenant(), acting=ACCRUALS, partner_id=partner_id)
