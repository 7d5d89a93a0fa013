"""Lead ops on the home pages (tenancy/worklist.py): what waits for the viewer, the week's lead
figures, and what happened to their leads since their last visit.

- Sales and portal: leads to accept (the inbox's "To accept" tab), and SLA clocks that run out
  within two business hours or already have. Partners see their company's leads, reps theirs and
  their team's unclaimed ones, managers their team's: the inbox's default view (`inbox_rows`).
- Console: leads nobody could route, leads not yet routed, SLA clocks running out in the whole
  tenant (the SLA monitor's breaches), and duplicate pairs to review.
- Figures: leads received and routed this week against last week, the median speed-to-lead and
  the SLA attainment of this week's leads, computed as the SLA monitor computes them.
- Changes: the viewer's notifications since their last visit (leads routed, assigned or recalled,
  reminders, breaches), and for partners what became of the leads their company submitted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import Count, F, Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from pipeline.choices import LeadStatus
from pipeline.models import Lead
from routing.calendar import add_business_minutes
from routing.choices import CandidateStatus, EventKind, TimerState
from routing.models import DuplicateCandidate, Notification, SlaTimer
from routing.sla import working_time
from routing.views.common import OPEN_STATUSES
from routing.views.console import duration_text, median_speed
from routing.views.inbox import holder_text, inbox_rows, scopes_of
from tenancy.requests import DoorRequest
from tenancy.worklist import (
    Change,
    Figure,
    QueueItem,
    register_changes,
    register_figures,
    register_queue,
    this_week,
)

__all__ = ["URGENT_BUSINESS_MINUTES", "my_leads"]

# An SLA clock due within this much working time (or overdue) is urgent.
URGENT_BUSINESS_MINUTES = 120
# Notifications of one kind beyond this many are summed up in one line.
LISTED_PER_KIND = 3
RECENT_NOTIFICATIONS = 30
RECENT_SUBMISSIONS = 10


def _url(request: DoorRequest, name: str, *args: object, **query: str) -> str:
    url = reverse(f"{request.door}:{name}", args=[request.tenant.slug, *args])
    return f"{url}?{urlencode(query)}" if query else url


def my_leads(request: DoorRequest) -> QuerySet:
    """The leads of the viewer's inbox as it opens (its default view)."""
    membership = request.membership
    return inbox_rows(membership, next(iter(scopes_of(membership))))


def _horizon(request: DoorRequest, now: dt.datetime) -> dt.datetime:
    try:
        return add_business_minutes(working_time(request.tenant), now, URGENT_BUSINESS_MINUTES)
    except ValueError:  # a calendar without working time: only overdue clocks are urgent
        return now


def _running_out(request: DoorRequest, leads: QuerySet | None) -> dict[str, int]:
    """Open leads whose running SLA clock (of their current assignment) is due before the
    horizon, and how many of them are already overdue; of `leads`, or of the whole tenant."""
    now = timezone.now()
    timers = SlaTimer.objects.filter(
        state=TimerState.RUNNING,
        due_at__lt=_horizon(request, now),
        lead__status__in=OPEN_STATUSES,
        assignment=F("lead__routing_attempts"),
    )
    if leads is not None:
        timers = timers.filter(lead__in=leads.values("pk"))
    return timers.aggregate(
        leads=Count("lead", distinct=True),
        overdue=Count("lead", distinct=True, filter=Q(due_at__lt=now)),
    )


def _clock_item(clocks: dict[str, int], url: str, page: str = "") -> QueueItem:
    due_soon = clocks["leads"] - clocks["overdue"]
    parts = []
    if clocks["overdue"]:
        parts.append(f"{clocks['overdue']} overdue")
    if due_soon:
        parts.append(f"{due_soon} due within {URGENT_BUSINESS_MINUTES // 60} business hours")
    return QueueItem(
        "SLA clocks running out",
        clocks["leads"],
        url,
        page=page,
        urgent=True,
        hint=" · ".join(parts),
        order=10,
    )


# --- what is waiting ----------------------------------------------------------------------------


def inbox_queue(request: DoorRequest) -> Iterator[QueueItem]:
    leads = my_leads(request)
    to_accept = leads.filter(status=LeadStatus.ROUTED).count()
    who = "your company" if request.membership.is_partner_user else "you"
    yield QueueItem(
        "Leads to accept",
        to_accept,
        _url(request, "leads", status="routed"),
        page=f"{request.door}:leads",
        hint=f"Routed to {who}, waiting for a yes or no",
        order=20,
    )
    # Linked to the open leads, which the inbox lists soonest due first.
    yield _clock_item(_running_out(request, leads), _url(request, "leads", status="open"))


def console_queue(request: DoorRequest) -> Iterator[QueueItem]:
    counts = Lead.objects.visible_to(request.membership).aggregate(
        unroutable=Count("pk", filter=Q(status=LeadStatus.UNROUTABLE)),
        waiting=Count("pk", filter=Q(status=LeadStatus.NEW)),
    )
    yield _clock_item(
        _running_out(request, None), _url(request, "sla-monitor"), page="console:sla-monitor"
    )
    yield QueueItem(
        "Leads nobody could route",
        counts["unroutable"],
        _url(request, "leads", status=LeadStatus.UNROUTABLE),
        page="console:leads",
        hint="No rule or nobody available: assign them by hand",
        order=20,
    )
    yield QueueItem(
        "Leads not yet routed",
        counts["waiting"],
        _url(request, "leads", status=LeadStatus.NEW),
        hint="Received, waiting for enrichment and routing",
        order=60,
    )
    pending = (
        DuplicateCandidate.objects.visible_to(request.membership)
        .filter(status=CandidateStatus.PENDING)
        .count()
    )
    yield QueueItem(
        "Possible duplicates to review",
        pending,
        _url(request, "duplicates"),
        page="console:duplicates",
        hint="Merge them or mark them distinct",
        order=40,
    )


# --- the week's figures -------------------------------------------------------------------------


def _versus(before: int) -> str:
    return f"{before} last week"


def lead_figures(request: DoorRequest) -> Iterator[Figure]:
    console = request.door == "console"
    leads = Lead.objects.visible_to(request.membership) if console else my_leads(request)
    start, before = this_week(request)
    this, last = Q(created_at__gte=start), Q(created_at__gte=before, created_at__lt=start)
    routed, routed_before = (
        Q(assigned_at__gte=start),
        Q(assigned_at__gte=before, assigned_at__lt=start),
    )
    counts = leads.aggregate(
        received=Count("pk", filter=this),
        received_before=Count("pk", filter=last),
        routed=Count("pk", filter=routed),
        routed_before=Count("pk", filter=routed_before),
        measured=Count("pk", filter=this & Q(sla_met__isnull=False)),
        met=Count("pk", filter=this & Q(sla_met=True)),
        touched=Count("pk", filter=this & Q(speed_to_lead_seconds__isnull=False)),
    )
    list_url = _url(request, "leads")
    if console:
        yield Figure(
            "Leads received this week",
            str(counts["received"]),
            _versus(counts["received_before"]),
            list_url,
            order=10,
        )
        yield Figure(
            "Leads routed this week",
            str(counts["routed"]),
            _versus(counts["routed_before"]),
            list_url,
            order=11,
        )
    else:
        who = "your company" if request.membership.is_partner_user else "you"
        yield Figure(
            f"Leads routed to {who} this week",
            str(counts["routed"]),
            _versus(counts["routed_before"]),
            list_url,
            order=10,
        )
    # Of the leads received this week, as the SLA monitor measures them.
    median = median_speed(leads.filter(this), counts["touched"])
    monitor_url = _url(request, "sla-monitor") if console else ""
    yield Figure(
        "Speed-to-lead this week",
        duration_text(median),
        f"median from arrival to first touch, {counts['touched']} leads touched"
        if counts["touched"]
        else "no lead of this week touched yet",
        monitor_url,
        order=12,
    )
    attained = round(100 * counts["met"] / counts["measured"]) if counts["measured"] else None
    yield Figure(
        "SLA attainment this week",
        "—" if attained is None else f"{attained} %",
        f"{counts['met']} of {counts['measured']} leads met their SLA"
        if counts["measured"]
        else "no lead of this week measured yet",
        monitor_url,
        order=13,
    )


# --- since the last visit -----------------------------------------------------------------------

SUMMARIES = {
    EventKind.ROUTED: "{n} new leads routed to you",
    EventKind.REASSIGNED: "{n} leads assigned to you by hand",
    EventKind.RECALLED: "{n} leads recalled from you",
    EventKind.REMINDED: "{n} SLA reminders",
    EventKind.BREACHED: "{n} SLA breaches",
    EventKind.ESCALATED: "{n} SLA escalations",
    EventKind.UNROUTABLE: "{n} leads nobody could route",
    EventKind.MERGED: "{n} people got in touch again",
}


def notification_changes(request: DoorRequest, since: dt.datetime) -> Iterator[Change]:
    """The viewer's notifications since `since`: a few of a kind one by one (linked to the lead
    when the viewer may still open it), more of a kind in one line."""
    rows = Notification.objects.visible_to(request.membership).filter(created_at__gt=since)
    kinds = {
        row["kind"]: row
        for row in rows.order_by().values("kind").annotate(n=Count("pk"), latest=Max("created_at"))
    }
    if not kinds:
        return
    recent = list(rows.order_by("-created_at", "-pk")[:RECENT_NOTIFICATIONS])
    openable = set(
        Lead.objects.visible_to(request.membership)
        .filter(pk__in={n.lead_id for n in recent if n.lead_id})
        .values_list("pk", flat=True)
    )
    notifications_url = _url(request, "notifications")
    listed: set[str] = set()
    for note in recent:
        if kinds[note.kind]["n"] > LISTED_PER_KIND:
            continue
        listed.add(note.kind)
        url = _url(request, "lead", note.lead_id) if note.lead_id in openable else ""
        yield Change(note.created_at, note.title, url or notifications_url)
    labels = dict(EventKind.choices)
    for kind, row in kinds.items():
        if kind in listed:
            continue
        text = SUMMARIES.get(kind, "{n} notifications: " + labels.get(kind, kind).lower())
        yield Change(row["latest"], text.format(n=row["n"]), notifications_url)


def submission_changes(request: DoorRequest, since: dt.datetime) -> Iterator[Change]:
    """Where the leads the partner submitted went, once routed (those routed to the partner
    itself are announced by their notification)."""
    partner_id = request.membership.partner_id
    decided = (
        Lead.objects.visible_to(request.membership)
        .filter(submitted_by_partner_id=partner_id, processed_at__gt=since)
        .exclude(assigned_partner_id=partner_id)
        .order_by("-processed_at")[:RECENT_SUBMISSIONS]
    )
    url = _url(request, "lead-submissions")
    for lead in decided:
        if lead.status == LeadStatus.UNROUTABLE:
            text = f"Your lead {lead} could not be routed yet"
        elif lead.status == LeadStatus.MERGED:
            text = f"Your lead {lead} was merged with an earlier one"
        else:
            text = f"Your lead {lead} went to {holder_text(lead, partner_id)}"
        yield Change(lead.processed_at or since, text, url)


register_queue(("sales", "portal"), inbox_queue)
register_queue("console", console_queue)
register_figures(("console", "sales", "portal"), lead_figures)
register_changes(("console", "sales", "portal"), notification_changes)
register_changes("portal", submission_changes)
