"""What every review section writes the same way: money as strings with two decimals,
percentages with one, times in ISO 8601, lists capped with their full count beside them, and the
names of partners and teams (one query each per section)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Q

from core.metrics import Metric, MetricQuery, Scope, metric
from scorecards.review.period import Period
from tenancy.models import Partner, Team
from tenancy.quarters import Quarter

__all__ = [
    "CAP",
    "FIGURE_KEYS",
    "between",
    "counted",
    "figure",
    "figure_metrics",
    "figures_for",
    "iso",
    "money",
    "partner_names",
    "pct",
    "share",
    "team_names",
]

# Lists in the review are capped (largest or most pressing first) with the full count beside them.
CAP = 50
# The channel-neutral figures of the headline and of every party, in this order; a key whose
# metric is not registered is left out.
FIGURE_KEYS = (
    "sourced_pipeline",
    "influenced_pipeline",
    "won_revenue",
    "win_rate_count",
    "partner_sourced_share",
    "speed_to_lead_median",
    "lead_sla_attainment",
    "offer_conversion",
    "mdf_roi",
)
CENT, TENTH = Decimal("0.01"), Decimal("0.1")


def money(amount: Decimal | int | float | str | None) -> str:
    """An amount as the review stores it: "12500.00" (none: "0.00")."""
    return str(Decimal(str(amount or 0)).quantize(CENT))


def pct(part: int | Decimal, whole: int | Decimal) -> str | None:
    """`part` per hundred of `whole`, one decimal; None when there is no whole."""
    if not whole:
        return None
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(TENTH))


def share(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(TENTH))


def iso(moment: dt.datetime | dt.date | None) -> str | None:
    return None if moment is None else moment.isoformat()


def between(field: str, period: Period) -> Q:
    """`field` (a moment) inside the quarter: from its start, before the next one's."""
    return Q(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


def figure(item: Metric, value: Decimal | None) -> str | None:
    """A metric's value as the review writes it: money with two decimals, the rest with one
    (a count is a whole number)."""
    if value is None:
        return None
    if item.unit.startswith("money"):
        return money(value)
    if item.unit == "count":
        return str(int(value))
    return str(Decimal(value).quantize(TENTH))


def figure_metrics() -> list[Metric]:
    found = (metric(key) for key in FIGURE_KEYS)
    return [item for item in found if item is not None]


def figures_for(
    period: Period, quarter: Quarter, scopes: list[Scope]
) -> dict[Scope, dict[str, str | None]]:
    """Every figure metric for every scope in `quarter`: one computation per metric for all the
    scopes at once (the metrics share their reads of the rollups through the query)."""
    query = MetricQuery(period.tenant, quarter.start, quarter.following, scopes)
    found: dict[Scope, dict[str, str | None]] = {scope: {} for scope in scopes}
    for item in figure_metrics():
        values: Mapping[Scope, Decimal] = item.compute(query)
        for scope in scopes:
            found[scope][item.key] = figure(item, values.get(scope))
    return found


def partner_names(ids: Iterable[int | None] | None = None) -> dict[int, str]:
    rows = Partner.objects.all()
    if ids is not None:
        rows = rows.filter(pk__in={i for i in ids if i})
    return dict(rows.values_list("pk", "name"))


def team_names(ids: Iterable[int | None] | None = None) -> dict[int, str]:
    rows = Team.objects.all()
    if ids is not None:
        rows = rows.filter(pk__in={i for i in ids if i})
    return dict(rows.values_list("pk", "name"))


def counted(rows: Iterable[Mapping[str, Any]], key: str) -> dict[str, int]:
    """{value of `key`: n} from grouped rows carrying `n`."""
    found: dict[str, int] = {}
    for row in rows:
        found[str(row[key])] = found.get(str(row[key]), 0) + int(row["n"])
    return found
