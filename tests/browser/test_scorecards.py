"""The scorecards in a browser, on a phone (390 px) and a desk (1280 px), on the demo data with
its rollups built: the console's dashboard draws its charts, its filters narrow the figures and
a number opens the rows behind it; the portal's own scorecard shows the partner's tier standing
and never another partner; a sales manager switches to a rep. No page scrolls sideways."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, ViewportSize, expect

from tests.browser.conftest import TIMEOUT_MS, seed_demo_through
from tests.browser.test_responsive import DESK, PHONE, overflow

pytestmark = pytest.mark.browser

VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
OTHER_PARTNERS = ("Rhein Hydraulik", "Alpine Parts", "Baltic Machinery")


@pytest.fixture
def measured(demo_data) -> None:
    """The demo's customers, deals and registrations, measured; tier requirements for acme."""
    from core.tenancy import tenant_scope
    from scorecards import rollup
    from scorecards.models import TierRequirement
    from tenancy.models import Tenant

    seed_demo_through("scorecards")
    acme = Tenant.objects.get(slug="acme")
    with tenant_scope(acme):
        for tier, minimum in (("platinum", 5_000_000), ("gold", 500_000), ("silver", 50_000)):
            TierRequirement.objects.get_or_create(
                tenant=acme, tier=tier, metric="sourced_pipeline", defaults={"minimum": minimum}
            )
        rollup.rebuild(acme)


def _rival_id() -> int:
    from core.tenancy import tenant_scope
    from tenancy.models import Partner, Tenant

    acme = Tenant.objects.get(slug="acme")
    with tenant_scope(acme):
        return Partner.objects.exclude(name__startswith="Nordic").values_list("pk", flat=True)[0]


def _context(browser: Browser, live_server, viewport: ViewportSize):
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    return context


@VIEWPORTS
def test_the_console_dashboard_draws_filters_and_drills_down(
    browser: Browser, live_server, measured, sign_in, viewport: ViewportSize
):
    context = _context(browser, live_server, viewport)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in(page, "console", "admin@acme.example")

        page.goto("/console/acme/scorecards/")
        expect(page.get_by_role("heading", name="Scorecards", exact=True)).to_be_visible()
        expect(page.get_by_test_id("refreshed-at")).to_be_visible()
        # Every chart is drawn (trend, stacked bars, funnel, sourced vs influenced).
        expect(page.locator(".chart.is-drawn")).to_have_count(4)
        for kind in ("line", "stacked-bar", "bar", "grouped-bar"):
            expect(page.locator(f'.chart.is-drawn[data-chart="{kind}"]')).to_have_count(1)
        expect(page.get_by_test_id("league-row").first).to_be_visible()
        assert page.get_by_test_id("league-row").count() == 4
        assert overflow(page) is None, overflow(page)

        # Filters: the partner route under the linear model.
        filters = page.get_by_test_id("filters")
        filters.get_by_label("Route", exact=True).select_option("partner")
        filters.get_by_label("Attribution model").select_option("linear")
        with page.expect_navigation():
            page.get_by_test_id("filters").get_by_role("button", name="Show").click()
        assert "route=partner" in page.url and "model=linear" in page.url
        expect(page.get_by_test_id("as-of")).to_contain_text("Attribution: Linear")
        expect(page.get_by_test_id("as-of")).to_contain_text("route Partner")
        expect(filters.get_by_label("Attribution model")).to_have_value("linear")
        assert overflow(page) is None, overflow(page)

        # A number opens the rows behind it.
        sourced = page.get_by_test_id("metric-sourced_pipeline").get_by_test_id("value")
        with page.expect_navigation():
            sourced.click()
        expect(page.get_by_role("heading", name="Sourced pipeline")).to_be_visible()
        expect(page.get_by_test_id("row-count")).to_contain_text("opportunities")
        assert page.get_by_test_id("row").count() > 0
        assert overflow(page) is None, overflow(page)
        with page.expect_download() as download:
            page.get_by_test_id("export").click()
        assert download.value.suggested_filename.startswith("sourced-pipeline-tenant-")

        # A quarter that has not begun: the problem named, no figures, no error page.
        page.goto("/console/acme/scorecards/")
        page.get_by_test_id("filters").get_by_label("Or type a quarter").fill("2099-Q1")
        with page.expect_navigation():
            page.get_by_test_id("filters").get_by_role("button", name="Show").click()
        expect(page.get_by_test_id("query-errors")).to_contain_text("has not begun yet")
        expect(page.get_by_test_id("scorecard")).to_have_count(0)
        assert overflow(page) is None, overflow(page)

        # A partner's scorecard from the league table, with its tier standing.
        page.goto("/console/acme/scorecards/")
        with page.expect_navigation():
            page.get_by_test_id("league-row").first.get_by_role("link").first.click()
        expect(page.get_by_test_id("tier-standing")).to_be_visible()
        expect(page.locator('.chart.is-drawn[data-chart="line"]')).to_have_count(1)
        assert overflow(page) is None, overflow(page)
        assert errors == []
    finally:
        context.close()


@VIEWPORTS
def test_the_portal_and_sales_scorecards(
    browser: Browser, live_server, measured, sign_in, viewport: ViewportSize
):
    context = _context(browser, live_server, viewport)
    try:
        page = context.new_page()
        sign_in(page, "portal", "admin@nordic.example")
        if viewport == PHONE:
            page.get_by_role("button", name="Menu").click()
        with page.expect_navigation():
            page.get_by_role("navigation", name="Main").get_by_role(
                "link", name="Our scorecard"
            ).click()

        expect(page.get_by_role("heading", name=re.compile("Our scorecard"))).to_contain_text(
            "Nordic Industrial Supply"
        )
        standing = page.get_by_test_id("tier-standing")
        expect(standing).to_contain_text("Tier now")
        expect(standing).to_contain_text("Platinum")
        expect(page.get_by_test_id("obligations")).to_contain_text("Leads sent to you")
        expect(page.get_by_test_id("scorecard")).to_be_visible()
        expect(page.locator('.chart.is-drawn[data-chart="line"]')).to_have_count(1)
        body = page.content()
        for name in OTHER_PARTNERS:
            assert name not in body, name
        assert overflow(page) is None, overflow(page)

        # Another partner's figures are not there to be asked for.
        response = page.goto(f"/portal/acme/scorecard/?scope=partner-{_rival_id()}")
        assert response is not None and response.status == 404
    finally:
        context.close()

    # A sales manager switches from the team to a rep.
    context = _context(browser, live_server, viewport)
    try:
        page = context.new_page()
        sign_in(page, "sales", "manager@acme.example")
        page.goto("/sales/acme/scorecard/")
        expect(page.get_by_test_id("scorecard")).to_be_visible()
        switch = page.get_by_test_id("scope-switch")
        options = switch.locator("option")
        assert options.count() >= 2
        rep = options.nth(1).get_attribute("value") or ""
        assert rep.startswith("user-")
        switch.select_option(rep)
        with page.expect_navigation():
            page.locator("form.sc-switch").get_by_role("button", name="Show").click()
        assert f"scope={rep}" in page.url
        expect(page.get_by_test_id("scorecard")).to_be_visible()
        expect(page.get_by_test_id("scope-switch")).to_have_value(rep)
        assert overflow(page) is None, overflow(page)
    finally:
        context.close()
