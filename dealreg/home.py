"""Deal registration's home-page queues (tenancy/worklist.py): registrations waiting for review
or adjudication and extension requests (console, and sales managers, who review too), returns
waiting for the registrant, and protections about to end (portal and sales).

Items link to the pages the deal-registration pages register ("console:dealreg-review",
"console:dealreg-conflicts", "portal:dealregs", "sales:dealregs"); until those pages exist an item has nowhere to link and
is left out (NoReverseMatch), so the home pages work either way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from dealreg.choices import ClockState, RegState
from dealreg.models import DealRegistration, RegistrationClock, RegistrationConflict
from tenancy.choices import Door, Role
from tenancy.requests import DoorRequest
from tenancy.worklist import QueueItem, register_queue

__all__ = ["console_queue", "registrant_queue"]

SOON = dt.timedelta(days=14)
REVIEW_SOON = dt.timedelta(hours=4)


def _item(request: DoorRequest, page: str, query: str, **fields: object) -> QueueItem | None:
    try:
        url = reverse(page, args=[request.tenant.slug])
    except NoReverseMatch:
        return None
    return QueueItem(url=f"{url}{query}", page=page, **fields)  # type: ignore[arg-type]


def _reviews(request: DoorRequest, page: str) -> Iterable[QueueItem | None]:
    visible = DealRegistration.objects.visible_to(request.membership)
    waiting = visible.filter(state__in=[RegState.SUBMITTED, RegState.UNDER_REVIEW])
    count = waiting.count()
    if count:
        now = timezone.now()
        clocks = RegistrationClock.objects.filter(
            registration__in=waiting, kind__in=["review", "step"], stopped_at__isnull=True
        )
        late = clocks.filter(state=ClockState.BREACHED).count()
        soon = clocks.filter(state=ClockState.RUNNING, due_at__lte=now + REVIEW_SOON).count()
        hint = ", ".join(
            part
            for part in (
                f"{late} overdue" if late else "",
                f"{soon} due within 4 hours" if soon else "",
            )
            if part
        )
        yield _item(
            request,
            page,
            "?state=submitted&state=under_review",
            label="Deal registrations to review",
            count=count,
            urgent=bool(late or soon),
            hint=hint,
            order=20,
        )
    conflicts = (
        RegistrationConflict.objects.waiting_for_adjudication()
        .filter(registration__in=visible)
        .values("registration")
        .distinct()
        .count()
    )
    if conflicts:
        # The console decides them in its adjudication queue; sales managers, who do not
        # adjudicate, see the registrations with a conflict.
        console = page.startswith("console:")
        yield _item(
            request,
            "console:dealreg-conflicts" if console else page,
            "" if console else "?has_conflict=true",
            label="Registration conflicts to adjudicate",
            count=conflicts,
            order=21,
        )
    extensions = visible.filter(
        state=RegState.APPROVED, extension_requested_at__isnull=False
    ).count()
    if extensions:
        yield _item(
            request,
            page,
            "?state=approved",
            label="Extension requests",
            count=extensions,
            order=22,
        )


def console_queue(request: DoorRequest) -> Iterable[QueueItem]:
    return [item for item in _reviews(request, "console:dealreg-review") if item is not None]


def registrant_queue(request: DoorRequest) -> Iterable[QueueItem]:
    """The registrant's side: returns to answer, protections ending; managers also review."""
    page = "portal:dealregs" if request.door == Door.PORTAL else "sales:dealregs"
    membership = request.membership
    mine = DealRegistration.objects.visible_to(membership)
    if membership.role in (Role.DIRECT_REP, Role.PARTNER_REP):
        mine = mine.filter(registrant_user_id=membership.user_id)
    items: list[QueueItem | None] = []
    returned = mine.filter(state=RegState.RETURNED).count()
    if returned:
        items.append(
            _item(
                request,
                page,
                "?state=returned",
                label="Registrations returned for information",
                count=returned,
                urgent=True,
                hint="The reviewer is waiting for your answer.",
                order=20,
            )
        )
    now = timezone.now()
    ending = mine.filter(
        state=RegState.APPROVED, protection_ends_at__lte=now + SOON, protection_ends_at__gt=now
    ).count()
    if ending:
        items.append(
            _item(
                request,
                page,
                "?state=approved",
                label="Protections ending within 14 days",
                count=ending,
                hint="Convert, or request an extension.",
                order=21,
            )
        )
    if membership.role == Role.DIRECT_MANAGER and request.door == Door.SALES:
        items += list(_reviews(request, page))
    return [item for item in items if item is not None]


register_queue(Door.CONSOLE, console_queue)
register_queue([Door.PORTAL, Door.SALES], registrant_queue)
