"""Pipeline pages of the three front doors: the opportunity list (with totals and CSV export), the
opportunity page (facts, product lines, stage history with the time spent in each stage, touches,
and the sections higher apps register in OPPORTUNITY_SECTIONS, such as routing's lead origin), the
contact page's touches section, and the two sections pipeline adds to the account page (accounts.views.AccountSection): the account's
opportunities and its timeline of touches, coloured by route.

Every query starts from `visible_to(request.membership)`: a partner user sees only what is routed
to or done by their partner, a rep their own and their team's, RevOps and managers everything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet, Sum
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account, Contact
from accounts.views import export_rows, filter_rows, owner_columns, paginate
from core.csvexport import Column
from core.views import row_or_404
from pipeline.choices import LeadStatus, Outcome, TouchRoute
from pipeline.filters import OpportunityFilter
from pipeline.models import Lead, Opportunity, StageChange, Touch
from tenancy.models import Membership, Partner, Team
from tenancy.requests import DoorRequest
from tenancy.sections import Figure, Section, Sections, render_figures, render_section

__all__ = [
    "OPPORTUNITY_SECTIONS",
    "account_opportunities_section",
    "account_timeline_section",
    "contact_touches_section",
    "duration_text",
    "opportunity_detail",
    "opportunity_export",
    "opportunity_list",
    "pipeline_of_partner_section",
    "pipeline_of_team_section",
    "register_opportunity_section",
]

# Opportunities listed on an account page; the rest are one click away in the opportunity list.
ACCOUNT_PAGE_OPPORTUNITIES = 25
# Touches on the account page: this many at first, this many more per "Show more", at most MAX.
TIMELINE_FIRST = 20
TIMELINE_MORE = 40
TIMELINE_MAX = 500
# Touches on an opportunity's or a contact's page (the newest; the account timeline has them all).
DETAIL_TOUCHES = 100

# Blocks of the opportunity page contributed by higher apps (routing: the lead it came from).
OPPORTUNITY_SECTIONS: Sections[Opportunity] = Sections("opportunity")


def register_opportunity_section(section: Section[Opportunity]) -> None:
    OPPORTUNITY_SECTIONS.register(section)


def totals_by_currency(rows: QuerySet) -> list[dict[str, Any]]:
    """Count and amount of `rows` per currency (amounts in different currencies are not added)."""
    return list(
        rows.order_by()
        .values("currency")
        .annotate(count=Count("pk"), amount=Sum("amount"))
        .order_by("currency")
    )


# --- the opportunity list --------------------------------------------------------------------


def opportunity_rows(membership: Membership) -> QuerySet:
    return (
        Opportunity.objects.visible_to(membership)
        .select_related("account", "stage", "partner", "owner_user", "owner_team")
        .order_by("-opened_on", "-pk")
    )


def with_account_visibility(rows: QuerySet, membership: Membership) -> QuerySet:
    """Mark whether the viewer may open each row's account page (a rep may see a deal of theirs on
    an account another team owns)."""
    accounts = Account.objects.visible_to(membership).filter(pk=OuterRef("account_id"))
    return rows.annotate(account_visible=Exists(accounts))


def opportunity_list(request: DoorRequest) -> HttpResponse:
    membership = request.membership
    filterset, rows, status = filter_rows(request, OpportunityFilter, opportunity_rows(membership))
    account = None
    if status == 200 and filterset.form.cleaned_data.get("account"):
        account_id = filterset.form.cleaned_data["account"]
        account = Account.objects.visible_to(membership).filter(pk=account_id).first()
    context = {
        "filterset": filterset,
        "page": paginate(request, with_account_visibility(rows, membership)),
        "totals": totals_by_currency(rows),
        "account": account,
        "show_owner": not membership.is_partner_user,
    }
    return render(request, "pipeline/opportunity_list.html", context, status=status)


def _opportunity_columns(membership: Membership) -> list[Column]:
    columns: list[Column] = [
        ("id", lambda o: o.pk),
        ("external_id", lambda o: o.external_id),
        ("name", lambda o: o.name),
        ("account_id", lambda o: o.account_id),
        ("account", lambda o: o.account.name),
        ("stage", lambda o: o.stage.name),
        ("outcome", lambda o: o.stage.get_outcome_display()),
        ("probability", lambda o: o.stage.probability),
        ("amount", lambda o: o.amount),
        ("currency", lambda o: o.currency),
        ("route", lambda o: o.get_route_display()),
        ("partner", lambda o: o.partner.name if o.partner else ""),
        ("source", lambda o: o.get_source_display()),
        ("opened_on", lambda o: o.opened_on),
        ("expected_close_on", lambda o: o.expected_close_on),
        ("closed_on", lambda o: o.closed_on),
    ]
    return columns + owner_columns(membership)


def opportunity_export(request: DoorRequest) -> HttpResponse | StreamingHttpResponse:
    membership = request.membership
    rows, columns = opportunity_rows(membership), _opportunity_columns(membership)
    return export_rows(request, OpportunityFilter, rows, columns, "opportunities")


# --- the opportunity page --------------------------------------------------------------------


def duration_text(delta: dt.timedelta) -> str:
    """A stage's duration in words: '12 d 4 h', '3 h 20 min', '7 min', 'under a minute'."""
    minutes = int(delta.total_seconds()) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min" if minutes else "under a minute"


@dataclass(frozen=True)
class StageStep:
    """One stage the opportunity was in: when it entered it, from where, by whom, for how long."""

    change: StageChange
    duration: str
    current: bool


def stage_history(opportunity: Opportunity) -> list[StageStep]:
    """The stages in the order they were entered, each lasting until the next change; the current
    stage lasts until now while the opportunity is open (a won or lost one has no duration)."""
    changes = list(
        StageChange.objects.filter(opportunity=opportunity)
        .select_related("from_stage", "to_stage", "changed_by")
        .order_by("changed_at", "pk")
    )
    now = timezone.now()
    steps = []
    for index, change in enumerate(changes):
        last = index == len(changes) - 1
        if not last:
            duration = duration_text(changes[index + 1].changed_at - change.changed_at)
        elif change.to_stage.outcome == Outcome.OPEN:
            duration = f"{duration_text(now - change.changed_at)} so far"
        else:
            duration = ""
        steps.append(StageStep(change=change, duration=duration, current=last))
    return steps


def _touch_rows(membership: Membership, touches: QuerySet, limit: int) -> list[Touch]:
    """Up to `limit` of `touches` (visible to the viewer), newest first, marked with whether the
    viewer may open each one's contact and opportunity."""
    contacts = Contact.objects.visible_to(membership).filter(pk=OuterRef("contact_id"))
    opportunities = Opportunity.objects.visible_to(membership).filter(pk=OuterRef("opportunity_id"))
    return list(
        touches.select_related(
            "contact", "opportunity", "actor_user", "actor_partner", "actor_team"
        )
        .annotate(contact_visible=Exists(contacts), opportunity_visible=Exists(opportunities))
        .order_by("-occurred_at", "-pk")[:limit]
    )


def opportunity_detail(request: DoorRequest, pk: int) -> HttpResponse:
    """An opportunity's facts, product lines, stage history and touches, then the sections higher
    apps registered. Not visible to the viewer: 404."""
    membership = request.membership
    opportunity = row_or_404(
        with_account_visibility(opportunity_rows(membership), membership),
        pk,
        "No such opportunity.",
    )
    touches = Touch.objects.visible_to(membership).filter(opportunity=opportunity)
    context = {
        "opportunity": opportunity,
        "lines": list(opportunity.lines.select_related("product").order_by("pk")),
        "history": stage_history(opportunity),
        "touches": _touch_rows(membership, touches, DETAIL_TOUCHES),
        "touch_count": touches.count(),
        "sections": OPPORTUNITY_SECTIONS.render(request, opportunity),
        "show_owner": not membership.is_partner_user,
        "show_team": not membership.is_partner_user,
    }
    return render(request, "pipeline/opportunity_detail.html", context)


# --- the contact page's touches --------------------------------------------------------------


def contact_touches_section(request: DoorRequest, contact: Contact) -> str:
    """The touches with this contact the viewer may see, newest first."""
    membership = request.membership
    touches = Touch.objects.visible_to(membership).filter(contact=contact)
    context = {
        "touches": _touch_rows(membership, touches, DETAIL_TOUCHES),
        "touch_count": touches.count(),
        "show_team": not membership.is_partner_user,
    }
    return render_section(request, "pipeline/_contact_touches.html", context)


# --- sections of the account page ------------------------------------------------------------


def account_opportunities_section(request: DoorRequest, account: Account) -> str:
    """The account's opportunities the viewer may see, newest first, with open pipeline totals."""
    membership = request.membership
    rows = (
        Opportunity.objects.visible_to(membership)
        .filter(account=account)
        .select_related("stage", "partner", "owner_user")
        .order_by("-opened_on", "-pk")
    )
    totals = totals_by_currency(rows)
    context = {
        "account": account,
        "opportunities": list(rows[:ACCOUNT_PAGE_OPPORTUNITIES]),
        "count": sum(t["count"] for t in totals),
        "open_totals": totals_by_currency(rows.filter(stage__outcome=Outcome.OPEN)),
        "show_owner": not membership.is_partner_user,
    }
    return render_section(request, "pipeline/_account_opportunities.html", context)


def _timeline_limit(value: str | None) -> int:
    try:
        shown = int(value or TIMELINE_FIRST)
    except ValueError:
        return TIMELINE_FIRST
    return min(max(shown, TIMELINE_FIRST), TIMELINE_MAX)


def account_timeline_section(request: DoorRequest, account: Account) -> str:
    """The touches on the account the viewer may see, newest first, coloured by route (direct,
    partner, marketing); `?route=` keeps one route, `?touches=` shows more (capped)."""
    membership = request.membership
    touches = Touch.objects.visible_to(membership).filter(account=account)
    by_route = {
        row["route"]: row["n"] for row in touches.order_by().values("route").annotate(n=Count("pk"))
    }
    route = request.GET.get("route", "")
    if route in TouchRoute.values:
        touches = touches.filter(route=route)
    else:
        route = ""
    limit = _timeline_limit(request.GET.get("touches"))
    items = _touch_rows(membership, touches, limit + 1)
    context = {
        "account": account,
        "touches": items[:limit],
        "more": min(limit + TIMELINE_MORE, TIMELINE_MAX) if len(items) > limit else None,
        "capped": len(items) > limit and limit >= TIMELINE_MAX,
        "route": route,
        "routes": [
            {"key": key, "label": label, "count": by_route.get(key, 0)}
            for key, label in TouchRoute.choices
        ],
        "total": sum(by_route.values()),
        "show_team": not membership.is_partner_user,
    }
    return render_section(request, "pipeline/_account_timeline.html", context)


# --- sections of the partner and team pages (tenancy) ----------------------------------------

# Leads still waiting for or being worked by their assignee.
OPEN_LEAD_STATUSES = (LeadStatus.ROUTED, LeadStatus.ACCEPTED, LeadStatus.WORKING)


def _money(totals: list[dict[str, Any]]) -> str:
    return " · ".join(f"{t['currency']} {t['amount']:,.2f}" for t in totals) or "—"


def _pipeline_figures(
    request: DoorRequest, opportunities: QuerySet, leads: QuerySet, list_query: str
) -> str:
    membership = request.membership
    opportunities = opportunities & Opportunity.objects.visible_to(membership)
    leads = leads & Lead.objects.visible_to(membership)
    by_status = dict(leads.order_by().values_list("status").annotate(n=Count("pk")))
    url = reverse(f"{request.door}:opportunities", args=[request.tenant.slug])
    figures = [
        Figure(
            "Opportunities",
            str(opportunities.count()),
            f"{url}?{list_query}" if list_query else "",
        ),
        Figure(
            "Open pipeline",
            _money(totals_by_currency(opportunities.filter(stage__outcome=Outcome.OPEN))),
        ),
        Figure("Won", _money(totals_by_currency(opportunities.filter(stage__outcome=Outcome.WON)))),
        Figure("Leads assigned", str(sum(by_status.values()))),
        Figure("Leads open", str(sum(by_status.get(s, 0) for s in OPEN_LEAD_STATUSES))),
        Figure("Leads converted", str(by_status.get(LeadStatus.CONVERTED, 0))),
    ]
    return render_figures(request, "pipeline", "Pipeline and leads", figures)


def pipeline_of_partner_section(request: DoorRequest, partner: Partner) -> str:
    return _pipeline_figures(
        request,
        Opportunity.objects.filter(partner=partner),
        Lead.objects.filter(assigned_partner=partner),
        f"partner={partner.pk}",
    )


def pipeline_of_team_section(request: DoorRequest, team: Team) -> str:
    return _pipeline_figures(
        request,
        Opportunity.objects.filter(owner_team=team),
        Lead.objects.filter(assigned_team=team),
        "",
    )
