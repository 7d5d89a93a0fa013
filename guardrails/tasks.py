"""Background work of the guardrails: recomputing stored decisions, simulations, and the periodic
sweep (versions coming into force, changed accounts and deals, overdue exception reviews)."""

from __future__ import annotations

from celery import shared_task

from core.tasks import TenantTask
from core.tenancy import current_tenant
from guardrails import services

__all__ = ["recompute_accounts", "recompute_tenant", "simulate", "sweep", "sweep_tenant"]


@shared_task(base=TenantTask, name="guardrails.tasks.recompute_tenant", ignore_result=True)
def recompute_tenant(*, tenant_id: int) -> int:
    """Every account's decision and all leakage, e.g. after a version came into force."""
    tenant = current_tenant()
    count = services.recompute_routes(tenant)
    services.record_leakage(tenant)
    return count


@shared_task(base=TenantTask, name="guardrails.tasks.recompute_accounts", ignore_result=True)
def recompute_accounts(*, tenant_id: int, account_ids: list[int]) -> int:
    return services.recompute_routes(current_tenant(), account_ids)


@shared_task(base=TenantTask, name="guardrails.tasks.sweep_tenant", ignore_result=True)
def sweep_tenant(*, tenant_id: int) -> None:
    from guardrails.exceptions import escalate_overdue

    tenant = current_tenant()
    services.activate_due_versions(tenant)
    services.sweep_changes(tenant)
    escalate_overdue(tenant)


@shared_task(name="guardrails.tasks.sweep", ignore_result=True)
def sweep() -> int:
    """Periodic: one `sweep_tenant` per tenant with a rulebook."""
    from guardrails.models import Rulebook

    tenant_ids = list(Rulebook.all_tenants.values_list("tenant_id", flat=True))
    for tenant_id in tenant_ids:
        sweep_tenant.delay(tenant_id=tenant_id)
    return len(tenant_ids)


@shared_task(base=TenantTask, name="guardrails.tasks.simulate", ignore_result=True, acks_late=True)
def simulate(*, tenant_id: int, simulation_id: int) -> None:
    services.run_simulation(simulation_id)
