"""Background work of deal registration: the periodic sweep (due clocks, reminders, expiry,
opportunities the CRM closed), one small task per tenant."""

from __future__ import annotations

from celery import shared_task

from core.acting import SystemActor
from core.tasks import TenantTask
from core.tenancy import current_tenant
from dealreg.services import sweep as sweeping

__all__ = ["SWEEP", "sweep", "sweep_tenant"]

SWEEP = SystemActor("deal registration sweep")


@shared_task(base=TenantTask, name="dealreg.tasks.sweep_tenant", ignore_result=True)
def sweep_tenant(*, tenant_id: int) -> int:
    return sweeping.sweep_tenant(current_tenant(), acting=SWEEP)


@shared_task(name="dealreg.tasks.sweep", ignore_result=True)
def sweep() -> int:
    """Periodic: one `sweep_tenant` per tenant."""
    from tenancy.models import Tenant

    tenant_ids = list(Tenant.objects.values_list("id", flat=True))
    for tenant_id in tenant_ids:
        sweep_tenant.delay(tenant_id=tenant_id)
    return len(tenant_ids)
