"""Fund requests (pre-approval): a partner admin drafts and submits; a RevOps admin approves in
full or in part (committing funds in the ledger), rejects with a reason, or returns it for
information; the partner may withdraw. An approved request must be claimed within the tenant's
claim window after the activity ends, else it expires and its funds are released.

Each transition locks the request, checks the state machine (`mdf.choices`), moves the money
(locking the partner's balance), starts and stops the clocks and writes the timeline, in one
transaction: a refusal writes nothing."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.acting import Actor, action
from mdf.choices import ClockKind, ClockState, EntryKind, RequestState
from mdf.models import FundBalance, FundRequest
from mdf.services.clocks import start_clock, stop_clocks
from mdf.services.ledger import locked_balance, post
from mdf.services.quarter_end import settle_closed
from mdf.services.settings import settings_for
from mdf.services.state import (
    check_allowed,
    lock,
    log_event,
    may_decide,
    may_file,
    money,
    quarter_name,
)
from tenancy.acting import Acting
from tenancy.models import Partner, Tenant
from tenancy.quarters import Quarter

__all__ = [
    "EDITABLE",
    "approve_request",
    "create_request",
    "expire_request",
    "reject_request",
    "release_request",
    "return_request",
    "submit_request",
    "update_request",
    "withdraw_request",
]

EDITABLE = (
    "activity_type",
    "title",
    "description",
    "campaign",
    "offer",
    "starts_on",
    "ends_on",
    "total_cost",
    "partner_share",
    "amount_requested",
    "expected_leads",
    "expected_pipeline",
    "quarter_start",
)


def _apply(request: FundRequest, data: dict[str, Any]) -> None:
    unknown = set(data) - set(EDITABLE)
    if unknown:
        raise ValidationError({name: "This field cannot be set here." for name in sorted(unknown)})
    for name, value in data.items():
        setattr(request, name, value)
    tenant = request.tenant
    if isinstance(request.quarter_start, dt.date):
        request.quarter_start = Quarter.of(tenant, request.quarter_start).start
    types = settings_for(tenant)
    if request.activity_type and types.activity_type(request.activity_type) is None:
        codes = ", ".join(str(t["code"]) for t in types.activity_types)
        raise ValidationError(
            {"activity_type": f"“{request.activity_type}” is not an activity type; use {codes}."}
        )
    request.full_clean(exclude=["partner", "requested_by", "decided_by"])


@action
def create_request(
    tenant: Tenant,
    partner: Partner,
    data: dict[str, Any],
    *,
    acting: Acting,
    now: dt.datetime | None = None,
) -> FundRequest:
    """A draft request of the partner. The quarter defaults to the one the activity starts in."""
    may_file(partner.pk, acting)
    data = dict(data)
    if not data.get("quarter_start") and isinstance(data.get("starts_on"), dt.date):
        data["quarter_start"] = Quarter.of(tenant, data["starts_on"]).start
    request = FundRequest(tenant=tenant, partner=partner, requested_by=acting.audit_user)
    with transaction.atomic():
        _apply(request, data)
        request.save()
        log_event(request, "create", acting=acting, to_state=request.state, at=now)
    return request


@action
def update_request(request: FundRequest, data: dict[str, Any], *, acting: Acting) -> FundRequest:
    """Change a draft, or a request returned for information."""
    may_file(request.partner_id, acting)
    with transaction.atomic():
        lock(request)
        if request.state not in (RequestState.DRAFT, RequestState.RETURNED):
            raise ValidationError(
                f"A {request.get_state_display().lower()} request cannot be changed; only drafts "
                "and requests returned for information can."
            )
        _apply(request, data)
        request.save()
    return request


def _available(request: FundRequest) -> FundBalance | None:
    return FundBalance.objects.filter(
        partner_id=request.partner_id, quarter_start=request.quarter_start
    ).first()


@action
def submit_request(
    request: FundRequest, *, acting: Acting, now: dt.datetime | None = None
) -> FundRequest:
    """Submit (or resubmit after a return): refused when more is asked than is available now,
    or when the quarter has already ended."""
    may_file(request.partner_id, acting)
    now = now or timezone.now()
    tenant = request.tenant
    with transaction.atomic():
        lock(request)
        target = check_allowed(request, "submit")
        balance = _available(request)
        name = quarter_name(tenant, request.quarter_start)
        if balance is not None and balance.closed_at is not None:
            raise ValidationError(
                {"quarter_start": f"{name} has ended; request from a later quarter."}
            )
        available = balance.available if balance else Decimal(0)
        if request.amount_requested > available:
            raise ValidationError(
                {
                    "amount_requested": f"The request asks for "
                    f"{money(request.amount_requested, tenant)} but only "
                    f"{money(available, tenant)} is available to you in {name}."
                }
            )
        before = request.state
        request.state = target
        request.submitted_at = now
        request.save()
        stop_clocks(request, (ClockKind.ANSWER,), now=now)
        start_clock(request, ClockKind.DECIDE_REQUEST, now=now)
        log_event(
            request,
            "resubmit" if before == RequestState.RETURNED else "submit",
            acting=acting,
            from_state=before,
            to_state=target,
            at=now,
        )
    return request


def claim_deadline(request: FundRequest) -> dt.datetime:
    """The end of the last day of the claim window after the activity ends (tenant's time)."""
    days = settings_for(request.tenant_id).claim_window_days
    last_day = request.ends_on + dt.timedelta(days=days)
    zone = zoneinfo.ZoneInfo(request.tenant.timezone)
    return dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), tzinfo=zone)


@action
def approve_request(
    request: FundRequest,
    *,
    acting: Acting,
    amount: Decimal | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> FundRequest:
    """Approve in full or in part: the amount is committed from the partner's balance under its
    lock, so two approvals racing for the last funds cannot both succeed."""
    may_decide(acting)
    now = now or timezone.now()
    tenant = request.tenant
    with transaction.atomic():
        lock(request)
        target = check_allowed(request, "approve")
        amount = request.amount_requested if amount is None else Decimal(amount)
        if amount <= 0:
            raise ValidationError(
                {"amount": "Approve an amount above zero, or reject the request."}
            )
        if amount > request.amount_requested:
            raise ValidationError(
                {
                    "amount": f"{money(amount, tenant)} is more than the "
                    f"{money(request.amount_requested, tenant)} requested."
                }
            )
        if amount < request.amount_requested and not reason.strip():
            raise ValidationError({"reason": "Say why only part of the request is approved."})
        balance = locked_balance(tenant, request.partner_id, request.quarter_start)
        if balance.closed_at is not None:
            raise ValidationError(
                {
                    "amount": f"{quarter_name(tenant, balance.quarter_start)} has ended; its funds "
                    "are closed."
                }
            )
        post(
            balance,
            EntryKind.COMMITTED,
            amount,
            acting=acting,
            reason=f"Request #{request.pk} approved"
            + (
                f" in part ({money(amount, tenant)} of {money(request.amount_requested, tenant)})"
                if amount < request.amount_requested
                else ""
            )
            + ".",
            what=f"Approving request #{request.pk}",
            request=request,
            at=now,
        )
        before = request.state
        request.state = target
        request.approved_amount = amount
        request.decision_reason = reason
        request.decided_by = acting.audit_user
        request.decided_at = now
        request.claim_due_at = claim_deadline(request)
        request.save()
        stop_clocks(request, (ClockKind.DECIDE_REQUEST,), now=now)
        start_clock(request, ClockKind.CLAIM_WINDOW, now=now, due=request.claim_due_at)
        log_event(
            request,
            "approve",
            acting=acting,
            from_state=before,
            to_state=target,
            reason=reason,
            at=now,
        )
    return request


def _decide_without_money(
    request: FundRequest, action_name: str, *, acting: Actor, reason: str, now: dt.datetime
) -> FundRequest:
    if not reason.strip():
        raise ValidationError({"reason": "Give a reason; the partner sees it."})
    with transaction.atomic():
        lock(request)
        target = check_allowed(request, action_name)
        before = request.state
        request.state = target
        request.decision_reason = reason
        request.decided_by = acting.audit_user
        request.decided_at = now
        request.save()
        stop_clocks(request, (ClockKind.DECIDE_REQUEST,), now=now)
        if target == RequestState.RETURNED:
            start_clock(request, ClockKind.ANSWER, now=now)
        log_event(
            request,
            action_name,
            acting=acting,
            from_state=before,
            to_state=target,
            reason=reason,
            at=now,
        )
    return request


@action
def reject_request(
    request: FundRequest, *, acting: Acting, reason: str, now: dt.datetime | None = None
) -> FundRequest:
    may_decide(acting)
    return _decide_without_money(
        request, "reject", acting=acting, reason=reason, now=now or timezone.now()
    )


@action
def return_request(
    request: FundRequest, *, acting: Acting, reason: str, now: dt.datetime | None = None
) -> FundRequest:
    """Return for information: the partner changes and resubmits within the answer days."""
    may_decide(acting)
    return _decide_without_money(
        request, "return", acting=acting, reason=reason, now=now or timezone.now()
    )


def release_request(
    request: FundRequest,
    amount: Decimal,
    *,
    acting: Actor,
    reason: str,
    now: dt.datetime,
    claim: Any = None,
) -> None:
    """Give `amount` of the request's commitment back to the partner's balance (and, when its
    quarter has closed, carry it over or expire it at once). The caller holds the lock."""
    if amount <= 0:
        return
    balance = locked_balance(request.tenant, request.partner_id, request.quarter_start)
    post(
        balance,
        EntryKind.RELEASED,
        amount,
        acting=acting,
        reason=reason,
        request=request,
        claim=claim,
        at=now,
    )
    settle_closed(balance, acting=acting, now=now)


@action
def withdraw_request(
    request: FundRequest, *, acting: Acting, reason: str = "", now: dt.datetime | None = None
) -> FundRequest:
    """The partner withdraws; an approved request (not yet claimed) releases its funds."""
    may_file(request.partner_id, acting)
    now = now or timezone.now()
    with transaction.atomic():
        lock(request)
        target = check_allowed(request, "withdraw")
        before = request.state
        if before == RequestState.APPROVED and request.approved_amount:
            release_request(
                request,
                request.approved_amount,
                acting=acting,
                now=now,
                reason=f"Request #{request.pk} withdrawn.",
            )
        request.state = target
        request.save()
        stop_clocks(
            request,
            (ClockKind.DECIDE_REQUEST, ClockKind.ANSWER, ClockKind.CLAIM_WINDOW),
            now=now,
            state=ClockState.CANCELLED,
        )
        log_event(
            request,
            "withdraw",
            acting=acting,
            from_state=before,
            to_state=target,
            reason=reason,
            at=now,
        )
    return request


@action
def expire_request(request: FundRequest, *, acting: Acting, now: dt.datetime | None = None) -> bool:
    """The claim window closed with no claim: the approval expires, its funds are released."""
    now = now or timezone.now()
    with transaction.atomic():
        lock(request)
        if request.state != RequestState.APPROVED:
            return False
        target = check_allowed(request, "expire")
        due = request.claim_due_at
        release_request(
            request,
            request.approved_amount or Decimal(0),
            acting=acting,
            now=now,
            reason=f"Request #{request.pk} not claimed by {due:%Y-%m-%d}: expired.",
        )
        before = request.state
        request.state = target
        request.save()
        log_event(
            request,
            "expire",
            acting=acting,
            from_state=before,
            to_state=target,
            reason=f"No claim was submitted by {due:%Y-%m-%d}.",
            at=now,
        )
    return True
