"""The quarter-end timer of each balance: notices of unused funds before the quarter ends (the
tenant's `expiry_notice_days`), then, when it has ended, its unused funds carried over to the
partner's next quarter or expired, as the tenant chose. The time of the next step is stored on
the balance (`next_action_at`) and the sweep acts on due ones.

Funds released into a quarter already closed (a claim decided after quarter end) follow the
same rule at once (`settle_closed`)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from core.acting import Actor
from mdf.choices import EntryKind, UnusedFunds
from mdf.models import FundBalance
from mdf.services.ledger import locked_balance, post
from mdf.services.quarters import notice_times, quarter_ends_at
from mdf.services.settings import settings_for
from mdf.services.state import money, quarter_name
from tenancy.quarters import Quarter

__all__ = ["close_balance", "settle_closed", "step_balance"]


def step_balance(balance: FundBalance, *, acting: Actor, now: dt.datetime) -> bool:
    """Take the balance's due step (a notice, or the close); False when another worker did."""
    from routing.choices import EventKind
    from routing.notify import notify, partner_admins_of

    tenant = balance.tenant
    ends = quarter_ends_at(tenant, balance.quarter_start)
    with transaction.atomic():
        locked = FundBalance.objects.select_for_update().filter(pk=balance.pk).first()
        if locked is None or locked.next_action_at != balance.next_action_at:
            return False
        if now < ends:
            following = [t for t in notice_times(tenant, locked.quarter_start) if t > now]
            FundBalance.objects.filter(pk=locked.pk).update(
                next_action_at=following[0] if following else ends,
                notices_sent=locked.notices_sent + 1,
                updated_at=now,
            )
            if locked.available > 0:
                days = max(1, (ends - now).days)
                notify(
                    partner_admins_of(locked.partner_id),
                    tenant=tenant,
                    kind=EventKind.REMINDED,
                    title=f"MDF expires in {days} days",
                    body=(
                        f"{money(locked.available, tenant)} of "
                        f"{quarter_name(tenant, locked.quarter_start)} is unused and expires on "
                        f"{ends:%Y-%m-%d}."
                    ),
                )
            return True
        close_balance(locked, acting=acting, now=now)
        return True


def close_balance(balance: FundBalance, *, acting: Actor, now: dt.datetime) -> None:
    """End the quarter of a locked balance: its unused funds carried over or expired."""
    FundBalance.objects.filter(pk=balance.pk).update(
        closed_at=now, next_action_at=None, updated_at=now
    )
    balance.closed_at = now
    settle_closed(balance, acting=acting, now=now)


def settle_closed(balance: FundBalance, *, acting: Actor, now: dt.datetime | None = None) -> None:
    """Carry over or expire what is available in a closed quarter (the balance is locked)."""
    if balance.closed_at is None or balance.available <= 0:
        return
    tenant = balance.tenant
    amount = balance.available
    name = quarter_name(tenant, balance.quarter_start)
    if settings_for(tenant).unused_funds == UnusedFunds.EXPIRE:
        post(
            balance,
            EntryKind.EXPIRED,
            amount,
            acting=acting,
            reason=f"Unused at the end of {name}: expired.",
            at=now,
        )
        return
    following = Quarter.of(tenant, balance.quarter_start).following
    target = locked_balance(tenant, balance.partner_id, following)
    post(
        balance,
        EntryKind.CARRIED_OVER,
        -amount,
        acting=acting,
        reason=f"Unused at the end of {name}: carried over to {quarter_name(tenant, following)}.",
        at=now,
    )
    post(
        target,
        EntryKind.CARRIED_OVER,
        amount,
        acting=acting,
        reason=f"Carried over from {name}.",
        at=now,
    )
