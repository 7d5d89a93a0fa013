"""The pages' figures beyond one scorecard (scorecards.services): a table of many scopes (the
console's teams), a scope's own trend by quarter (the scope pages' chart), and the rows behind
the numbers that are not a metric's own (a stage of the funnel, the time in a stage) or that
count registrations rather than opportunities. Read-only, from the rollups and the registry.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db.models import QuerySet

from core.metrics import Filters, Metric, MetricQuery, Scope, metric, metrics
from dealreg.models import DealRegistration
from scorecards.metrics import (
    BOOK,
    REGISTRATIONS,
    book_facts,
    facts,
    quarter_responses,
    response_scope,
    reviewed_clocks,
    submitted_registrations,
)
from scorecards.models import OpportunityFact
from tenancy.models import Tenant
from tenancy.quarters import Quarter

__all__ = [
    "REGISTRATION_KEYS",
    "RESPONSE_KEYS",
    "TREND_KEYS",
    "funnel_rows",
    "registration_rows",
    "response_rows",
    "scope_table",
    "scope_trend",
    "stage_rows",
]

TREND_QUARTERS = 8
# The figures of a scope's own trend chart.
TREND_KEYS = ("sourced_pipeline", "influenced_pipeline", "won_revenue")
# Figures counted over deal registrations: their rows are registrations, not opportunities.
REGISTRATION_KEYS = ("conflict_rate", "registration_sla_attainment")
# Figures counted over campaign responses.
RESPONSE_KEYS = ("offer_responses",)


def _query(
    tenant: Tenant, quarter: Quarter, scopes: Sequence[Scope], model: str, filters: Filters
) -> MetricQuery:
    return MetricQuery(tenant, quarter.start, quarter.following, list(scopes), model, filters)


def scope_table(
    tenant: Tenant,
    quarter: Quarter,
    scopes: Sequence[Scope],
    *,
    model: str,
    filters: Filters,
) -> tuple[list[Metric], dict[Scope, dict[str, Decimal | None]]]:
    """Every registered metric for each of `scopes` (one computation per metric for all)."""
    shown = metrics()
    query = _query(tenant, quarter, scopes, model, filters)
    values = {item.key: item.compute(query) for item in shown}
    return shown, {
        scope: {key: found.get(scope) for key, found in values.items()} for scope in scopes
    }


def scope_trend(
    tenant: Tenant,
    scope: Scope,
    quarter: Quarter,
    *,
    model: str,
    filters: Filters,
    keys: Sequence[str] = TREND_KEYS,
) -> tuple[list[Quarter], dict[str, list[Decimal | None]]]:
    """`keys` for `scope` over the last TREND_QUARTERS quarters up to `quarter`."""
    quarters = [quarter.shifted(-n) for n in range(TREND_QUARTERS - 1, -1, -1)]
    shown = [item for key in keys if (item := metric(key)) is not None]
    found: dict[str, list[Decimal | None]] = {item.key: [] for item in shown}
    for q in quarters:
        query = _query(tenant, q, [scope], model, filters)  # one read of the rollups per quarter
        for item in shown:
            found[item.key].append(item.compute(query).get(scope))
    return quarters, found


def _book(tenant: Tenant, quarter: Quarter, scope: Scope, filters: Filters) -> QuerySet:
    rows = book_facts(_query(tenant, quarter, [scope], "w_shaped", filters))
    if scope.kind != "tenant":
        rows = rows.filter(**{BOOK[scope.kind]: scope.key})
    return rows


def funnel_rows(
    tenant: Tenant, quarter: Quarter, scope: Scope, filters: Filters, stage_id: int
) -> QuerySet:
    """The opportunities of one bar of the funnel: opened in the quarter, in that stage now."""
    return (
        _book(tenant, quarter, scope, filters)
        .filter(stage_id=stage_id)
        .select_related("opportunity", "account", "stage")
        .order_by("-amount", "-pk")
    )


def stage_rows(
    tenant: Tenant, quarter: Quarter, scope: Scope, filters: Filters, stage_id: int
) -> QuerySet:
    """The opportunities behind a stage's median days: those that left the stage in the quarter
    (whenever they were opened)."""
    rows = OpportunityFact.objects.filter(
        facts(filters), stages__stage_id=stage_id, stages__left_quarter=quarter.start
    )
    if scope.kind != "tenant":
        rows = rows.filter(**{BOOK[scope.kind]: scope.key})
    return rows.distinct().select_related("opportunity", "account", "stage").order_by("-pk")


def registration_rows(
    tenant: Tenant, key: str, quarter: Quarter, scope: Scope, filters: Filters
) -> QuerySet:
    """The registrations behind a registration figure: those submitted in the quarter (conflict
    rate), or those whose manufacturer review clock stopped in it (the manufacturer's SLA)."""
    query = _query(tenant, quarter, [scope], "w_shaped", filters)
    rows: QuerySet
    if key == "registration_sla_attainment":
        clocks = reviewed_clocks(query)
        rows = DealRegistration.objects.filter(pk__in=clocks.values("registration_id"))
    else:
        rows = submitted_registrations(query)
    if scope.kind != "tenant":
        rows = rows.filter(**{REGISTRATIONS[scope.kind]: scope.key})
    return rows.select_related("end_customer").order_by("-submitted_at", "-pk")


def response_rows(tenant: Tenant, quarter: Quarter, scope: Scope, filters: Filters) -> QuerySet:
    """The campaign responses behind the offer responses figure: those of the quarter that count
    for the scope."""
    rows = quarter_responses(_query(tenant, quarter, [scope], "w_shaped", filters))
    return (
        rows.filter(response_scope(scope))
        .select_related("campaign", "offer", "partner")
        .order_by("-occurred_at", "-pk")
    )
