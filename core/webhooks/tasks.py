"""The delivery queue: the Celery tasks that send webhooks, handing deliveries to them
(`publish`), the periodic sweep and replays.

The task names keep the `core.tasks.` prefix they were first published under: beat's schedule
and messages already queued refer to them by name. `CoreConfig.ready()` imports this module
(through core.webhooks.emit), so every process that sets Django up has them registered.

**Sweep.** `sweep()` (periodic) hands every due delivery to a task, claiming it first with a
conditional UPDATE so two schedulers never publish it twice, and recovers attempts whose worker
died. `replay_delivery()` puts a delivered or failed delivery back in the queue.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from core.acting import Actor, action
from core.audit import record
from core.models import AuditEvent, WebhookDelivery
from core.tasks import TenantTask
from core.webhooks.delivery import deliver, finish

__all__ = [
    "ReplayRefused",
    "deliver_webhook",
    "publish",
    "replay_delivery",
    "sweep",
    "sweep_webhook_deliveries",
]

logger = logging.getLogger(__name__)

# A row the sweep published is not published again before this, unless a task picked it up.
PUBLISH_LEASE = timedelta(minutes=5)
SWEEP_BATCH = 500


@shared_task(base=TenantTask, name="core.tasks.deliver_webhook", ignore_result=True, acks_late=True)
def deliver_webhook(*, tenant_id: int, delivery_id: int, attempt: int | None = None) -> str | None:
    """One attempt at a webhook delivery. Idempotent: the row is claimed conditionally, so a
    repeated message (or one for a delivery already sent) does nothing. `attempt` is how many
    attempts the row had when this was published; a stale message then cannot skip the backoff."""
    return deliver(delivery_id, attempt=attempt)


@shared_task(name="core.tasks.sweep_webhook_deliveries", ignore_result=True)
def sweep_webhook_deliveries() -> int:
    """Periodic: publish one `deliver_webhook` per due delivery, each with its own tenant."""
    return sweep()


def publish(items: Sequence[tuple[int, int, int | None]]) -> int:
    """Hand deliveries to the worker. A failure to publish is not lost: the rows are due, and
    the sweep publishes them."""
    published = 0
    for tenant_id, delivery_id, attempt in items:
        try:
            deliver_webhook.delay(tenant_id=tenant_id, delivery_id=delivery_id, attempt=attempt)
            published += 1
        except Exception:
            logger.exception("could not publish webhook delivery %s", delivery_id)
    return published


def sweep(*, limit: int = SWEEP_BATCH) -> int:
    """Publish a task for every due delivery (at most `limit`); returns how many were published.

    Deliberately across tenants, through `all_tenants`: the sweep only reads ids and claims rows;
    each delivery is then sent by a task in its own tenant's scope.
    """
    now = timezone.now()
    Status = WebhookDelivery.Status
    lost = WebhookDelivery.all_tenants.filter(status=Status.SENDING, next_attempt_at__lte=now)
    for delivery_id, attempts in lost.values_list("pk", "attempts")[:limit]:
        finish(delivery_id, attempts, None, "The attempt did not finish (the worker stopped).")
    due = (
        WebhookDelivery.all_tenants.filter(status=Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "tenant_id", "attempts")[:limit]
    )
    claimed = []
    for delivery_id, tenant_id, attempts in due:
        # The claim: only one sweep moves a due row's time forward; the other updates nothing.
        if WebhookDelivery.all_tenants.filter(
            pk=delivery_id, status=Status.PENDING, attempts=attempts, next_attempt_at__lte=now
        ).update(next_attempt_at=now + PUBLISH_LEASE):
            claimed.append((tenant_id, delivery_id, attempts))
    return publish(claimed)


class ReplayRefused(Exception):
    """The delivery cannot be replayed now; the message says why."""


@action
def replay_delivery(delivery: WebhookDelivery, *, acting: Actor) -> WebhookDelivery:
    """Put a delivered or failed delivery back in the queue, due now, with a fresh set of
    attempts; recorded in the audit log as `acting`'s (an admin). The same payload (and delivery
    id) is sent again."""
    Status = WebhookDelivery.Status
    if delivery.status not in (Status.FAILED, Status.DELIVERED):
        raise ReplayRefused("Only delivered or failed deliveries can be replayed.")
    if not delivery.endpoint.is_active:
        raise ReplayRefused("The endpoint is deactivated: activate it first.")
    before = delivery.status
    now = timezone.now()
    updated = WebhookDelivery.all_tenants.filter(
        pk=delivery.pk, tenant_id=delivery.tenant_id, status=before
    ).update(
        status=Status.PENDING, attempts=0, next_attempt_at=now, delivered_at=None, updated_at=now
    )
    if not updated:
        raise ReplayRefused("The delivery changed meanwhile; reload and try again.")
    record(
        AuditEvent.Action.UPDATE,
        tenant=delivery.tenant,
        obj=delivery,
        changes={"status": [before, Status.PENDING]},
        detail="Webhook delivery replayed",
    )
    tenant_id, delivery_id = delivery.tenant_id, delivery.pk
    transaction.on_commit(lambda: publish([(tenant_id, delivery_id, 0)]))
    delivery.refresh_from_db()
    return delivery
