"""Every scorecard table as CSV, with the numbers as numbers (no units, no thousands
separators): `scorecard` (one scope's rows, `scope=`), `trend` (a scope's figures by quarter;
the whole tenant's by route), `stages` (median days per stage), the dashboard's `funnel` (by
stage), `routes` (sourced against influenced) and `overlap` (co-sold by territory and segment)
and, for those who see the whole tenant, `league` (partners) and `teams`. The query string is the page's, so the file holds what
the page showed; a bad one is 400, a scope the viewer may not read 404."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render

from core.csvexport import table_response
from core.metrics import Scope
from guardrails.models import Territory
from scorecards import figures, services
from scorecards.metrics import money_of
from scorecards.views.common import read_selection, resolve_scope, scope_token
from tenancy.choices import Role
from tenancy.models import Team
from tenancy.requests import DoorRequest

__all__ = ["TABLES", "export"]

TABLES = ("scorecard", "trend", "stages", "funnel", "routes", "overlap", "league", "teams")
DASHBOARD = ("funnel", "routes", "overlap")
WHOLE_TENANT = ("league", "teams")


def export(request: DoorRequest, table: str) -> HttpResponse:
    if table not in TABLES:
        raise Http404("No such table.")
    if table in WHOLE_TENANT and request.membership.role != Role.REVOPS_ADMIN:
        raise Http404("No such table.")
    form, selection = read_selection(request)
    if selection is None:
        return render(
            request, "scorecards/drilldown.html", {"form": form, "invalid": True}, status=400
        )
    tenant, quarter = request.tenant, selection.quarter
    options: dict[str, Any] = {"model": selection.model, "filters": selection.filters}
    scope = resolve_scope(request)
    name = f"{tenant.slug}-{quarter.code}"
    if table == "scorecard":
        card = services.scorecard(tenant, scope, quarter, **options)
        peers = next((r.peers_label for r in card.rows if r.peers_label), "") or "Peers' average"
        header: tuple[str, ...] = (
            "Metric",
            "Key",
            "Unit",
            "Definition version",
            quarter.code,
            quarter.previous.code,
            "Change",
            peers,
            "Filters that do not narrow it",
        )
        rows: list[list[Any]] = [
            [
                r.metric.label,
                r.metric.key,
                r.metric.unit,
                r.metric.version,
                r.value,
                r.previous,
                r.change,
                r.peers,
                ", ".join(
                    n
                    for n in ("territory", "segment", "product_line", "route", "partner", "team")
                    if getattr(selection.filters, n) and n not in r.metric.filtered_by
                ),
            ]
            for r in card.rows
        ]
        return table_response(header, rows, f"scorecard-{scope_token(scope)}-{name}.csv")
    if table == "trend":
        if scope.kind == "tenant":
            data = services.dashboard(tenant, quarter, **options)
            header = ("Quarter", "Sourced pipeline, direct", "Sourced pipeline, partner")
            rows = [
                [q.code, data["trend"]["direct"][i], data["trend"]["partner"][i]]
                for i, q in enumerate(data["quarters"])
            ]
        else:
            quarters, trend = figures.scope_trend(tenant, scope, quarter, **options)
            keys = list(trend)
            header = ("Quarter", *keys)
            rows = [[q.code, *(trend[k][i] for k in keys)] for i, q in enumerate(quarters)]
        return table_response(header, rows, f"trend-{scope_token(scope)}-{name}.csv")
    if table == "stages":
        stages = services.stage_medians(tenant, quarter, scope=scope, filters=selection.filters)
        rows = [[stage.name, days, n] for stage, days, n in stages]
        return table_response(
            ("Stage", "Median days", "Opportunities that left it"),
            rows,
            f"stage-days-{scope_token(scope)}-{name}.csv",
        )
    if table in DASHBOARD:
        data = services.dashboard(tenant, quarter, scope=scope, **options)
        header, rows = _dashboard_table(table, data)
        return table_response(header, rows, f"{table}-{scope_token(scope)}-{name}.csv")
    if table == "league":
        shown, league = services.league_table(tenant, quarter, **options)
        rows = [
            [p.name, p.get_tier_display(), *(values.get(m.key) for m in shown)]
            for p, values in league
        ]
        header = ("Partner", "Tier", *(m.label for m in shown))
        return table_response(header, rows, f"partner-league-{name}.csv")
    teams = list(Team.objects.order_by("name"))
    scopes = [Scope("team", t.pk) for t in teams]
    shown, values = figures.scope_table(tenant, quarter, scopes, **options)
    rows = [
        [t.name, *(values[s].get(m.key) for m in shown)] for t, s in zip(teams, scopes, strict=True)
    ]
    return table_response(("Team", *(m.label for m in shown)), rows, f"teams-{name}.csv")


def _dashboard_table(table: str, data: dict[str, Any]) -> tuple[tuple[str, ...], list[list[Any]]]:
    """A chart of the dashboard (services.dashboard) as a table."""
    if table == "funnel":
        rows = [[stage.name, n, money_of(total)] for stage, n, total in data["funnel"]]
        return ("Stage now", "Opportunities opened in the quarter", "Their amount"), rows
    if table == "routes":
        pairs = data["sourced_vs_influenced"]
        rows = [[route, *pairs[route]] for route in pairs]
        return ("Route", "Sourced pipeline", "Influenced pipeline"), rows
    overlap = data["overlap"]
    names = dict(Territory.objects.values_list("code", "name"))
    rows = [
        [names.get(territory, territory), segment, overlap["cells"][(territory, segment)]]
        for territory in overlap["rows"]
        for segment in overlap["columns"]
        if (territory, segment) in overlap["cells"]
    ]
    return ("Territory", "Segment", "Co-sold opportunities"), rows
