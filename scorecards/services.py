"""Scorecards as people read them: who may see which scope, the one scorecard (every registered
metric for a scope and quarter, beside the previous quarter and the peers' average), partner
tiers from the same figures, the league table, the dashboard's charts, and the rows behind a
number. Read-only: the rollups are written by scorecards.rollup.

The same rows for every scope (the rule that sets the product apart): a partner, a direct team
and a direct rep are measured by the same registered metrics, in the same order.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Aggregate, Count, DecimalField, QuerySet, Sum
from django.utils import timezone

from accounts.models import Segment
from core.metrics import (
    Filters,
    Metric,
    MetricQuery,
    Scope,
    metric,
    metrics,
)
from core.metrics import obligations as registered_obligations
from pipeline.models import Stage
from scorecards import rollup
from scorecards.choices import MODEL_CHOICES, MODEL_KEYS
from scorecards.metrics import (
    BOOK,
    CREDIT,
    LEADS,
    SOURCED,
    book_facts,
    cell_key,
    cells,
    facts,
    lead_facts,
    pipeline_sums,
    within,
)
from scorecards.models import PipelineCell, StageDuration, TierRequirement
from tenancy.choices import PartnerTier, Role
from tenancy.models import Membership, Partner, Team, Tenant, User
from tenancy.quarters import Quarter, parse_quarter

__all__ = [
    "MIN_PEERS",
    "MODELS",
    "TIER_ORDER",
    "Row",
    "Scorecard",
    "TierStanding",
    "allowed_scopes",
    "check_scope",
    "dashboard",
    "drilldown",
    "league_table",
    "obligations",
    "quarter_from",
    "scope_label",
    "scorecard",
    "stage_medians",
    "tier_standing",
    "tier_standings",
    "warm",
]

# An average of fewer partners than this could give one of them away: it is not shown.
MIN_PEERS = 3
TIER_ORDER = [PartnerTier.REGISTERED, PartnerTier.SILVER, PartnerTier.GOLD, PartnerTier.PLATINUM]
TREND_QUARTERS = 8


# --- quarters and scopes -------------------------------------------------------------------------


def quarter_from(tenant: Tenant, text: str | None, *, today: dt.date | None = None) -> Quarter:
    """The quarter a page or the API asked for (the current one when none): ValidationError
    for one that is not a quarter or lies in the future."""
    today = today or timezone.now().astimezone(tenant.zone).date()
    current = Quarter.of(tenant, today)
    if not text:
        return current
    try:
        quarter = parse_quarter(tenant, text)
    except ValueError as error:
        raise ValidationError({"quarter": str(error)}) from error
    if quarter.start > current.start:
        raise ValidationError(
            {"quarter": f"{quarter.code} has not begun yet: the latest is {current.code}."}
        )
    return quarter


def allowed_scopes(membership: Membership) -> list[Scope]:
    """The scopes this person may read, their own first: a partner user their partner; a rep
    themselves; a manager their team and its reps; an admin every route, team and partner."""
    if membership.is_partner_user:
        return [Scope("partner", membership.partner_id)]
    if membership.role == Role.DIRECT_REP:
        return [Scope("user", membership.user_id)]
    if membership.role == Role.DIRECT_MANAGER:
        reps = Membership.objects.filter(team=membership.team, role=Role.DIRECT_REP)
        return [
            Scope("team", membership.team_id),
            *(Scope("user", pk) for pk in reps.values_list("user_id", flat=True)),
        ]
    return [
        Scope("tenant"),
        Scope("route", "direct"),
        Scope("route", "partner"),
        *(Scope("team", pk) for pk in Team.objects.values_list("pk", flat=True)),
        *(Scope("partner", pk) for pk in Partner.objects.values_list("pk", flat=True)),
        *(Scope("user", pk) for pk in _direct_users()),
    ]


def _direct_users() -> list[int]:
    return list(
        Membership.objects.filter(role__in=Role.direct_roles()).values_list("user_id", flat=True)
    )


def check_scope(membership: Membership, scope: Scope) -> None:
    """PermissionDenied unless `membership` may read `scope`."""
    if scope not in allowed_scopes(membership):
        raise PermissionDenied("These figures are not yours to see.")


def _pk(scope: Scope) -> int:
    """The id a team, user or partner scope names."""
    assert isinstance(scope.key, int), scope
    return scope.key


def scope_label(scope: Scope) -> str:
    if scope.kind == "tenant":
        return "Everyone"
    if scope.kind == "route":
        return {"direct": "Direct route", "partner": "Partner route"}.get(str(scope.key), "Route")
    if scope.kind == "team":
        team = Team.objects.filter(pk=_pk(scope)).first()
        return team.name if team else "Team"
    if scope.kind == "partner":
        partner = Partner.objects.filter(pk=_pk(scope)).first()
        return partner.name if partner else "Partner"
    user = User.objects.filter(pk=_pk(scope)).first()
    return (user.full_name or user.email) if user else "Rep"


# --- the scorecard -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    metric: Metric
    value: Decimal | None
    previous: Decimal | None
    peers: Decimal | None  # the peers' average; None: not enough peers, or no data
    peers_label: str
    applies: bool  # False: a filter the metric is not narrowed by is set

    @property
    def change(self) -> Decimal | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def better(self) -> bool | None:
        """Whether the change since last quarter is for the better."""
        change = self.change
        if not change:
            return None
        return (change > 0) == self.metric.higher_is_better


@dataclass(frozen=True)
class Scorecard:
    scope: Scope
    label: str
    quarter: Quarter
    model: str
    filters: Filters
    rows: list[Row]
    refreshed_at: dt.datetime | None
    unconverted: int = 0  # opportunities in a currency without a rate, left out
    notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return all(row.value is None for row in self.rows)


def _peers(scope: Scope) -> tuple[list[Scope], str]:
    """Whom a scope is compared with, and what to call their average: a partner with the
    partners of its tier, a team with every team, a rep with the reps of their team."""
    if scope.kind == "partner":
        tier = Partner.objects.filter(pk=_pk(scope)).values_list("tier", flat=True).first()
        peers = Partner.objects.filter(tier=tier).values_list("pk", flat=True)
        name = PartnerTier(tier).label if tier else ""
        return [Scope("partner", pk) for pk in peers], f"{name} tier average"
    if scope.kind == "team":
        return [Scope("team", pk) for pk in Team.objects.values_list("pk", flat=True)], (
            "Average of the teams"
        )
    if scope.kind == "user":
        team = Membership.objects.filter(user_id=_pk(scope)).values_list("team_id", flat=True)
        reps = Membership.objects.filter(team_id__in=team, role=Role.DIRECT_REP)
        return [Scope("user", pk) for pk in reps.values_list("user_id", flat=True)], (
            "Average of the team's reps"
        )
    return [], ""


def _average(values: Sequence[Decimal]) -> Decimal | None:
    if len(values) < MIN_PEERS:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"))


def _query(
    tenant: Tenant, quarter: Quarter, scopes: Sequence[Scope], model: str, filters: Filters
) -> MetricQuery:
    return MetricQuery(tenant, quarter.start, quarter.following, scopes, model, filters)


def _check_model(model: str) -> None:
    if model not in MODEL_KEYS:
        raise ValidationError(
            {"model": f"Unknown attribution model “{model}”: one of {', '.join(MODEL_KEYS)}."}
        )


def scorecard(
    tenant: Tenant,
    scope: Scope,
    quarter: Quarter,
    *,
    model: str = "w_shaped",
    filters: Filters | None = None,
) -> Scorecard:
    """Every registered metric for `scope` in `quarter`, with the previous quarter and the
    peers' average (hidden below MIN_PEERS peers with figures)."""
    _check_model(model)
    filters = filters or Filters()
    peers, peers_label = _peers(scope)
    scopes = list(dict.fromkeys([scope, *peers]))
    rows = []
    now_query = _query(tenant, quarter, scopes, model, filters)
    before_query = _query(tenant, quarter.previous, [scope], model, filters)
    for item in metrics():
        now, before = item.compute(now_query), item.compute(before_query)
        peer_values = [now[p] for p in peers if p in now]
        rows.append(
            Row(
                metric=item,
                value=now.get(scope),
                previous=before.get(scope),
                peers=_average(peer_values) if peers else None,
                peers_label=peers_label,
                applies=_applies(item, filters),
            )
        )
    return Scorecard(
        scope=scope,
        label=scope_label(scope),
        quarter=quarter,
        model=model,
        filters=filters,
        rows=rows,
        refreshed_at=rollup.last_refreshed(tenant),
        unconverted=_unconverted(tenant, quarter, scope),
    )


def _applies(item: Metric, filters: Filters) -> bool:
    used = {name for name in Filters.__dataclass_fields__ if getattr(filters, name)}
    return used <= item.filtered_by


def _unconverted(tenant: Tenant, quarter: Quarter, scope: Scope) -> int:
    """The scope's opportunities of the quarter left out for want of an exchange rate."""
    sums = pipeline_sums(_query(tenant, quarter, [scope], "w_shaped", Filters()))
    return int(sums[scope]["unconverted_n"]) if scope in sums else 0


# --- partner tiers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    metric: Metric
    minimum: Decimal
    value: Decimal | None

    @property
    def met(self) -> bool:
        return self.value is not None and self.value >= self.minimum

    @property
    def gap(self) -> Decimal | None:
        if self.met:
            return None
        return self.minimum - (self.value or Decimal(0))


@dataclass(frozen=True)
class TierStanding:
    current: str  # the partner's tier now
    earned: str | None  # the highest tier whose requirements this quarter meets
    next_tier: str | None
    needs: list[Requirement]  # for the next tier above the current one
    by_tier: dict[str, list[Requirement]]


def tier_standing(tenant: Tenant, partner: Partner, quarter: Quarter) -> TierStanding:
    """The partner's tier evaluated against the tenant's tier requirements from the same
    figures as its scorecard, and what it needs for the next tier."""
    return tier_standings(tenant, [partner], quarter)[partner.pk]


def tier_standings(
    tenant: Tenant, partners: Sequence[Partner], quarter: Quarter
) -> dict[int, TierStanding]:
    """`tier_standing` of many partners: each required metric computed once for all of them."""
    requirements: dict[str, list[tuple[Metric, Decimal]]] = defaultdict(list)
    for tier, key, minimum in TierRequirement.objects.values_list("tier", "metric", "minimum"):
        item = metric(key)
        if item is not None:
            requirements[tier].append((item, minimum))
    scopes = [Scope("partner", p.pk) for p in partners]
    query = _query(tenant, quarter, scopes, "w_shaped", Filters())
    needed = {item.key: item for rows in requirements.values() for item, _ in rows}
    values = {key: item.compute(query) for key, item in needed.items()}
    return {
        partner.pk: _standing(partner, requirements, values, scope)
        for partner, scope in zip(partners, scopes, strict=True)
    }


def _standing(
    partner: Partner,
    requirements: dict[str, list[tuple[Metric, Decimal]]],
    values: dict[str, Mapping[Scope, Decimal]],
    scope: Scope,
) -> TierStanding:
    by_tier: dict[str, list[Requirement]] = {
        str(tier): [
            Requirement(item, minimum, values[item.key].get(scope))
            for item, minimum in requirements[tier]
        ]
        for tier in TIER_ORDER
        if requirements.get(tier)
    }
    earned = None
    for tier in TIER_ORDER:
        if tier in by_tier and all(r.met for r in by_tier[tier]):
            earned = tier
    position = TIER_ORDER.index(PartnerTier(partner.tier))
    higher = [t for t in TIER_ORDER[position + 1 :] if t in by_tier]
    next_tier = higher[0] if higher else None
    return TierStanding(
        current=partner.tier,
        earned=earned,
        next_tier=next_tier,
        needs=[r for r in by_tier.get(next_tier, []) if not r.met] if next_tier else [],
        by_tier=by_tier,
    )


def obligations(tenant: Tenant, partner: Partner, quarter: Quarter) -> list[tuple[str, str]]:
    """The manufacturer's side towards a partner, in words: every registered obligation (this
    app's review SLA and leads; a later app's, such as MDF decisions, through the registry)."""
    found = []
    for item in registered_obligations():
        text = item.describe(tenant, partner, quarter)
        if text is not None:
            found.append((item.label, text))
    return found


# --- league table and dashboard ----------------------------------------------------------------


def league_table(
    tenant: Tenant, quarter: Quarter, *, model: str = "w_shaped", filters: Filters | None = None
) -> tuple[list[Metric], list[tuple[Partner, dict[str, Decimal | None]]]]:
    """Every partner's figures in the quarter, best sourced pipeline first."""
    _check_model(model)
    partners = list(Partner.objects.order_by("name"))
    scopes = [Scope("partner", p.pk) for p in partners]
    query = _query(tenant, quarter, scopes, model, filters or Filters())
    shown = metrics()
    values = {item.key: item.compute(query) for item in shown}
    rows = [
        (partner, {key: found.get(scope) for key, found in values.items()})
        for partner, scope in zip(partners, scopes, strict=True)
    ]
    rows.sort(key=lambda r: (-(r[1].get("sourced_pipeline") or Decimal(-1)), r[0].name))
    return shown, rows


def _route_key(route: str) -> str:
    return route if route in ("direct", "partner", "marketing") else "unknown"


def dashboard(
    tenant: Tenant,
    quarter: Quarter,
    *,
    scope: Scope | None = None,
    model: str = "w_shaped",
    filters: Filters | None = None,
) -> dict:
    """The charts' data: sourced and influenced pipeline by route over the last quarters, the
    quarter's funnel by stage, sourced against influenced by route, and where both routes met
    (co-sold opportunities) by territory and segment."""
    _check_model(model)
    filters = filters or Filters()
    scope = scope or Scope("tenant")
    quarters = [quarter.shifted(-n) for n in range(TREND_QUARTERS - 1, -1, -1)]
    routes = [Scope("route", "direct"), Scope("route", "partner")]
    sourced, influenced = metric("sourced_pipeline"), metric("influenced_pipeline")
    assert sourced is not None and influenced is not None
    trend: dict[str, list[Decimal | None]] = defaultdict(list)
    for q in quarters:
        query = _query(tenant, q, routes, model, filters)
        found = sourced.compute(query)
        for route in routes:
            trend[str(route.key)].append(found.get(route))
    now_query = _query(tenant, quarter, routes, model, filters)
    sourced_now, influenced_now = sourced.compute(now_query), influenced.compute(now_query)
    return {
        "quarters": quarters,
        "trend": dict(trend),
        "sourced_vs_influenced": {
            str(route.key): (sourced_now.get(route), influenced_now.get(route)) for route in routes
        },
        "funnel": _funnel(tenant, quarter, filters, scope),
        "overlap": _overlap(tenant, quarter, filters, scope),
    }


def _scoped_facts(query: MetricQuery, scope: Scope) -> QuerySet:
    rows = book_facts(query)
    if scope.kind != "tenant":
        rows = rows.filter(**{BOOK[scope.kind]: scope.key})
    return rows


def _funnel(tenant: Tenant, quarter: Quarter, filters: Filters, scope: Scope) -> list[tuple]:
    """The quarter's opportunities by their stage now: (stage, count, amount), in stage order."""
    counts = rollup.remembered(
        tenant,
        "funnel",
        (quarter.start, filters, scope),
        lambda: _count_funnel(tenant, quarter, filters, scope),
    )
    return [
        (stage, *counts[stage.pk])
        for stage in Stage.objects.order_by("order")
        if stage.pk in counts
    ]


def _count_funnel(
    tenant: Tenant, quarter: Quarter, filters: Filters, scope: Scope
) -> dict[int, tuple[int, Decimal]]:
    query = _query(tenant, quarter, [scope], "w_shaped", filters)
    return {
        row["stage_id"]: (row["n"], row["total"] or Decimal(0))
        for row in _scoped_facts(query, scope)
        .values("stage_id")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by()
    }


def _overlap(tenant: Tenant, quarter: Quarter, filters: Filters, scope: Scope) -> dict:
    """Co-sold opportunities (both routes touched) opened in the quarter, by territory and
    segment: where the routes meet (from the detailed cells)."""
    query = _query(tenant, quarter, [scope], "w_shaped", filters)
    kind, key = cell_key(scope)
    rows = (
        cells(query, PipelineCell, detailed=True)
        .filter(scope_kind=kind, scope_key=key)
        .values("territory", "segment")
        .annotate(n=Sum("co_sold_n"))
        .filter(n__gt=0)
        .order_by()
    )
    names = dict(Segment.objects.values_list("pk", "name"))
    cells_found = {
        (r["territory"] or "No territory", names.get(r["segment"], "No segment")): r["n"]
        for r in rows
    }
    territories = sorted({t for t, _ in cells_found})
    segments = sorted({s for _, s in cells_found})
    return {"rows": territories, "columns": segments, "cells": cells_found}


class _Median(Aggregate):
    """PostgreSQL's median (percentile_cont), for the stage durations of a quarter."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DecimalField()


def stage_medians(
    tenant: Tenant, quarter: Quarter, *, scope: Scope | None = None, filters: Filters | None = None
) -> list[tuple[Stage, Decimal, int]]:
    """Median days in each stage, over the stages left in the quarter: (stage, days, count)."""
    filters = filters or Filters()
    medians = rollup.remembered(
        tenant,
        "stage-medians",
        (quarter.start, scope, filters),
        lambda: _stage_medians(quarter, scope, filters),
    )
    return [
        (stage, *medians[stage.pk])
        for stage in Stage.objects.order_by("order")
        if stage.pk in medians
    ]


def _stage_medians(
    quarter: Quarter, scope: Scope | None, filters: Filters
) -> dict[int, tuple[Decimal, int]]:
    rows = StageDuration.objects.filter(facts(filters, "fact__"), left_quarter=quarter.start)
    if scope and scope.kind != "tenant":
        rows = rows.filter(**{"fact__" + BOOK[scope.kind]: scope.key})
    if connection.vendor == "postgresql":
        grouped = rows.values("stage_id").annotate(median=_Median("days"), n=Count("id")).order_by()
        medians = {r["stage_id"]: (Decimal(r["median"]), r["n"]) for r in grouped}
    else:
        values: dict[int, list[Decimal]] = defaultdict(list)
        for stage, days in rows.values_list("stage_id", "days"):
            values[stage].append(days)
        medians = {s: (Decimal(statistics.median(v)), len(v)) for s, v in values.items()}
    return {pk: (days.quantize(Decimal("0.1")), n) for pk, (days, n) in medians.items()}


def warm(tenant: Tenant) -> None:
    """Compute now what the console's dashboard opens with that the cells cannot give (this
    quarter's funnel and stage medians, unfiltered): called after the rollups changed, so the
    first view after a refresh is as quick as the next."""
    quarter = quarter_from(tenant, None)
    _funnel(tenant, quarter, Filters(), Scope("tenant"))
    stage_medians(tenant, quarter, filters=Filters())


# --- behind a number -----------------------------------------------------------------------------


def drilldown(
    tenant: Tenant,
    key: str,
    scope: Scope,
    quarter: Quarter,
    *,
    model: str = "w_shaped",
    filters: Filters | None = None,
) -> QuerySet:
    """The opportunity facts behind a pipeline or conversion figure of `scope` (for the lead and
    registration figures, the facts of the leads assigned to it)."""
    _check_model(model)
    item = metric(key)
    if item is None:
        raise ValidationError({"metric": f"Unknown metric “{key}”."})
    if not item.drills:
        raise ValidationError(
            {
                "metric": f"“{item.label}” is not counted from opportunities or leads; "
                "it has no rows to list here."
            }
        )
    # Only the filters that narrow the figure narrow its rows.
    query = within(_query(tenant, quarter, [scope], model, filters or Filters()), item.filtered_by)
    if item.section == "service" and key.startswith(("speed", "lead")):
        leads: QuerySet = lead_facts(query)
        if scope.kind != "tenant":
            leads = leads.filter(**{LEADS[scope.kind]: scope.key})
        return leads.select_related("lead").order_by("-lead__created_at")
    closed = item.section == "conversion" and key != "offer_conversion"
    rows = book_facts(query, closed=closed)
    if scope.kind == "tenant":
        pass
    elif key in ("sourced_pipeline", "campaign_sourced_pipeline"):
        rows = rows.filter(**{SOURCED[scope.kind]: scope.key})
    elif key in ("influenced_pipeline", "attributed_pipeline", "campaign_influenced_pipeline"):
        touched = {"credits__" + CREDIT[scope.kind]: scope.key}
        if key == "attributed_pipeline":
            touched["credits__model"] = model
        rows = rows.filter(**touched).distinct()
    else:
        rows = rows.filter(**{BOOK[scope.kind]: scope.key})
    if key == "co_sold_deals":
        rows = rows.filter(touched_direct=True, touched_partner=True)
    elif key == "won_revenue":
        rows = rows.filter(outcome="won")
    elif key == "campaign_sourced_pipeline":
        rows = rows.filter(campaign__isnull=False)
    elif key == "campaign_influenced_pipeline":
        rows = rows.filter(campaign_touched=True)
    elif key == "offer_conversion":  # the opportunities it counts (the responses: their own)
        rows = rows.filter(offer__isnull=False)
    return rows.select_related("opportunity", "account", "stage").order_by("-amount", "-pk")


MODELS = dict(MODEL_CHOICES)
