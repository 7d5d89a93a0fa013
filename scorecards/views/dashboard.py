"""The console's scorecards dashboard: the filter bar, the time of the last refresh, the charts
(sourced pipeline by route over eight quarters as a trend and as stacked bars, the quarter's
funnel by stage, sourced against influenced by route, where the routes meet by territory and
segment), the tenant's scorecard, the partner league table, the teams and the median days per
stage. Every number links to the rows behind it; every table downloads as CSV
(scorecards.views.exports)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from accounts.models import Segment
from core.charts import Chart, Heatmap, Series
from core.metrics import Metric, Scope
from guardrails.models import Territory
from scorecards import figures, services
from scorecards.forms import Selection
from scorecards.views import exports
from scorecards.views.common import (
    card_view,
    drill_url,
    export_url,
    figure,
    page_context,
    quarter_name,
    read_selection,
    trend_chart,
    why_empty,
)
from tenancy.models import Partner, Team
from tenancy.quarters import Quarter
from tenancy.requests import DoorRequest

__all__ = ["dashboard"]

ROUTE_NAMES = {"direct": "Direct", "partner": "Partner"}
TEMPLATE = "scorecards/dashboard.html"


@dataclass(frozen=True)
class Cell:
    text: str
    title: str
    url: str


@dataclass(frozen=True)
class TableRow:
    label: str
    url: str  # the scope's own scorecard page
    note: str
    cells: list[Cell]


def _cells(
    request: DoorRequest,
    scope: Scope,
    label: str,
    shown: list[Metric],
    values: dict[str, Decimal | None],
    selection: Selection,
) -> list[Cell]:
    currency = request.tenant.currency
    cells = []
    for item in shown:
        value = values.get(item.key)
        cells.append(
            Cell(
                text=figure(value, item.unit, currency),
                title="" if value is not None else why_empty(item, selection.quarter, label),
                url=drill_url(request, item.key, scope, selection) if value is not None else "",
            )
        )
    return cells


def _charts(request: DoorRequest, data: dict[str, Any], selection: Selection) -> dict[str, Any]:
    currency = request.tenant.currency
    quarters = data["quarters"]
    trend = [
        (ROUTE_NAMES[route], data["trend"].get(route, [None] * len(quarters)), route)
        for route in ROUTE_NAMES
    ]

    def sourced(route: str, quarter: Quarter) -> str:
        return drill_url(
            request, "sourced_pipeline", Scope("route", route), selection, quarter=quarter
        )

    line = trend_chart(
        "sourced-trend",
        "Sourced pipeline by route, last eight quarters",
        quarters,
        trend,
        currency,
        value_title="Sourced pipeline",
        link=sourced,
    )
    stacked = trend_chart(
        "sourced-stacked",
        "Sourced pipeline per quarter, stacked by route",
        quarters,
        trend,
        currency,
        kind="stacked-bar",
        value_title="Sourced pipeline",
        link=sourced,
    )
    funnel_rows = data["funnel"]
    funnel = None
    if funnel_rows:
        funnel = Chart(
            id="funnel",
            type="bar",
            title=f"Opportunities opened in {quarter_name(selection.quarter)}, by their stage now",
            labels=[stage.name for stage, _, _ in funnel_rows],
            series=[
                Series(
                    "Opportunities",
                    [n for _, n, _ in funnel_rows],
                    links=[
                        drill_url(request, "funnel", Scope("tenant"), selection, stage=stage.pk)
                        for stage, _, _ in funnel_rows
                    ],
                )
            ],
            unit="opportunities",
            label_title="Stage",
            value_title="Opportunities",
        )
    pairs = data["sourced_vs_influenced"]
    versus = None
    if any(v is not None for pair in pairs.values() for v in pair):
        versus = Chart(
            id="sourced-influenced",
            type="grouped-bar",
            title=f"Sourced and influenced pipeline by route, {quarter_name(selection.quarter)}",
            labels=[ROUTE_NAMES[r] for r in ROUTE_NAMES],
            series=[
                Series(
                    name,
                    [pairs.get(r, (None, None))[n] for r in ROUTE_NAMES],
                    links=[
                        drill_url(request, key, Scope("route", r), selection)
                        if pairs.get(r, (None, None))[n] is not None
                        else ""
                        for r in ROUTE_NAMES
                    ],
                )
                for n, (name, key) in enumerate(
                    (("Sourced", "sourced_pipeline"), ("Influenced", "influenced_pipeline"))
                )
            ],
            currency=currency,
            label_title="Route",
            value_title="Pipeline",
        )
    return {
        "trend_chart": line,
        "stacked_chart": stacked,
        "funnel_chart": funnel,
        "funnel_links": [
            (
                stage.name,
                n,
                drill_url(request, "funnel", Scope("tenant"), selection, stage=stage.pk),
            )
            for stage, n, _ in funnel_rows
        ],
        "versus_chart": versus,
        "overlap": _overlap(request, data["overlap"], selection),
    }


def _overlap(request: DoorRequest, overlap: dict, selection: Selection) -> dict[str, Any] | None:
    """The heatmap of co-sold opportunities, each cell linked to its opportunities (a cell
    without a territory or a segment cannot be filtered to, and is not linked)."""
    if not overlap["cells"]:
        return None
    names = dict(Territory.objects.values_list("code", "name"))
    # The heatmap names segments; the links filter by their key.
    segments = {name: key for key, name in Segment.objects.values_list("key", "name")}
    rows, columns, cells = overlap["rows"], overlap["columns"], overlap["cells"]
    heatmap = Heatmap(
        id="overlap",
        title="Co-sold opportunities (both routes touched) by territory and segment",
        rows=[names.get(code, code) for code in rows],
        columns=columns,
        cells=[[cells.get((t, s), 0) for s in columns] for t in rows],
        row_title="Territory",
        value_title="Opportunities",
    )
    links: list[list[str]] = []
    for territory in rows:
        line = []
        for segment in columns:
            n = cells.get((territory, segment), 0)
            key = segments.get(segment)
            linkable = n and territory in names and key is not None
            line.append(
                drill_url(
                    request,
                    "co_sold_deals",
                    Scope("tenant"),
                    selection,
                    territory=territory,
                    segment=key,
                )
                if linkable
                else ""
            )
        links.append(line)
    grid = [
        (row, list(zip(row.cells, line, strict=True)))
        for row, line in zip(heatmap.grid, links, strict=True)
    ]
    return {"heatmap": heatmap, "grid": grid}


def dashboard(request: DoorRequest) -> HttpResponse:
    form, selection = read_selection(request)
    if selection is None:
        return render(request, TEMPLATE, {"form": form, "invalid": True}, status=400)
    tenant, quarter = request.tenant, selection.quarter
    options: dict[str, Any] = {"model": selection.model, "filters": selection.filters}
    tenant_scope = Scope("tenant")
    card = services.scorecard(tenant, tenant_scope, quarter, **options)
    data = services.dashboard(tenant, quarter, **options)
    shown, league = services.league_table(tenant, quarter, **options)
    teams = list(Team.objects.order_by("name"))
    _, team_values = figures.scope_table(
        tenant, quarter, [Scope("team", t.pk) for t in teams], **options
    )
    stages = services.stage_medians(tenant, quarter, filters=selection.filters)
    slug = tenant.slug
    league_rows = [
        TableRow(
            label=partner.name,
            url=reverse("console:scorecard-partner", args=[slug, partner.pk]),
            note=partner.get_tier_display(),
            cells=_cells(
                request, Scope("partner", partner.pk), partner.name, shown, values, selection
            ),
        )
        for partner, values in league
    ]
    team_rows = [
        TableRow(
            label=team.name,
            url=reverse("console:scorecard-team", args=[slug, team.pk]),
            note="",
            cells=_cells(
                request,
                Scope("team", team.pk),
                team.name,
                shown,
                team_values[Scope("team", team.pk)],
                selection,
            ),
        )
        for team in teams
    ]
    stage_rows = [
        (
            stage.name,
            f"{days:,.1f}",
            n,
            drill_url(request, "stage-time", tenant_scope, selection, stage=stage.pk),
        )
        for stage, days, n in stages
    ]
    context: dict[str, Any] = {
        **page_context(request, form, selection),
        "view": card_view(request, card, selection),
        "card": card,
        "metrics": shown,
        "league_rows": league_rows,
        "team_rows": team_rows,
        "stage_rows": stage_rows,
        "partner_count": Partner.objects.count(),
        "route_links": [
            (name, reverse("console:scorecard-route", args=[slug, route]))
            for route, name in ROUTE_NAMES.items()
        ],
        "exports": {
            table: export_url(request, table, selection, scope="tenant")
            for table in ("scorecard", "league", "teams", "stages", "trend", *exports.DASHBOARD)
        },
        **_charts(request, data, selection),
    }
    return render(request, TEMPLATE, context)
