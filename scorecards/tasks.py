"""Keeping the scorecards' rollups current: a refresh from the change feeds every minute, a
rebuild at night (scorecards/rollup.py); the campaigns' overlap flags with them
(scorecards/overlap.py). The governance review: a review's preparation (`prepare_review`, beside
its service) and, daily, the just-ended quarter's review opened and prepared by itself
(`open_due_reviews`).

One writer per tenant at a time (a cache flag): two refreshes of the same changes would build
the same facts twice (one fails on the facts' unique constraint) and race for the same cells. A
refresh that finds the flag taken does nothing (the one running, or the next minute's, reads the
changes); a rebuild waits for a running refresh, up to WAIT_SECONDS."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from celery import shared_task
from django.core.cache import cache

from core.acting import SystemActor
from core.tasks import TenantTask
from core.tenancy import current_tenant
from scorecards import overlap, rollup, services
from scorecards.review.workspace import open_due_review, prepare_review
from tenancy.models import Tenant

__all__ = [
    "open_due_reviews",
    "open_review_if_due",
    "prepare_review",
    "rebuild_all",
    "rebuild_now",
    "rebuild_tenant",
    "refresh_all",
    "refresh_tenant",
    "writing",
]

# How long a writer may hold the flag before it is presumed dead (a lost worker frees it then).
REFRESH_SECONDS, REBUILD_SECONDS = 30 * 60, 6 * 3600
WAIT_SECONDS = 15 * 60


@contextmanager
def writing(tenant_id: int, seconds: int, *, wait: float = 0) -> Iterator[bool]:
    """Claim the tenant's rollup writer flag for at most `seconds` (waiting up to `wait` for it);
    yields whether it was claimed, and gives it back after."""
    key = f"scorecards:writing:{tenant_id}"
    deadline = time.monotonic() + wait
    claimed = bool(cache.add(key, 1, seconds))
    while not claimed and time.monotonic() < deadline:
        time.sleep(2)
        claimed = bool(cache.add(key, 1, seconds))
    try:
        yield claimed
    finally:
        if claimed:
            cache.delete(key)


@shared_task(base=TenantTask, name="scorecards.tasks.refresh_tenant", ignore_result=True)
def refresh_tenant(*, tenant_id: int) -> int:
    """Idempotent: reads the feeds from the stored cursors; a retry reads them again. Nothing
    while another refresh or a rebuild of the tenant runs."""
    with writing(tenant_id, REFRESH_SECONDS) as claimed:
        written = rollup.refresh(current_tenant()) if claimed else 0
        if claimed:
            overlap.refresh(current_tenant())
    if written:
        services.warm(current_tenant())
    return written


def rebuild_now(tenant: Tenant) -> int:
    """Every rollup and overlap flag of the tenant from scratch, after a running refresh (waited
    for up to WAIT_SECONDS, then regardless); the number of facts written."""
    with writing(tenant.pk, REBUILD_SECONDS, wait=WAIT_SECONDS):
        written = rollup.rebuild(tenant)
        overlap.rebuild(tenant)
    return written


@shared_task(base=TenantTask, name="scorecards.tasks.rebuild_tenant", ignore_result=True)
def rebuild_tenant(*, tenant_id: int) -> int:
    written = rebuild_now(current_tenant())
    services.warm(current_tenant())
    return written


def _each_tenant(task) -> int:
    tenant_ids = list(Tenant.objects.values_list("id", flat=True))
    for tenant_id in tenant_ids:
        task.delay(tenant_id=tenant_id)
    return len(tenant_ids)


@shared_task(name="scorecards.tasks.refresh_all", ignore_result=True)
def refresh_all() -> int:
    """Periodic (every minute): one `refresh_tenant` per tenant."""
    return _each_tenant(refresh_tenant)


@shared_task(name="scorecards.tasks.rebuild_all", ignore_result=True)
def rebuild_all() -> int:
    """Periodic (nightly): one `rebuild_tenant` per tenant."""
    return _each_tenant(rebuild_tenant)


@shared_task(base=TenantTask, name="scorecards.tasks.open_review_if_due", ignore_result=True)
def open_review_if_due(*, tenant_id: int) -> None:
    """Idempotent: opens the just-ended quarter's review only while it does not exist."""
    open_due_review(current_tenant(), acting=SystemActor("quarterly governance review"))


@shared_task(name="scorecards.tasks.open_due_reviews", ignore_result=True)
def open_due_reviews() -> int:
    """Periodic (daily): one `open_review_if_due` per tenant."""
    return _each_tenant(open_review_if_due)
