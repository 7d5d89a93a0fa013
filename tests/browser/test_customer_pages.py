"""Customer pages in a real browser: a RevOps admin narrows the account list by country, opens an
account and reads its contacts, opportunities and timeline of touches.

The demo who-is-who comes from the `demo_data` fixture; the customers are seeded here with the
factories, so the test does not depend on the size or randomness of the demo data set.
"""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

FJORD = "Fjordline Quarries AS"


@pytest.fixture
def customers(demo_data) -> None:
    """Three Acme accounts in three countries; the Norwegian one with contacts, a deal and touches
    by every route (direct, partner, marketing)."""
    from accounts.tests.factories import (
        AccountFactory,
        ContactFactory,
        SegmentFactory,
        TierFactory,
    )
    from core.acting import SystemActor
    from core.tenancy import tenant_scope
    from pipeline.services import ensure_default_stages
    from pipeline.tests.factories import OpportunityFactory, TouchFactory
    from tenancy.models import Partner, Tenant, User

    acme = Tenant.objects.get(slug="acme")
    with tenant_scope(acme):
        stages = {
            stage.key: stage
            for stage in ensure_default_stages(acme, acting=SystemActor("test setup"))
        }
    nordic = Partner.all_tenants.get(tenant=acme, external_id="P-nordic")
    rep = User.objects.get(email="rep@acme.example")
    key = TierFactory.create(tenant=acme, key="key", name="Key account")
    quarrying = SegmentFactory.create(tenant=acme, key="mining", name="Mining & quarrying")
    fjord = AccountFactory.create(
        tenant=acme,
        name=FJORD,
        legal_name="Fjordline Quarries Holding AS",
        country="NO",
        region="NO-46",
        city="Bergen",
        tier=key,
        segment=quarrying,
        employee_band="200-499",
        lifecycle="customer",
        owner_partner=nordic,
        service_needs=["local_parts", "field_service"],
    )
    AccountFactory.create(tenant=acme, name="Bavaria Tiefbau GmbH", country="DE", region="DE-BY")
    AccountFactory.create(tenant=acme, name="Lyon Terrassement SA", country="FR", region="FR-ARA")
    for first, last, title, role in [
        ("Ingrid", "Haugen", "Fleet manager", "decision_maker"),
        ("Ola", "Berg", "Purchasing lead", "procurement"),
    ]:
        ContactFactory.create(
            tenant=acme,
            account=fjord,
            first_name=first,
            last_name=last,
            title=title,
            buying_role=role,
            email=f"{first.lower()}@fjordline.example",
        )
    deal = OpportunityFactory.create(
        tenant=acme,
        account=fjord,
        name="Six crawler excavators",
        stage=stages["negotiate"],
        amount=1_470_000,
        route="partner",
        partner=nordic,
        expected_close_on=datetime.date(2026, 12, 18),
    )
    at = datetime.datetime(2026, 11, 2, 9, 30, tzinfo=datetime.UTC)
    for hours, route, channel, subject, partner, user in [
        (0, "marketing", "web_visit", "Read: excavator uptime guide", None, None),
        (50, "partner", "meeting", "Site visit at the Bergen quarry", nordic, None),
        (98, "direct", "call", "Executive call on fleet renewal", None, rep),
    ]:
        TouchFactory.create(
            tenant=acme,
            account=fjord,
            opportunity=deal if route != "marketing" else None,
            route=route,
            channel=channel,
            subject=subject,
            actor_partner=partner,
            actor_user=user,
            occurred_at=at + datetime.timedelta(hours=hours),
        )


def test_revops_admin_filters_accounts_by_country_and_opens_one(
    page: Page, live_server, sign_in, customers, tmp_path
):
    sign_in(page, "console", "admin@acme.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Accounts").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Accounts")
    rows = page.get_by_role("main").locator("table tbody tr")
    expect(rows).to_have_count(3)

    page.get_by_label("Country").select_option("NO")
    page.get_by_role("button", name="Apply").click()

    expect(page).to_have_url(re.compile(r"/console/acme/accounts/\?.*country=NO"))
    expect(rows).to_have_count(1)
    expect(page.get_by_test_id("result-count")).to_have_text("1 account match the filters")
    expect(page.get_by_role("link", name="Export CSV")).to_have_attribute(
        "href", re.compile(r"/console/acme/accounts/export/\?.*country=NO")
    )

    page.get_by_role("link", name=FJORD).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(FJORD)
    contacts = page.locator("#contacts")
    expect(contacts.get_by_role("row")).to_have_count(3)  # heading row and two contacts
    expect(contacts.get_by_role("cell", name="Ingrid Haugen")).to_be_visible()
    expect(contacts.get_by_role("cell", name="Decision maker")).to_be_visible()
    expect(page.locator("#opportunities")).to_contain_text("Six crawler excavators")
    touches = page.get_by_test_id("timeline").locator("li.touch")
    expect(touches).to_have_count(3)
    expect(touches.nth(0)).to_contain_text("Executive call on fleet renewal")
    expect(touches.nth(1)).to_contain_text("Site visit at the Bergen quarry")
    expect(touches.nth(1)).to_contain_text("Nordic Industrial Supply")
    expect(touches.nth(2)).to_contain_text("Read: excavator uptime guide")
    # Each route has its own colour on the timeline.
    expect(touches.nth(1)).to_have_css("border-left-color", "rgb(47, 93, 159)")
    page.screenshot(path=tmp_path / "account-page.png", full_page=True)

    page.get_by_role("navigation", name="Touches by route").get_by_role(
        "link", name=re.compile("^Partner")
    ).click()
    expect(touches).to_have_count(1)
    expect(touches.first).to_contain_text("Site visit at the Bergen quarry")
