"""MDF ROI as RevOps reads it: what a paid activity brought in (leads, sourced and influenced
pipeline, won revenue) per unit paid, each opportunity counted once, by partner, activity type,
campaign and quarter."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.tests.factories import CampaignFactory
from core.tenancy import tenant_scope
from mdf.services import claims, roi
from mdf.tests.factories import claim_in, fund, request_in
from pipeline.models import Lead
from pipeline.tests.factories import OpportunityFactory, StageFactory, TouchFactory
from routing.tests.factories import LeadFactory
from tenancy.quarters import Quarter

pytestmark = pytest.mark.django_db


def this_quarter(world) -> Quarter:
    return Quarter.of(world.tenant, timezone.localdate())


def paid_activity(world, partner, campaign, amount=2_000, **fields):
    fund(world.tenant, partner, 20_000)
    request = request_in(
        world.tenant, partner, "approved", amount=amount, campaign=campaign, **fields
    )
    claim_in(request, "paid")
    return request


def opportunity(world, *, partner=None, campaign=None, amount=10_000, won=False, days=0, **kw):
    stage = StageFactory(tenant=world.tenant, outcome="won" if won else "open")
    return OpportunityFactory(
        tenant=world.tenant,
        partner=partner,
        route="partner" if partner else "direct",
        campaign=campaign,
        amount=Decimal(amount),
        currency=world.tenant.currency,
        stage=stage,
        opened_on=timezone.localdate() + dt.timedelta(days=days),
        **kw,
    )


@pytest.fixture
def campaign(world):
    with tenant_scope(world.tenant):
        return CampaignFactory(tenant=world.tenant, name="Spring roadshow")


def test_sourced_influenced_and_leads_of_a_paid_activity(world, campaign):
    with tenant_scope(world.tenant):
        request = paid_activity(world, world.partner, campaign, amount=2_000)
        # Sourced: the partner's own opportunities of the campaign, opened in the window.
        opportunity(world, partner=world.partner, campaign=campaign, amount=30_000, won=True)
        opportunity(world, partner=world.partner, campaign=campaign, amount=5_000, days=20)
        # Outside the window (90 days after the activity's last day) or another campaign: not.
        opportunity(world, partner=world.partner, campaign=campaign, amount=999, days=200)
        opportunity(world, partner=world.partner, amount=999)
        # Influenced: a direct deal on an account the partner touched with the campaign.
        touched = opportunity(world, amount=8_000, won=True)
        TouchFactory(
            tenant=world.tenant,
            account=touched.account,
            route="partner",
            actor_partner=world.partner,
            campaign=campaign,
            occurred_at=timezone.now(),
        )
        # Leads the partner submitted through the campaign.
        for _ in range(3):
            LeadFactory(tenant=world.tenant, campaign=campaign, submitted_by_partner=world.partner)
        LeadFactory(
            tenant=world.tenant, campaign=campaign, submitted_by_partner=world.other_partner
        )

        report = roi.roi_report(
            world.tenant, by="partner", first=this_quarter(world), last=this_quarter(world)
        )
    (row,) = report.rows
    assert row.key == world.partner.pk and row.activities == 1
    assert row.paid == Decimal(2000)
    assert (row.sourced_n, row.sourced_pipeline, row.sourced_won) == (2, 35_000, 30_000)
    assert (row.influenced_n, row.influenced_pipeline, row.influenced_won) == (1, 8_000, 8_000)
    assert row.leads == 3
    assert row.roi == Decimal("19.00")  # (30,000 + 8,000) / 2,000
    assert row.pipeline_per_paid == Decimal("21.50")  # 43,000 / 2,000
    assert row.leads_per_1000 == Decimal("1.5")
    # The leads are those the claim counts (claims.linked_leads), to the end of the window.
    with tenant_scope(world.tenant):
        end = timezone.now() + dt.timedelta(days=1)
        assert claims.linked_leads(request, end) == 3


def test_an_opportunity_counts_once_and_sourced_wins_over_influenced(world, campaign):
    with tenant_scope(world.tenant):
        first = paid_activity(world, world.partner, campaign, amount=1_000, title="First")
        paid_activity(world, world.partner, campaign, amount=1_000, title="Second")
        deal = opportunity(world, partner=world.partner, campaign=campaign, amount=10_000, won=True)
        # Its account was touched too: still only sourced, and only once.
        TouchFactory(
            tenant=world.tenant,
            account=deal.account,
            route="partner",
            actor_partner=world.partner,
            campaign=campaign,
            occurred_at=timezone.now(),
        )
        results = roi.activity_results(world.tenant, this_quarter(world), this_quarter(world))
    by_request = {r.request_id: r for r in results}
    assert by_request[first.pk].sourced_won == 10_000  # the earliest activity (then lowest id)
    assert sum(r.sourced_n + r.influenced_n for r in results) == 1


def test_only_paid_activities_count_unless_approved_are_asked_for(world, campaign):
    with tenant_scope(world.tenant):
        fund(world.tenant, world.partner, 20_000)
        request = request_in(
            world.tenant, world.partner, "approved", amount=1_000, campaign=campaign
        )
        claim_in(request, "approved")
        opportunity(world, partner=world.partner, campaign=campaign, won=True)
        quarter = this_quarter(world)
        assert roi.roi_report(world.tenant, by="quarter", first=quarter, last=quarter).rows == []
        report = roi.roi_report(
            world.tenant, by="quarter", first=quarter, last=quarter, include_approved=True
        )
    assert report.total.paid == Decimal(1000) and report.total.won == Decimal(10000)


def test_breakdowns_by_activity_type_campaign_and_quarter(world, campaign):
    with tenant_scope(world.tenant):
        paid_activity(world, world.partner, campaign, amount=1_000, activity_type="event")
        paid_activity(world, world.other_partner, None, amount=3_000, activity_type="digital_ads")
        opportunity(world, partner=world.partner, campaign=campaign, won=True, amount=4_000)
        quarter = this_quarter(world)
        types = roi.roi_report(world.tenant, by="activity_type", first=quarter, last=quarter)
        by_campaign = roi.roi_report(world.tenant, by="campaign", first=quarter, last=quarter)
        by_quarter = roi.roi_report(world.tenant, by="quarter", first=quarter, last=quarter)
    assert [(r.label, r.roi) for r in types.rows] == [
        ("Event", Decimal("4.00")),
        ("Digital ads", Decimal("0.00")),
    ]
    assert [r.label for r in by_campaign.rows] == ["Spring roadshow", "Without a campaign or offer"]
    assert [r.label for r in by_quarter.rows] == [quarter.code.replace("-", " ")]
    assert by_quarter.total.paid == Decimal(4000) and by_quarter.total.roi == Decimal("1.00")


def test_amounts_in_another_currency_are_counted_apart(world, campaign):
    with tenant_scope(world.tenant):
        paid_activity(world, world.partner, campaign)
        opportunity(world, partner=world.partner, campaign=campaign, won=True)
        foreign = opportunity(world, partner=world.partner, campaign=campaign, won=True)
        type(foreign).objects.filter(pk=foreign.pk).update(currency="JPY")
        (result,) = roi.activity_results(world.tenant, this_quarter(world), this_quarter(world))
    assert result.sourced_n == 1 and result.other_currency == 1


def test_the_figures_take_the_same_few_queries_for_many_activities(world, campaign):
    with tenant_scope(world.tenant):
        paid_activity(world, world.partner, campaign)
        quarter = this_quarter(world)
        with CaptureQueriesContext(connection) as one:
            roi.activity_results(world.tenant, quarter, quarter)
        for _ in range(4):
            paid_activity(world, world.other_partner, campaign, amount=500)
            opportunity(world, partner=world.other_partner, campaign=campaign)
        Lead.objects.update(created_at=timezone.now())
        with CaptureQueriesContext(connection) as five:
            roi.activity_results(world.tenant, quarter, quarter)
    assert len(five) == len(one) <= 4


def test_an_unknown_breakdown_is_refused_with_its_name(world):
    quarter = this_quarter(world)
    with pytest.raises(ValueError, match="“region” is not a breakdown"):
        roi.roi_report(world.tenant, by="region", first=quarter, last=quarter)
