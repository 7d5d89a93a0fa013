"""Delivering a webhook: one attempt at one delivery, signed, over the guarded HTTP client
(core.net), and its outcome recorded.

`deliver()` claims a pending delivery with a conditional UPDATE, POSTs it with
`X-ChannelBalance-Signature: t=<unix>,v1=<hex>` (HMAC-SHA256 of `f"{t}.{body}"` with the
endpoint's secret) and records the outcome. A 2xx is delivered; anything else is retried with
backoff (`BACKOFF`), the next attempt time kept in the database, never in a Celery countdown;
after `MAX_ATTEMPTS` the delivery is failed.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import time
import urllib.request
from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from core.models import WebhookDelivery, WebhookEndpoint
from core.net import USER_AGENT, UnsafeURL, guarded_open

__all__ = ["BACKOFF", "MAX_ATTEMPTS", "SENDING_LEASE", "deliver", "finish", "sign"]

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


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The v1 signature: hex HMAC-SHA256 of `<timestamp>.<body>` with the endpoint's secret."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _body(delivery: WebhookDelivery) -> bytes:
    p = delivery.payload
    ordered = {
        "id": delivery.pk,
        **{k: p.get(k) for k in ("event", "occurred_at", "tenant", "data")},
    }
    return json.dumps(ordered, separators=(",", ":")).encode()


def _send(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> tuple[int | None, str]:
    """POST the delivery once. (status code or None, error text; empty on a 2xx)."""
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
        with guarded_open(request, timeout=TIMEOUT_SECONDS) as response:
            code = response.status
            snippet = response.read(300).decode("utf-8", errors="replace").strip()
    except UnsafeURL as exc:
        return None, f"Refused: {exc}"
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= code < 300:
        return code, ""
    return code, f"HTTP {code}" + (f": {snippet}" if snippet else "")


def finish(
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
        return finish(delivery_id, delivery.attempts, None, "The endpoint is deactivated.", True)
    code, error = _send(endpoint, delivery)
    return finish(delivery_id, delivery.attempts, code, error)
