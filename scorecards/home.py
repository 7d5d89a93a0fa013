"""The scorecards' home-page queues (tenancy/worklist.py): campaign overlaps to settle and new
campaign responses for RevOps; for a partner's users and for direct sales, the new responses to
their own offer pages and campaign work, and how many accounts they work that someone else also
works in a campaign (never who); in every door, the open governance-review decisions the viewer
owns, and for those who receive extracts the reviews signed off since their last visit. A COUNT
query each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from pipeline.models import CampaignResponse
from scorecards import overlap
from scorecards.choices import DecisionStatus, OverlapStatus
from scorecards.models import GovernanceReview, OverlapFlag, ReviewDecision
from tenancy.choices import Door
from tenancy.quarters import Quarter
from tenancy.requests import DoorRequest
from tenancy.worklist import Change, QueueItem, register_changes, register_queue

__all__ = ["NEW_DAYS", "console_queue", "decisions_queue", "party_queue"]

NEW_DAYS = 7  # a response is new for a week


def _new_responses(request: DoorRequest) -> int:
    since = timezone.now() - dt.timedelta(days=NEW_DAYS)
    rows = CampaignResponse.objects.visible_to(request.membership)
    return rows.filter(occurred_at__gte=since).count()


def _url(request: DoorRequest, name: str) -> str:
    return reverse(f"{request.door}:{name}", args=[request.tenant.slug])


def console_queue(request: DoorRequest) -> Iterable[QueueItem]:
    items = []
    flags = OverlapFlag.objects.visible_to(request.membership)
    open_flags = flags.filter(status=OverlapStatus.OPEN).count()
    if open_flags:
        items.append(
            QueueItem(
                label="Overlaps to settle",
                count=open_flags,
                url=_url(request, "overlap") + "?status=open",
                page="console:overlap",
                hint="Accounts worked in one campaign by more than one party.",
                order=85,
            )
        )
    responses = _new_responses(request)
    if responses:
        items.append(
            QueueItem(
                label="New campaign responses",
                count=responses,
                url=_url(request, "conversion"),
                hint=f"In the last {NEW_DAYS} days, every route.",
                order=86,
            )
        )
    return items


def party_queue(request: DoorRequest) -> Iterable[QueueItem]:
    """A partner's users or direct sales: their own party's responses and overlaps."""
    items = []
    responses = _new_responses(request)
    if responses:
        own = "your offer pages" if request.door == Door.PORTAL else "direct sales' offer pages"
        items.append(
            QueueItem(
                label=f"New responses to {own}",
                count=responses,
                url=_url(request, "conversion"),
                hint=f"In the last {NEW_DAYS} days.",
                order=86,
            )
        )
    shared = overlap.accounts_others_work(request.membership)
    if shared:
        items.append(
            QueueItem(
                label="Accounts someone else also works",
                count=shared,
                url=_url(request, "accounts"),
                hint="In a campaign, another party works them too: each account's page says "
                "in which campaign. RevOps settles who keeps them.",
                order=87,
            )
        )
    return items


register_queue(Door.CONSOLE, console_queue)
register_queue(Door.PORTAL, party_queue)
register_queue(Door.SALES, party_queue)


def decisions_queue(request: DoorRequest) -> Iterable[QueueItem]:
    """The open review decisions the viewer owns, in every door: urgent when one is overdue
    (due before today in the tenant's zone). One aggregate query."""
    today = timezone.localdate(timezone=request.tenant.zone)
    mine = ReviewDecision.objects.visible_to(request.membership).filter(
        owner=request.membership, status=DecisionStatus.OPEN
    )
    counts = mine.aggregate(open=Count("id"), overdue=Count("id", filter=Q(due_on__lt=today)))
    if not counts["open"]:
        return []
    overdue = counts["overdue"]
    return [
        QueueItem(
            label="Review decisions you own",
            count=counts["open"],
            url=_url(request, "governance-decisions"),
            page=f"{request.door}:governance-decisions",
            urgent=bool(overdue),
            hint=f"{overdue} overdue."
            if overdue
            else "Recorded in the quarterly governance review.",
            order=80,
        )
    ]


register_queue((Door.CONSOLE, Door.PORTAL, Door.SALES), decisions_queue)


def signed_off_changes(request: DoorRequest, since: dt.datetime) -> Iterable[Change]:
    """Reviews signed off since the last visit, for those who receive an extract (partner admins,
    direct sales managers: `GovernanceReview.visible_to`), each linked to the viewer's extract."""
    rows = GovernanceReview.objects.visible_to(request.membership).filter(signed_off_at__gt=since)
    return [
        Change(
            when=review.signed_off_at,
            text=f"The {Quarter.of(request.tenant, review.quarter_start).code} governance review was signed off: "
            "your extract is ready.",
            url=reverse(f"{request.door}:governance-review", args=[request.tenant.slug, review.pk]),
        )
        for review in rows.only("pk", "quarter_start", "signed_off_at")[:5]
        if review.signed_off_at is not None
    ]


register_changes((Door.PORTAL, Door.SALES), signed_off_changes)
