"""Emitting webhook events: one outbox row (`WebhookDelivery`) per event and subscribed
endpoint, written in the same transaction as the change, and handed to the worker once it commits.

Saves and deletes of a registered model emit through the signal receivers below (connected by
`CoreConfig.ready()`); bulk writes, which bypass signals, call `emit_events()` themselves. The
payload's `data` is rendered when the event is written and again right after the commit, so
parts written after the row itself (an account's domains, a deal's lines) are included.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from core.models import TenantOwned, WebhookDelivery, WebhookEndpoint
from core.tenancy import tenant_scope
from core.webhooks.registry import ACTIONS, Resource, resource_for
from core.webhooks.tasks import publish

__all__ = ["emit_events"]

logger = logging.getLogger(__name__)


def _plain(data: Any) -> Any:
    """Serializer output as plain JSON values (decimals, dates, lazy strings included)."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _render(resource: Resource, tenant: Any, pks: list[Any]) -> dict[Any, dict]:
    """The API representation of the rows that still exist, by id, as the tenant's API shows it
    to nobody in particular (no membership: no caller-specific fields), date-times in UTC like the
    API's, even when a page (running in the viewer's zone) made the change."""
    with tenant_scope(tenant), timezone.override(datetime.UTC):
        rows = (
            resource.model._base_manager.filter(tenant_id=tenant.pk, pk__in=pks)
            .select_related(*resource.select_related)
            .prefetch_related(*resource.prefetch_related)
        )
        context = {"tenant": tenant, "membership": None}
        return {
            row.pk: _plain(resource.serializer_class(row, context=context).data) for row in rows
        }


def _identity(instance: models.Model) -> dict[str, Any]:
    return {"id": instance.pk, "external_id": getattr(instance, "external_id", "")}


@dataclass
class _Batch:
    tenant_id: int
    tenant: Any
    resource: Resource
    action: str
    pairs: list[tuple[int, Any]]  # (delivery id, object id)


def emit_events(action: str, instances: Iterable[TenantOwned]) -> list[WebhookDelivery]:
    """Write the deliveries for `action` ("created", "updated", "deleted") on `instances`.

    For writes that bypass signals (bulk_create, bulk_update, queryset update): call inside the
    write transaction. Rows of models that are not registered resources are ignored. Costs one
    query when no active endpoint of the rows' tenants subscribes; otherwise a constant number of
    bulk inserts plus rendering the rows, whatever their number.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown webhook action {action!r}")
    groups: dict[int, dict[Resource, list[TenantOwned]]] = defaultdict(lambda: defaultdict(list))
    for instance in instances:
        resource = resource_for(type(instance))
        if resource is not None and instance.pk is not None:
            groups[instance.tenant_id][resource].append(instance)
    if not groups:
        return []
    # Deliberately unscoped, and filtered to the rows' own tenants: an event belongs to the
    # tenant of its row, whatever scope the writer is in (commands, fixtures, the admin).
    endpoints = list(
        WebhookEndpoint.all_tenants.filter(tenant_id__in=list(groups), is_active=True)
        .select_related("tenant")
        .order_by("pk")
    )
    if not endpoints:
        return []
    by_tenant: dict[int, list[WebhookEndpoint]] = defaultdict(list)
    for endpoint in endpoints:
        by_tenant[endpoint.tenant_id].append(endpoint)

    now = timezone.now()
    occurred_at = now.isoformat().replace("+00:00", "Z")
    deliveries: list[WebhookDelivery] = []
    plan: list[tuple[_Batch, list[Any]]] = []  # batch, object id per delivery
    for tenant_id, resources in groups.items():
        for resource, rows in resources.items():
            event = f"{resource.name}.{action}"
            targets = [e for e in by_tenant.get(tenant_id, []) if e.subscribes_to(event)]
            if not targets:
                continue
            tenant = targets[0].tenant
            if action == "deleted":
                data = {row.pk: _identity(row) for row in rows}
            else:
                rendered = _render(resource, tenant, [row.pk for row in rows])
                data = {row.pk: rendered.get(row.pk) or _identity(row) for row in rows}
            object_ids = []
            for row in rows:
                for endpoint in targets:
                    deliveries.append(
                        WebhookDelivery(
                            tenant_id=tenant_id,
                            endpoint=endpoint,
                            event=event,
                            payload={
                                "event": event,
                                "occurred_at": occurred_at,
                                "tenant": tenant.slug,
                                "data": data[row.pk],
                            },
                            next_attempt_at=now,
                        )
                    )
                    object_ids.append(row.pk)
            plan.append((_Batch(tenant_id, tenant, resource, action, []), object_ids))
    if not deliveries:
        return []
    WebhookDelivery.all_tenants.bulk_create(deliveries, batch_size=500)
    for delivery in deliveries:  # the delivery id is part of the payload
        delivery.payload = {"id": delivery.pk, **delivery.payload}
    WebhookDelivery.all_tenants.bulk_update(deliveries, ["payload"], batch_size=500)
    position = 0
    batches = []
    for batch, object_ids in plan:
        chunk = deliveries[position : position + len(object_ids)]
        batch.pairs = [(d.pk, oid) for d, oid in zip(chunk, object_ids, strict=True)]
        position += len(object_ids)
        batches.append(batch)
    transaction.on_commit(lambda: _after_commit(batches))
    return deliveries


def _after_commit(batches: list[_Batch]) -> None:
    for batch in batches:
        try:
            if batch.action != "deleted":
                _refresh(batch)
        except Exception:  # the data rendered at write time stands; delivery goes on
            logger.exception("could not refresh webhook payloads for %s", batch.resource.name)
        publish([(batch.tenant_id, delivery_id, 0) for delivery_id, _ in batch.pairs])


def _refresh(batch: _Batch) -> None:
    """Render again what was committed: nested parts written after the row itself are in."""
    fresh = _render(batch.resource, batch.tenant, list({oid for _, oid in batch.pairs}))
    object_of = dict(batch.pairs)
    changed = []
    waiting = WebhookDelivery.all_tenants.filter(
        pk__in=list(object_of), status=WebhookDelivery.Status.PENDING, attempts=0
    ).only("pk", "payload")
    for delivery in waiting:
        data = fresh.get(object_of[delivery.pk])
        if data is not None and delivery.payload.get("data") != data:
            delivery.payload = {**delivery.payload, "data": data}
            changed.append(delivery)
    WebhookDelivery.all_tenants.bulk_update(changed, ["payload"], batch_size=500)


@receiver(post_save)
def _emit_on_save(
    sender: type, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if not raw and resource_for(sender) is not None:
        emit_events("created" if created else "updated", [instance])


@receiver(post_delete)
def _emit_on_delete(sender: type, instance: Any, **kwargs: Any) -> None:
    if resource_for(sender) is not None:
        emit_events("deleted", [instance])
