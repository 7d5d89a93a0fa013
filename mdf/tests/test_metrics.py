"""MDF's scorecard rows and the manufacturer's lines on a partner's scorecard, as the
scorecards read them through core.metrics: a partner's own figures, the partner route's and the
tenant's totals, nothing for direct scopes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns.tests.factories import CampaignFactory
from core.metrics import Filters, Metric, MetricQuery, Scope, metric, metrics, obligations
from core.tenancy import tenant_scope
from mdf.services import claims, requests
from mdf.services.sweep import sweep_tenant
from mdf.tests.factories import ADMIN, claim_in, fund, request_in
from pipeline.tests.factories import OpportunityFactory, StageFactory
from tenancy.quarters import Quarter

pytestmark = pytest.mark.django_db


def query(world, quarter: Quarter, *scopes: Scope, filters: Filters | None = None) -> MetricQuery:
    return MetricQuery(
        world.tenant, quarter.start, quarter.following, list(scopes), filters=filters or Filters()
    )


def row(key: str) -> Metric:
    found = metric(key)
    assert found is not None, key
    return found


PARTNER_ROUTE, DIRECT, TENANT = Scope("route", "partner"), Scope("route", "direct"), Scope("tenant")


def test_the_rows_are_registered_and_defined_in_docs():
    keys = {m.key for m in metrics()}
    wanted = {"mdf_roi", "mdf_decision_hours", "mdf_payment_hours", "mdf_claim_punctuality"}
    assert wanted <= keys
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "metrics.md").read_text()
    assert all(f"`{key}`" in text for key in wanted)
    assert {"mdf_decision_time", "mdf_payment_time"} <= {o.key for o in obligations()}


def test_mdf_return_per_partner_route_and_tenant(world):
    with tenant_scope(world.tenant):
        campaign = CampaignFactory(tenant=world.tenant)
        for partner, won in ((world.partner, 6_000), (world.other_partner, 0)):
            fund(world.tenant, partner, 10_000)
            request = request_in(world.tenant, partner, "approved", amount=2_000, campaign=campaign)
            claim_in(request, "paid")
            if won:
                OpportunityFactory(
                    tenant=world.tenant,
                    partner=partner,
                    route="partner",
                    campaign=campaign,
                    amount=Decimal(won),
                    currency=world.tenant.currency,
                    opened_on=timezone.localdate(),
                    stage=StageFactory(tenant=world.tenant, outcome="won"),
                )
        quarter = Quarter.of(world.tenant, timezone.localdate())
        mine, rival = Scope("partner", world.partner.pk), Scope("partner", world.other_partner.pk)
        values = row("mdf_roi").compute(
            query(world, quarter, mine, rival, PARTNER_ROUTE, DIRECT, TENANT, Scope("team", 1))
        )
        assert values == {
            mine: Decimal("300.0"),  # 6,000 won per 2,000 paid
            rival: Decimal("0.0"),
            PARTNER_ROUTE: Decimal("150.0"),
            TENANT: Decimal("150.0"),
        }
        narrowed = row("mdf_roi").compute(
            query(world, quarter, TENANT, filters=Filters(partner=world.other_partner.pk))
        )
        assert narrowed == {TENANT: Decimal("0.0")}
        assert (
            row("mdf_roi").compute(query(world, quarter, TENANT, filters=Filters(route="direct")))
            == {}
        )
        # The previous quarter had nothing paid: no figure rather than 0.
        assert row("mdf_roi").compute(query(world, quarter.previous, mine)) == {}


def test_decision_and_payment_times_in_business_hours(world):
    """The test calendar works around the clock (factories.fund), so business hours are hours."""
    with tenant_scope(world.tenant):
        fund(world.tenant, world.partner, 10_000)
        base = timezone.now() - dt.timedelta(days=1)
        request = request_in(world.tenant, world.partner, "draft", amount=1_000)
        requests.submit_request(request, acting=ADMIN, now=base)
        requests.approve_request(request, acting=ADMIN, now=base + dt.timedelta(hours=4))
        claim = claims.create_claim(
            request,
            {"actual_cost": Decimal(2000), "amount_claimed": Decimal(1000)},
            acting=ADMIN,
            now=base + dt.timedelta(hours=5),
        )
        for proof in claims.required_proof(request):
            from mdf.tests.factories import PDF, PNG, upload

            content, name = (PNG, "p.png") if proof == "photos" else (PDF, f"{proof}.pdf")
            if proof == "attendee_list":
                content, name = b"name\nAda\n", "a.csv"
            claims.add_proof(claim, proof, upload(name, content), acting=ADMIN)
        claims.submit_claim(claim, acting=ADMIN, now=base + dt.timedelta(hours=6))
        claims.approve_claim(claim, acting=ADMIN, now=base + dt.timedelta(hours=8))
        claims.pay_claim(
            claim,
            acting=ADMIN,
            reference="P-1",
            paid_on=timezone.localdate(),
            now=base + dt.timedelta(hours=18),
        )
        quarter = Quarter.of(world.tenant, timezone.localdate(base + dt.timedelta(hours=18)))
        mine = Scope("partner", world.partner.pk)
        decisions = row("mdf_decision_hours").compute(query(world, quarter, mine, DIRECT))
        payments = row("mdf_payment_hours").compute(query(world, quarter, mine, TENANT))
        assert decisions == {mine: Decimal("3.0")}  # median of 4 h (request) and 2 h (claim)
        assert payments == {mine: Decimal("10.0"), TENANT: Decimal("10.0")}
        lines = {o.key: o for o in obligations()}
        text = lines["mdf_decision_time"].describe(world.tenant, world.partner, quarter)
        assert text == "3.0 business hours (median)"
        assert (
            lines["mdf_payment_time"].describe(world.tenant, world.other_partner, quarter) is None
        )
        later = lines["mdf_payment_time"].describe(world.tenant, world.partner, quarter.shifted(2))
        assert later == "No MDF claim paid this quarter"


def test_claim_punctuality_counts_windows_that_ended(world):
    with tenant_scope(world.tenant):
        # An activity whose claim window (60 days after its end) closes mid-quarter.
        later = Quarter.of(world.tenant, timezone.localdate() + dt.timedelta(days=120))
        due_day = later.start + dt.timedelta(days=40)
        ends_on = due_day - dt.timedelta(days=61)
        fund(world.tenant, world.partner, 10_000, day=ends_on)
        made = [
            request_in(
                world.tenant,
                world.partner,
                "approved",
                amount=1_000,
                starts_on=ends_on,
                ends_on=ends_on,
            )
            for _ in range(3)
        ]
        due = made[0].claim_due_at
        assert due is not None
        claimed = claims.create_claim(
            made[0],
            {"actual_cost": Decimal(1000), "amount_claimed": Decimal(1000)},
            acting=ADMIN,
            now=due - dt.timedelta(days=2),
        )
        for proof in claims.required_proof(made[0]):
            from mdf.tests.factories import PDF, PNG, upload

            content, name = (PNG, "p.png") if proof == "photos" else (PDF, f"{proof}.pdf")
            if proof == "attendee_list":
                content, name = b"name\nAda\n", "a.csv"
            claims.add_proof(claimed, proof, upload(name, content), acting=ADMIN)
        claims.submit_claim(claimed, acting=ADMIN, now=due - dt.timedelta(days=1))
        requests.withdraw_request(made[2], acting=ADMIN, now=due - dt.timedelta(days=3))
        # The sweep closes the unclaimed one's window: it expires.
        sweep_tenant(world.tenant, acting=ADMIN, now=due + dt.timedelta(minutes=1))
        quarter = Quarter.of(world.tenant, due_day)
        mine = Scope("partner", world.partner.pk)
        values = row("mdf_claim_punctuality").compute(query(world, quarter, mine, PARTNER_ROUTE))
        assert values == {mine: Decimal("50.0"), PARTNER_ROUTE: Decimal("50.0")}


def test_funds_rows_offer_no_drill_down_to_opportunities(world, login_as):
    """Their figures are counted from requests, claims and clocks, not from opportunity facts:
    the drill-down page refuses them (and the scorecard shows them without a link)."""
    assert not row("mdf_roi").drills
    page = login_as("admin").get(f"/console/{world.tenant.slug}/scorecards/figures/mdf_roi/")
    assert page.status_code == 404
