"""Budgets per fiscal quarter and their allocation to partners.

A fixed allocation posts its amount (and each later change, as a difference) to the partner's
balance for the budget's quarter. An accrual is a rate of the partner's won revenue in a period:
`recompute_accrual` counts the revenue (won opportunities of the partner closed in the period,
in the tenant's currency), and posts the difference between what is due and what was posted,
with the revenue behind it. It runs when an opportunity of the partner is won or changes after
winning (mdf.signals), and from the hourly sweep for writes that send no signals (bulk upserts).

The budget is a limit: fixed allocations and accruals posted never exceed its amount. An accrual
beyond it (or beyond the allocation's cap) is posted up to the limit and the entry says so; a
reduction that would take the partner below zero (funds already committed) is posted as far as
the available funds go, and the rest follows at the next recomputation.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from core.acting import action
from mdf.choices import AllocationKind, EntryKind
from mdf.models import ZERO, Allocation, MdfBudget
from mdf.services.ledger import locked_balance, post
from mdf.services.quarter_end import settle_closed
from mdf.services.state import lock, may_decide, money, quarter_name
from pipeline.choices import Outcome
from pipeline.models import Opportunity
from tenancy.acting import Acting
from tenancy.models import Partner, Tenant
from tenancy.quarters import Quarter

__all__ = [
    "allocate",
    "check_currency",
    "recompute_accrual",
    "recompute_accruals",
    "set_accrual",
    "set_budget",
    "won_revenue",
]

CENT = Decimal("0.01")


def check_currency(tenant: Tenant, currency: str | None, field: str = "currency") -> None:
    """Amounts are in the tenant's currency; another one is refused, naming both."""
    if currency and currency.upper() != tenant.currency:
        raise ValidationError(
            {
                field: f"Amounts are in {tenant.currency}, the tenant's currency; "
                f"{currency} is not accepted (convert before sending)."
            }
        )


@action
def set_budget(
    tenant: Tenant,
    quarter: Quarter,
    amount: Decimal,
    *,
    acting: Acting,
    notes: str = "",
    currency: str | None = None,
) -> MdfBudget:
    """Create or change the quarter's budget; never below what it has already handed out."""
    may_decide(acting)
    check_currency(tenant, currency)
    if amount < 0:
        raise ValidationError({"amount": "The budget cannot be negative."})
    with transaction.atomic():
        budget = MdfBudget.objects.filter(quarter_start=quarter.start).first()
        if budget is None:
            budget = MdfBudget(tenant=tenant, quarter_start=quarter.start, currency=tenant.currency)
        else:
            lock(budget)
        if amount < budget.allocated_total:
            raise ValidationError(
                {
                    "amount": f"{money(budget.allocated_total, tenant)} of this budget is already "
                    f"allocated; the budget cannot be less."
                }
            )
        budget.amount = amount
        budget.notes = notes
        budget.full_clean()
        budget.save()
    return budget


def _check_partner(partner: Partner) -> None:
    if partner.status != "active":
        raise ValidationError(
            {"partner": f"{partner.name} is {partner.status}; no funds go to it."}
        )


@action
def allocate(
    budget: MdfBudget,
    partner: Partner,
    amount: Decimal,
    *,
    acting: Acting,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Allocation:
    """Set the partner's fixed allocation of the budget to `amount`; the difference is posted
    (at `now`: a demo or an import dates it when it happened)."""
    may_decide(acting)
    tenant = budget.tenant
    if amount < 0:
        raise ValidationError({"amount": "An allocation cannot be negative."})
    with transaction.atomic():
        lock(budget)
        allocation = Allocation.objects.filter(
            budget=budget, partner=partner, kind=AllocationKind.FIXED
        ).first()
        if allocation is None:
            _check_partner(partner)
            allocation = Allocation(
                tenant=tenant, budget=budget, partner=partner, kind=AllocationKind.FIXED
            )
        before = allocation.amount if allocation.pk else ZERO
        difference = amount - before
        if difference > budget.unallocated:
            raise ValidationError(
                {
                    "amount": f"Only {money(budget.unallocated, tenant)} of the "
                    f"{quarter_name(tenant, budget.quarter_start)} budget is unallocated; "
                    f"this needs {money(difference, tenant)} more."
                }
            )
        allocation.amount = amount
        allocation.full_clean(exclude=["budget", "partner"])
        allocation.save()
        if difference:
            balance = locked_balance(tenant, partner, budget.quarter_start)
            post(
                balance,
                EntryKind.ALLOCATED,
                difference,
                acting=acting,
                reason=reason
                or f"Allocation set to {money(amount, tenant)} (was {money(before, tenant)}).",
                what="Reducing the allocation",
                allocation=allocation,
                at=now,
            )
            budget.allocated_total += difference
            budget.save(update_fields=["allocated_total", "updated_at", "version", "sync_seq"])
    return allocation


@action
def set_accrual(
    budget: MdfBudget,
    partner: Partner,
    *,
    rate: Decimal,
    period_start: dt.date,
    period_end: dt.date,
    cap: Decimal | None = None,
    acting: Acting,
    now: dt.datetime | None = None,
) -> Allocation:
    """Create or change the partner's accrual on the budget, and post what it comes to now."""
    may_decide(acting)
    with transaction.atomic():
        allocation = Allocation.objects.filter(
            budget=budget, partner=partner, kind=AllocationKind.ACCRUAL
        ).first()
        if allocation is None:
            _check_partner(partner)
            allocation = Allocation(
                tenant=budget.tenant, budget=budget, partner=partner, kind=AllocationKind.ACCRUAL
            )
        allocation.rate = rate
        allocation.period_start = period_start
        allocation.period_end = period_end
        allocation.cap = cap
        allocation.full_clean(exclude=["budget", "partner"])
        allocation.save()
        recompute_accrual(allocation, acting=acting, now=now)
    return allocation


def won_revenue(partner_id: int, tenant: Tenant, start: dt.date, end: dt.date) -> Decimal:
    """The partner's won revenue closed from `start` to `end` (both included), in the tenant's
    currency (opportunities in other currencies are not converted and so not counted)."""
    total = Opportunity.objects.filter(
        partner_id=partner_id,
        stage__outcome=Outcome.WON,
        closed_on__gte=start,
        closed_on__lte=end,
        currency=tenant.currency,
    ).aggregate(total=Sum("amount"))["total"]
    return total or ZERO


@action
def recompute_accrual(
    allocation: Allocation, *, acting: Acting, now: dt.datetime | None = None
) -> Decimal:
    """Post the difference between what the accrual comes to and what it has posted; returns
    the amount posted (negative for a reduction)."""
    tenant = allocation.tenant
    assert allocation.period_start and allocation.period_end and allocation.rate is not None
    revenue = won_revenue(
        allocation.partner_id, tenant, allocation.period_start, allocation.period_end
    )
    due = (revenue * allocation.rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    notes = []
    if allocation.cap is not None and due > allocation.cap:
        due = allocation.cap
        notes.append(f"capped at {money(allocation.cap, tenant)}")
    with transaction.atomic():
        budget = lock(allocation.budget)
        lock(allocation)
        difference = due - allocation.accrued
        balance = locked_balance(tenant, allocation.partner_id, budget.quarter_start)
        if difference > budget.unallocated:
            difference = budget.unallocated
            notes.append("limited by the budget")
        if difference < 0 and -difference > balance.available:
            difference = -balance.available
            notes.append("the rest follows when committed funds are released")
        now = now or timezone.now()
        if difference:
            detail = f" ({'; '.join(notes)})" if notes else ""
            post(
                balance,
                EntryKind.ACCRUED,
                difference,
                acting=acting,
                reason=f"{allocation.rate}% of {money(revenue, tenant)} won revenue "
                f"{allocation.period_start:%Y-%m-%d} to {allocation.period_end:%Y-%m-%d}{detail}.",
                allocation=allocation,
                revenue=revenue,
                at=now,
            )
            budget.allocated_total += difference
            budget.save(update_fields=["allocated_total", "updated_at", "version", "sync_seq"])
            settle_closed(balance, acting=acting, now=now)
        Allocation.objects.filter(pk=allocation.pk).update(
            revenue=revenue,
            accrued=allocation.accrued + difference,
            computed_at=now,
            updated_at=now,
        )
        allocation.revenue, allocation.accrued = revenue, allocation.accrued + difference
    return difference


@action
def recompute_accruals(
    tenant: Tenant, *, acting: Acting, partner_id: int | None = None, day: dt.date | None = None
) -> int:
    """Recompute the accruals still open to change: those of quarters not closed whose period
    covers `day` (any, when None) or ended within the last 90 days. Returns how many moved."""
    allocations = Allocation.objects.filter(kind=AllocationKind.ACCRUAL).select_related("budget")
    if partner_id is not None:
        allocations = allocations.filter(partner_id=partner_id)
    if day is not None:
        allocations = allocations.filter(period_start__lte=day, period_end__gte=day)
    recent = timezone.localdate() - dt.timedelta(days=90)
    allocations = allocations.filter(Q(period_end__gte=recent))
    moved = 0
    for allocation in allocations.order_by("pk"):
        if recompute_accrual(allocation, acting=acting):
            moved += 1
    return moved
