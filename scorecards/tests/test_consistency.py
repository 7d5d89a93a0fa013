"""Every scorecard figure read from the rollups equals the same figure computed directly from
the raw tables (opportunities, touches, registrations, stage history, leads), for every scope
and every attribution model; and a refresh from the change feeds after changes gives the same
rollups as a rebuild from scratch.

The direct computation below is written from docs/metrics.md, apart from scorecards.rollup and
scorecards.metrics: slow and plain, on purpose."""

from __future__ import annotations

import datetime as dt
import statistics
from decimal import Decimal

import pytest
from django.db import transaction

from accounts.models import Account
from accounts.tests.factories import ProductFactory, ProductLineFactory
from campaigns.models import Campaign
from core.metrics import Filters, Scope
from core.tenancy import tenant_scope
from dealreg.models import DealRegistration
from guardrails.engine import TerritoryMatcher
from guardrails.tests.factories import TerritoryAreaFactory, TerritoryFactory
from pipeline.models import CampaignResponse, Lead, Opportunity, OpportunityLine, Touch
from pipeline.tests.factories import TouchFactory
from routing.calendar import WorkingTime, business_minutes_between
from scorecards import attribution, cells, rollup, services
from scorecards.cells import CREDIT_MEASURES
from scorecards.choices import MODEL_KEYS
from scorecards.models import (
    CELL_KEY,
    Credit,
    CreditCell,
    ExchangeRate,
    LeadFact,
    OpportunityFact,
    PipelineCell,
    ScorecardSettings,
)
from scorecards.tests.generated import TODAY, generate
from tenancy.models import Membership
from tenancy.quarters import Quarter, fiscal_quarter

pytestmark = pytest.mark.django_db

# The figures every filter narrows (the lead figures are narrowed by the leads' own fields, the
# offer figures by the route and the partner only).
OPPORTUNITY_FIGURES = (
    "sourced_pipeline",
    "influenced_pipeline",
    "campaign_sourced_pipeline",
    "campaign_influenced_pipeline",
    "attributed_pipeline",
    "partner_sourced_share",
    "co_sold_deals",
    "won_revenue",
    "win_rate_count",
    "win_rate_value",
    "pipeline_velocity",
)
OFFER_FIGURES = ("offer_responses", "offer_conversion")
CHECKED = (
    *OPPORTUNITY_FIGURES,
    *OFFER_FIGURES,
    "lead_sla_attainment",
    "speed_to_lead_median",
)


# --- the figures straight from the raw tables ---------------------------------------------------


def _convert(tenant, amount, currency, day):
    if currency == tenant.currency:
        return amount
    rates = list(ExchangeRate.objects.filter(currency=currency).order_by("valid_from"))
    if not rates:
        return None
    rate = rates[0].rate
    for row in rates:
        if row.valid_from <= day:
            rate = row.rate
    return (amount * rate).quantize(Decimal("0.01"))


def _local(tenant, day):
    return dt.datetime.combine(day, dt.time(), tzinfo=tenant.zone)


def _team_of(user_id):
    row = Membership.objects.filter(user_id=user_id).first()
    return row.team_id if row else None


def _party(touch: Touch):
    if touch.route == "partner":
        return ("partner", touch.actor_partner_id, None, None)
    if touch.route == "direct":
        return (
            "direct",
            None,
            touch.actor_team_id or _team_of(touch.actor_user_id),
            touch.actor_user_id,
        )
    return ("marketing", None, None, None)


def _raw_opportunity(
    tenant, opp: Opportunity, lookback: dt.timedelta, half_life: float, now, territories
):
    outcome = opp.stage.outcome
    closed = opp.closed_on if outcome != "open" else None
    start = _local(tenant, opp.opened_on) - lookback
    end = _local(tenant, closed + dt.timedelta(days=1)) if closed else now
    touches = [
        t
        for t in Touch.objects.filter(account=opp.account).order_by("occurred_at", "id")
        if (t.opportunity_id == opp.pk or t.opportunity_id is None) and start <= t.occurred_at < end
    ]
    registration = (
        DealRegistration.objects.filter(opportunity=opp, state__in=("approved", "won", "lost"))
        .order_by("submitted_at", "id")
        .first()
    )
    source: tuple
    if registration is not None:
        if registration.route == "partner":
            source = ("partner", registration.registrant_partner_id, None, None)
        else:
            source = (
                "direct",
                None,
                registration.registrant_team_id,
                registration.registrant_user_id,
            )
    elif opp.source == "partner" and opp.partner_id:
        source = ("partner", opp.partner_id, None, None)
    elif opp.source == "direct":
        source = (
            "direct",
            None,
            opp.owner_team_id or _team_of(opp.owner_user_id),
            opp.owner_user_id,
        )
    elif opp.source == "marketing":
        source = ("marketing", None, None, None)
    else:
        before = [
            t
            for t in touches
            if t.occurred_at < _local(tenant, opp.opened_on + dt.timedelta(days=1))
        ]
        source = _party(before[0]) if before else ("unknown", None, None, None)
    amount = _convert(tenant, opp.amount, opp.currency, opp.opened_on)
    credits: dict[str, dict] = {}
    if amount is not None:
        if touches:
            deal = attribution.Deal(
                amount, _local(tenant, opp.opened_on), _local(tenant, closed) if closed else None
            )
            points = [attribution.TouchPoint(t.occurred_at, _party(t), t.route) for t in touches]
            credits = {
                m: attribution.credit(m, deal, points, half_life_days=half_life) for m in MODEL_KEYS
            }
            if source[0] != "unknown" and source not in {p.party for p in points}:
                with_source = [*points, attribution.TouchPoint(deal.created_at, source, source[0])]
                credits["collaboration"] = attribution.credit(
                    "collaboration", deal, with_source, half_life_days=half_life
                )
        elif source[0] != "unknown":
            credits = {m: {source: amount} for m in MODEL_KEYS}
    routes = {t.route for t in touches}
    return {
        "campaign": opp.campaign_id,
        "offer": opp.offer_id,
        "campaign_touched": any(t.campaign_id is not None for t in touches),
        "created": fiscal_quarter(tenant, opp.opened_on)[0],
        "closed": fiscal_quarter(tenant, closed)[0] if closed else None,
        "outcome": outcome,
        "amount": amount,
        "source": source,
        "credits": credits,
        "book": (
            "direct" if opp.route == "direct" else "partner",
            opp.owner_team_id,
            opp.owner_user_id,
            opp.partner_id,
        ),
        "co_sold": "direct" in routes and "partner" in routes,
        "cycle": (closed - opp.opened_on).days if closed else None,
        "where": {
            "territory": territories.primary(
                opp.account.country, opp.account.region, opp.account.postal_code
            ),
            "segment": opp.account.segment_id,
            "route": opp.route,
            "partner": opp.partner_id,
            "team": opp.owner_team_id,
            "product_lines": {line.product.product_line_id for line in opp.lines.all()},
        },
    }


def _party_in(scope: Scope, party) -> bool:
    route, partner, team, user = party
    return {
        "tenant": True,
        "route": route == scope.key,
        "team": team == scope.key,
        "user": user == scope.key,
        "partner": partner == scope.key,
    }[scope.kind]


def _book_in(scope: Scope, book) -> bool:
    route, team, user, partner = book
    return {
        "tenant": True,
        "route": route == scope.key,
        "team": team == scope.key,
        "user": user == scope.key,
        "partner": partner == scope.key,
    }[scope.kind]


def _pct(part, whole):
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1")) if whole else None


def raw_opportunities(tenant) -> list[dict]:
    settings = rollup.settings_of(tenant)
    lookback = dt.timedelta(days=settings.lookback_days)
    now = dt.datetime.now(dt.UTC)
    territories = TerritoryMatcher.for_tenant()
    return [
        _raw_opportunity(tenant, o, lookback, float(settings.half_life_days), now, territories)
        for o in Opportunity.objects.select_related("stage", "account").prefetch_related(
            "lines__product"
        )
    ]


def _passes(opportunity: dict, filters: Filters) -> bool:
    """The opportunity is among those the filters narrow the figures to."""
    where = opportunity["where"]
    wanted = {
        "territory": filters.territory,
        "segment": filters.segment,
        "route": filters.route,
        "partner": filters.partner,
        "team": filters.team,
    }
    if any(value and where[name] != value for name, value in wanted.items()):
        return False
    return not filters.product_line or filters.product_line in where["product_lines"]


def _raw_responses(tenant, scope: Scope, quarter: Quarter, filters: Filters) -> int:
    """The scope's campaign responses in the quarter: its partner's (route: partner or not), or
    those whose lead went to its team (or a rep of it) or rep."""
    counted = 0
    for response in CampaignResponse.objects.select_related("lead"):
        day = response.occurred_at.astimezone(tenant.zone).date()
        if fiscal_quarter(tenant, day)[0] != quarter.start:
            continue
        route = "partner" if response.partner_id else "direct"
        if filters.route and route != filters.route:
            continue
        if filters.partner and response.partner_id != filters.partner:
            continue
        lead = response.lead
        team = (lead.assigned_team_id or _team_of(lead.assigned_user_id)) if lead else None
        user = lead.assigned_user_id if lead else None
        counted += _party_in(scope, (route, response.partner_id, team, user))
    return counted


def raw_figures(
    tenant,
    opps: list[dict],
    scope: Scope,
    quarter: Quarter,
    model: str,
    filters: Filters | None = None,
) -> dict:
    created = [o for o in opps if o["created"] == quarter.start]
    priced = [o for o in created if o["amount"] is not None]
    closed = [o for o in opps if o["closed"] == quarter.start and _book_in(scope, o["book"])]
    book = [o for o in created if _book_in(scope, o["book"])]
    figures: dict = {}
    sourced = [o for o in priced if _party_in(scope, o["source"])]
    if sourced:
        figures["sourced_pipeline"] = sum(o["amount"] for o in sourced)
    touched = [
        o for o in priced if any(_party_in(scope, p) for p in o["credits"].get("collaboration", {}))
    ]
    if touched:
        figures["influenced_pipeline"] = sum(o["amount"] for o in touched)
    if sourced:
        figures["campaign_sourced_pipeline"] = sum(o["amount"] for o in sourced if o["campaign"])
    if touched:
        figures["campaign_influenced_pipeline"] = sum(
            o["amount"] for o in touched if o["campaign_touched"]
        )
    responses = _raw_responses(tenant, scope, quarter, filters or Filters())
    if responses:
        figures["offer_responses"] = Decimal(responses)
        figures["offer_conversion"] = _pct(sum(1 for o in book if o["offer"]), responses)
    shares = [
        amount
        for o in priced
        for party, amount in o["credits"].get(model, {}).items()
        if _party_in(scope, party)
    ]
    if shares:
        figures["attributed_pipeline"] = sum(shares)
    book_priced = [o for o in book if o["amount"] is not None]
    if book_priced:
        total = sum(o["amount"] for o in book_priced)
        share = _pct(sum(o["amount"] for o in book_priced if o["source"][0] == "partner"), total)
        if share is not None:
            figures["partner_sourced_share"] = share
    if book:
        figures["co_sold_deals"] = Decimal(sum(o["co_sold"] for o in book))
    if closed:
        won = [o for o in closed if o["outcome"] == "won"]
        won_value = sum((o["amount"] or 0) for o in won)
        figures["won_revenue"] = Decimal(won_value).quantize(Decimal("0.01"))
        figures["win_rate_count"] = _pct(len(won), len(closed))
        closed_value = sum((o["amount"] or 0) for o in closed)
        if closed_value:
            figures["win_rate_value"] = _pct(won_value, closed_value)
        if won:
            days = max(Decimal(sum(o["cycle"] for o in won)) / len(won), Decimal(1))
            velocity = (
                Decimal(len(closed))
                * (Decimal(len(won)) / len(closed))
                * (Decimal(won_value) / len(won))
                / days
            )
            figures["pipeline_velocity"] = velocity.quantize(Decimal("0.01"))
        else:
            figures["pipeline_velocity"] = Decimal("0.00")
    hours = WorkingTime.of(tenant)
    leads = [
        lead
        for lead in Lead.objects.filter(assigned_at__isnull=False)
        if lead.assigned_at is not None
        and fiscal_quarter(tenant, lead.assigned_at.astimezone(tenant.zone).date())[0]
        == quarter.start
        and _party_in(
            scope,
            (
                lead.route,
                lead.assigned_partner_id,
                lead.assigned_team_id or _team_of(lead.assigned_user_id),
                lead.assigned_user_id,
            ),
        )
    ]
    decided = [lead.sla_met for lead in leads if lead.sla_met is not None]
    if decided:
        figures["lead_sla_attainment"] = _pct(sum(decided), len(decided))
    speeds = [
        Decimal(
            business_minutes_between(hours, lead.created_at, lead.first_touch_at) / 60
        ).quantize(Decimal("0.01"))
        for lead in leads
        if lead.first_touch_at
    ]
    if speeds:
        figures["speed_to_lead_median"] = Decimal(statistics.median(speeds)).quantize(
            Decimal("0.1")
        )
    return {
        k: Decimal(v).quantize(Decimal("0.01")) if k.endswith(("pipeline", "revenue")) else v
        for k, v in figures.items()
    }


# --- the tests ---------------------------------------------------------------------------------


def _scopes(world) -> list[Scope]:
    return [
        Scope("tenant"),
        Scope("route", "direct"),
        Scope("route", "partner"),
        Scope("team", world.orgs["team"].pk),
        Scope("team", world.orgs["other_team"].pk),
        Scope("partner", world.orgs["partner"].pk),
        Scope("partner", world.orgs["other_partner"].pk),
        Scope("user", world.users["rep"].pk),
        Scope("user", world.users["other_team_rep"].pk),
    ]


def _from_rollups(tenant, scope, quarter, model, filters=None) -> dict:
    card = services.scorecard(tenant, scope, quarter, model=model, filters=filters)
    return {
        row.metric.key: row.value
        for row in card.rows
        if row.metric.key in CHECKED and row.value is not None
    }


@pytest.fixture
def generated(world):
    with tenant_scope(world.tenant):
        generate(world)
    return world


def test_every_figure_equals_the_raw_tables_for_every_scope_and_model(generated):
    tenant = generated.tenant
    with tenant_scope(tenant):
        rollup.rebuild(tenant)
        quarters = [Quarter.of(tenant, TODAY).shifted(-n) for n in range(3)]
        compared = 0
        counted: set[tuple[str, str]] = set()  # (figure, scope kind) with a figure above 0
        opps = raw_opportunities(tenant)
        for quarter in quarters:
            for scope in _scopes(generated):
                for model in MODEL_KEYS:
                    expected = raw_figures(tenant, opps, scope, quarter, model)
                    assert _from_rollups(tenant, scope, quarter, model) == expected, (
                        scope,
                        quarter.code,
                        model,
                    )
                    compared += len(expected)
                    counted |= {(key, scope.kind) for key, value in expected.items() if value}
    assert compared > 1000  # the generated tenant gives every figure something to count
    # The campaign and offer figures come to something for every kind of scope.
    kinds = ("tenant", "route", "team", "user", "partner")
    campaigns = ("campaign_sourced_pipeline", "campaign_influenced_pipeline", *OFFER_FIGURES)
    assert {(key, kind) for key in campaigns for kind in kinds} <= counted


def test_filtered_figures_equal_the_raw_tables(generated):
    """Every filter narrows the figures as it narrows the raw opportunities: territory, segment,
    product line, route, partner, team, alone and together."""
    tenant, orgs = generated.tenant, generated.orgs
    with tenant_scope(tenant):
        south = TerritoryFactory(tenant=tenant, code="south", name="South")
        TerritoryAreaFactory(tenant=tenant, territory=south, country="DE", region="DE-BY")
        accounts = sorted({o.account_id for o in Opportunity.objects.all()})
        Account.objects.filter(pk__in=accounts[::2]).update(region="DE-BW")  # no territory
        lines = [ProductLineFactory(tenant=tenant) for _ in range(2)]
        products = [ProductFactory(tenant=tenant, product_line=line) for line in lines]
        for n, opp in enumerate(Opportunity.objects.order_by("pk")):
            for product in products[: n % 3]:  # none, the first line, or both
                OpportunityLine.objects.create(
                    tenant=tenant, opportunity=opp, product=product, quantity=1, list_price=100
                )
        rollup.rebuild(tenant)
        opps = raw_opportunities(tenant)
        segment = Opportunity.objects.earliest("pk").account.segment_id
        choices = [
            Filters(territory="south"),
            Filters(segment=segment),
            Filters(product_line=lines[0].pk),
            Filters(product_line=lines[1].pk, route="direct"),
            Filters(route="partner"),
            Filters(partner=orgs["partner"].pk),
            Filters(team=orgs["team"].pk, territory="south"),
        ]
        compared = 0
        for quarter in [Quarter.of(tenant, TODAY).shifted(-n) for n in range(3)]:
            for filters in choices:
                kept = [o for o in opps if _passes(o, filters)]
                response_filters = Filters(route=filters.route, partner=filters.partner)
                by_responses = [o for o in opps if _passes(o, response_filters)]
                for scope in _scopes(generated):
                    expected = raw_figures(tenant, kept, scope, quarter, "w_shaped")
                    expected = {k: v for k, v in expected.items() if k in OPPORTUNITY_FIGURES}
                    # The offer figures: narrowed by the route and the partner only.
                    offered = raw_figures(
                        tenant, by_responses, scope, quarter, "w_shaped", response_filters
                    )
                    expected |= {k: v for k, v in offered.items() if k in OFFER_FIGURES}
                    found = _from_rollups(tenant, scope, quarter, "w_shaped", filters)
                    assert found.keys() - {"lead_sla_attainment", "speed_to_lead_median"} == (
                        expected.keys()
                    ), (scope, quarter.code, filters)
                    found = {k: v for k, v in found.items() if k in expected}
                    assert found == expected, (scope, quarter.code, filters)
                    compared += len(expected)
    assert compared > 500


def _rows(queryset, *fields) -> list[str]:
    return sorted(map(repr, queryset.values_list(*fields)))


def _snapshot() -> tuple:
    facts = _rows(
        OpportunityFact.objects,
        "opportunity_id",
        "amount",
        "sourced_route",
        "sourced_partner_id",
        "sourced_team_id",
        "sourced_user_id",
        "outcome",
        "closed_quarter",
        "touched_direct",
        "touched_partner",
        "campaign_id",
        "offer_id",
        "campaign_touched",
    )
    credits = _rows(
        Credit.objects,
        "fact__opportunity_id",
        "model",
        "route",
        "partner_id",
        "team_id",
        "user_id",
        "amount",
    )
    leads = _rows(LeadFact.objects, "lead_id", "speed_hours", "sla_met", "partner_id")
    return facts, credits, leads, _cells()


def _cells() -> tuple:
    """The cells that sum something (a refresh may leave emptied ones, which read as none)."""
    key = [f.name for f in PipelineCell._meta.fields if f.name in CELL_KEY]
    measures = [f.name for f in PipelineCell._meta.fields if f.name.endswith(("_n", "_cents"))]
    measures.append("won_days")
    pipeline = _rows(
        PipelineCell.objects.exclude(book_n=0, sourced_n=0, influenced_n=0, closed_n=0),
        *key,
        *measures,
    )
    credits = _rows(CreditCell.objects.exclude(collaboration_n=0), *key, *CREDIT_MEASURES)
    return pipeline, credits


@pytest.mark.django_db(transaction=True)
def test_a_refresh_after_changes_gives_what_a_rebuild_gives(generated):
    """Committed changes, as in production: on PostgreSQL the change feed hands out only what
    committed transactions wrote (core/sync.py), so the changes are not made inside the test's
    own transaction."""
    tenant, orgs, users = generated.tenant, generated.orgs, generated.users
    with tenant_scope(tenant):
        rollup.rebuild(tenant)
        opportunity = Opportunity.objects.earliest("pk")
        # A partner touch on an account (no opportunity named), a won deal, an approved
        # registration and a lead answered: the four feeds.
        TouchFactory(
            tenant=tenant,
            account=opportunity.account,
            route="partner",
            actor_partner=orgs["other_partner"],
            occurred_at=dt.datetime.combine(opportunity.opened_on, dt.time(9), tzinfo=dt.UTC),
        )
        other = Opportunity.objects.latest("pk")
        other.amount = Decimal("12345.67")
        other.save()
        DealRegistration.objects.create(
            tenant=tenant,
            route="direct",
            registrant_team=orgs["team"],
            registrant_user=users["rep"],
            title="Late claim",
            estimated_amount=Decimal(1),
            currency="EUR",
            state="approved",
            submitted_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
            opportunity=Opportunity.objects.order_by("pk")[3],
        )
        # A touch gains a campaign, an opportunity loses its own.
        touch = Touch.objects.filter(campaign__isnull=True, opportunity__isnull=False).earliest(
            "pk"
        )
        touch.campaign = Campaign.objects.earliest("pk")
        touch.save()
        campaigned = Opportunity.objects.filter(campaign__isnull=False).earliest("pk")
        campaigned.campaign, campaigned.offer = None, None
        campaigned.save()
        lead = Lead.objects.filter(first_touch_at__isnull=True).earliest("pk")
        lead.first_touch_at = lead.created_at + dt.timedelta(hours=5)
        lead.sla_met = True
        lead.save()
        before = _snapshot()
        assert rollup.refresh(tenant) > 0
        refreshed = _snapshot()
        assert refreshed != before
        rollup.rebuild(tenant)
        assert _snapshot() == refreshed
        # Nothing changed since: a refresh writes nothing.
        assert rollup.refresh(tenant) == 0


def test_a_rebuild_that_fails_halfway_leaves_cells_that_sum_the_facts(generated, monkeypatch):
    """The facts rebuilt before the failure are new (a shorter lookback here): the cells the
    pages read must sum those, not the old ones, or every later refresh would start from sums
    of facts that are gone."""
    tenant = generated.tenant
    with tenant_scope(tenant):
        rollup.rebuild(tenant)
        ScorecardSettings.objects.filter(tenant=tenant).update(lookback_days=1)
        built = rollup._build_chunk
        calls = []

        def fails_third(ctx, ids, keep_cells):
            calls.append(ids)
            if len(calls) == 3:
                raise RuntimeError("the database went away")
            return built(ctx, ids, keep_cells)

        monkeypatch.setattr(rollup, "CHUNK", 10)
        monkeypatch.setattr(rollup, "_build_chunk", fails_third)
        with pytest.raises(RuntimeError):
            rollup.rebuild(tenant)
        after_failure = _cells()
        with transaction.atomic():
            cells.rebuild(tenant)
        assert _cells() == after_failure
