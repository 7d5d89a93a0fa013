"""Offer conversion in a browser, on a phone (390 px) and a desk (1280 px): the console's page
shows each partner's and direct sales' funnel, grouped by offer and partner, with its CSV; the
portal's "Offer results" shows the partner's own rows and never another partner's. No page
scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, ViewportSize, expect

from tests.browser.test_responsive import DESK, PHONE, overflow
from tests.browser.test_scorecards import _context

pytestmark = pytest.mark.browser

VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])


@pytest.fixture
def responses(demo_data) -> None:
    """One offer published by Nordic, by Rhein and by the manufacturer, viewed and answered
    today, in a campaign every partner runs."""
    from django.utils import timezone

    from campaigns.models import Campaign, CampaignOffer, Offer, OfferPublication, PageViews
    from core.tenancy import tenant_scope
    from pipeline.models import CampaignResponse
    from tenancy.models import Partner, Tenant

    acme = Tenant.objects.get(slug="acme")
    now = timezone.now()
    today = now.astimezone(acme.zone).date()
    with tenant_scope(acme):
        offer = Offer.objects.create(
            tenant=acme, name="Uptime check", kind="assessment", status="published"
        )
        campaign = Campaign.objects.create(
            tenant=acme,
            name="Spring uptime push",
            kind="email",
            status="active",
            starts_on=today,
            ends_on=today,
            partner_mode="all",
        )
        CampaignOffer.objects.create(tenant=acme, campaign=campaign, offer=offer)
        nordic = Partner.objects.get(name__startswith="Nordic")
        rhein = Partner.objects.get(name__startswith="Rhein")
        for partner, views, answered in ((None, 120, 6), (nordic, 80, 4), (rhein, 50, 2)):
            page = OfferPublication.objects.create(tenant=acme, offer=offer, partner=partner)
            PageViews.objects.create(tenant=acme, publication=page, day=today, views=views)
            for _ in range(answered):
                CampaignResponse.objects.create(
                    tenant=acme,
                    campaign=campaign,
                    offer=offer,
                    partner=partner,
                    kind="landing_page",
                    occurred_at=now,
                )


@VIEWPORTS
def test_the_console_page_groups_by_offer_and_partner(
    browser: Browser, live_server, responses, sign_in, viewport: ViewportSize
):
    context = _context(browser, live_server, viewport)
    try:
        page = context.new_page()
        sign_in(page, "console", "admin@acme.example")
        if viewport == PHONE:
            page.get_by_role("button", name="Menu").click()
        with page.expect_navigation():
            page.get_by_role("navigation", name="Main").get_by_role(
                "link", name="Offer conversion"
            ).click()
        expect(page.get_by_role("heading", name="Offer conversion")).to_be_visible()
        page.get_by_label("Group by").select_option("offer-partner")
        with page.expect_navigation():
            page.get_by_role("button", name="Show").click()
        rows = page.get_by_test_id("conversion-row").filter(has_text="Uptime check")
        expect(rows).to_have_count(3)
        expect(rows.filter(has_text="Rhein")).to_contain_text("50")
        expect(page.get_by_test_id("conversion-total")).to_contain_text("250")
        assert overflow(page) is None, overflow(page)
        with page.expect_download() as download:
            page.get_by_test_id("export-conversion").click()
        assert download.value.suggested_filename.startswith("offer-conversion-acme-")
    finally:
        context.close()


@VIEWPORTS
def test_the_portal_shows_the_partners_own_results(
    browser: Browser, live_server, responses, sign_in, viewport: ViewportSize
):
    context = _context(browser, live_server, viewport)
    try:
        page = context.new_page()
        sign_in(page, "portal", "admin@nordic.example")
        if viewport == PHONE:
            page.get_by_role("button", name="Menu").click()
        with page.expect_navigation():
            page.get_by_role("navigation", name="Main").get_by_role(
                "link", name="Offer results"
            ).click()
        row = page.get_by_test_id("conversion-row").filter(has_text="Uptime check")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("80")
        assert "Rhein" not in page.content()
        table = page.get_by_test_id("conversion-table").inner_text()
        assert "250" not in table and "120" not in table  # nobody else's views, not in a total
        assert overflow(page) is None, overflow(page)
    finally:
        context.close()
