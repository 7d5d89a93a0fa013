"""Offer conversion (scorecards/conversion.py): views, responses, leads, opportunities and won
deals per offer, campaign, route and partner; each viewer sees its own party's rows only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.http import urlencode

from campaigns.models import CampaignOffer, OfferPublication, PageViews
from campaigns.tests.factories import CampaignFactory, OfferFactory
from core.tenancy import tenant_scope
from pipeline.models import Lead, Stage
from pipeline.tests.factories import CampaignResponseFactory, OpportunityFactory
from routing.tests.factories import LeadFactory
from scorecards import conversion, rollup
from scorecards.conversion import Period

pytestmark = pytest.mark.django_db

Q4 = Period(dt.date(2026, 10, 1), dt.date(2027, 1, 1), "2026 Q4")
IN_Q4 = dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC)


@pytest.fixture
def a(world):
    with tenant_scope(world.tenant):
        yield world


class Funnel:
    """A small world: one campaign with one offer, worked by the manufacturer (direct), the first
    partner and the rival partner."""

    def __init__(self, a):
        t = a.tenant
        self.campaign = CampaignFactory(tenant=t, name="Press line push")
        self.offer = OfferFactory(tenant=t, name="Uptime assessment")
        CampaignOffer.objects.create(tenant=t, campaign=self.campaign, offer=self.offer)
        parties = {"direct": None, "partner": a.partner, "rival": a.other_partner}
        for key, partner in parties.items():
            page = OfferPublication.objects.create(tenant=t, offer=self.offer, partner=partner)
            views = {"direct": 100, "partner": 40, "rival": 7}[key]
            PageViews.objects.create(
                tenant=t, publication=page, day=dt.date(2026, 11, 1), views=views
            )
        # Out of the period: never counted.
        PageViews.objects.create(tenant=t, publication=page, day=dt.date(2026, 9, 30), views=1000)
        for key, n in (("direct", 5), ("partner", 4), ("rival", 1)):
            for _ in range(n):
                CampaignResponseFactory(
                    tenant=t,
                    campaign=self.campaign,
                    offer=self.offer,
                    partner=parties[key],
                    occurred_at=IN_Q4,
                )
        leads = [
            LeadFactory(tenant=t, campaign=self.campaign, offer=self.offer),  # direct
            LeadFactory(tenant=t, campaign=self.campaign, submitted_by_partner=a.partner),
            LeadFactory(tenant=t, campaign=self.campaign, assigned_partner=a.partner),
            LeadFactory(tenant=t, campaign=self.campaign, assigned_partner=a.other_partner),
            LeadFactory(tenant=t),  # no campaign: not counted
        ]
        Lead.objects.filter(pk__in=[lead.pk for lead in leads]).update(created_at=IN_Q4)
        won = Stage.objects.get(key="closed-won")
        lost = Stage.objects.get(key="closed-lost")
        open_stage = Stage.objects.get(key="propose")
        opp = {"tenant": t, "campaign": self.campaign, "opened_on": dt.date(2026, 10, 5)}
        OpportunityFactory(
            **opp, stage=won, closed_on=dt.date(2026, 12, 1), amount=1000, currency=t.currency
        )
        OpportunityFactory(**opp, stage=lost, closed_on=dt.date(2026, 12, 1))
        OpportunityFactory(
            **opp,
            stage=won,
            closed_on=dt.date(2026, 11, 1),
            amount=2500,
            currency=t.currency,
            route="partner",
            partner=a.partner,
        )
        OpportunityFactory(**opp, stage=open_stage, route="partner", partner=a.partner)
        OpportunityFactory(
            **opp,
            stage=won,
            closed_on=dt.date(2026, 11, 1),
            amount=99999,
            currency=t.currency,
            route="partner",
            partner=a.other_partner,
        )
        rollup.rebuild(t)


@pytest.fixture
def funnel(a):
    return Funnel(a)


def by_party(rows):
    return {row.partner_id: row for row in rows}


def test_the_console_sees_each_party_funnel(a, funnel):
    rows = conversion.funnel(a.membership("admin"), period=Q4, by=("offer", "route", "partner"))
    # Leads and opportunities naming the campaign only are "without an offer".
    assert {r.partner_id for r in rows if r.offer_id is None} == {
        None,
        a.partner.pk,
        a.other_partner.pk,
    }
    parties = by_party(r for r in rows if r.offer_id == funnel.offer.pk)
    assert set(parties) == {None, a.partner.pk, a.other_partner.pk}
    direct, mine = parties[None], parties[a.partner.pk]
    assert (direct.route, direct.offer) == ("direct", "Uptime assessment")
    assert (direct.views, direct.responses) == (100, 5)
    assert direct.response_rate == Decimal("5.0")
    assert (mine.route, mine.views, mine.responses) == ("partner", 40, 4)
    assert parties[a.other_partner.pk].views == 7


def test_leads_opportunities_and_won_deals_by_partner(a, funnel):
    rows = conversion.funnel(a.membership("admin"), period=Q4, by=("campaign", "partner"))
    parties = by_party(rows)
    direct, mine, rival = parties[None], parties[a.partner.pk], parties[a.other_partner.pk]
    # Views are an offer's, not a campaign's: unknown by campaign.
    assert direct.views is None and direct.response_rate is None
    # A lead's party: who submitted it, else whom it was assigned to, else direct.
    assert (direct.leads, mine.leads, rival.leads) == (1, 2, 1)
    assert (direct.opportunities, direct.won, direct.closed) == (2, 1, 2)
    assert direct.win_rate == Decimal("50.0")
    assert direct.won_amount == Decimal("1000.00")
    assert (mine.opportunities, mine.won, mine.won_amount) == (2, 1, Decimal("2500.00"))
    assert mine.lead_to_opportunity == Decimal("100.0")
    total = conversion.totals(rows)
    assert (total.leads, total.opportunities, total.won) == (4, 5, 3)
    assert total.views is None


def test_a_partner_sees_only_its_own_rows_and_total(a, funnel):
    for persona in ("partner_admin", "partner_rep"):
        rows = conversion.funnel(a.membership(persona), period=Q4, by=("offer", "route", "partner"))
        assert {row.partner_id for row in rows} == {a.partner.pk}
        total = conversion.totals(rows)
        assert (total.views, total.responses, total.won_amount) == (40, 4, Decimal("2500.00"))
        assert all("zzrivalleak" not in row.partner for row in rows)
    # Asking for the rival's rows gives nothing, not the rival's figures.
    rows = conversion.funnel(
        a.membership("partner_admin"), period=Q4, by=("offer",), partner=a.other_partner.pk
    )
    assert rows == []


def test_direct_users_see_direct_rows_only(a, funnel):
    rows = conversion.funnel(a.membership("rep"), period=Q4, by=("offer", "partner"))
    assert [(r.offer_id, r.partner_id, r.views, r.responses, r.leads) for r in rows] == [
        (funnel.offer.pk, None, 100, 5, 1),
        (None, None, 0, 0, 0),  # the direct opportunities name the campaign only
    ]
    assert rows[1].opportunities == 2


def test_route_filter_and_route_grouping(a, funnel):
    admin = a.membership("admin")
    rows = conversion.funnel(admin, period=Q4, by=("route",))
    routes = {row.route: row for row in rows}
    assert routes["partner"].views == 47 and routes["direct"].views == 100
    only = conversion.funnel(admin, period=Q4, by=("offer",), route="direct")
    assert [(r.views, r.responses, r.opportunities) for r in only] == [(100, 5, 0), (0, 0, 2)]


def test_another_period_counts_nothing_of_this_one(a, funnel):
    q3 = Period(dt.date(2026, 7, 1), dt.date(2026, 10, 1))
    rows = conversion.funnel(a.membership("admin"), period=q3, by=("offer",))
    assert [(r.views, r.responses, r.won) for r in rows] == [(1000, 0, 0)]


def test_grouping_by_nothing_is_refused(a):
    with pytest.raises(ValueError):
        conversion.funnel(a.membership("admin"), period=Q4, by=())


# --- the pages ---------------------------------------------------------------------------------


def page_url(world, name, **query):
    path = reverse(name, args=[world.tenant.slug])
    return path + ("?" + urlencode(query) if query else "")


def test_the_console_page_and_csv_show_every_party(world, login_as, funnel):
    admin = login_as("admin")
    page = admin.get(
        page_url(world, "console:conversion", quarter="2026-Q4", group="offer-partner")
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "Uptime assessment" in text and "Rival Supply" in text and "Direct sales" in text
    csv = admin.get(
        page_url(world, "console:conversion-export", quarter="2026-Q4", group="campaign-partner")
    )
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Campaign,Route,Partner,Views,Responses")
    assert any(line.startswith("Press line push,Partner,Alpha Distribution") for line in lines)


def test_the_portal_shows_the_partners_own_results_only(world, login_as, funnel):
    client = login_as("partner_admin")
    for name in ("portal:conversion", "portal:conversion-export"):
        response = client.get(page_url(world, name, quarter="2026-Q4"))
        assert response.status_code == 200
        text = response.content.decode("utf-8-sig")
        assert "zzrivalleak" not in text and "99999" not in text and "99,999" not in text
    page = client.get(page_url(world, "portal:conversion", quarter="2026-Q4")).content.decode()
    assert "Uptime assessment" in page and 'name="partner"' not in page
    # A partner user cannot ask for a split by partner.
    refused = client.get(page_url(world, "portal:conversion", group="partner"))
    assert refused.status_code == 400 and "no grouping" in refused.content.decode()


def test_the_sales_door_shows_direct_results(world, login_as, funnel):
    page = login_as("rep").get(page_url(world, "sales:conversion", quarter="2026-Q4"))
    text = page.content.decode()
    assert page.status_code == 200 and "zzfirstpartner" not in text and "zzrivalleak" not in text


def test_bad_filters_are_400_with_the_problem_named(world, login_as):
    admin = login_as("admin")
    for query, message in (
        ({"quarter": "next year"}, "is not a quarter"),
        ({"partner": "999999"}, "There is no partner"),
        ({"route": "air"}, "There is no route"),
    ):
        response = admin.get(page_url(world, "console:conversion", **query))
        assert response.status_code == 400 and message in response.content.decode()


def test_campaign_and_offer_pages_show_the_viewers_results(world, login_as, funnel):
    admin = login_as("admin").get(
        reverse("console:campaign", args=[world.tenant.slug, funnel.campaign.pk])
    )
    text = admin.content.decode()
    assert 'data-testid="campaign-results"' in text and "By route" in text
    partner = login_as("partner_admin").get(
        reverse("portal:offer", args=[world.tenant.slug, funnel.offer.pk])
    )
    text = partner.content.decode()
    assert 'data-testid="offer-results"' in text and "By route" not in text
    assert "zzrivalleak" not in text
