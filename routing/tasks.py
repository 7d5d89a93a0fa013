"""Background work of lead ops: processing queued leads, the periodic sweep (leads the queue
lost, due SLA steps, notification emails, leads waiting to be enriched again), and the daily
learning of each tenant's duplicate-matcher weights."""

from __future__ import annotations

from celery import shared_task

from core.acting import SystemActor
from core.tasks import TenantTask
from core.tenancy import current_tenant
from routing import dedupe_service, dedupe_weights, enrich, notify, services
from routing.queue import queue_processing

__all__ = [
    "learn_all_dedupe_weights",
    "learn_dedupe_weights",
    "process_leads",
    "sweep",
    "sweep_tenant",
]

PROCESSING = SystemActor("lead processing")
SWEEP = SystemActor("lead-ops sweep")
LEARNING = SystemActor("duplicate-matcher learning")


@shared_task(
    base=TenantTask, name="routing.tasks.process_leads", ignore_result=True, acks_late=True
)
def process_leads(*, tenant_id: int, lead_ids: list[int]) -> int:
    """Idempotent: leads already processed (or being processed by another worker) are skipped."""
    return services.process_batch(current_tenant(), lead_ids, acting=PROCESSING)


@shared_task(base=TenantTask, name="routing.tasks.sweep_tenant", ignore_result=True)
def sweep_tenant(*, tenant_id: int) -> None:
    tenant = current_tenant()
    for batch in services.sweep_unprocessed(tenant):
        services.process_batch(tenant, batch, acting=SWEEP)
    services.sweep_timers(tenant, acting=SWEEP)
    notify.send_due_emails(tenant, acting=SWEEP)
    enrich.reenrich(acting=SWEEP)


@shared_task(name="routing.tasks.sweep", ignore_result=True)
def sweep() -> int:
    """Periodic: one `sweep_tenant` per tenant."""
    from tenancy.models import Tenant

    tenant_ids = list(Tenant.objects.values_list("id", flat=True))
    for tenant_id in tenant_ids:
        sweep_tenant.delay(tenant_id=tenant_id)
    return len(tenant_ids)


@shared_task(
    base=TenantTask, name="routing.tasks.learn_dedupe_weights", ignore_result=True, acks_late=True
)
def learn_dedupe_weights(
    *, tenant_id: int, only_if_changed: bool = False, then_process: list[int] | None = None
) -> int | None:
    """Learn the tenant's duplicate-matcher weights; the new row's id, or None (too few records).
    Idempotent: the records decide the result (a fixed seed), and with `only_if_changed` a tenant
    whose people did not change since is left as it is. `then_process`: the leads of an import
    that waited for these weights (routing.intake), queued for processing once learned, or if
    learning failed."""
    tenant = current_tenant()
    try:
        before = dedupe_weights.in_force(tenant)
        row = dedupe_weights.learn_tenant_weights(
            tenant, acting=LEARNING, only_if_changed=only_if_changed
        )
        if row is not None and (before is None or row.pk != before.pk):
            # New weights: what they find among recent leads goes to the review queue.
            dedupe_service.propose_after_learning(tenant, acting=LEARNING)
    finally:
        if then_process is not None:
            dedupe_weights.learning_finished(tenant_id)
            queue_processing(tenant_id, then_process)
    return row.pk if row is not None else None


@shared_task(name="routing.tasks.learn_all_dedupe_weights", ignore_result=True)
def learn_all_dedupe_weights() -> int:
    """Periodic (daily): one `learn_dedupe_weights` per tenant, for those whose people changed."""
    from tenancy.models import Tenant

    tenant_ids = list(Tenant.objects.values_list("id", flat=True))
    for tenant_id in tenant_ids:
        learn_dedupe_weights.delay(tenant_id=tenant_id, only_if_changed=True)
    return len(tenant_ids)
