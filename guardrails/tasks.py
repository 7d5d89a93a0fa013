"""Background work of the guardrails, as the Celery worker finds it (it imports `<app>.tasks`).

The periodic sweep is defined here: versions coming into force, changed accounts and deals,
overdue exception reviews. The tasks a service queues itself live beside the work they run, so
the service never imports this module back: `recompute_tenant` and `recompute_accounts` in
`guardrails.services.decisions`, `simulate` in `guardrails.services.simulation`. They are imported
here so the worker registers them; their Celery names are `guardrails.tasks.<name>` as always.
"""

from __future__ import annotations

from celery import shared_task

from core.acting import SystemActor
from core.tasks import TenantTask
from core.tenancy import current_tenant
from guardrails.models import Rulebook
from guardrails.services.decisions import recompute_accounts, recompute_tenant, sweep_changes
from guardrails.services.exception_requests import escalate_overdue
from guardrails.services.publish import activate_due_versions
from guardrails.services.simulation import simulate

__all__ = ["recompute_accounts", "recompute_tenant", "simulate", "sweep", "sweep_tenant"]


@shared_task(base=TenantTask, name="guardrails.tasks.sweep_tenant", ignore_result=True)
def sweep_tenant(*, tenant_id: int) -> None:
    tenant = current_tenant()
    sweeper = SystemActor("guardrails sweep")
    activate_due_versions(tenant, acting=sweeper)
    sweep_changes(tenant, acting=sweeper)
    escalate_overdue(tenant, acting=sweeper)


@shared_task(name="guardrails.tasks.sweep", ignore_result=True)
def sweep() -> int:
    """Periodic: one `sweep_tenant` per tenant with a rulebook."""
    tenant_ids = list(Rulebook.all_tenants.values_list("tenant_id", flat=True))
    for tenant_id in tenant_ids:
        sweep_tenant.delay(tenant_id=tenant_id)
    return len(tenant_ids)
