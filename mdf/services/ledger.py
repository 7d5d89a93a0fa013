"""The ledger: every movement of a partner's funds in a quarter is an append-only entry, posted
while the partner's `FundBalance` row for that quarter is locked.

Each kind of entry moves one or two of the balance's buckets (`EFFECTS`); `available` follows
from the buckets, and the database refuses a balance whose available amount would go below
zero (a CHECK constraint), so no interleaving of transactions can overspend. `recompute()`
rebuilds the buckets from the entries alone, which is how a balance is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.acting import Actor
from mdf.choices import EntryKind
from mdf.models import ZERO, FundBalance, LedgerEntry
from mdf.services.quarters import first_timer
from mdf.services.state import money, quarter_name
from tenancy.models import Partner, Tenant

__all__ = [
    "BUCKETS",
    "EFFECTS",
    "InsufficientFunds",
    "balance_of",
    "locked_balance",
    "locked_balances",
    "post",
    "recompute",
]

BUCKETS = ("allocated", "accrued", "carried", "moved", "committed", "claimed", "paid", "expired")
# kind -> (bucket, sign): how an entry's amount moves the balance's buckets.
EFFECTS: dict[str, tuple[tuple[str, int], ...]] = {
    EntryKind.ALLOCATED: (("allocated", 1),),
    EntryKind.ACCRUED: (("accrued", 1),),
    EntryKind.CARRIED_OVER: (("carried", 1),),
    EntryKind.REALLOCATED: (("moved", 1),),
    EntryKind.COMMITTED: (("committed", 1),),
    EntryKind.RELEASED: (("committed", -1),),
    EntryKind.CLAIMED: (("committed", -1), ("claimed", 1)),
    EntryKind.PAID: (("claimed", -1), ("paid", 1)),
    EntryKind.EXPIRED: (("expired", 1),),
}
SIGNED = {EntryKind.ALLOCATED, EntryKind.ACCRUED, EntryKind.CARRIED_OVER, EntryKind.REALLOCATED}


class InsufficientFunds(ValidationError):
    """A movement that would take the partner's available funds below zero."""

    def __init__(self, balance: FundBalance, needed: Decimal, what: str, field: str = "amount"):
        tenant = balance.tenant
        self.available = balance.available
        super().__init__(
            {
                field: (
                    f"{what} needs {money(needed, tenant)} but only "
                    f"{money(balance.available, tenant)} is available to "
                    f"{balance.partner.name} in {quarter_name(tenant, balance.quarter_start)}."
                )
            }
        )


def available_of(buckets: dict[str, Decimal]) -> Decimal:
    return (
        buckets["allocated"]
        + buckets["accrued"]
        + buckets["carried"]
        + buckets["moved"]
        - buckets["committed"]
        - buckets["claimed"]
        - buckets["paid"]
        - buckets["expired"]
    )


def balance_of(tenant: Tenant, partner: Partner | int, quarter_start: dt.date) -> FundBalance:
    """The partner's balance row for the quarter (made, empty, on first use; not locked)."""
    partner_id = partner if isinstance(partner, int) else partner.pk
    found = FundBalance.objects.filter(partner_id=partner_id, quarter_start=quarter_start).first()
    if found is not None:
        return found
    balance, _ = FundBalance.objects.get_or_create(
        tenant_id=tenant.pk,
        partner_id=partner_id,
        quarter_start=quarter_start,
        defaults={"next_action_at": first_timer(tenant, quarter_start, timezone.now())},
    )
    return balance


def locked_balance(tenant: Tenant, partner: Partner | int, quarter_start: dt.date) -> FundBalance:
    """The balance row, locked until the transaction ends. Call inside `transaction.atomic()`."""
    pk = balance_of(tenant, partner, quarter_start).pk
    return FundBalance.objects.select_for_update().select_related("partner", "tenant").get(pk=pk)


def locked_balances(rows: Iterable[FundBalance]) -> dict[int, FundBalance]:
    """Several balance rows locked in one order (by id), so two movers never deadlock."""
    ids = sorted({row.pk for row in rows})
    locked = FundBalance.objects.select_for_update().select_related("partner", "tenant")
    return {row.pk: row for row in locked.filter(pk__in=ids).order_by("pk")}


def post(
    balance: FundBalance,
    kind: str,
    amount: Decimal,
    *,
    acting: Actor,
    reason: str,
    what: str = "This movement",
    field: str = "amount",
    at: dt.datetime | None = None,
    **links: Any,
) -> LedgerEntry:
    """Post one entry to a balance the caller has locked, moving its buckets. Refuses (and
    writes nothing) when it would take available funds below zero, saying how much is there."""
    assert transaction.get_connection().in_atomic_block, "post() runs inside the caller's lock"
    amount = Decimal(amount).quantize(Decimal("0.01"))
    if amount == 0:
        raise ValueError("A ledger entry moves a non-zero amount.")
    if amount < 0 and kind not in SIGNED:
        raise ValueError(f"A {kind} entry moves a positive amount.")
    before = balance.available
    for bucket, sign in EFFECTS[kind]:
        setattr(balance, bucket, getattr(balance, bucket) + sign * amount)
    balance.available = available_of({b: getattr(balance, b) for b in BUCKETS})
    if balance.available < 0:
        needed = before - balance.available
        for bucket, sign in EFFECTS[kind]:  # leave the caller's instance as it was
            setattr(balance, bucket, getattr(balance, bucket) - sign * amount)
        balance.available = before
        raise InsufficientFunds(balance, needed, what, field)
    balance.save(update_fields=[*BUCKETS, "available", "updated_at"])
    return LedgerEntry.objects.create(
        tenant_id=balance.tenant_id,
        balance=balance,
        partner_id=balance.partner_id,
        quarter_start=balance.quarter_start,
        kind=kind,
        amount=amount,
        available_after=balance.available,
        actor_user=acting.audit_user,
        actor_label=acting.audit_label[:200],
        reason=reason[:500],
        at=at or timezone.now(),
        **links,
    )


def recompute(balance: FundBalance) -> dict[str, Decimal]:
    """The balance's buckets and available amount rebuilt from its entries alone."""
    buckets = dict.fromkeys(BUCKETS, ZERO)
    sums = (
        LedgerEntry.objects.filter(balance=balance)
        .values("kind")
        .annotate(total=Sum("amount"))
        .values_list("kind", "total")
    )
    for kind, total in sums:
        for bucket, sign in EFFECTS[kind]:
            buckets[bucket] += sign * total
    return {**buckets, "available": available_of(buckets)}
