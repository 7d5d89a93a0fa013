"""A review's `data` in words, for every way it is shown (the workspace, the HTML export, the
extracts and the PDF pack): figures with their unit, the headline's rows, the labels of SLA areas
and sides, who a party is. Reads the stored dict only, never live data, so a signed-off review
reads the same for good; a key a section left out shows as a dash, never as an error."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from scorecards import units

__all__ = [
    "AREA_LABELS",
    "SECTION_TITLES",
    "SIDE_LABELS",
    "amount",
    "figure",
    "headline_rows",
    "party_label",
    "section",
]

SECTION_TITLES: dict[str, str] = {
    "headline": "Headline figures",
    "parties": "Partners and teams",
    "overlap": "Overlap",
    "conflicts": "Deal-registration conflicts",
    "sla": "Service levels",
    "rules": "Rules of engagement",
    "target_lists": "Target lists",
    "mdf": "Market development funds",
}
AREA_LABELS = {"lead_ops": "Lead follow-up", "dealreg": "Deal registration", "mdf": "MDF"}
SIDE_LABELS = {"partner": "Partners", "direct": "Direct sales", "manufacturer": "Manufacturer"}
ROUTE_LABELS = {"direct": "Direct", "partner": "Partner", "tenant": "All routes"}


def amount(value: Any) -> Decimal | None:
    """A stored figure as a number (None for a missing or unreadable one)."""
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def figure(value: Any, unit: str = "count", currency: str = "") -> str:
    """A stored figure as the scorecards' pages write it (`scorecards.units.figure`), except
    money, which the review writes to the cent, as the MDF ledger it quotes."""
    number = amount(value)
    if number is not None and unit == "money":
        return f"{number:,.2f} {currency}".strip()
    return units.figure(number, unit, currency)


def section(data: dict[str, Any], key: str) -> dict[str, Any]:
    """One section of the data, `{}` when it was not built."""
    found = (data.get("sections") or {}).get(key)
    return found if isinstance(found, dict) else {}


def headline_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Per metric: its label, the quarter's figure for direct, partner and the whole tenant, and
    the tenant's previous quarter, each in words and as a number (for the charts)."""
    head = section(data, "headline")
    currency = data.get("currency", "")
    routes, previous = head.get("routes") or {}, head.get("previous") or {}
    rows = []
    for metric in head.get("metrics") or []:
        key, unit = metric.get("key", ""), metric.get("unit", "count")
        values = {route: (routes.get(route) or {}).get(key) for route in ROUTE_LABELS}
        rows.append(
            {
                "key": key,
                "label": metric.get("label", key),
                "unit": unit,
                "numbers": {route: amount(v) for route, v in values.items()},
                "text": {route: figure(v, unit, currency) for route, v in values.items()},
                "previous": figure((previous.get("tenant") or {}).get(key), unit, currency),
                "previous_by_route": {
                    route: figure((previous.get(route) or {}).get(key), unit, currency)
                    for route in ROUTE_LABELS
                },
            }
        )
    return rows


def party_label(party: dict[str, Any]) -> str:
    """Who a party of a row is: the partner's name, or direct sales with the team."""
    if party.get("partner"):
        return str(party["partner"])
    team = party.get("team")
    return f"Direct sales ({team})" if team else "Direct sales"


# Labels of the metric keys, for an extract that names its figures without the headline's list.
METRIC_LABELS = {
    "sourced_pipeline": ("Sourced pipeline", "money"),
    "influenced_pipeline": ("Influenced pipeline", "money"),
    "won_revenue": ("Won revenue", "money"),
    "win_rate_count": ("Win rate", "percent"),
    "partner_sourced_share": ("Partner-sourced share", "percent"),
    "speed_to_lead_median": ("Speed to lead (median)", "hours"),
    "lead_sla_met_share": ("Leads followed up within the SLA", "percent"),
    "offer_conversion": ("Offer conversion", "percent"),
    "mdf_return": ("MDF return", "count"),
}


def extract_parts(content: dict[str, Any]) -> dict[str, Any]:
    """A party's extract (`scorecards.review.extract`) as the pages and the one-page PDF show it:
    the party's name and tier, its figures this quarter beside the previous one, its overlap,
    conflicts and SLA counts, its MDF, and the decisions that concern it."""
    kind = str(content.get("kind") or "partner")
    party = content.get("party") if isinstance(content.get("party"), dict) else {}
    party = party or {}
    currency = str(content.get("currency", ""))
    metrics = content.get("metrics")
    if not isinstance(metrics, list) or not metrics:
        metrics = [
            {"key": key, "label": label, "unit": unit}
            for key, (label, unit) in METRIC_LABELS.items()
            if key in (party.get("figures") or {})
        ]
    figures, previous = party.get("figures") or {}, party.get("previous") or {}
    # The whole company's totals: a direct team's context only (a partner's extract has none,
    # since they add up other partners' figures: scorecards.review.extract).
    whole = (content.get("tenant") or {}).get("current") or {}
    rows = [
        (
            m.get("label", m.get("key", "")),
            figure(figures.get(m.get("key")), m.get("unit", "count"), currency),
            figure(previous.get(m.get("key")), m.get("unit", "count"), currency),
            figure(whole.get(m.get("key")), m.get("unit", "count"), currency),
        )
        for m in metrics
    ]
    counts = [
        (label, figure(party.get(key)))
        for key, label in (
            ("overlap_accounts", "Accounts also worked by another party"),
            ("conflicts", "Deal-registration conflicts"),
            ("conflicts_prevailed", "Conflicts decided in your favour"),
        )
        if key in party
    ]
    sla = [
        (AREA_LABELS.get(area, area), figure(v.get("clocks")), figure(v.get("breached")))
        for area, v in (party.get("sla") or {}).items()
        if isinstance(v, dict)
    ]
    funds = party.get("mdf") or {}
    mdf = [
        (label, figure(funds.get(key), "money", currency))
        for key, label in (("funded", "Funded"), ("paid", "Paid"), ("available", "Available"))
        if key in funds
    ]
    if funds.get("roi") is not None:
        mdf.append(("Return on MDF", figure(funds.get("roi"))))
    standing = party.get("tier_standing") or {}
    quarter = content.get("quarter") or {}
    name = str(party.get("name", ""))
    return {
        "kind": kind,
        "name": name,
        "slug": "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")[:40],
        "quarter": quarter,
        "currency": currency,
        "tier_label": party.get("tier_label", ""),
        "next_tier": standing.get("next_tier_label") or standing.get("next_tier"),
        "missing": list(standing.get("missing") or []),
        "rows": rows,
        "show_whole": bool(whole),
        "counts": counts,
        "sla": sla,
        "mdf": mdf,
        "decisions": [d for d in content.get("decisions") or [] if isinstance(d, dict)],
    }
