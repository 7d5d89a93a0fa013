"""Outbound webhooks: a tenant subscribes URLs to events, and we POST signed JSON to them.

Plumbing only, no business rules:
- **Resources.** Higher apps call `register_resource(model, name, serializer_class)` from their
  `AppConfig.ready()`; events are `<name>.created`, `<name>.updated` and `<name>.deleted`, and an
  endpoint subscribes to event names, `<name>.*` or `*`.
- **Emitting.** Saves and deletes of a registered model emit through the signal receivers below;
  bulk writes (which bypass signals) call `emit_events(action, instances)` themselves, inside the
  write transaction. With no active endpoint in the tenant that is one query per call, whatever
  the number of rows. Otherwise one `WebhookDelivery` per row and matching endpoint is written in
  the same transaction (an outbox: the event commits with the data or not at all), and the
  deliveries are published to Celery once it commits.
- **Payload.** `{"id", "event", "occurred_at", "tenant", "data"}`; `data` is the resource as the
  API shows it (the registered serializer), rendered when the event is written and again right
  after the commit, so parts written after the row itself (an account's domains, a deal's lines)
  are included. For `deleted`, `data` is `{"id", "external_id"}`.
- **Delivery.** `deliver()` (the `deliver_webhook` task) claims a pending delivery with a
  conditional UPDATE, POSTs it with `X-ChannelBalance-Signature: t=<unix>,v1=<hex>` (HMAC-SHA256
  of `f"{t}.{body}"` with the endpoint's secret) and records the outcome. A 2xx is delivered;
  anything else is retried with backoff (`BACKOFF`), the next attempt time kept in the database,
  never in a Celery countdown; after `MAX_ATTEMPTS` the delivery is failed.
- **Sweep.** `sweep()` (periodic) hands every due delivery to a task, claiming it first with a
  conditional UPDATE so two schedulers never publish it twice, and recovers attempts whose worker
  died. `replay_delivery()` puts a delivered or failed delivery back in the queue.
- **SSRF guard.** URLs must be http(s) and resolve to public addresses only (unless
  `settings.WEBHOOK_ALLOW_PRIVATE_URLS`), checked at subscription and again at each attempt; the
  connection goes to the address that was checked, and redirects are not followed.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import re
import secrets
import socket
import ssl
import time
import urllib.request
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from core.models import TenantOwned
from core.tenancy import TenantManager, tenant_scope

__all__ = [
    "ACTIONS",
    "BACKOFF",
    "MAX_ATTEMPTS",
    "ReplayRefused",
    "UnsafeURL",
    "WebhookDelivery",
    "WebhookEndpoint",
    "check_url",
    "deliver",
    "emit_events",
    "event_choices",
    "known_events",
    "normalize_events",
    "register_resource",
    "replay_delivery",
    "sign",
    "sweep",
]

logger = logging.getLogger(__name__)

ACTIONS = ("created", "updated", "deleted")
# Wait before attempt 2, 3, ... 8; after the 8th failed attempt the delivery is failed.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=12),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
TIMEOUT_SECONDS = 5
# A claimed row that no task finished within this time is taken back by the sweep.
SENDING_LEASE = timedelta(minutes=10)
# A row the sweep published is not published again before this, unless a task picked it up.
PUBLISH_LEASE = timedelta(minutes=5)
SWEEP_BATCH = 500
USER_AGENT = "ChannelBalance-Webhooks/1"
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


# --- models ----------------------------------------------------------------------------------


class WebhookEndpoint(TenantOwned):
    """A URL of the tenant's that receives the events it subscribes to."""

    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    # Event names ("contact.created"), "<resource>.*" or "*".
    events = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)

    objects = TenantManager()
    audit_exclude = ("secret",)  # never copied into the audit log

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["id"]
        indexes = [models.Index(fields=["tenant", "is_active"], name="webhookendpoint_active")]

    def __str__(self) -> str:
        return self.url

    @property
    def masked_secret(self) -> str:
        return f"{SECRET_PREFIX}…{self.secret[-4:]}"

    def subscribes_to(self, event: str) -> bool:
        return _matches(self.events, event)


class WebhookDelivery(TenantOwned):
    """One event for one endpoint, and how sending it went."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=100)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Pending: when the next attempt is due. Sending: when the attempt counts as lost. Else empty.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()
    audit_skip = True  # bookkeeping; the change that caused it is audited, replays are recorded

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-id"]
        indexes = [
            # The sweep's work list: only rows still waiting, so it stays small.
            models.Index(
                fields=["tenant", "next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="webhookdelivery_due",
            ),
            models.Index(fields=["tenant", "status"], name="webhookdelivery_status"),
        ]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} #{self.pk} → {self.endpoint_id}"


# --- resources and events --------------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    model: type[models.Model]
    name: str
    serializer_class: type
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()


_RESOURCES: dict[type[models.Model], Resource] = {}


def register_resource(
    model: type[models.Model],
    name: str,
    serializer_class: type,
    *,
    select_related: tuple[str, ...] = (),
    prefetch_related: tuple[str, ...] = (),
) -> None:
    """Make `model` a webhook resource: its writes emit `<name>.created|updated|deleted`, with
    `serializer_class` rendering `data`. `select_related`/`prefetch_related` keep rendering a
    batch from costing a query per row. Call from the owning app's `AppConfig.ready()`."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise ValueError(f"webhook resource name {name!r}: use lowercase letters, digits and _")
    resource = Resource(model, name, serializer_class, select_related, prefetch_related)
    if _RESOURCES.get(model, resource) != resource:
        raise ValueError(f"{model._meta.label} is registered as a webhook resource twice")
    if any(r.name == name and r.model is not model for r in _RESOURCES.values()):
        raise ValueError(f"webhook resource name {name!r} is taken")
    _RESOURCES[model] = resource


def known_events() -> list[str]:
    return [f"{r.name}.{action}" for r in _RESOURCES.values() for action in ACTIONS]


def event_choices() -> list[tuple[str, str]]:
    """What an endpoint can subscribe to, for forms: everything, per resource, per event."""
    choices = [("*", "Every event")]
    for r in _RESOURCES.values():
        label = r.name.replace("_", " ")
        choices.append((f"{r.name}.*", f"Every {label} event"))
        choices += [(f"{r.name}.{action}", f"{label} {action}") for action in ACTIONS]
    return choices


def normalize_events(values: Iterable[Any]) -> list[str]:
    """The subscription as stored: valid names only, each once, in the order given."""
    allowed = {value for value, _ in event_choices()}
    events = list(dict.fromkeys(str(v).strip() for v in values))
    unknown = [e for e in events if e not in allowed]
    if unknown:
        raise ValidationError(
            f"Unknown events: {', '.join(unknown)}. Use an event name such as "
            "'contact.created', '<resource>.*' or '*'."
        )
    if not events:
        raise ValidationError("Subscribe to at least one event.")
    return events


def _matches(patterns: Iterable[str], event: str) -> bool:
    resource = event.split(".", 1)[0]
    return any(p in ("*", event, f"{resource}.*") for p in patterns)


# --- SSRF guard ------------------------------------------------------------------------------


class UnsafeURL(ValueError):
    """A URL we refuse to send to."""


NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A global unicast address, also once unwrapped from IPv6 forms that carry an IPv4 address
    (mapped, 6to4, NAT64), which a gateway would deliver to that IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        elif address.sixtofour is not None:
            address = address.sixtofour
        elif address in NAT64:
            address = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.is_global and not address.is_multicast


def check_url(url: str) -> list[str]:
    """Refuse anything but http(s) to public addresses; return the addresses that were checked
    (empty when `WEBHOOK_ALLOW_PRIVATE_URLS` is on, which skips the address check)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeURL("This is not a valid URL.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL("Use an http:// or https:// URL.")
    if getattr(settings, "WEBHOOK_ALLOW_PRIVATE_URLS", False):
        return []
    host = parts.hostname
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UnsafeURL(f"The host {host} could not be resolved.") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for address in addresses:
        if not _is_public(ipaddress.ip_address(address.split("%", 1)[0])):
            raise UnsafeURL(
                f"The host {host} resolves to a private, loopback or link-local address "
                f"({address}); webhooks go to public addresses only."
            )
    return addresses


# --- emitting --------------------------------------------------------------------------------


def _plain(data: Any) -> Any:
    """Serializer output as plain JSON values (decimals, dates, lazy strings included)."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _render(resource: Resource, tenant: Any, pks: list[Any]) -> dict[Any, dict]:
    """The API representation of the rows that still exist, by id, as the tenant's API shows it
    to nobody in particular (no membership: no caller-specific fields)."""
    with tenant_scope(tenant):
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


def emit_events(action: str, instances: Iterable[models.Model]) -> list[WebhookDelivery]:
    """Write the deliveries for `action` ("created", "updated", "deleted") on `instances`.

    For writes that bypass signals (bulk_create, bulk_update, queryset update): call inside the
    write transaction. Rows of models that are not registered resources are ignored. Costs one
    query when no active endpoint of the rows' tenants subscribes; otherwise a constant number of
    bulk inserts plus rendering the rows, whatever their number.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown webhook action {action!r}")
    groups: dict[int, dict[Resource, list[models.Model]]] = defaultdict(lambda: defaultdict(list))
    for instance in instances:
        resource = _RESOURCES.get(type(instance))
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
        _publish([(batch.tenant_id, delivery_id, 0) for delivery_id, _ in batch.pairs])


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


def _publish(items: list[tuple[int, int, int | None]]) -> int:
    """Hand deliveries to the worker. A failure to publish is not lost: the rows are due, and
    the sweep publishes them."""
    from core.tasks import deliver_webhook

    published = 0
    for tenant_id, delivery_id, attempt in items:
        try:
            deliver_webhook.delay(tenant_id=tenant_id, delivery_id=delivery_id, attempt=attempt)
            published += 1
        except Exception:
            logger.exception("could not publish webhook delivery %s", delivery_id)
    return published


@receiver(post_save)
def _emit_on_save(
    sender: type, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if not raw and sender in _RESOURCES:
        emit_events("created" if created else "updated", [instance])


@receiver(post_delete)
def _emit_on_delete(sender: type, instance: Any, **kwargs: Any) -> None:
    if sender in _RESOURCES:
        emit_events("deleted", [instance])


# --- delivering ------------------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The v1 signature: hex HMAC-SHA256 of `<timestamp>.<body>` with the endpoint's secret."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _pinned(connection_class: type, address: str | None) -> type:
    """A connection class that connects to `address` (the one checked) while keeping the URL's
    host for the Host header, TLS SNI and certificate checks: no second DNS answer is used."""

    class Pinned(connection_class):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            if address is not None:
                self._create_connection = lambda addr, *a, **kw: socket.create_connection(
                    (address, addr[1]), *a, **kw
                )

    return Pinned


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, address: str | None) -> None:
        super().__init__()
        self.address = address

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_pinned(http.client.HTTPConnection, self.address), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, address: str | None) -> None:
        super().__init__(context=ssl.create_default_context())
        self.address = address

    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(
            _pinned(http.client.HTTPSConnection, self.address), req, context=self._context
        )


def _opener(address: str | None) -> urllib.request.OpenerDirector:
    # No proxy handler (environment proxies), no redirect handler (a redirect could lead to an
    # internal address), no error processor: every answer comes back as a response.
    opener = urllib.request.OpenerDirector()
    opener.add_handler(_HTTPHandler(address))
    opener.add_handler(_HTTPSHandler(address))
    return opener


def safe_get(url: str, *, headers: dict[str, str], timeout: float, limit: int = 65536):
    """GET a URL under the same guard as webhooks (public addresses only, the checked address
    pinned, no redirects or proxies). Returns (status, body up to `limit` bytes); raises
    UnsafeURL, OSError or http.client.HTTPException."""
    addresses = check_url(url)
    request = urllib.request.Request(
        url, method="GET", headers={"User-Agent": USER_AGENT, **headers}
    )
    with _opener(addresses[0] if addresses else None).open(request, timeout=timeout) as response:
        return response.status, response.read(limit)


def _body(delivery: WebhookDelivery) -> bytes:
    p = delivery.payload
    ordered = {
        "id": delivery.pk,
        **{k: p.get(k) for k in ("event", "occurred_at", "tenant", "data")},
    }
    return json.dumps(ordered, separators=(",", ":")).encode()


def _send(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> tuple[int | None, str]:
    """POST the delivery once. (status code or None, error text; empty on a 2xx)."""
    try:
        addresses = check_url(endpoint.url)
    except UnsafeURL as exc:
        return None, f"Refused: {exc}"
    body = _body(delivery)
    timestamp = int(time.time())
    request = urllib.request.Request(
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-ChannelBalance-Event": delivery.event,
            "X-ChannelBalance-Delivery": str(delivery.pk),
            "X-ChannelBalance-Signature": f"t={timestamp},v1={sign(endpoint.secret, timestamp, body)}",
        },
    )
    try:
        with _opener(addresses[0] if addresses else None).open(
            request, timeout=TIMEOUT_SECONDS
        ) as response:
            code = response.status
            snippet = response.read(300).decode("utf-8", errors="replace").strip()
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= code < 300:
        return code, ""
    return code, f"HTTP {code}" + (f": {snippet}" if snippet else "")


def _finish(
    delivery_id: int, attempts: int, code: int | None, error: str, final: bool = False
) -> str:
    """Record the outcome of attempt number `attempts`, if the row is still in that attempt."""
    now = timezone.now()
    Status = WebhookDelivery.Status
    if not error and code is not None:
        status, changes = Status.DELIVERED, {"delivered_at": now, "next_attempt_at": None}
    elif final or attempts >= MAX_ATTEMPTS:
        status, changes = Status.FAILED, {"next_attempt_at": None}
    else:
        status, changes = Status.PENDING, {"next_attempt_at": now + BACKOFF[attempts - 1]}
    # Deliberately by id alone: the row was claimed in its tenant's scope (deliver) or listed by
    # the sweep; the status and attempt guard make a late or repeated finish a no-op.
    WebhookDelivery.all_tenants.filter(
        pk=delivery_id, status=Status.SENDING, attempts=attempts
    ).update(
        status=status, last_status_code=code, last_error=error[:500], updated_at=now, **changes
    )
    return status


def deliver(delivery_id: int, *, attempt: int | None = None) -> str | None:
    """One attempt at a pending delivery of the current tenant (run by `deliver_webhook`).

    Claims the row first (pending → sending, conditionally), so a repeated or late task is a
    no-op; `attempt` (attempts made when the task was published) also keeps a stale task from
    jumping the backoff. Returns the new status, or None when there was nothing to do.
    """
    now = timezone.now()
    claim = WebhookDelivery.objects.filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
    if attempt is not None:
        claim = claim.filter(attempts=attempt)
    if not claim.update(
        status=WebhookDelivery.Status.SENDING,
        attempts=F("attempts") + 1,
        next_attempt_at=now + SENDING_LEASE,
        last_attempt_at=now,
        updated_at=now,
    ):
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None:  # its endpoint was deleted meanwhile, and its log with it
        return None
    endpoint = delivery.endpoint
    if not endpoint.is_active:  # no retries for a switched-off endpoint; replay it later
        return _finish(delivery_id, delivery.attempts, None, "The endpoint is deactivated.", True)
    code, error = _send(endpoint, delivery)
    return _finish(delivery_id, delivery.attempts, code, error)


def sweep(*, limit: int = SWEEP_BATCH) -> int:
    """Publish a task for every due delivery (at most `limit`); returns how many were published.

    Deliberately across tenants, through `all_tenants`: the sweep only reads ids and claims rows;
    each delivery is then sent by a task in its own tenant's scope.
    """
    now = timezone.now()
    Status = WebhookDelivery.Status
    lost = WebhookDelivery.all_tenants.filter(status=Status.SENDING, next_attempt_at__lte=now)
    for delivery_id, attempts in lost.values_list("pk", "attempts")[:limit]:
        _finish(delivery_id, attempts, None, "The attempt did not finish (the worker stopped).")
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
    return _publish(claimed)


class ReplayRefused(Exception):
    """The delivery cannot be replayed now; the message says why."""


def replay_delivery(delivery: WebhookDelivery) -> WebhookDelivery:
    """Put a delivered or failed delivery back in the queue, due now, with a fresh set of
    attempts; recorded in the audit log. The same payload (and delivery id) is sent again."""
    from core.audit import record
    from core.models import AuditEvent

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
    transaction.on_commit(lambda: _publish([(tenant_id, delivery_id, 0)]))
    delivery.refresh_from_db()
    return delivery
