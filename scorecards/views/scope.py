"""One scope's scorecard: the same rows for a partner, a direct team, a rep and a route, with
the previous quarter and the peers' average (hidden below three peers with figures), the scope's
own trend, and for a partner its tier standing and the manufacturer's obligations towards it.

- Console: any scope, by its URL (`scorecards/partner/<id>/`, `team/<id>/`, `user/<id>/`,
  `route/<direct|partner>/`).
- Portal, "Our scorecard": the viewer's partner only; a `scope` naming anything else is a 404.
- Sales, "My scorecard": a rep's own; a manager's team's, switching to each of their reps
  (`?scope=user-<id>`), from `services.allowed_scopes`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from core.metrics import Metric, Scope
from core.views import row_or_404
from scorecards import figures, services
from scorecards.forms import Selection
from scorecards.views.common import (
    allowed,
    card_view,
    drill_url,
    export_url,
    figure,
    page_context,
    read_selection,
    resolve_scope,
    scope_kind_label,
    scope_labels,
    scope_token,
    trend_chart,
)
from tenancy.choices import PartnerTier, Role
from tenancy.models import Membership, Partner, Team
from tenancy.requests import DoorRequest

__all__ = [
    "my_scorecard",
    "partner_scorecard",
    "route_scorecard",
    "team_scorecard",
    "user_scorecard",
]

TEMPLATE = "scorecards/scope.html"
TREND_NAMES = {
    "sourced_pipeline": "Sourced",
    "influenced_pipeline": "Influenced",
    "won_revenue": "Won",
}


@dataclass(frozen=True)
class Need:
    metric: Metric
    needed: str
    have: str
    gap: str
    met: bool


def _need(item: Metric, minimum: Decimal, value: Decimal | None, currency: str) -> Need:
    met = value is not None and value >= minimum
    gap = minimum - (value or Decimal(0))
    return Need(
        metric=item,
        needed=figure(minimum, item.unit, currency),
        have=figure(value, item.unit, currency),
        gap="" if met else figure(gap, item.unit, currency),
        met=met,
    )


def _tier_context(request: DoorRequest, partner: Partner, selection: Selection) -> dict[str, Any]:
    tenant, currency = request.tenant, request.tenant.currency
    standing = services.tier_standing(tenant, partner, selection.quarter)
    names = dict(PartnerTier.choices)
    by_tier = [
        (
            names.get(tier, tier),
            [_need(r.metric, r.minimum, r.value, currency) for r in requirements],
        )
        for tier, requirements in standing.by_tier.items()
    ]
    return {
        "standing": standing,
        "current_tier": names.get(standing.current, standing.current),
        "earned_tier": names.get(standing.earned, standing.earned) if standing.earned else "",
        "next_tier": names.get(standing.next_tier, standing.next_tier)
        if standing.next_tier
        else "",
        "needs": [_need(r.metric, r.minimum, r.value, currency) for r in standing.needs],
        "by_tier": by_tier,
        "obligations": services.obligations(tenant, partner, selection.quarter),
    }


def _switch(request: DoorRequest, scope: Scope) -> list[tuple[str, str, bool]]:
    """The scopes the viewer may switch to on "My scorecard": (token, name, chosen)."""
    scopes = allowed(request)
    if len(scopes) < 2:
        return []
    labels = scope_labels(scopes)
    return [(scope_token(s), f"{scope_kind_label(s)}: {labels[s]}", s == scope) for s in scopes]


def _render(
    request: DoorRequest, scope: Scope, *, partner: Partner | None = None, mine: bool = False
) -> HttpResponse:
    form, selection = read_selection(request)
    base: dict[str, Any] = {
        "form": form,
        "scope_token": scope_token(scope),
        "mine": mine,
        "switch": _switch(request, scope) if mine else [],
    }
    if selection is None:
        return render(request, TEMPLATE, {**base, "invalid": True}, status=400)
    tenant = request.tenant
    options: dict[str, Any] = {"model": selection.model, "filters": selection.filters}
    card = services.scorecard(tenant, scope, selection.quarter, **options)
    quarters, trend = figures.scope_trend(tenant, scope, selection.quarter, **options)
    chart = trend_chart(
        "scope-trend",
        f"{card.label}: pipeline and won revenue, last eight quarters",
        quarters,
        [(TREND_NAMES[key], values, key) for key, values in trend.items()],
        tenant.currency,
        value_title="Amount",
        link=lambda key, quarter: drill_url(request, key, scope, selection, quarter=quarter),
    )
    context: dict[str, Any] = {
        **base,
        **page_context(request, form, selection),
        "card": card,
        "view": card_view(request, card, selection),
        "scope": scope,
        "kind_label": scope_kind_label(scope),
        "partner": partner,
        "trend_chart": chart,
        "export_url": export_url(request, "scorecard", selection, scope=scope_token(scope)),
        "trend_export_url": export_url(request, "trend", selection, scope=scope_token(scope)),
        "dashboard_url": (
            reverse("console:scorecards", args=[tenant.slug]) if request.door == "console" else ""
        ),
    }
    if partner is not None:
        context.update(_tier_context(request, partner, selection))
    return render(request, TEMPLATE, context)


def _check(request: DoorRequest, scope: Scope) -> None:
    if scope not in allowed(request):
        raise Http404("No such scorecard.")


def partner_scorecard(request: DoorRequest, pk: int) -> HttpResponse:
    partner = row_or_404(Partner.objects.visible_to(request.membership), pk, "No such partner.")
    scope = Scope("partner", partner.pk)
    _check(request, scope)
    return _render(request, scope, partner=partner)


def team_scorecard(request: DoorRequest, pk: int) -> HttpResponse:
    team = row_or_404(Team.objects.visible_to(request.membership), pk, "No such team.")
    scope = Scope("team", team.pk)
    _check(request, scope)
    return _render(request, scope)


def user_scorecard(request: DoorRequest, pk: int) -> HttpResponse:
    """A direct rep's (or manager's) scorecard; `pk` is the user's."""
    member = (
        Membership.objects.visible_to(request.membership)
        .filter(user_id=pk, role__in=Role.direct_roles())
        .first()
    )
    if member is None:
        raise Http404("No such rep.")
    scope = Scope("user", member.user_id)
    _check(request, scope)
    return _render(request, scope)


def route_scorecard(request: DoorRequest, route: str) -> HttpResponse:
    if route not in ("direct", "partner"):
        raise Http404("No such route.")
    scope = Scope("route", route)
    _check(request, scope)
    return _render(request, scope)


def my_scorecard(request: DoorRequest) -> HttpResponse:
    """The portal's "Our scorecard" and the sales door's "My scorecard"."""
    scope = resolve_scope(request)
    partner = None
    if scope.kind == "partner":
        partner = row_or_404(
            Partner.objects.visible_to(request.membership), int(scope.key or 0), "No such partner."
        )
    return _render(request, scope, partner=partner, mine=True)
