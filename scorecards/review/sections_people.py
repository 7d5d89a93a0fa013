"""The review's headline and parties sections (docs/governance.md, "Headline" and "Parties"):
the channel-neutral figures of both routes and of the whole tenant beside the previous quarter,
and every partner's and every direct team's own figures, tier standing, overlap, conflicts, SLA
clocks and (partners) funds, from which each party's extract is cut."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.metrics import Scope
from scorecards.review.period import Period, Progress
from scorecards.review.sections_common import figure_metrics, figures_for, money, share
from scorecards.review.sections_overlap import conflicts_by_party, overlap_by_party
from scorecards.review.sections_rules import fund_rows
from scorecards.review.sections_sla import clock_rows
from scorecards.services import TierStanding, tier_standings
from tenancy.choices import PartnerTier
from tenancy.models import Partner, Team

__all__ = ["ROUTES", "build_headline", "build_parties"]

ROUTES = {
    "direct": Scope("route", "direct"),
    "partner": Scope("route", "partner"),
    "tenant": Scope("tenant"),
}


def build_headline(period: Period, progress: Progress) -> dict[str, Any]:
    scopes = list(ROUTES.values())
    now = figures_for(period, period.quarter, scopes)
    progress.part(1, 2)
    before = figures_for(period, period.quarter.previous, scopes)
    return {
        "metrics": [
            {"key": item.key, "label": item.label, "unit": item.unit} for item in figure_metrics()
        ],
        "routes": {name: now[scope] for name, scope in ROUTES.items()},
        "previous": {name: before[scope] for name, scope in ROUTES.items()},
    }


def _standing(standing: TierStanding | None) -> dict[str, Any]:
    if standing is None:
        return {"next_tier": None, "next_tier_label": None, "earned": None, "missing": []}
    missing = [
        f"{r.metric.label}: {_said(r.metric.unit, r.value)} of at least "
        f"{_said(r.metric.unit, r.minimum)}"
        for r in standing.needs
    ]
    return {
        "next_tier": standing.next_tier,
        "next_tier_label": PartnerTier(standing.next_tier).label if standing.next_tier else None,
        "earned": standing.earned,
        "missing": missing,
        "missing_keys": [r.metric.key for r in standing.needs],
    }


def _said(unit: str, value: Decimal | None) -> str:
    if value is None:
        return "no data"
    if unit.startswith("money"):
        return f"{value:,.2f}"
    if unit == "percent":
        return f"{value:.1f} %"
    return f"{value:.1f}"


def _sla(rows: list[dict[str, Any]], key: str, pk: int, areas: tuple[str, ...]) -> dict:
    found = {area: {"clocks": 0, "breached": 0} for area in areas}
    for row in rows:
        if row["side"] != "manufacturer" and row[key] == pk and row["area"] in areas:
            found[row["area"]]["clocks"] += row["clocks"]
            found[row["area"]]["breached"] += row["breached"]
    return found


def build_parties(period: Period, progress: Progress) -> dict[str, Any]:
    partners = list(Partner.objects.order_by("name", "id"))
    teams = list(Team.objects.order_by("name", "id"))
    scopes = [Scope("partner", p.pk) for p in partners] + [Scope("team", t.pk) for t in teams]
    now = figures_for(period, period.quarter, scopes)
    progress.part(1, 5)
    before = figures_for(period, period.quarter.previous, scopes)
    progress.part(2, 5)
    standings = tier_standings(period.tenant, partners, period.quarter) if partners else {}
    overlap_partners, overlap_teams = overlap_by_party(period)
    conflict_partners, conflict_teams = conflicts_by_party(period)
    progress.part(3, 5)
    clocks = clock_rows(period)
    funds = fund_rows(period)
    progress.part(4, 5)
    # A party's own clocks: partner-route rows name their partner, direct-route rows their team.
    partner_rows = [r for r in clocks if r["route"] == "partner"]
    direct_rows = [r for r in clocks if r["route"] == "direct"]
    return {
        "partners": [
            {
                "id": p.pk,
                "name": p.name,
                "tier": p.tier,
                "tier_label": p.get_tier_display(),
                "status": p.status,
                "figures": now[Scope("partner", p.pk)],
                "previous": before[Scope("partner", p.pk)],
                "tier_standing": _standing(standings.get(p.pk)),
                "overlap_accounts": overlap_partners.get(p.pk, 0),
                "conflicts": conflict_partners.get(p.pk, (0, 0))[0],
                "conflicts_prevailed": conflict_partners.get(p.pk, (0, 0))[1],
                "sla": _sla(partner_rows, "partner_id", p.pk, ("lead_ops", "dealreg", "mdf")),
                "mdf": _funds(funds.get(p.pk), now[Scope("partner", p.pk)].get("mdf_roi")),
            }
            for p in partners
        ],
        "teams": [
            {
                "id": t.pk,
                "name": t.name,
                "figures": now[Scope("team", t.pk)],
                "previous": before[Scope("team", t.pk)],
                "overlap_accounts": overlap_teams.get(t.pk, 0),
                "conflicts": conflict_teams.get(t.pk, (0, 0))[0],
                "conflicts_prevailed": conflict_teams.get(t.pk, (0, 0))[1],
                "sla": _sla(direct_rows, "team_id", t.pk, ("lead_ops", "dealreg")),
            }
            for t in teams
        ],
    }


def _funds(row: dict[str, Decimal] | None, roi: str | None) -> dict[str, Any]:
    row = row or {}
    return {
        "funded": money(row.get("funded")),
        "committed": money(row.get("committed")),
        "paid": money(row.get("paid")),
        "available": money(row.get("available")),
        "roi": share(Decimal(roi)) if roi is not None else None,
    }
