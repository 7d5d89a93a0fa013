"""The maturity assessment in a real browser, at a phone's width and a desk's: a RevOps admin opens
"Maturity" from the Governance navigation, sees four quarters of history and the trend chart,
answers the questionnaire (raising route-to-market governance to operationalized), sees both
scores side by side with the new level, and opens a past quarter; nothing scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, ViewportSize, expect

from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_responsive import overflow

pytestmark = pytest.mark.browser

WIDTHS: dict[str, ViewportSize] = {
    "phone": {"width": 390, "height": 844},
    "desk": {"width": 1280, "height": 800},
}


@pytest.fixture
def assessed(demo_data) -> None:
    """Four quarters of demo assessments for acme (its live data is empty: the tenancy demo
    only, so the data scores are computed from nothing and say so)."""
    from core.tenancy import tenant_scope
    from scorecards.maturity.demo import seed_tenant
    from tenancy.models import Tenant

    tenant = Tenant.objects.get(slug="acme")
    with tenant_scope(tenant):
        assert seed_tenant(tenant) == 4


@pytest.fixture(params=list(WIDTHS))
def screen(request, browser: Browser, live_server, assessed):
    context = browser.new_context(base_url=live_server.url, viewport=WIDTHS[request.param])
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    page = context.new_page()
    try:
        yield request.param, page
    finally:
        context.close()


def test_answer_the_questionnaire_and_see_scores_trend_and_history(screen, sign_in):
    width, page = screen
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    sign_in(page, "console", "admin@acme.example")
    if width == "phone":  # the navigation waits behind the menu button
        page.get_by_role("button", name="Menu").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Maturity").click()
    expect(page.get_by_role("heading", name="Channel-balance maturity")).to_be_visible()

    # Four quarters of history and the trend drawn from them.
    expect(page.get_by_test_id("history-row")).to_have_count(4)
    expect(page.get_by_role("img", name="Maturity by quarter.")).to_be_visible()
    expect(page.get_by_role("img", name="Questionnaire score by capability.")).to_be_visible()
    assert overflow(page) is None, overflow(page)

    # Answer: route-to-market governance is operationalized on all three questions.
    for key in ("governance.rules", "governance.exceptions", "governance.conflicts"):
        option = page.get_by_test_id(f"answer-{key}-4")
        option.scroll_into_view_if_needed()
        option.check()
    page.get_by_test_id("save-assessment").click()
    expect(page.locator(".messages")).to_contain_text("saved and scored from live data")
    expect(page.get_by_test_id("q-level-governance")).to_have_text("4 · Operationalized")
    # The live data beside it: no rulebook is in force in this demo tenant.
    expect(page.get_by_test_id("d-level-governance")).to_have_text("1 · Ad hoc")
    row = page.get_by_test_id("score-governance")
    expect(row.get_by_role("link", name="Rulebook").first).to_be_visible()
    assert overflow(page) is None, overflow(page)

    # A past quarter, viewable on its own.
    page.get_by_test_id("history-row").last.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Maturity assessment of")).to_be_visible()
    expect(page.get_by_test_id("maturity-scores")).to_be_visible()
    assert overflow(page) is None, overflow(page)
    assert not page_errors, page_errors
