"""MDF's home-page queues (tenancy/worklist.py). Console: requests and claims to decide, claims
to pay (urgent when a clock is breached). Portal (partner admins, who act): requests returned
for information, approved requests whose claim is due within 14 days, claims returned; and for
every partner user the funds available this quarter.

Each provider costs at most two aggregate queries: the navigation asks for the queue on every
page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone

from mdf.choices import ClaimState, ClockKind, ClockState, RequestState
from mdf.models import FundBalance, FundClaim, FundRequest, MdfClock
from mdf.services.state import money
from tenancy.choices import Door, Role
from tenancy.quarters import Quarter
from tenancy.requests import DoorRequest
from tenancy.worklist import Figure, QueueItem, register_figures, register_queue

__all__ = ["console_queue", "portal_figures", "portal_queue"]

CLAIM_SOON = dt.timedelta(days=14)
VENDOR = (ClockKind.DECIDE_REQUEST, ClockKind.DECIDE_CLAIM, ClockKind.PAY_CLAIM)


def _url(request: DoorRequest, page: str, query: str = "") -> str:
    return reverse(page, args=[request.tenant.slug]) + query


def console_queue(request: DoorRequest) -> Iterable[QueueItem]:
    """What waits for RevOps, from the running and breached vendor clocks: one grouped query."""
    clocks = (
        MdfClock.objects.visible_to(request.membership)
        .filter(
            kind__in=VENDOR,
            stopped_at__isnull=True,
            state__in=[ClockState.RUNNING, ClockState.BREACHED],
        )
        .values("kind")
        .annotate(
            waiting=Count("pk"),
            late=Count("pk", filter=Q(state=ClockState.BREACHED) | Q(due_at__lt=timezone.now())),
        )
    )
    found = {row["kind"]: row for row in clocks}
    items = []
    for kind, label, page, query, order in (
        (
            ClockKind.DECIDE_REQUEST,
            "Fund requests to decide",
            "console:mdf-approvals",
            "?kind=requests",
            30,
        ),
        (
            ClockKind.DECIDE_CLAIM,
            "MDF claims to decide",
            "console:mdf-approvals",
            "?kind=claims",
            31,
        ),
        (ClockKind.PAY_CLAIM, "MDF claims to pay", "console:mdf-payments", "", 32),
    ):
        row = found.get(kind)
        if not row or not row["waiting"]:
            continue
        late = row["late"]
        items.append(
            QueueItem(
                label=label,
                count=row["waiting"],
                url=_url(request, page, query),
                page=page,
                urgent=bool(late),
                hint=f"{late} past the deadline" if late else "",
                order=order,
            )
        )
    return items


def portal_queue(request: DoorRequest) -> Iterable[QueueItem]:
    """What waits for the partner's admins: one query over requests, one over claims."""
    membership = request.membership
    if membership.role != Role.PARTNER_ADMIN:
        return []
    now = timezone.now()
    asked = FundRequest.objects.visible_to(membership).aggregate(
        returned=Count("pk", filter=Q(state=RequestState.RETURNED)),
        claim_due=Count(
            "pk",
            filter=Q(
                state=RequestState.APPROVED,
                claim__isnull=True,
                claim_due_at__lte=now + CLAIM_SOON,
                claim_due_at__gt=now,
            ),
        ),
    )
    claims_back = FundClaim.objects.visible_to(membership).filter(state=ClaimState.RETURNED).count()
    page = "portal:mdf-requests"
    items = []
    if asked["returned"]:
        items.append(
            QueueItem(
                label="Fund requests returned for information",
                count=asked["returned"],
                url=_url(request, page, "?state=returned"),
                page=page,
                urgent=True,
                hint="RevOps is waiting for your answer.",
                order=30,
            )
        )
    if asked["claim_due"]:
        items.append(
            QueueItem(
                label="Approved MDF to claim within 14 days",
                count=asked["claim_due"],
                url=_url(request, page, "?state=approved"),
                page=page,
                hint="Claim with proof before the window closes, or the funds expire.",
                order=31,
            )
        )
    if claims_back:
        items.append(
            QueueItem(
                label="MDF claims returned for information",
                count=claims_back,
                url=_url(request, page, "?state=claimed"),
                page=page,
                urgent=True,
                hint="Add what RevOps asked for and submit the claim again.",
                order=32,
            )
        )
    return items


def portal_figures(request: DoorRequest) -> Iterable[Figure]:
    """The partner's funds available in the current quarter (one aggregate)."""
    quarter = Quarter.of(request.tenant, timezone.localdate())
    total = (
        FundBalance.objects.visible_to(request.membership)
        .filter(quarter_start=quarter.start)
        .aggregate(available=Sum("available"))["available"]
    )
    return [
        Figure(
            label="MDF available",
            value=money(total or Decimal(0), request.tenant),
            hint=f"In {quarter.code.replace('-', ' ')}, to request.",
            url=_url(request, "portal:mdf"),
            order=60,
        )
    ]


register_queue(Door.CONSOLE, console_queue)
register_queue(Door.PORTAL, portal_queue)
register_figures(Door.PORTAL, portal_figures)
