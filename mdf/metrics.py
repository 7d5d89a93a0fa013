"""MDF's rows on the shared scorecard and lines on a partner's scorecard (core.metrics'
registries): imported by MdfConfig.ready(). docs/metrics.md defines each one, same key.

Scopes: a partner's figures are its own; the partner route and the tenant sum every partner's
(MDF is the partner route's: the direct route, teams and reps have no figures). Filters: the
partner and route filters narrow them; the others do not apply.

- `mdf_roi`: won revenue of the quarter's funded activities per 100 paid (mdf.services.roi).
- `mdf_decision_hours`, `mdf_payment_hours`: the manufacturer's clocks (business hours).
- `mdf_claim_punctuality`: the partner's claim windows that ended in the quarter.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from core.metrics import (
    Metric,
    MetricQuery,
    Obligation,
    Scope,
    register_metric,
    register_obligation,
)
from mdf.choices import ClockKind, ClockState
from mdf.models import FundBalance, MdfClock
from mdf.services.roi import partner_roi
from routing.calendar import business_minutes_between
from routing.sla import working_time
from tenancy.quarters import Quarter

__all__ = [
    "FILTERS",
    "claim_punctuality",
    "clock_hours",
    "decision_hours",
    "mdf_roi",
    "payment_hours",
]

Values = dict[Scope, Decimal]
FILTERS = frozenset({"route", "partner"})
DECIDE = (ClockKind.DECIDE_REQUEST, ClockKind.DECIDE_CLAIM)
PAY = (ClockKind.PAY_CLAIM,)
TENTH = Decimal("0.1")


def _partners_wanted(query: MetricQuery) -> set[int] | None:
    """The partners whose rows count: the partner filter's, else all (None); an empty set when a
    filter leaves MDF out (the direct route)."""
    if query.filters.route == "direct":
        return set()
    return {query.filters.partner} if query.filters.partner else None


def _spread(query: MetricQuery, per_partner: dict[int, Any]) -> dict[Scope, list[Any]]:
    """Each scope's share of per-partner values: its own for a partner, all for the partner
    route and the tenant; other scopes are left out."""
    found: dict[Scope, list[Any]] = {}
    for scope in query.scopes:
        everyone = scope.kind == "tenant" or (scope.kind == "route" and scope.key == "partner")
        if scope.kind == "partner" and scope.key in per_partner:
            found[scope] = [per_partner[scope.key]]
        elif everyone and per_partner:
            found[scope] = list(per_partner.values())
    return found


def mdf_roi(query: MetricQuery) -> Values:
    """Won revenue (sourced and influenced) per 100 paid, of the funded activities of the
    quarter; nothing paid: no figure."""
    wanted = _partners_wanted(query)
    if wanted == set():
        return {}
    quarter = Quarter.of(query.tenant, query.start)
    rows = query.shared("mdf:roi", lambda: partner_roi(query.tenant, quarter, quarter))
    if wanted is not None:
        rows = {k: v for k, v in rows.items() if k in wanted}
    found: Values = {}
    for scope, parts in _spread(query, rows).items():
        paid = sum((p.paid for p in parts), Decimal(0))
        if paid:
            won = sum((p.won for p in parts), Decimal(0))
            found[scope] = (won * 100 / paid).quantize(TENTH)
    return found


def _bounds(query: MetricQuery) -> tuple[dt.datetime, dt.datetime]:
    zone = query.tenant.zone
    return (
        dt.datetime.combine(query.start, dt.time(), tzinfo=zone),
        dt.datetime.combine(query.following, dt.time(), tzinfo=zone),
    )


def _stopped_clocks(query: MetricQuery, kinds: tuple[str, ...]) -> Any:
    """The quarter's stopped clocks of these kinds (met or breached; a cancelled one measured
    nothing), of the partners the filters leave."""
    start, end = _bounds(query)
    rows = MdfClock.objects.filter(
        kind__in=kinds,
        state__in=(ClockState.MET, ClockState.BREACHED),
        stopped_at__gte=start,
        stopped_at__lt=end,
    )
    wanted = _partners_wanted(query)
    if wanted is not None:
        rows = rows.filter(partner_id__in=wanted)
    return rows


def clock_hours(kinds: tuple[str, ...]) -> Callable[[MetricQuery], Values]:
    """The median business hours (the tenant's calendar) from a clock's start to its stop: from
    submission to decision, or from approval of a claim to its payment."""

    def compute(query: MetricQuery) -> Values:
        hours = working_time(query.tenant)
        per_partner: dict[int, list[Decimal]] = defaultdict(list)
        for partner_id, started, stopped in _stopped_clocks(query, kinds).values_list(
            "partner_id", "started_at", "stopped_at"
        ):
            minutes = business_minutes_between(hours, started, stopped)
            per_partner[partner_id].append(Decimal(str(minutes)) / 60)
        found: Values = {}
        for scope, parts in _spread(query, per_partner).items():
            values = [v for part in parts for v in part]
            found[scope] = Decimal(statistics.median(values)).quantize(TENTH)
        return found

    return compute


decision_hours = clock_hours(DECIDE)
payment_hours = clock_hours(PAY)


def claim_punctuality(query: MetricQuery) -> Values:
    """Of the approved requests whose claim window ended in the quarter (claimed, or closed
    unclaimed), the share claimed within it; withdrawn ones are not counted."""
    per_partner: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    rows = _stopped_clocks(query, (ClockKind.CLAIM_WINDOW,)).values_list("partner_id", "state")
    for partner_id, state in rows:
        per_partner[partner_id][0] += state == ClockState.MET
        per_partner[partner_id][1] += 1
    found: Values = {}
    for scope, parts in _spread(query, dict(per_partner)).items():
        met, n = sum(p[0] for p in parts), sum(p[1] for p in parts)
        found[scope] = (Decimal(met) * 100 / n).quantize(TENTH)
    return found


for item in (
    Metric(
        "mdf_roi",
        "MDF return",
        "percent",
        mdf_roi,
        order=200,
        section="funds",
        drills=False,
        filtered_by=FILTERS,
        help="Won revenue sourced and influenced by the quarter's paid MDF activities, per 100 "
        "paid.",
    ),
    Metric(
        "mdf_decision_hours",
        "MDF decision time (median)",
        "hours",
        decision_hours,
        order=210,
        section="funds",
        drills=False,
        higher_is_better=False,
        filtered_by=FILTERS,
        help="The manufacturer's business hours from a request's or claim's submission to its "
        "decision.",
    ),
    Metric(
        "mdf_payment_hours",
        "MDF payment time (median)",
        "hours",
        payment_hours,
        order=220,
        section="funds",
        drills=False,
        higher_is_better=False,
        filtered_by=FILTERS,
        help="The manufacturer's business hours from a claim's approval to its payment.",
    ),
    Metric(
        "mdf_claim_punctuality",
        "MDF claim punctuality",
        "percent",
        claim_punctuality,
        order=230,
        section="funds",
        drills=False,
        filtered_by=FILTERS,
        help="Approved requests claimed within the claim window, of those whose window ended.",
    ),
):
    register_metric(item)


# --- the manufacturer's side on a partner's scorecard ------------------------------------------


def _obligation(compute: Callable[[MetricQuery], Values], what: str) -> Callable:
    def describe(tenant: Any, partner: Any, quarter: Quarter) -> str | None:
        if not FundBalance.objects.filter(partner_id=partner.pk).exists():
            return None  # the partner takes no part in MDF
        scope = Scope("partner", partner.pk)
        query = MetricQuery(tenant, quarter.start, quarter.following, [scope])
        value = compute(query).get(scope)
        if value is None:
            return f"No MDF {what} this quarter"
        return f"{value} business hours (median)"

    return describe


register_obligation(
    Obligation(
        "mdf_decision_time",
        "Manufacturer's MDF decision time on your requests and claims",
        _obligation(decision_hours, "request or claim decided"),
        order=30,
    )
)
register_obligation(
    Obligation(
        "mdf_payment_time",
        "Manufacturer's MDF payment time on your approved claims",
        _obligation(payment_hours, "claim paid"),
        order=40,
    )
)
