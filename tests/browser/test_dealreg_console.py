"""Deal registration's console report and settings in a browser, on a phone (390 px) and a desk
(1280 px), on the demo data: the conflict rate broken down another way and downloaded, a bad
setting refused next to its field, then a step added and the settings saved."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, ViewportSize, expect

from tests.browser.conftest import TIMEOUT_MS, seed_demo_through
from tests.browser.test_responsive import DESK, PHONE, overflow

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_the_conflict_rate_and_the_settings_in_the_console(
    browser: Browser, live_server, demo_data, sign_in, viewport: ViewportSize
):
    seed_demo_through("dealreg")  # the customers, rules and registrations behind the pages
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    try:
        page = context.new_page()
        sign_in(page, "console", "admin@acme.example")

        # The report: by partner over the last four quarters, then by quarter; a CSV of it.
        page.goto("/console/acme/registration-conflict-rate/")
        expect(page.get_by_role("heading", name="Conflict rate")).to_be_visible()
        expect(page.get_by_test_id("rate-total")).to_be_visible()
        assert page.get_by_test_id("rate-row").count() > 0
        assert overflow(page) is None, overflow(page)
        page.get_by_label("Break down by").select_option("quarter")
        with page.expect_navigation():
            page.get_by_role("button", name="Show").click()
        assert page.get_by_test_id("rate-row").count() == 4  # the last four fiscal quarters
        assert overflow(page) is None, overflow(page)
        with page.expect_download() as download:
            page.get_by_test_id("export").click()
        assert download.value.suggested_filename.startswith("conflict-rate-by-quarter-acme-")

        # A bad date in the address: the problem named, no table, no error page.
        page.goto("/console/acme/registration-conflict-rate/?end=someday")
        expect(page.get_by_test_id("query-errors")).to_contain_text("Submitted until")
        expect(page.get_by_test_id("conflict-rate")).to_have_count(0)

        # Settings: an idle window of 0 days is refused next to its field, nothing saved.
        page.goto("/console/acme/deal-registration-settings/")
        expect(page.get_by_role("heading", name="Deal registration settings")).to_be_visible()
        expect(page.get_by_test_id("tie-breaks")).to_contain_text("first complete registration")
        assert overflow(page) is None, overflow(page)
        page.get_by_label("Idle window (days)").fill("0")
        with page.expect_navigation():
            page.get_by_role("button", name="Save settings").click()
        expect(page.get_by_test_id("not-saved")).to_be_visible()
        idle = page.locator(".field", has=page.get_by_label("Idle window (days)"))
        expect(idle.locator(".field-error")).to_contain_text("greater than or equal to 1")
        assert overflow(page) is None, overflow(page)

        # Fixed, with a new step in the empty row: saved, and shown back.
        page.get_by_label("Idle window (days)").fill("45")
        new = page.get_by_test_id("step-row").last
        new.get_by_label("Name").fill("Regional check")
        new.get_by_label("When").select_option("always")
        new.get_by_label("Approver").select_option("direct_manager")
        new.get_by_label("Hours").fill("8")
        with page.expect_navigation():
            page.get_by_role("button", name="Save settings").click()
        expect(page.get_by_text("Deal registration settings saved")).to_be_visible()
        expect(page.get_by_label("Idle window (days)")).to_have_value("45")
        assert page.locator('input[value="Regional check"]').count() == 1
        expect(page.get_by_test_id("tie-breaks")).to_contain_text("idle window is now 45 days")
    finally:
        context.close()
