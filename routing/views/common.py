"""What the lead pages of every door share: finding a lead the viewer may see, the SLA clock each
open lead races against, and a timeline that tells partners only what is theirs to know. Not a
page module: routing/pages.py registers none of it. Times are shown and read in the viewer's zone,
which the door guard activates (tenancy/clock.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, DateTimeField, OuterRef, QuerySet, Subquery, When
from django.utils import timezone

from core.views import row_or_404
from pipeline.choices import LeadStatus
from pipeline.models import Lead, LeadQuerySet
from routing.choices import EventKind, TimerKind, TimerState
from routing.models import LeadEvent, SlaTimer
from tenancy.models import Membership
from tenancy.requests import DoorRequest

__all__ = [
    "OPEN_STATUSES",
    "Clock",
    "error_text",
    "flash_outcome",
    "get_lead_for",
    "remaining_text",
    "timeline_for",
    "with_clock",
]

OPEN_STATUSES = (LeadStatus.ROUTED, LeadStatus.ACCEPTED, LeadStatus.WORKING)
CLOSED_STATUSES = (LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED)


# --- time -----------------------------------------------------------------------------------------


def remaining_text(seconds: int) -> str:
    """'2 d 3 h left', '1 h 05 min left', '4 min 09 s left' or 'overdue by …'. The page's script
    (templates/routing/_clock_script.html) writes the same words as it counts down."""
    overdue = seconds < 0
    left = abs(seconds)
    days, rest = divmod(left, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        text = f"{days} d {hours} h"
    elif hours:
        text = f"{hours} h {minutes:02d} min"
    else:
        text = f"{minutes} min {secs:02d} s"
    return f"overdue by {text}" if overdue else f"{text} left"


@dataclass(frozen=True)
class Clock:
    """The SLA clock a lead is racing now: to accept while routed, to first touch once accepted."""

    kind: str
    due_at: dt.datetime
    now: dt.datetime

    @property
    def seconds(self) -> int:
        return int((self.due_at - self.now).total_seconds())

    @property
    def overdue(self) -> bool:
        return self.seconds < 0

    @property
    def text(self) -> str:
        return remaining_text(self.seconds)

    @property
    def label(self) -> str:
        return "to accept" if self.kind == TimerKind.ACCEPT else "to first touch"


def _running_due(kind: str) -> Subquery:
    timers = SlaTimer.objects.filter(
        lead=OuterRef("pk"),
        kind=kind,
        state=TimerState.RUNNING,
        assignment=OuterRef("routing_attempts"),
    ).order_by("due_at")
    return Subquery(timers.values("due_at")[:1])


def with_clock(leads: QuerySet) -> QuerySet:
    """Annotate `sla_due_at`: when the running timer of the lead's current assignment falls due
    (accept while routed, first touch once accepted; none otherwise)."""
    return leads.annotate(
        sla_due_at=Case(
            When(status=LeadStatus.ROUTED, then=_running_due(TimerKind.ACCEPT)),
            When(status=LeadStatus.ACCEPTED, then=_running_due(TimerKind.FIRST_TOUCH)),
            default=None,
            output_field=DateTimeField(),
        )
    )


def clock_of(lead: Lead, now: dt.datetime | None = None) -> Clock | None:
    due = getattr(lead, "sla_due_at", None)
    if due is None:
        return None
    kind = TimerKind.ACCEPT if lead.status == LeadStatus.ROUTED else TimerKind.FIRST_TOUCH
    return Clock(kind, due, now or timezone.now())


def attach_clocks(leads: Any) -> list[Lead]:
    now = timezone.now()
    rows = list(leads)
    for lead in rows:
        lead.clock = clock_of(lead, now)
    return rows


# --- finding a lead -------------------------------------------------------------------------------


def get_lead_for(request: DoorRequest, pk: int, queryset: LeadQuerySet | None = None) -> Lead:
    """The lead if the viewer may see it; 404 alike for missing and not theirs."""
    rows = queryset if queryset is not None else Lead.objects.all()
    lead = row_or_404(with_clock(rows.visible_to(request.membership)), pk, "No such lead.")
    lead.clock = clock_of(lead)
    return lead


def error_text(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or "You may not do this."


def flash_outcome(request: DoorRequest, action: Callable[[], Any], success: str) -> bool:
    """Run a service call; say what happened. Refusals become messages, never a server error."""
    try:
        action()
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
        return False
    messages.success(request, success)
    return True


# --- the timeline ---------------------------------------------------------------------------------

# System events whose text names nobody, so a partner may read them.
PLAIN_KINDS = {
    EventKind.RECEIVED,
    EventKind.REMINDED,
    EventKind.BREACHED,
    EventKind.ESCALATED,
    EventKind.RECALLED,
}


@dataclass
class Entry:
    kind: str
    label: str
    occurred_at: dt.datetime
    actor: str
    detail: str
    route: str


def timeline_for(lead: Lead, membership: Membership) -> list[Entry]:
    """The lead's events, oldest first. Partners see what their company did, and the system's
    steps of their own assignment, with everyone else shown as 'the manufacturer' and the text of
    other people's steps left out: another partner's name, reasons or people never show."""
    events = LeadEvent.objects.filter(lead=lead).select_related("actor_user", "actor_partner")
    labels = dict(EventKind.choices)
    partner_id = membership.partner_id if membership.is_partner_user else None
    entries = []
    for event in events.order_by("occurred_at", "id"):
        label = labels.get(event.kind, event.kind)
        if partner_id is None:
            actor = (
                event.actor_partner.name
                if event.actor_partner
                else (event.actor_user.email if event.actor_user else "")
            )
            if event.actor_partner and event.actor_user:
                actor = f"{event.actor_user.email} ({event.actor_partner.name})"
            entries.append(
                Entry(event.kind, label, event.occurred_at, actor, event.detail, event.route)
            )
            continue
        ours = event.actor_partner_id == partner_id
        if not ours:
            if event.actor_partner_id is not None:
                continue  # another partner's step
            if event.kind != EventKind.RECEIVED and not _since_assigned(lead, event):
                continue  # before the lead came to this partner
        if ours:
            actor = event.actor_user.email if event.actor_user else "your company"
            detail = event.detail
            if event.kind == EventKind.ROUTED:
                label, detail = "Routed to your company", ""
        else:
            actor = "the manufacturer" if event.actor_user_id else ""
            detail = event.detail if event.kind in PLAIN_KINDS else ""
            if event.kind == EventKind.REASSIGNED:
                label = "Assigned to your company by hand"
        entries.append(Entry(event.kind, label, event.occurred_at, actor, detail, event.route))
    return entries


def _since_assigned(lead: Lead, event: LeadEvent) -> bool:
    """Whether a system step belongs to the current assignment. The hand-over itself happens at
    the assignment's moment; a recall at that same moment ended the previous one."""
    if lead.assigned_at is None:
        return False
    if event.kind == EventKind.REASSIGNED:
        return event.occurred_at >= lead.assigned_at
    return event.occurred_at > lead.assigned_at
