"""Pipeline pages of the three front doors: the opportunity list (with totals and CSV export), and
the two sections pipeline adds to the account page (accounts.views.AccountSection): the account's
opportunities and its timeline of touches, coloured by route.

Every query starts from `visible_to(request.membership)`: a partner user sees only what is routed
to or done by their partner, a rep their own and their team's, RevOps and managers everything.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet, Sum
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from accounts.models import Account, Contact
from accounts.views import export_rows, filter_rows, owner_columns, paginate
from core.csvexport import Column
from pipeline.choices import Outcome, TouchRoute
from pipeline.filters import OpportunityFilter
from pipeline.models import Opportunity, Touch
from tenancy.models import Membership
from tenancy.requests import DoorRequest

__all__ = [
    "account_opportunities_section",
    "account_timeline_section",
    "opportunity_export",
    "opportunity_list",
]

# Opportunities listed on an account page; the rest are one click away in the opportunity list.
ACCOUNT_PAGE_OPPORTUNITIES = 25
# Touches on the account page: this many at first, this many more per "Show more", at most MAX.
TIMELINE_FIRST = 20
TIMELINE_MORE = 40
TIMELINE_MAX = 500


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


# --- sections of the account page ------------------------------------------------------------


def _section(request: DoorRequest, template: str, context: dict[str, Any]) -> str:
    """Render a section without re-running the context processors: what the templates need from
    the page is passed in explicitly."""
    base = {"door": request.door, "active_tenant": request.tenant, "query": request.GET}
    return render_to_string(template, {**base, **context})


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
    return _section(request, "pipeline/_account_opportunities.html", context)


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
    contacts = Contact.objects.visible_to(membership).filter(pk=OuterRef("contact_id"))
    opportunities = Opportunity.objects.visible_to(membership).filter(pk=OuterRef("opportunity_id"))
    items = list(
        touches.select_related(
            "contact", "opportunity", "actor_user", "actor_partner", "actor_team"
        )
        .annotate(contact_visible=Exists(contacts), opportunity_visible=Exists(opportunities))
        .order_by("-occurred_at", "-pk")[: limit + 1]
    )
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
    return _section(request, "pipeline/_account_timeline.html", context)
