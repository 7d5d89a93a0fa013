"""Campaigns' pages in a browser, on a phone (390 px) and a desk (1280 px), on the demo offers: a
partner admin whose co-branding is incomplete is told what is missing, completes the profile
while the live preview follows the colour typed, then publishes an offer and gets its links and
embed snippet; RevOps creates an ROI calculator offer, a bad formula named beside its field."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, ViewportSize, expect

from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_responsive import DESK, PHONE, overflow

pytestmark = pytest.mark.browser


def _context(browser: Browser, live_server, viewport: ViewportSize):
    from campaigns import demo

    demo.seed()  # the offers, co-branding and campaigns behind the pages
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    return context


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_a_partner_completes_its_co_branding_and_publishes_an_offer(
    browser: Browser, live_server, demo_data, sign_in, viewport: ViewportSize
):
    from campaigns.demo import png_of

    context = _context(browser, live_server, viewport)
    try:
        page = context.new_page()
        sign_in(page, "portal", "admin@rhein.example")  # Rhein's profile lacks a logo
        page.goto("/portal/acme/offers/")
        expect(page.get_by_role("heading", name="Offers", exact=True)).to_be_visible()
        card = page.get_by_test_id("offer-card").filter(has_text="Fleet health assessment")
        expect(card.get_by_test_id("missing")).to_contain_text("a logo")
        expect(card.get_by_test_id("publish")).to_have_count(0)
        assert overflow(page) is None, overflow(page)

        with page.expect_navigation():
            card.get_by_test_id("profile-link").click()
        expect(page.get_by_role("heading", name="My co-branding")).to_be_visible()
        expect(page.get_by_test_id("missing")).to_contain_text("a legal line")
        assert overflow(page) is None, overflow(page)

        # The preview follows the colour as it is typed, before anything is saved.
        band = page.locator('[data-preview="band"]')
        page.get_by_label("Primary colour", exact=True).fill("#B42318")
        expect(band).to_have_css("background-color", "rgb(180, 35, 24)")
        page.get_by_label("Legal line").fill("Rhein Hydraulik GmbH, HRB 4711")
        expect(page.locator('[data-preview="legal_line"]')).to_have_text(
            "Rhein Hydraulik GmbH, HRB 4711"
        )
        page.get_by_label("Logo").set_input_files(
            {"name": "logo.png", "mimeType": "image/png", "buffer": png_of("#B42318")}
        )
        expect(page.locator('[data-preview="logo"]')).to_be_visible()
        with page.expect_navigation():
            page.get_by_test_id("save-cobrand").click()
        expect(page.get_by_text("Your co-branding is saved")).to_be_visible()
        expect(page.get_by_test_id("complete")).to_be_visible()
        assert overflow(page) is None, overflow(page)

        # Now the offer can be published: its links and embed snippet appear.
        page.goto("/portal/acme/offers/")
        card = page.get_by_test_id("offer-card").filter(has_text="Fleet health assessment")
        with page.expect_navigation():
            card.get_by_test_id("publish").click()
        expect(page.get_by_text("is published")).to_be_visible()
        card = page.get_by_test_id("offer-card").filter(has_text="Fleet health assessment")
        expect(card.get_by_test_id("public-page")).to_have_attribute(
            "href", re.compile(r"/o/acme/[-\w]+/$")
        )
        expect(card.get_by_test_id("embed")).to_have_value(re.compile(r"^<iframe src="))
        assert overflow(page) is None, overflow(page)
        with page.expect_navigation():
            card.get_by_role("link", name="Fleet health assessment").click()
        expect(page.get_by_test_id("published")).to_be_visible()
        assert overflow(page) is None, overflow(page)
        page.goto("/portal/acme/campaigns/")
        expect(page.get_by_test_id("campaign-row").first).to_be_visible()
        assert overflow(page) is None, overflow(page)
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_revops_creates_an_roi_offer_and_a_bad_formula_is_named(
    browser: Browser, live_server, demo_data, sign_in, viewport: ViewportSize
):
    context = _context(browser, live_server, viewport)
    try:
        page = context.new_page()
        sign_in(page, "console", "admin@acme.example")
        page.goto("/console/acme/offers/")
        expect(page.get_by_test_id("offer-row").first).to_be_visible()
        assert overflow(page) is None, overflow(page)
        with page.expect_navigation():
            page.get_by_test_id("new-offer").click()
        page.get_by_label("Name", exact=True).fill("Compressor savings")
        page.get_by_label("Kind").select_option("roi_calculator")
        page.get_by_label("ROI inputs").fill(
            '[{"key": "kwh", "label": "kWh saved", "unit": "kWh", "default": 9000},'
            ' {"key": "price", "label": "Price per kWh", "unit": "", "default": 0.3}]'
        )
        page.get_by_label("ROI formula").fill("kwh ** price")
        with page.expect_navigation():
            page.get_by_test_id("save-offer").click()
        expect(page.get_by_test_id("not-saved")).to_be_visible()
        formula = page.locator(".field", has=page.get_by_label("ROI formula"))
        expect(formula.locator(".field-error")).to_be_visible()
        assert overflow(page) is None, overflow(page)

        page.get_by_label("ROI formula").fill("kwh * price")
        with page.expect_navigation():
            page.get_by_test_id("save-offer").click()
        expect(page.get_by_text("Offer “Compressor savings” is saved")).to_be_visible()
        expect(page.get_by_role("heading", name="Compressor savings")).to_be_visible()
        expect(page.get_by_text("kwh * price")).to_be_visible()
        assert overflow(page) is None, overflow(page)

        # The other console pages of the group fit the window too.
        for path in ("/console/acme/campaigns/", "/console/acme/co-branding/"):
            page.goto(path)
            assert overflow(page) is None, (path, overflow(page))
        page.goto("/console/acme/campaigns/")
        with page.expect_navigation():
            page.get_by_test_id("campaign-row").first.get_by_role("link").click()
        expect(page.get_by_test_id("campaign-offers")).to_be_visible()
        assert overflow(page) is None, overflow(page)
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_a_visitor_works_out_the_roi_on_a_co_branded_page_and_asks_for_the_offer(
    browser: Browser, live_server, demo_data, viewport: ViewportSize
):
    from campaigns.models import OfferPublication
    from core.tenancy import tenant_scope
    from pipeline.models import CampaignResponse, Lead
    from routing.public import MIN_FILL_SECONDS
    from tenancy.models import Tenant

    context = _context(browser, live_server, viewport)
    tenant = Tenant.objects.get(slug="acme")
    with tenant_scope(tenant):
        page_row = (
            OfferPublication.objects.live()
            .filter(offer__kind="roi_calculator", partner__isnull=False)
            .select_related("offer", "partner")
            .first()
        )
        assert page_row is not None, "the demo publishes the ROI calculator for a partner"
        legal_line = page_row.partner and page_row.partner.name
    try:
        page = context.new_page()  # no sign-in: the page is public
        page.goto(f"/o/acme/{page_row.key}/")
        expect(page.get_by_role("heading", name=page_row.offer.name)).to_be_visible()
        expect(page.get_by_test_id("brand-name")).to_have_text(legal_line or "")
        assert overflow(page) is None, overflow(page)

        page.get_by_label("Downtime hours avoided a year").fill("120")
        with page.expect_navigation():
            page.get_by_role("button", name="Calculate").click()
        expect(page.get_by_test_id("roi-result")).to_contain_text("192,000.00")  # 120*1800-24000
        assert overflow(page) is None, overflow(page)

        page.get_by_label("Name").fill("Eva Maria Berger")
        page.get_by_label("Email").fill("eva.berger@berger-bau.example")
        page.get_by_label("Company").fill("Berger Bau")
        page.wait_for_timeout(MIN_FILL_SECONDS * 1000 + 200)  # people take a moment; bots don't
        with page.expect_navigation():
            page.get_by_role("button", name="Send").click()
        expect(page.get_by_test_id("thank-you")).to_be_visible()
        assert overflow(page) is None, overflow(page)
    finally:
        context.close()
    with tenant_scope(tenant):
        lead = Lead.objects.get(email="eva.berger@berger-bau.example")
        assert lead.offer_id == page_row.offer_id
        assert lead.submitted_by_partner_id == page_row.partner_id
        assert "192,000.00" in lead.message
        assert CampaignResponse.objects.filter(lead=lead, kind="landing_page").exists()


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_revops_settles_an_overlap_and_the_partner_only_learns_someone_else_works_it(
    browser: Browser, live_server, demo_data, sign_in, viewport: ViewportSize
):
    import datetime as dt

    from accounts.models import Account
    from campaigns.models import Campaign
    from core.tenancy import tenant_scope
    from pipeline.models import Touch
    from scorecards import overlap
    from tenancy.models import Membership, Tenant

    context = _context(browser, live_server, viewport)
    tenant = Tenant.objects.get(slug="acme")
    with tenant_scope(tenant):
        partner_admin = Membership.objects.select_related("partner").get(
            user__email="admin@nordic.example"
        )
        campaign = Campaign.objects.filter(status="active", partner_mode="all").first()
        partner = partner_admin.partner
        assert partner is not None
        account = Account.objects.create(
            tenant=tenant, name="Kiesport Entreprenad AB", owner_partner=partner
        )
        when = dt.datetime(2026, 11, 3, 10, tzinfo=dt.UTC)
        Touch.objects.create(
            tenant=tenant,
            account=account,
            campaign=campaign,
            channel="call",
            route="direct",
            occurred_at=when,
            subject="Fleet review call",
        )
        Touch.objects.create(
            tenant=tenant,
            account=account,
            campaign=campaign,
            channel="meeting",
            route="partner",
            actor_partner=partner,
            occurred_at=when + dt.timedelta(days=2),
            subject="Quote for service plan",
        )
        overlap.refresh(tenant)
    try:
        page = context.new_page()
        sign_in(page, "portal", "admin@nordic.example")
        page.goto(f"/portal/acme/accounts/{account.pk}/")
        notice = page.get_by_test_id("account-overlap")
        expect(notice).to_contain_text("Someone else also works this account")
        expect(notice).not_to_contain_text("Direct")
        assert overflow(page) is None, overflow(page)
        page.context.clear_cookies()

        sign_in(page, "console", "admin@acme.example")
        page.goto("/console/acme/campaign-overlap/")
        row = page.get_by_test_id("overlap-row").filter(has_text=account.name)
        expect(row).to_contain_text(partner.name)
        expect(row).to_contain_text("Quote for service plan")
        assert overflow(page) is None, overflow(page)
        row.get_by_label(f"Decision for {account.name}").fill("Partner leads; the rep assists.")
        with page.expect_navigation():
            row.get_by_role("button", name="Settle").click()
        expect(page.get_by_text(f"The overlap on {account.name} is settled.")).to_be_visible()
        expect(page.get_by_test_id("overlap-row").filter(has_text=account.name)).to_have_count(0)
        assert overflow(page) is None, overflow(page)
    finally:
        context.close()
