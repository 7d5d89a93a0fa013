"""What every request and claim transition shares: the state machines' check, row locks, the
timeline, who may act, and money in words.

`TransitionRefused` is raised (before anything is written) when an action is not allowed from
the row's state; the API answers 409 with the allowed actions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.acting import Actor
from core.rows import lock_row
from mdf.choices import CLAIM_TRANSITIONS, REQUEST_TRANSITIONS
from mdf.models import FundClaim, FundRequest, MdfEvent
from tenancy.choices import Role
from tenancy.models import Membership, Tenant
from tenancy.quarters import Quarter

__all__ = [
    "TransitionRefused",
    "allowed_actions",
    "check_allowed",
    "lock",
    "log_event",
    "may_decide",
    "may_file",
    "money",
    "quarter_name",
]


def allowed_actions(row: FundRequest | FundClaim) -> list[str]:
    table = REQUEST_TRANSITIONS if isinstance(row, FundRequest) else CLAIM_TRANSITIONS
    return sorted(table.get(row.state, {}))


class TransitionRefused(Exception):
    """An action the row's current state does not allow."""

    def __init__(self, row: FundRequest | FundClaim, action: str, detail: str = "") -> None:
        self.state = row.state
        self.action = action
        self.allowed = allowed_actions(row)
        noun = "request" if isinstance(row, FundRequest) else "claim"
        label = row.get_state_display().lower()
        self.detail = detail or (
            f"A {noun} that is {label} does not allow {action}; "
            f"allowed now: {', '.join(self.allowed) or 'nothing (it is closed)'}."
        )
        super().__init__(self.detail)


def check_allowed(row: FundRequest | FundClaim, action: str) -> str:
    """The state `action` leads to from the row's state, or TransitionRefused."""
    table = REQUEST_TRANSITIONS if isinstance(row, FundRequest) else CLAIM_TRANSITIONS
    target = table.get(row.state, {}).get(action)
    if target is None:
        raise TransitionRefused(row, action)
    return target


lock = lock_row


def log_event(
    request: FundRequest,
    action: str,
    *,
    acting: Actor,
    claim: FundClaim | None = None,
    reason: str = "",
    from_state: str = "",
    to_state: str = "",
    at: dt.datetime | None = None,
) -> MdfEvent:
    return MdfEvent.objects.create(
        tenant_id=request.tenant_id,
        request=request,
        claim=claim,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor_user=acting.audit_user,
        actor_label=acting.audit_label[:200],
        reason=reason,
        at=at or timezone.now(),
    )


def may_file(partner_id: int, acting: Actor) -> None:
    """Partner admins file and change their own partner's requests and claims; RevOps admins may
    act for any partner; partner reps and direct sales only read."""
    if not isinstance(acting, Membership):
        return
    if acting.role == Role.REVOPS_ADMIN:
        return
    if acting.role == Role.PARTNER_ADMIN and acting.partner_id == partner_id:
        return
    if acting.role == Role.PARTNER_REP and acting.partner_id == partner_id:
        raise PermissionDenied("Partner reps read MDF; your partner admin files and changes it.")
    raise PermissionDenied("Only the partner's admins and RevOps admins act on its MDF.")


def may_decide(acting: Actor) -> None:
    """Decisions, payments, budgets and reallocation are RevOps admins' (or the system's)."""
    if isinstance(acting, Membership) and acting.role != Role.REVOPS_ADMIN:
        raise PermissionDenied("Only RevOps admins decide, pay and allocate MDF.")


def money(amount: Decimal | None, tenant: Tenant) -> str:
    """An amount in the tenant's currency, as pages and messages write it: "12,500.00 EUR"."""
    return f"{amount or Decimal(0):,.2f} {tenant.currency}"


def quarter_name(tenant: Tenant, start: dt.date) -> str:
    return Quarter.of(tenant, start).code.replace("-", " ")
