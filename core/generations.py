"""Cache generations: a token per tenant and subject that changes whenever the data behind it
does, so whatever was computed from that data can be cached under the token and is never read
again once the data changed (no scan of keys to delete, no race with a reader).

`changed()` sets a new token at once (the writing transaction reads its own writes) and again
when the transaction commits: a reader who computed from the old rows meanwhile cached its
result under the first new token, which the second one leaves behind."""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import transaction

__all__ = ["changed", "generation"]


def _key(subject: str, tenant_id: int) -> str:
    return f"generation:{subject}:{tenant_id}"


def generation(subject: str, tenant_id: int) -> str:
    """The current token of `subject` for the tenant ("0" until something changed)."""
    return str(cache.get(_key(subject, tenant_id)) or "0")


def changed(subject: str, tenant_id: int) -> None:
    """The data behind `subject` changed for the tenant: what was cached under it is stale."""

    def bump() -> None:
        cache.set(_key(subject, tenant_id), uuid.uuid4().hex, None)

    bump()
    transaction.on_commit(bump)
