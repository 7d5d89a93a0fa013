"""The console's lead pages: the routing queue (every lead, with filters, unroutable ones among
them), the lead page with the routing decision explained condition by condition and a manual
reassignment to a partner or a rep, and the SLA monitor (breaches now, by partner and by team;
compliance and median speed-to-lead of the last 30 days, by route).

The explanation re-runs the deciding rulebook version on the facts stored with the decision
(`lead.decision["facts"]`), so it shows what the rules saw then, not what they would say today.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, F, Min, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from guardrails import engine
from guardrails.forms_rulebook import TenantChoices
from guardrails.models import RulebookVersion
from guardrails.views.explain import explain_result
from pipeline.choices import LeadStatus
from pipeline.models import Lead, Touch
from routing.choices import CandidateStatus, TimerState
from routing.forms import QueueFilterForm, ReassignForm
from routing.models import DuplicateCandidate, LeadMerge, SlaTimer
from routing.services import REASSIGNABLE, reassign_lead
from routing.views.common import (
    OPEN_STATUSES,
    attach_clocks,
    flash_outcome,
    get_lead_for,
    timeline_for,
    with_clock,
)
from routing.views.inbox import DETAIL_RELATED, product_names, routing_story
from tenancy.models import Membership
from tenancy.requests import DoorRequest

__all__ = [
    "decision_explanation",
    "duration_text",
    "lead_page",
    "lead_queue",
    "lead_reassign",
    "median_speed",
    "sla_monitor",
]

PER_PAGE = 50
WINDOW_DAYS = 30
MONITOR_ROWS = 100


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    minutes = int(seconds // 60)
    if minutes < 1:
        return f"{int(seconds)} s"
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"


# --- the routing queue --------------------------------------------------------------------------


def _filtered(request: DoorRequest, rows: QuerySet) -> tuple[QueueFilterForm, QuerySet, int]:
    form = QueueFilterForm(request.GET or None, membership=request.membership)
    if not form.is_bound:
        return form, rows, 200
    if not form.is_valid():
        return form, rows.none(), 400
    data = form.cleaned_data
    if data.get("q"):
        q = data["q"].replace("\x00", "").strip()
        rows = rows.filter(
            Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
            | Q(email__icontains=q)
            | Q(company__icontains=q)
        )
    if data.get("status"):
        rows = rows.filter(status=data["status"])
    if data.get("route"):
        rows = rows.filter(route="" if data["route"] == "none" else data["route"])
    if data.get("partner"):
        rows = rows.filter(assigned_partner=data["partner"])
    if data.get("team"):
        rows = rows.filter(assigned_team=data["team"])
    if data.get("source"):
        rows = rows.filter(source=data["source"])
    if data.get("created_from"):
        rows = rows.filter(created_at__date__gte=data["created_from"])
    if data.get("created_to"):
        rows = rows.filter(created_at__date__lte=data["created_to"])
    return form, rows, 200


def lead_queue(request: DoorRequest) -> HttpResponse:
    everything = Lead.objects.visible_to(request.membership)
    rows = with_clock(everything).select_related(
        "assigned_partner", "assigned_team", "assigned_user"
    )
    form, rows, status = _filtered(request, rows)
    page = Paginator(rows.order_by("-created_at", "-pk"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    page.object_list = attach_clocks(page.object_list)
    counts = everything.aggregate(
        unroutable=Count("pk", filter=Q(status=LeadStatus.UNROUTABLE)),
        waiting=Count("pk", filter=Q(processed_at__isnull=True)),
    )
    context = {
        "page": page,
        "filters": form,
        "filtered": form.is_bound and any(form.data.get(k) for k in form.fields),
        **counts,
    }
    return render(request, "routing/console/queue.html", context, status=status)


# --- the lead page ------------------------------------------------------------------------------

FACT_FIELDS = {f.name for f in dataclasses.fields(engine.Facts)}


def decision_explanation(lead: Lead, membership: Membership) -> tuple[dict | None, str]:
    """The stored decision explained rule by rule and condition by condition (the result dict of
    the guardrails explain page), or why it cannot be."""
    record = lead.decision or {}
    facts, version_id = record.get("facts"), record.get("version_id")
    if not record or not version_id:
        return None, "No routing decision is stored for this lead yet."
    version = RulebookVersion.objects.filter(pk=version_id).first()
    if version is None:
        return None, "The rulebook version that decided is gone."
    if not isinstance(facts, dict):
        return None, "The facts the rules saw were not stored with this decision."
    try:
        values: dict[str, Any] = {
            k: frozenset(v) if isinstance(v, list) else v
            for k, v in facts.items()
            if k in FACT_FIELDS
        }
        snapshot = engine.Facts(**values)
    except (TypeError, ValueError):
        return None, "The stored facts no longer fit the rules engine."
    decided_on = timezone.localdate(lead.assigned_at or lead.created_at)
    explanation = engine.CompiledRulebook.for_version(version, decided_on).explain(snapshot)
    return explain_result(explanation, version, TenantChoices(membership)), ""


def lead_page(request: DoorRequest, pk: int) -> HttpResponse:
    membership = request.membership
    lead = get_lead_for(
        request,
        pk,
        Lead.objects.select_related(
            *DETAIL_RELATED, "contact", "duplicate_of", "submitted_by_partner"
        ),
    )
    result, problem = decision_explanation(lead, membership)
    candidates = (
        DuplicateCandidate.objects.filter(Q(lead=lead) | Q(other_lead=lead))
        .select_related("lead", "other_lead", "contact")
        .order_by("-score")
    )
    context = {
        "lead": lead,
        "story": routing_story(lead, membership),
        "record": lead.decision or {},
        "result": result,
        "explain_problem": problem,
        "timeline": timeline_for(lead, membership),
        "touches": Touch.objects.filter(lead=lead)
        .select_related("actor_user")
        .order_by("-occurred_at", "-id"),
        "timers": SlaTimer.objects.filter(lead=lead).order_by("-assignment", "kind"),
        "duplicates": Lead.objects.filter(duplicate_of=lead).order_by("-created_at"),
        "candidates": candidates,
        "pending": CandidateStatus.PENDING,
        "merges": LeadMerge.objects.filter(Q(survivor=lead) | Q(merged=lead)).select_related(
            "merged_by", "undone_by"
        ),
        "reassignable": lead.status in REASSIGNABLE,
        "reassign_form": ReassignForm(membership=membership),
        "products": product_names(lead),
        "show_source_detail": True,
    }
    return render(request, "routing/console/lead.html", context)


@require_POST
def lead_reassign(request: DoorRequest, pk: int) -> HttpResponse:
    lead = get_lead_for(request, pk)
    back = redirect(reverse("console:lead", args=[request.tenant.slug, lead.pk]))
    form = ReassignForm(request.POST, membership=request.membership)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(map(str, errors)))
        return back
    partner, rep = form.cleaned_data["partner"], form.cleaned_data["rep"]
    who = partner.name if partner else rep.user.email if rep else ""
    flash_outcome(
        request,
        lambda: reassign_lead(
            lead,
            acting=request.membership,
            partner=partner,
            user=rep.user if rep else None,
        ),
        f"{lead} reassigned to {who}; the SLA clocks started again.",
    )
    return back


# --- the SLA monitor ----------------------------------------------------------------------------


def _overdue(now: dt.datetime) -> QuerySet:
    """Running timers of current assignments of open leads, past their due time."""
    return SlaTimer.objects.filter(
        state=TimerState.RUNNING,
        due_at__lt=now,
        lead__status__in=OPEN_STATUSES,
        assignment=F("lead__routing_attempts"),
    )


def _by_route(since: dt.datetime) -> list[dict[str, Any]]:
    leads = Lead.objects.filter(created_at__gte=since).exclude(route="")
    counts = (
        leads.values("route")
        .annotate(
            total=Count("pk"),
            measured=Count("pk", filter=Q(sla_met__isnull=False)),
            met=Count("pk", filter=Q(sla_met=True)),
            touched=Count("pk", filter=Q(speed_to_lead_seconds__isnull=False)),
        )
        .order_by("route")
    )
    rows: list[dict[str, Any]] = [dict(row) for row in counts]  # one per route, to add to
    for row in rows:
        row["compliance"] = (
            round(100 * row["met"] / row["measured"], 1) if row["measured"] else None
        )
        row["median"] = median_speed(leads.filter(route=row["route"]), row["touched"])
        row["median_text"] = duration_text(row["median"])
    return rows


def median_speed(leads: QuerySet, count: int) -> float | None:
    """The median speed-to-lead, read from the middle of the sorted column (one query)."""
    if not count:
        return None
    low, high = (count - 1) // 2, count // 2
    values = list(
        leads.filter(speed_to_lead_seconds__isnull=False)
        .order_by("speed_to_lead_seconds")
        .values_list("speed_to_lead_seconds", flat=True)[low : high + 1]
    )
    return sum(values) / len(values)


def sla_monitor(request: DoorRequest) -> HttpResponse:
    now = timezone.now()
    overdue = _overdue(now)
    by_partner = list(
        overdue.filter(lead__assigned_partner__isnull=False)
        .values("lead__assigned_partner", "lead__assigned_partner__name")
        .annotate(timers=Count("pk"), leads=Count("lead", distinct=True), oldest=Min("due_at"))
        .order_by("-leads", "lead__assigned_partner__name")
    )
    by_team = list(
        overdue.filter(lead__assigned_partner__isnull=True)
        .values("lead__assigned_team", "lead__assigned_team__name")
        .annotate(timers=Count("pk"), leads=Count("lead", distinct=True), oldest=Min("due_at"))
        .order_by("-leads", "lead__assigned_team__name")
    )
    for row in by_partner + by_team:
        row["oldest_text"] = duration_text((now - row["oldest"]).total_seconds())
    breaches = list(
        overdue.select_related(
            "lead", "lead__assigned_partner", "lead__assigned_team", "lead__assigned_user"
        ).order_by("due_at", "pk")[:MONITOR_ROWS]
    )
    for timer in breaches:
        timer.late_text = duration_text((now - timer.due_at).total_seconds())
    at_risk = SlaTimer.objects.filter(
        state=TimerState.RUNNING,
        due_at__gte=now,
        due_at__lt=now + dt.timedelta(hours=1),
        lead__status__in=OPEN_STATUSES,
        assignment=F("lead__routing_attempts"),
    )
    context = {
        "now": now,
        "breach_count": overdue.values("lead").distinct().count(),
        "at_risk": at_risk.values("lead").distinct().count(),
        "by_partner": by_partner,
        "by_team": by_team,
        "breaches": breaches,
        "shown": MONITOR_ROWS,
        "by_route": _by_route(now - dt.timedelta(days=WINDOW_DAYS)),
        "window_days": WINDOW_DAYS,
    }
    return render(request, "routing/console/sla.html", context)
