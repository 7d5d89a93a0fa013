"""The scorecard's metrics that read the rollups (scorecards.models): pipeline, conversion,
service and integrity. Registered in core.metrics at import (scorecards.apps); docs/metrics.md
defines each one, with the same key.

Every metric is computed for many scopes at once. The scope decides which rows count:
- "book" figures (win rate, velocity, co-sold, share partner-sourced, leakage) count the
  opportunities a scope owns: the route's, the team's, the rep's, the partner's;
- "sourced" counts those the scope sourced; "influenced" and "attributed" those it touched,
  through the credits of the attribution models;
- lead figures count the leads assigned to the scope; registration figures the registrations
  it filed.

The opportunity figures sum the cells (scorecards.cells): one query per quarter and set of
scopes, shared by every metric computed for the same MetricQuery. The facts themselves are read
only by the drill-downs (`book_facts`) and by leakage, for the opportunities that leak.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from core.metrics import (
    Filters,
    Metric,
    MetricQuery,
    Obligation,
    Scope,
    register_metric,
    register_obligation,
)
from dealreg.choices import ClockSide
from dealreg.models import DealRegistration, RegistrationClock, RegistrationConflict
from guardrails.models import DiscountLeakage
from pipeline.models import CampaignResponse
from scorecards import rollup
from scorecards.cells import CREDIT_MEASURES, PIPELINE_MEASURES
from scorecards.models import (
    Cell,
    CreditCell,
    FactProductLine,
    LeadFact,
    OpportunityFact,
    PipelineCell,
)
from tenancy.models import Membership, Partner, Tenant
from tenancy.quarters import Quarter

__all__ = [
    "BOOK",
    "CREDIT",
    "LEADS",
    "SOURCED",
    "book_facts",
    "facts",
    "lead_facts",
    "money",
    "money_of",
    "quarter_responses",
    "response_scope",
    "reviewed_clocks",
    "submitted_registrations",
    "within",
]

Values = dict[Scope, Decimal]

# The field each scope kind narrows by, per kind of row.
BOOK = {"route": "route", "team": "owner_team_id", "user": "owner_user_id", "partner": "partner_id"}
SOURCED = {
    "route": "sourced_route",
    "team": "sourced_team_id",
    "user": "sourced_user_id",
    "partner": "sourced_partner_id",
}
CREDIT = {"route": "route", "team": "team_id", "user": "user_id", "partner": "partner_id"}
LEADS = {"route": "route", "team": "team_id", "user": "user_id", "partner": "partner_id"}
REGISTRATIONS = {
    "route": "route",
    "team": "registrant_team_id",
    "user": "registrant_user_id",
    "partner": "registrant_partner_id",
}
HUNDRED = Decimal(100)


def facts(filters: Filters, prefix: str = "") -> Q:
    """The filters, on opportunity facts (through `prefix`, e.g. "fact__")."""
    q = Q()
    if filters.territory:
        q &= Q(**{prefix + "territory": filters.territory})
    if filters.segment:
        q &= Q(**{prefix + "segment_id": filters.segment})
    if filters.route:
        q &= Q(**{prefix + "route": filters.route})
    if filters.partner:
        q &= Q(**{prefix + "partner_id": filters.partner})
    if filters.team:
        q &= Q(**{prefix + "owner_team_id": filters.team})
    if filters.product_line:
        lines = FactProductLine.objects.filter(
            fact=OuterRef(prefix + "pk" if prefix else "pk"), product_line_id=filters.product_line
        )
        q &= Q(Exists(lines))
    return q


def book_facts(query: MetricQuery, *, closed: bool = False) -> QuerySet:
    """Facts of the quarter (opened in it, or with `closed` closed in it), filtered."""
    rows = OpportunityFact.objects.filter(facts(query.filters))
    if closed:
        return rows.filter(closed_quarter=query.start)
    return rows.filter(created_quarter=query.start)


def lead_facts(query: MetricQuery) -> QuerySet:
    rows = LeadFact.objects.filter(assigned_quarter=query.start)
    if query.filters.territory:
        rows = rows.filter(territory=query.filters.territory)
    if query.filters.route:
        rows = rows.filter(route=query.filters.route)
    if query.filters.partner:
        rows = rows.filter(partner_id=query.filters.partner)
    if query.filters.team:
        rows = rows.filter(team_id=query.filters.team)
    return rows


def _per_scope(
    query: MetricQuery, rows: QuerySet, fields: Mapping[str, str], aggregate: dict
) -> dict[Scope, dict]:
    """`aggregate` over the rows of each scope: one query per kind of scope (grouped by its
    field), one for the tenant."""
    found: dict[Scope, dict] = {}
    by_kind: dict[str, list[Scope]] = defaultdict(list)
    for scope in query.scopes:
        by_kind[scope.kind].append(scope)
    for kind, scopes in by_kind.items():
        if kind == "tenant":
            found[scopes[0]] = rows.aggregate(**aggregate)
            continue
        field = fields[kind]
        keys = {s.key: s for s in scopes}
        grouped = rows.filter(**{f"{field}__in": list(keys)}).values(field).annotate(**aggregate)
        for row in grouped.order_by():
            found[keys[row[field]]] = row
    return found


# --- the cells (scorecards.cells): what the opportunity metrics read ----------------------------


def cells(query: MetricQuery, table: type[Cell], *, detailed: bool | None = None) -> QuerySet:
    """The cells of the query's quarter narrowed by its filters: the totals' grain unless a filter
    other than the product line asks for the detailed one (or `detailed` says which)."""
    f = query.filters
    narrowing = {
        "territory": f.territory,
        "segment": f.segment,
        "owner_route": f.route,
        "owner_partner": f.partner,
        "owner_team": f.team,
    }
    narrowing = {column: value for column, value in narrowing.items() if value}
    if detailed is None:
        detailed = bool(narrowing)
    return table.objects.filter(
        quarter=query.start, product_line=f.product_line or 0, detailed=detailed, **narrowing
    )


def cell_key(scope: Scope) -> tuple[str, str]:
    return scope.kind, "" if scope.kind == "tenant" else str(scope.key)


def _cell_sums(query: MetricQuery, rows: QuerySet, measures: Iterable[str]) -> dict[Scope, dict]:
    """Each scope's sums of `measures` over `rows` (cells), in one query; scopes without a cell
    are left out."""
    keys = {cell_key(scope): scope for scope in query.scopes}
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, key in keys:
        by_kind[kind].append(key)
    wanted = Q()
    for kind, names in by_kind.items():
        wanted |= Q(scope_kind=kind, scope_key__in=names)
    grouped = (
        rows.filter(wanted)
        .values("scope_kind", "scope_key")
        .annotate(**{m: Sum(m) for m in measures})
        .order_by()
    )
    return {keys[(row["scope_kind"], row["scope_key"])]: row for row in grouped}


def pipeline_sums(query: MetricQuery) -> dict[Scope, dict]:
    """Every pipeline measure of every scope of the query: one query shared by the metrics."""
    return query.shared(
        "pipeline",
        lambda: _cell_sums(query, cells(query, PipelineCell), PIPELINE_MEASURES),
    )


def _credit_sums(query: MetricQuery) -> dict[Scope, dict]:
    """Each scope's credits under the query's model: `n` and `cents`."""
    n, cents = f"{query.model}_n", f"{query.model}_cents"
    sums = query.shared(
        "credits", lambda: _cell_sums(query, cells(query, CreditCell), CREDIT_MEASURES)
    )
    return {scope: {"n": row[n], "cents": row[cents]} for scope, row in sums.items()}


def _ratio(part: Decimal | int | None, whole: Decimal | int | None) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part or 0) * HUNDRED / Decimal(whole)).quantize(Decimal("0.1"))


def money_of(value: Decimal | int | None) -> Decimal:
    """A sum of money to the cent (an empty sum is 0: callers leave out scopes without rows)."""
    return Decimal(value or 0).quantize(Decimal("0.01"))


def money(cents: int | None) -> Decimal:
    """Cents (the cells' money) as an amount."""
    return (Decimal(cents or 0) / HUNDRED).quantize(Decimal("0.01"))


# --- pipeline -------------------------------------------------------------------------------


def sourced_pipeline(query: MetricQuery) -> Values:
    return {s: money(r["sourced_cents"]) for s, r in pipeline_sums(query).items() if r["sourced_n"]}


def influenced_pipeline(query: MetricQuery) -> Values:
    """The whole amount of every opportunity the scope touched or sourced (each once)."""
    return {
        s: money(r["influenced_cents"])
        for s, r in pipeline_sums(query).items()
        if r["influenced_n"]
    }


def attributed_pipeline(query: MetricQuery) -> Values:
    return {s: money(r["cents"]) for s, r in _credit_sums(query).items() if r["n"]}


def partner_sourced_share(query: MetricQuery) -> Values:
    return {
        s: v
        for s, r in pipeline_sums(query).items()
        if (v := _ratio(r["partner_sourced_cents"], r["book_cents"])) is not None
    }


def co_sold_deals(query: MetricQuery) -> Values:
    return {s: Decimal(r["co_sold_n"]) for s, r in pipeline_sums(query).items() if r["book_n"]}


# --- campaigns and offers --------------------------------------------------------------------


def campaign_sourced_pipeline(query: MetricQuery) -> Values:
    """Of the scope's sourced pipeline, what came from a campaign: 0 for a scope that sourced
    pipeline and none of it from a campaign."""
    return {
        s: money(r["campaign_sourced_cents"])
        for s, r in pipeline_sums(query).items()
        if r["sourced_n"]
    }


def campaign_influenced_pipeline(query: MetricQuery) -> Values:
    """Of the scope's influenced pipeline, what a touch naming a campaign influenced too."""
    return {
        s: money(r["campaign_influenced_cents"])
        for s, r in pipeline_sums(query).items()
        if r["influenced_n"]
    }


def within(query: MetricQuery, names: frozenset[str]) -> MetricQuery:
    """The query with only the filters in `names` (a metric's `filtered_by`: the others do not
    apply to it, and the page says so); the query itself when those are all it has, so that its
    shared reads stay shared."""
    kept = Filters(**{name: getattr(query.filters, name) for name in names})
    if kept == query.filters:
        return query
    return query.shared(f"within:{sorted(names)}", lambda: replace(query, filters=kept, memo={}))


def _by_response(filters: Filters) -> Q:
    """The filters that campaign responses have: the route (a partner's response or the
    manufacturer's own) and the partner."""
    q = Q()
    if filters.route:
        q &= Q(partner__isnull=filters.route != "partner")
    if filters.partner:
        q &= Q(partner_id=filters.partner)
    return q


def quarter_responses(query: MetricQuery) -> QuerySet:
    """Campaign responses of the quarter (the tenant's days), filtered."""
    start, end = _bounds(query)
    return CampaignResponse.objects.filter(
        _by_response(query.filters), occurred_at__gte=start, occurred_at__lt=end
    )


def response_scope(scope: Scope) -> Q:
    """The responses that count for a scope (`_response_counts` says which, row by row)."""
    if scope.kind == "route":
        return Q(partner__isnull=scope.key != "partner")
    if scope.kind == "partner":
        return Q(partner_id=scope.key)
    if scope.kind == "user":
        return Q(lead__assigned_user_id=scope.key)
    if scope.kind == "team":
        assert isinstance(scope.key, int), scope
        reps = Membership.objects.filter(team_id=scope.key).values("user_id")
        return Q(lead__assigned_team_id=scope.key) | Q(
            lead__assigned_team__isnull=True, lead__assigned_user_id__in=reps
        )
    return Q()


def _response_counts(query: MetricQuery) -> dict[Scope, int]:
    """Each scope's campaign responses in the quarter, scopes without any left out: one query
    grouped by the response's partner and the team and rep its lead was assigned to, shared by
    the metrics. A response counts for its partner and the partner route, or without a partner
    for the direct route; for the team its lead was assigned to (or the assigned rep's team) and
    for the rep, as the lead figures count leads."""

    def read() -> dict[Scope, int]:
        grouped = list(
            quarter_responses(query)
            .values_list("partner_id", "lead__assigned_team_id", "lead__assigned_user_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        wanted = {cell_key(scope): scope for scope in query.scopes}
        teams: dict[int, int] = {}
        if any(kind == "team" for kind, _ in wanted):
            reps = Membership.objects.filter(team__isnull=False)
            teams = dict(reps.values_list("user_id", "team_id"))
        found: dict[Scope, int] = defaultdict(int)
        for partner, team, user, n in grouped:
            keys = {
                "tenant": "",
                "route": "partner" if partner else "direct",
                "partner": partner,
                "team": team or (teams.get(user) if user else None),
                "user": user,
            }
            for kind, key in keys.items():
                scope = wanted.get((kind, str(key))) if key is not None else None
                if scope is not None:
                    found[scope] += n
        return dict(found)

    return query.shared("responses", read)


def offer_responses(query: MetricQuery) -> Values:
    return {s: Decimal(n) for s, n in _response_counts(query).items()}


def offer_conversion(query: MetricQuery) -> Values:
    """Opportunities of the scope's book opened in the quarter with an offer set, per 100 of its
    campaign responses in the quarter; no response: no figure. The opportunities are read from
    the cells under the same filters as the responses."""
    responses = _response_counts(query)
    if not responses:
        return {}
    book = pipeline_sums(within(query, RESPONSE_FILTERS))
    return {
        s: v
        for s, n in responses.items()
        if (v := _ratio(book[s]["offer_n"] if s in book else 0, n)) is not None
    }


# --- conversion ------------------------------------------------------------------------------


def _closed(query: MetricQuery) -> dict[Scope, dict]:
    return {s: r for s, r in pipeline_sums(query).items() if r["closed_n"]}


def won_revenue(query: MetricQuery) -> Values:
    return {s: money(r["won_cents"]) for s, r in _closed(query).items()}


def win_rate_count(query: MetricQuery) -> Values:
    return {
        s: v
        for s, r in _closed(query).items()
        if (v := _ratio(r["won_n"], r["closed_n"])) is not None
    }


def win_rate_value(query: MetricQuery) -> Values:
    return {
        s: v
        for s, r in _closed(query).items()
        if (v := _ratio(r["won_cents"], r["closed_cents"])) is not None
    }


def pipeline_velocity(query: MetricQuery) -> Values:
    """Closed opportunities times win rate times average won amount, divided by the average
    days to win: what the scope turns into revenue per day. No closed opportunity: no figure;
    none won: 0."""
    found: Values = {}
    for scope, r in _closed(query).items():
        if not r["won_n"]:
            found[scope] = Decimal("0.00")
            continue
        rate = Decimal(r["won_n"]) / Decimal(r["closed_n"])
        average_won = Decimal(r["won_cents"]) / HUNDRED / r["won_n"]
        average_days = max(Decimal(r["won_days"]) / r["won_n"], Decimal(1))
        found[scope] = money_of(Decimal(r["closed_n"]) * rate * average_won / average_days)
    return found


# --- service: leads and registrations --------------------------------------------------------


def _lead_values(query: MetricQuery) -> dict[Scope, list]:
    """(speed, SLA met) of each scope's leads of the quarter: one query for every scope."""

    def read() -> dict[Scope, list]:
        by_scope: dict[Scope, list] = {scope: [] for scope in query.scopes}
        wanted = {cell_key(scope): scope for scope in query.scopes}
        kinds = {kind for kind, _ in wanted}
        names = ("route", "partner_id", "team_id", "user_id")
        for *keys, speed, met in lead_facts(query).values_list(*names, "speed_hours", "sla_met"):
            row = dict(zip(names, keys, strict=True))
            for kind in kinds:
                key = "" if kind == "tenant" else row[LEADS[kind]]
                scope = wanted.get((kind, "" if key is None else str(key)))
                if scope is not None and (kind == "tenant" or key is not None):
                    by_scope[scope].append((speed, met))
        return by_scope

    return query.shared("leads", read)


def _percentile(values: list[Decimal], share: float) -> Decimal:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    value = ordered[low] + (ordered[high] - ordered[low]) * Decimal(position - low)
    return value.quantize(Decimal("0.1"))


def _speed(share: float) -> Callable[[MetricQuery], Values]:
    def compute(query: MetricQuery) -> Values:
        found: Values = {}
        for scope, rows in _lead_values(query).items():
            speeds = [speed for speed, _ in rows if speed is not None]
            if speeds:
                found[scope] = (
                    Decimal(statistics.median(speeds)).quantize(Decimal("0.1"))
                    if share == 0.5
                    else _percentile(speeds, share)
                )
        return found

    return compute


def lead_sla_attainment(query: MetricQuery) -> Values:
    found: Values = {}
    for scope, rows in _lead_values(query).items():
        decided = [met for _, met in rows if met is not None]
        if decided:
            found[scope] = _ratio(sum(decided), len(decided)) or Decimal(0)
    return found


def _bounds(query: MetricQuery) -> tuple[dt.datetime, dt.datetime]:
    """The quarter as moments: from its first day's start to the next quarter's, local time."""
    zone = query.tenant.zone
    return (
        dt.datetime.combine(query.start, dt.time(), tzinfo=zone),
        dt.datetime.combine(query.following, dt.time(), tzinfo=zone),
    )


def _by_registration(filters: Filters, prefix: str = "") -> Q:
    """The filters that registrations have (no territory, segment or product line)."""
    q = Q()
    if filters.route:
        q &= Q(**{prefix + "route": filters.route})
    if filters.partner:
        q &= Q(**{prefix + "registrant_partner_id": filters.partner})
    if filters.team:
        q &= Q(**{prefix + "registrant_team_id": filters.team})
    return q


def submitted_registrations(query: MetricQuery) -> QuerySet:
    """Registrations submitted in the quarter (the tenant's days), filtered: the conflict rate's."""
    start, end = _bounds(query)
    return DealRegistration.objects.filter(
        _by_registration(query.filters), submitted_at__gte=start, submitted_at__lt=end
    )


def reviewed_clocks(query: MetricQuery) -> QuerySet:
    """The manufacturer's review clocks stopped in the quarter, on filtered registrations: the
    manufacturer's SLA's."""
    start, end = _bounds(query)
    return RegistrationClock.objects.filter(
        _by_registration(query.filters, "registration__"),
        side=ClockSide.VENDOR,
        stopped_at__gte=start,
        stopped_at__lt=end,
    )


def conflict_rate(query: MetricQuery) -> Values:
    conflicted = RegistrationConflict.objects.filter(registration=OuterRef("pk"))
    rows = _per_scope(
        query,
        submitted_registrations(query).annotate(conflicted=Exists(conflicted)),
        REGISTRATIONS,
        {"n": Count("id"), "hit": Count("id", filter=Q(conflicted=True))},
    )
    return {s: v for s, r in rows.items() if (v := _ratio(r["hit"], r["n"])) is not None}


def registration_sla_attainment(query: MetricQuery) -> Values:
    """The manufacturer's side: its review clocks on the scope's registrations, stopped in the
    quarter, that stopped in time."""
    fields = {kind: f"registration__{field}" for kind, field in REGISTRATIONS.items()}
    rows = _per_scope(
        query,
        reviewed_clocks(query),
        fields,
        {"n": Count("id"), "late": Count("id", filter=Q(breached_at__isnull=False))},
    )
    return {s: v for s, r in rows.items() if (v := _ratio(r["n"] - r["late"], r["n"])) is not None}


def discount_leakage(query: MetricQuery) -> Values:
    """Revenue given away beyond the corridors on the scope's opportunities opened in the
    quarter, converted to the tenant's currency like their amounts: 0 for a scope whose book
    has opportunities and no leakage."""
    found: Values = {s: Decimal(0) for s, r in pipeline_sums(query).items() if r["book_n"]}
    if not found:
        return found
    fields = ("route", "owner_team_id", "owner_user_id", "partner_id")
    leaking = book_facts(query).filter(
        opportunity_id__in=DiscountLeakage.objects.values("opportunity_id")
    )
    book = {row[0]: row[1:] for row in leaking.values_list("opportunity_id", *fields)}
    if book:
        convert = rollup.converter(query.tenant)
        leaks = DiscountLeakage.objects.filter(opportunity_id__in=leaking.values("opportunity_id"))
        for opportunity, amount, currency, day in leaks.values_list(
            "opportunity_id", "amount", "currency", "opportunity__opened_on"
        ):
            value = convert(amount, currency, day) or Decimal(0)
            owner = dict(zip(fields, book[opportunity], strict=True))
            for scope in found:
                if scope.kind == "tenant" or owner[BOOK[scope.kind]] == scope.key:
                    found[scope] += value
    return {s: money_of(v) for s, v in found.items()}


def _register(metrics: Iterable[Metric]) -> None:
    for item in metrics:
        register_metric(item)


OPPORTUNITY_FILTERS = frozenset(
    {"territory", "segment", "product_line", "route", "partner", "team"}
)
LEAD_FILTERS = frozenset({"territory", "route", "partner", "team"})
REGISTRATION_FILTERS = frozenset({"route", "partner", "team"})
RESPONSE_FILTERS = frozenset({"route", "partner"})

_register(
    [
        Metric(
            "sourced_pipeline",
            "Sourced pipeline",
            "money",
            sourced_pipeline,
            order=10,
            filtered_by=OPPORTUNITY_FILTERS,
            help="Opened this quarter, sourced by them.",
        ),
        Metric(
            "influenced_pipeline",
            "Influenced pipeline",
            "money",
            influenced_pipeline,
            order=20,
            filtered_by=OPPORTUNITY_FILTERS,
            help="Opened this quarter, touched by them within the lookback or while open.",
        ),
        Metric(
            "campaign_sourced_pipeline",
            "Campaign-sourced pipeline",
            "money",
            campaign_sourced_pipeline,
            order=22,
            filtered_by=OPPORTUNITY_FILTERS,
            help="Their sourced pipeline of this quarter that came from a campaign.",
        ),
        Metric(
            "campaign_influenced_pipeline",
            "Campaign-influenced pipeline",
            "money",
            campaign_influenced_pipeline,
            order=24,
            filtered_by=OPPORTUNITY_FILTERS,
            help="Their influenced pipeline of this quarter that a campaign's touch influenced.",
        ),
        Metric(
            "attributed_pipeline",
            "Attributed pipeline",
            "money",
            attributed_pipeline,
            order=30,
            by_model=True,
            filtered_by=OPPORTUNITY_FILTERS,
            help="Their share of the quarter's pipeline under the attribution model.",
        ),
        Metric(
            "partner_sourced_share",
            "Partner-sourced share",
            "percent",
            partner_sourced_share,
            order=40,
            filtered_by=OPPORTUNITY_FILTERS,
            help="Of the pipeline they own, the share a partner sourced.",
        ),
        Metric(
            "co_sold_deals",
            "Co-sold deals",
            "count",
            co_sold_deals,
            order=50,
            filtered_by=OPPORTUNITY_FILTERS,
            help="Their opportunities opened this quarter that both routes touched.",
        ),
        Metric(
            "offer_responses",
            "Offer responses",
            "count",
            offer_responses,
            order=56,
            section="conversion",
            filtered_by=RESPONSE_FILTERS,
            help="Responses to campaigns and offers this quarter: on their pages, or whose lead "
            "went to them.",
        ),
        Metric(
            "offer_conversion",
            "Offer conversion",
            "percent",
            offer_conversion,
            order=58,
            section="conversion",
            filtered_by=RESPONSE_FILTERS,
            help="Their opportunities opened this quarter with an offer, per 100 responses.",
        ),
        Metric(
            "won_revenue",
            "Won revenue",
            "money",
            won_revenue,
            order=60,
            section="conversion",
            filtered_by=OPPORTUNITY_FILTERS,
            help="Their opportunities won this quarter.",
        ),
        Metric(
            "win_rate_count",
            "Win rate (count)",
            "percent",
            win_rate_count,
            order=70,
            section="conversion",
            filtered_by=OPPORTUNITY_FILTERS,
            help="Won of those closed this quarter.",
        ),
        Metric(
            "win_rate_value",
            "Win rate (value)",
            "percent",
            win_rate_value,
            order=80,
            section="conversion",
            filtered_by=OPPORTUNITY_FILTERS,
            help="Won amount of the amount closed this quarter.",
        ),
        Metric(
            "pipeline_velocity",
            "Pipeline velocity",
            "money_per_day",
            pipeline_velocity,
            order=90,
            section="conversion",
            filtered_by=OPPORTUNITY_FILTERS,
            help="Closed × win rate × average won amount ÷ average days to win.",
        ),
        Metric(
            "speed_to_lead_median",
            "Speed to lead (median)",
            "hours",
            _speed(0.5),
            order=100,
            section="service",
            higher_is_better=False,
            filtered_by=LEAD_FILTERS,
            help="Business hours from a lead's arrival to its first touch.",
        ),
        Metric(
            "speed_to_lead_p90",
            "Speed to lead (90th percentile)",
            "hours",
            _speed(0.9),
            order=110,
            section="service",
            higher_is_better=False,
            filtered_by=LEAD_FILTERS,
            help="Nine in ten leads were touched within this many business hours.",
        ),
        Metric(
            "lead_sla_attainment",
            "Lead SLA attainment",
            "percent",
            lead_sla_attainment,
            order=120,
            section="service",
            filtered_by=LEAD_FILTERS,
            help="Leads assigned this quarter whose response SLA was met.",
        ),
        Metric(
            "registration_sla_attainment",
            "Manufacturer SLA on registrations",
            "percent",
            registration_sla_attainment,
            order=130,
            section="service",
            filtered_by=REGISTRATION_FILTERS,
            help="The manufacturer's review clocks on their registrations kept in time.",
        ),
        Metric(
            "conflict_rate",
            "Conflict rate",
            "percent",
            conflict_rate,
            order=140,
            section="integrity",
            higher_is_better=False,
            filtered_by=REGISTRATION_FILTERS,
            help="Registrations filed this quarter that met a conflict.",
        ),
        Metric(
            "discount_leakage",
            "Discount leakage",
            "money",
            discount_leakage,
            order=150,
            section="integrity",
            higher_is_better=False,
            filtered_by=OPPORTUNITY_FILTERS,
            help="Revenue given away beyond the pricing corridors.",
        ),
    ]
)


# --- the manufacturer's obligations on a partner's scorecard -----------------------------------


def _review_sla(tenant: Tenant, partner: Partner, quarter: Quarter) -> str:
    scope = Scope("partner", partner.pk)
    query = MetricQuery(tenant, quarter.start, quarter.following, [scope])
    kept = registration_sla_attainment(query).get(scope)
    return f"{kept}% kept" if kept is not None else "No registration decided this quarter"


def _leads_sent(tenant: Tenant, partner: Partner, quarter: Quarter) -> str:
    leads = LeadFact.objects.filter(assigned_quarter=quarter.start, partner_id=partner.pk).count()
    return f"{leads:,}"


register_obligation(
    Obligation(
        "registration_review_sla",
        "Manufacturer's review SLA on your registrations",
        _review_sla,
        order=10,
    )
)
register_obligation(Obligation("leads_sent", "Leads sent to you", _leads_sent, order=20))
