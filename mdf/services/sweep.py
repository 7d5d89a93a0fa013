"""The periodic sweep of MDF (beat runs `mdf.tasks.sweep` every minute, one `sweep_tenant` per
tenant), like deal registration's: due rows are claimed with a conditional UPDATE and acted on
once, whichever worker gets there first.

- the manufacturer's clocks past due: breached and escalated (RevOps admins notified);
- the claim window: reminders before it closes, then the approval expires (funds released);
- an answer to a return past due: breached (the partner's admins notified);
- balances: notices of unused funds before quarter end, then carry-over or expiry;
- accruals: recomputed once an hour for writes that send no signals (bulk upserts).
"""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from core.acting import action
from mdf.choices import ClockKind, ClockSide, ClockState
from mdf.models import FundBalance, MdfClock
from mdf.services.budgets import recompute_accruals
from mdf.services.clocks import CLAIM_REMINDER_DAYS, next_reminder
from mdf.services.quarter_end import step_balance
from mdf.services.requests import expire_request
from mdf.services.state import log_event
from routing.choices import EventKind
from routing.notify import admins_of, notify, partner_admins_of
from tenancy.acting import Acting
from tenancy.models import Tenant

__all__ = ["sweep_balances", "sweep_clocks", "sweep_tenant"]

BATCH = 500
ACCRUAL_EVERY = dt.timedelta(hours=1)


@action
def sweep_tenant(tenant: Tenant, *, acting: Acting, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    done = sweep_clocks(tenant, acting=acting, now=now)
    done += sweep_balances(tenant, acting=acting, now=now)
    # Hourly, one worker: the cache key is taken atomically (add) and lapses after the hour.
    if cache.add(f"mdf:accruals:{tenant.pk}", 1, timeout=int(ACCRUAL_EVERY.total_seconds())):
        done += recompute_accruals(tenant, acting=acting)
    return done


@action
def sweep_balances(tenant: Tenant, *, acting: Acting, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    due = list(
        FundBalance.objects.filter(next_action_at__lte=now, closed_at__isnull=True)
        .select_related("tenant", "partner")
        .order_by("next_action_at", "pk")[:BATCH]
    )
    return sum(1 for balance in due if step_balance(balance, acting=acting, now=now))


@action
def sweep_clocks(tenant: Tenant, *, acting: Acting, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    due = list(
        MdfClock.objects.filter(state=ClockState.RUNNING, next_action_at__lte=now)
        .select_related("request__tenant", "request__partner")
        .order_by("next_action_at", "pk")[:BATCH]
    )
    done = 0
    for clock in due:
        with transaction.atomic():
            if _step(clock, acting, now):
                done += 1
    return done


def _claim(clock: MdfClock, **changes: object) -> bool:
    """Take this step of the clock unless another worker already did (conditional UPDATE)."""
    claimed = MdfClock.objects.filter(
        pk=clock.pk, state=ClockState.RUNNING, next_action_at=clock.next_action_at
    ).update(updated_at=timezone.now(), **changes)
    return claimed == 1


def _step(clock: MdfClock, acting: Acting, now: dt.datetime) -> bool:
    request = clock.request
    tenant = request.tenant
    title = f"#{request.pk} {request.title}"
    if clock.side == ClockSide.VENDOR:
        if not _claim(
            clock, state=ClockState.BREACHED, breached_at=now, escalated_at=now, next_action_at=None
        ):
            return False
        what = clock.get_kind_display().lower()
        log_event(
            request,
            "escalate",
            acting=acting,
            claim=clock.claim,
            at=now,
            reason=f"The manufacturer's clock to {what} ran out and was escalated.",
        )
        notify(
            admins_of(),
            tenant=tenant,
            kind=EventKind.ESCALATED,
            title=f"MDF overdue ({what}): {title}",
        )
        return True
    if clock.kind == ClockKind.CLAIM_WINDOW and clock.remind_at and clock.due_at > now:
        upcoming = next_reminder(clock.due_at, CLAIM_REMINDER_DAYS, now)
        if not _claim(
            clock, reminded_at=now, remind_at=upcoming, next_action_at=upcoming or clock.due_at
        ):
            return False
        days = max(1, (clock.due_at - now).days)
        notify(
            partner_admins_of(request.partner_id),
            tenant=tenant,
            kind=EventKind.REMINDED,
            title=f"Claim due in {days} days: {title}",
            body=f"Submit the claim with its proof by {clock.due_at - dt.timedelta(seconds=1):%Y-%m-%d}.",
        )
        log_event(
            request, "remind", acting=acting, at=now, reason=f"The claim is due in {days} days."
        )
        return True
    if not _claim(
        clock, state=ClockState.BREACHED, breached_at=now, stopped_at=now, next_action_at=None
    ):
        return False
    if clock.kind == ClockKind.CLAIM_WINDOW:
        expire_request(request, acting=acting, now=now)
        notify(
            partner_admins_of(request.partner_id),
            tenant=tenant,
            kind=EventKind.BREACHED,
            title=f"Claim window closed: {title}",
            body="No claim was submitted in time; the approved funds were released.",
        )
        return True
    log_event(
        request,
        "breach",
        acting=acting,
        claim=clock.claim,
        at=now,
        reason="The answer to the return for information is overdue.",
    )
    notify(
        partner_admins_of(request.partner_id),
        tenant=tenant,
        kind=EventKind.BREACHED,
        title=f"Answer overdue: {title}",
    )
    return True
