"""The campaign and offer rows of the scorecard (docs/metrics.md): campaign-sourced and
campaign-influenced pipeline, offer responses and offer conversion, on a small world whose
figures are worked out by hand, for the tenant, its routes, a team, a rep and a partner."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from campaigns.models import CampaignOffer
from campaigns.tests.factories import CampaignFactory, OfferFactory
from core.metrics import Filters, MetricQuery, Scope, metric
from core.tenancy import tenant_scope
from pipeline.models import Lead, Opportunity
from pipeline.tests.factories import CampaignResponseFactory, OpportunityFactory, TouchFactory
from scorecards import rollup, services
from scorecards.models import OpportunityFact
from tenancy.quarters import Quarter

pytestmark = pytest.mark.django_db

OPENED = dt.date(2026, 11, 2)
KEYS = (
    "campaign_sourced_pipeline",
    "campaign_influenced_pipeline",
    "offer_responses",
    "offer_conversion",
)


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


@pytest.fixture
def small(world):
    """- a partner's opportunity from the campaign, with its offer (10,000);
    - a direct one that a partner touch naming the campaign influenced (20,000);
    - a direct one touched by the campaign only long before the lookback (40,000);
    - responses: two on the partner's pages this quarter (one last quarter), one of the
      manufacturer's own whose lead went to the rep."""
    tenant, orgs, users = world.tenant, world.orgs, world.users
    partner, team, rep = orgs["partner"], orgs["team"], users["rep"]
    with tenant_scope(tenant):
        # The world's own opportunities: to a quarter long ago, out of the figures.
        Opportunity.objects.update(opened_on=dt.date(2025, 1, 15))
        campaign = CampaignFactory(tenant=tenant)
        offer = OfferFactory(tenant=tenant)
        CampaignOffer.objects.create(tenant=tenant, campaign=campaign, offer=offer)
        direct = {"route": "direct", "owner_team": team, "owner_user": rep, "source": "direct"}
        from_campaign = OpportunityFactory(
            tenant=tenant,
            amount=10000,
            opened_on=OPENED,
            route="partner",
            partner=partner,
            source="partner",
            campaign=campaign,
            offer=offer,
        )
        touched = OpportunityFactory(tenant=tenant, amount=20000, opened_on=OPENED, **direct)
        TouchFactory(
            tenant=tenant,
            account=touched.account,
            opportunity=touched,
            route="partner",
            actor_partner=partner,
            campaign=campaign,
            occurred_at=_at(OPENED),
        )
        untouched = OpportunityFactory(tenant=tenant, amount=40000, opened_on=OPENED, **direct)
        TouchFactory(
            tenant=tenant,
            account=untouched.account,
            route="marketing",
            campaign=campaign,
            occurred_at=_at(OPENED - dt.timedelta(days=200)),
        )
        for day in (OPENED, OPENED + dt.timedelta(days=3), OPENED - dt.timedelta(days=120)):
            CampaignResponseFactory(
                tenant=tenant, campaign=campaign, offer=offer, partner=partner, occurred_at=_at(day)
            )
        lead = Lead.objects.create(
            tenant=tenant,
            source="api",
            email="buyer@customer.example",
            route="direct",
            assigned_team=team,
            assigned_user=rep,
        )
        CampaignResponseFactory(
            tenant=tenant, campaign=campaign, lead=lead, occurred_at=_at(OPENED)
        )
        rollup.rebuild(tenant)
    world.campaign, world.offer = campaign, offer
    world.opportunities = (from_campaign, touched, untouched)
    return world


def _scopes(world) -> dict[str, Scope]:
    return {
        "tenant": Scope("tenant"),
        "partner route": Scope("route", "partner"),
        "direct route": Scope("route", "direct"),
        "partner": Scope("partner", world.orgs["partner"].pk),
        "team": Scope("team", world.orgs["team"].pk),
        "rep": Scope("user", world.users["rep"].pk),
        "other partner": Scope("partner", world.orgs["other_partner"].pk),
    }


def _figures(world, filters: Filters | None = None) -> dict[str, dict[str, Decimal]]:
    """Every campaign figure of every scope, computed for all the scopes at once."""
    quarter = Quarter.of(world.tenant, OPENED)
    scopes = _scopes(world)
    query = MetricQuery(
        world.tenant,
        quarter.start,
        quarter.following,
        list(scopes.values()),
        filters=filters or Filters(),
    )
    found: dict[str, dict[str, Decimal]] = {name: {} for name in scopes}
    for key in KEYS:
        item = metric(key)
        assert item is not None
        values = item.compute(query)
        for name, scope in scopes.items():
            if scope in values:
                found[name][key] = values[scope]
    return found


def test_facts_know_the_campaign_and_whether_a_campaign_touch_influenced_them(small):
    from_campaign, touched, untouched = small.opportunities
    with tenant_scope(small.tenant):
        facts = {
            f.opportunity_id: (f.campaign_id, f.offer_id, f.campaign_touched)
            for f in OpportunityFact.objects.filter(opened_on=OPENED)
        }
    assert facts == {
        from_campaign.pk: (small.campaign.pk, small.offer.pk, False),
        touched.pk: (None, None, True),
        untouched.pk: (None, None, False),  # its campaign's touch is before the lookback
    }


def test_each_scope_has_its_campaign_and_offer_figures(small):
    with tenant_scope(small.tenant):
        found = _figures(small)
    money = Decimal
    assert found == {
        "tenant": {
            "campaign_sourced_pipeline": money("10000.00"),
            "campaign_influenced_pipeline": money("20000.00"),
            "offer_responses": Decimal(3),
            "offer_conversion": Decimal("33.3"),  # one opportunity with an offer, 3 responses
        },
        "partner route": {
            "campaign_sourced_pipeline": money("10000.00"),
            "campaign_influenced_pipeline": money("20000.00"),
            "offer_responses": Decimal(2),
            "offer_conversion": Decimal("50.0"),
        },
        "direct route": {
            "campaign_sourced_pipeline": money("0.00"),  # it sourced pipeline, none from one
            "campaign_influenced_pipeline": money("20000.00"),
            "offer_responses": Decimal(1),
            "offer_conversion": Decimal("0.0"),
        },
        "partner": {
            "campaign_sourced_pipeline": money("10000.00"),
            "campaign_influenced_pipeline": money("20000.00"),
            "offer_responses": Decimal(2),
            "offer_conversion": Decimal("50.0"),
        },
        "team": {
            "campaign_sourced_pipeline": money("0.00"),
            "campaign_influenced_pipeline": money("20000.00"),
            "offer_responses": Decimal(1),  # through the lead assigned to it
            "offer_conversion": Decimal("0.0"),
        },
        "rep": {
            "campaign_sourced_pipeline": money("0.00"),
            "campaign_influenced_pipeline": money("20000.00"),
            "offer_responses": Decimal(1),
            "offer_conversion": Decimal("0.0"),
        },
        "other partner": {},  # nothing sourced, influenced or answered: no figures at all
    }


def test_the_offer_figures_are_narrowed_by_route_and_partner_only(small):
    partner = small.orgs["partner"].pk
    with tenant_scope(small.tenant):
        by_partner = _figures(small, Filters(partner=partner))["tenant"]
        direct = _figures(small, Filters(route="direct"))["tenant"]
        # A territory does not narrow responses: the offer figures are the unfiltered ones.
        elsewhere = _figures(small, Filters(territory="nowhere"))["tenant"]
    assert (by_partner["offer_responses"], by_partner["offer_conversion"]) == (2, Decimal("50.0"))
    assert (direct["offer_responses"], direct["offer_conversion"]) == (1, Decimal("0.0"))
    assert (elsewhere["offer_responses"], elsewhere["offer_conversion"]) == (3, Decimal("33.3"))
    assert "campaign_sourced_pipeline" not in elsewhere  # the pipeline ones are narrowed


def test_the_responses_are_one_query_for_every_scope(small, django_assert_num_queries):
    quarter = Quarter.of(small.tenant, OPENED)
    scopes = [s for s in _scopes(small).values() if s.kind in ("tenant", "route", "partner")]
    query = MetricQuery(small.tenant, quarter.start, quarter.following, scopes)
    responses, conversion = metric("offer_responses"), metric("offer_conversion")
    assert responses is not None and conversion is not None
    with tenant_scope(small.tenant), django_assert_num_queries(2):  # the responses, the cells
        responses.compute(query)
        conversion.compute(query)


def test_the_scorecard_shows_the_rows_after_influenced_pipeline(small):
    with tenant_scope(small.tenant):
        card = services.scorecard(small.tenant, Scope("tenant"), Quarter.of(small.tenant, OPENED))
    keys = [row.metric.key for row in card.rows]
    assert keys.index("influenced_pipeline") < keys.index("campaign_sourced_pipeline")
    assert keys.index("campaign_sourced_pipeline") < keys.index("campaign_influenced_pipeline")
    assert keys.index("offer_responses") < keys.index("offer_conversion")


@pytest.mark.django_db(transaction=True)
def test_a_touch_that_gains_a_campaign_moves_the_campaign_influenced_figure(small):
    """Committed changes: on PostgreSQL the change feed hands out only those (core/sync.py)."""
    untouched = small.opportunities[2]
    with tenant_scope(small.tenant):
        before = _figures(small)["direct route"]["campaign_influenced_pipeline"]
        touch = TouchFactory(
            tenant=small.tenant,
            account=untouched.account,
            opportunity=untouched,
            route="direct",
            actor_user=small.users["rep"],
            occurred_at=_at(OPENED),
        )
        assert rollup.refresh(small.tenant) > 0
        assert _figures(small)["direct route"]["campaign_influenced_pipeline"] == before
        touch.campaign = small.campaign
        touch.save()
        assert rollup.refresh(small.tenant) > 0
        after = _figures(small)
    assert before == Decimal("20000.00")
    assert after["direct route"]["campaign_influenced_pipeline"] == Decimal("60000.00")
    assert after["rep"]["campaign_influenced_pipeline"] == Decimal("60000.00")
    assert after["partner"]["campaign_influenced_pipeline"] == Decimal("20000.00")


def test_the_rows_behind_the_campaign_and_offer_figures(small):
    from_campaign, touched, _ = small.opportunities
    quarter = Quarter.of(small.tenant, OPENED)
    partner = Scope("partner", small.orgs["partner"].pk)

    def behind(key: str, scope: Scope, filters: Filters | None = None) -> set[int]:
        rows = services.drilldown(small.tenant, key, scope, quarter, filters=filters)
        return set(rows.values_list("opportunity_id", flat=True))

    with tenant_scope(small.tenant):
        assert behind("campaign_sourced_pipeline", Scope("tenant")) == {from_campaign.pk}
        assert behind("campaign_sourced_pipeline", Scope("route", "direct")) == set()
        assert behind("campaign_influenced_pipeline", partner) == {touched.pk}
        assert behind("offer_conversion", Scope("tenant")) == {from_campaign.pk}
        # A territory narrows neither the offer figures nor the rows behind them.
        nowhere = Filters(territory="nowhere")
        assert behind("offer_conversion", Scope("tenant"), nowhere) == {from_campaign.pk}


def _drill(world, door: str, scope: str) -> str:
    path = reverse(f"{door}:scorecard-drilldown", args=[world.tenant.slug, "offer_responses"])
    return f"{path}?scope={scope}&quarter={Quarter.of(world.tenant, OPENED).code}"


def test_the_responses_behind_the_figure_in_every_door(small, login_as):
    partner = small.orgs["partner"]
    console = login_as("admin").get(_drill(small, "console", f"partner-{partner.pk}"))
    assert console.status_code == 200
    page = console.content.decode()
    assert page.count('data-testid="row"') == 2
    assert small.campaign.name in page and small.offer.name in page
    portal = login_as("partner_admin").get(_drill(small, "portal", f"partner-{partner.pk}"))
    assert portal.content.decode().count('data-testid="row"') == 2
    # The rep's: the manufacturer's own response whose lead went to them.
    rep = login_as("rep").get(_drill(small, "sales", f"user-{small.users['rep'].pk}"))
    page = rep.content.decode()
    assert page.count('data-testid="row"') == 1 and "The manufacturer’s" in page
