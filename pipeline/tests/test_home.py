"""Pipeline on the home pages: the open pipeline by route and what was won this fiscal quarter, in
the tenant's currency, over the deals the viewer may see."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.tenancy import tenant_scope
from pipeline.models import Opportunity, Stage
from pipeline.tests.factories import OpportunityFactory
from tenancy.quarters import fiscal_quarter
from tenancy.tests.factories import TenantFactory
from tenancy.tests.home_helpers import figures_on, home_page

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("start_month", "today", "quarter"),
    [
        (1, dt.date(2026, 12, 6), (dt.date(2026, 10, 1), dt.date(2027, 1, 1))),
        (10, dt.date(2026, 12, 6), (dt.date(2026, 10, 1), dt.date(2027, 1, 1))),
        (4, dt.date(2026, 3, 31), (dt.date(2026, 1, 1), dt.date(2026, 4, 1))),
        (2, dt.date(2026, 1, 15), (dt.date(2025, 11, 1), dt.date(2026, 2, 1))),
    ],
)
def test_the_fiscal_quarter_follows_the_tenants_fiscal_year(start_month, today, quarter):
    tenant = TenantFactory.build(fiscal_year_start_month=start_month)
    assert fiscal_quarter(tenant, today) == quarter


def test_each_viewer_sees_the_open_pipeline_they_may_see_by_route(world, login_as):
    # The world has one open 50,000 EUR deal per owner: rep, other team, partner, rival partner.
    with tenant_scope(world.tenant):
        won = Stage.objects.filter(outcome="won").first()
        assert won is not None
        OpportunityFactory(
            tenant=world.tenant,
            account=world.customers["partner"],
            stage=won,
            partner=world.partner,
            route="partner",
            amount=20000,
            currency=world.tenant.currency,
            closed_on=timezone.localdate(),
        )
        OpportunityFactory(
            tenant=world.tenant,
            account=world.customers["rep"],
            stage=Opportunity.objects.filter(external_id="OPP-rep").get().stage,
            owner_user=world.users["rep"],
            owner_team=world.orgs["team"],
            amount=999,
            currency="USD" if world.tenant.currency != "USD" else "CHF",
        )
    currency = world.tenant.currency

    console = figures_on(home_page(login_as("admin"), "console"))
    portal = figures_on(home_page(login_as("partner_admin"), "portal"))
    rival = figures_on(home_page(login_as("rival_partner_admin"), "portal"))
    rep = figures_on(home_page(login_as("rep"), "sales"))

    assert console["Open pipeline, direct"][0] == f"100,000 {currency}"
    assert "1 in other currencies not included" in console["Open pipeline, direct"][1]
    assert console["Open pipeline, partner"][0] == f"100,000 {currency}"
    assert console["Won this quarter"][0] == f"20,000 {currency}"
    assert portal["Your open pipeline"][0] == f"50,000 {currency}"
    assert portal["Won this quarter"][0] == f"20,000 {currency}"
    assert rival["Won this quarter"][0] == f"0 {currency}"
    assert rep["Your open pipeline"][0] == f"50,000 {currency}"
    assert "Open pipeline, partner" not in rep
