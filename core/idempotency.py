"""Idempotency-Key for API writes: a retried POST or PATCH returns the first response and repeats
no side effect.

The key is claimed in the same transaction as the write it guards: if the request fails with a
server error the claim rolls back with it and a retry runs again; if it succeeds the stored
response commits with the data. A concurrent duplicate blocks on the key's unique index until the
first finishes, then replays its response. The same key with a different request is refused (422).
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from rest_framework import exceptions, status

from core.models.idempotency import MAX_KEY_LENGTH, IdempotencyKey

__all__ = ["KEEP_FOR", "claim", "purge_expired", "remember"]

KEEP_FOR = timedelta(hours=48)
HEADER = "HTTP_IDEMPOTENCY_KEY"


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was used for a different request; use a new key."


class InFlight(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_key_in_flight"
    default_detail = "The first request with this Idempotency-Key is still running; retry shortly."


class Replay(Exception):
    """Raised to answer a retried request with its stored response."""

    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def request_fingerprint(request: Any) -> str:
    try:
        body = json.dumps(
            json.loads(request.body or b"null"), sort_keys=True, separators=(",", ":")
        )
    except (ValueError, UnicodeDecodeError):
        body = request.body.decode("latin-1")
    raw = f"{request.method}\n{request.get_full_path()}\n{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


def credential_of(request: Any) -> str:
    token_id = getattr(request.auth, "pk", None)
    return f"token:{token_id}" if token_id else f"user:{request.user.pk}"


def claim(request: Any, tenant: Any) -> IdempotencyKey | None:
    """Claim the request's key (call inside the request's transaction). None: no key sent.
    Raises Replay with the stored response for a retry, KeyReused for a different request."""
    key = request.META.get(HEADER, "").strip()
    if not key:
        return None
    if len(key) > MAX_KEY_LENGTH:
        raise exceptions.ValidationError(
            {"Idempotency-Key": [f"Use at most {MAX_KEY_LENGTH} characters."]}
        )
    fingerprint, credential = request_fingerprint(request), credential_of(request)
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                tenant=tenant, credential=credential, key=key, request_hash=fingerprint
            )
    except IntegrityError:
        pass
    stored = IdempotencyKey.objects.get(credential=credential, key=key)
    if stored.request_hash != fingerprint:
        raise KeyReused()
    if stored.status_code is None:  # only possible on databases without row locks
        raise InFlight()
    response = HttpResponse(
        stored.response_body, status=stored.status_code, content_type="application/json"
    )
    for name, value in stored.response_headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    raise Replay(response)


def remember(record: IdempotencyKey, response: Any) -> None:
    """Store the response a retry will get."""
    response.render()
    record.status_code = response.status_code
    record.response_body = response.content.decode()
    record.response_headers = {h: response[h] for h in ("Location", "ETag") if h in response}
    record.save(update_fields=["status_code", "response_body", "response_headers", "updated_at"])


def purge_expired() -> int:
    """Delete keys past their keeping time, across tenants (maintenance, not tenant data)."""
    deleted, _ = IdempotencyKey.all_tenants.filter(
        created_at__lt=timezone.now() - KEEP_FOR
    ).delete()
    return deleted
