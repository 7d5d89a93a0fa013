"""Registering a deal and reviewing it, as people would, on a phone (390 px) and at a desk: a
partner fills the form (the checks beside it answer as they type), adds a second line, submits;
the RevOps admin finds it in the review queue and decides it; the partner sees the outcome."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import TIMEOUT_MS, seed_demo_through
from tests.browser.test_responsive import DESK, PHONE, overflow

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_register_then_review(browser: Browser, live_server, demo_data, sign_in, viewport):
    seed_demo_through("dealreg")  # customers, product lines, rules and their corridors
    partner = browser.new_context(base_url=live_server.url, viewport=viewport)
    admin = browser.new_context(base_url=live_server.url, viewport=viewport)
    for context in (partner, admin):
        context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    try:
        page = partner.new_page()
        sign_in(page, "portal", "admin@nordic.example")
        page.goto("/portal/acme/deal-registrations/")
        page.get_by_test_id("register-deal").click()
        expect(page.get_by_role("heading", name="Register a deal")).to_be_visible()
        assert overflow(page) is None, overflow(page)

        page.get_by_label("What the deal is").fill("Hydraulic presses for the new hall")
        page.get_by_label("End customer").fill("Fjordline Tooling AS, Bergen")
        page.get_by_label("Country").fill("Norway")
        line = page.get_by_test_id("lines-form")
        line.get_by_label("Product line").first.select_option(index=1)
        line.get_by_label("Amount").first.fill("120000")
        line.get_by_label("Discount %").first.fill("60")
        hints = page.locator("[data-hints]:visible")  # beside the form, or above its buttons
        # 60 % is outside every demo corridor: the registrant is told before submitting.
        expect(hints.get_by_test_id("hint-discounts")).to_contain_text("60 %")
        expect(hints.get_by_test_id("hint-match")).to_be_visible()
        line.get_by_label("Why a discount outside the corridor").first.fill(
            "Competing against a low-cost import; the customer has a written offer."
        )
        page.get_by_test_id("add-line").click()
        line.get_by_label("Product line").nth(1).select_option(index=2)
        line.get_by_label("Amount").nth(1).fill("30000")
        assert overflow(page) is None, overflow(page)
        with page.expect_navigation():
            page.get_by_test_id("submit").click()
        expect(
            page.get_by_role("heading", name="Hydraulic presses for the new hall")
        ).to_be_visible()
        expect(page.get_by_test_id("lines")).to_contain_text("outside its corridor")
        expect(page.get_by_test_id("timeline")).to_contain_text("Submitted")
        registration_url = page.url
        assert overflow(page) is None, overflow(page)

        desk = admin.new_page()
        sign_in(desk, "console", "admin@acme.example")
        desk.goto("/console/acme/deal-registrations/?state=submitted")
        desk.get_by_role("link", name="Hydraulic presses for the new hall").first.click()
        expect(desk.get_by_test_id("approval-chain")).to_be_visible()
        assert overflow(desk) is None, overflow(desk)
        desk.get_by_label("Rejection reason").select_option(index=1)
        desk.get_by_label("Text").fill("The customer is a named account of the direct team.")
        with desk.expect_navigation():
            desk.get_by_role("button", name="Reject").click()
        expect(desk.get_by_role("alert").or_(desk.locator(".messages"))).to_contain_text("rejected")

        page.goto(registration_url)
        expect(page.get_by_test_id("timeline")).to_contain_text("named account of the direct team")
    finally:
        partner.close()
        admin.close()
