"""The console's adjudication pages in a browser, on a phone (390 px) and a desk (1280 px), on the
demo data: open the queue, open a customer's conflicting claims (side by side on a desk, stacked
on a phone), split the credit, and find the decision among the precedents."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, ViewportSize, expect

from tests.browser.conftest import TIMEOUT_MS, seed_demo_through
from tests.browser.test_responsive import PHONE, overflow

pytestmark = pytest.mark.browser

DESK: ViewportSize = {"width": 1280, "height": 800}


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_an_admin_splits_a_conflict_and_finds_it_among_the_precedents(
    browser: Browser, live_server, demo_data, sign_in, viewport: ViewportSize
):
    seed_demo_through("dealreg")  # the customers, rules and registrations (with a conflict)
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    try:
        page = context.new_page()
        sign_in(page, "console", "admin@acme.example")
        page.goto("/console/acme/")
        page.get_by_role("link", name=re.compile("Registration conflicts to adjudicate")).click()
        expect(page.get_by_role("heading", name="Conflicts to adjudicate", level=1)).to_be_visible()
        assert overflow(page) is None, f"queue: {overflow(page)}"
        group = page.get_by_test_id("conflict-group").first
        expect(group.get_by_test_id("claim-row")).to_have_count(2)
        expect(group.get_by_test_id("tie-break").first).to_be_visible()
        group.get_by_role("link", name="Decide").click()

        claims = page.get_by_test_id("claim")
        expect(claims).to_have_count(2)
        assert overflow(page) is None, f"decide page: {overflow(page)}"
        first, second = claims.nth(0).bounding_box(), claims.nth(1).bounding_box()
        assert first and second
        if viewport["width"] >= 1000:
            assert abs(first["y"] - second["y"]) < 2 and second["x"] > first["x"]  # side by side
        else:
            assert second["y"] >= first["y"] + first["height"]  # stacked
        expect(page.get_by_test_id("engine")).to_contain_text("The first complete registration")
        expect(page.get_by_test_id("precedents")).to_be_visible()

        form = page.get_by_test_id("adjudicate")
        form.get_by_label("Split the credit").check()
        form.get_by_label("Split", exact=True).select_option(index=0)
        form.get_by_label(re.compile("^Reason")).fill(
            "Browser test: sourced by one, fulfilled by the other"
        )
        form.get_by_role("button", name="Decide").click()

        expect(page.get_by_role("heading", name="Conflicts to adjudicate", level=1)).to_be_visible()
        expect(page.get_by_text(re.compile("credit split"))).to_be_visible()
        assert overflow(page) is None, f"queue after: {overflow(page)}"

        page.get_by_role("link", name=re.compile("Search earlier decisions")).click()
        page.get_by_label("Words of the reason").fill("fulfilled browser")
        page.get_by_role("button", name="Search").click()
        rows = page.get_by_test_id("precedent-row")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("Credit split")
        expect(rows.first).to_contain_text("admin@acme.example")
        assert overflow(page) is None, f"precedents: {overflow(page)}"
    finally:
        context.close()
