"""Deal registration's pages on a phone (390 px): the list, a registration's page and the
console's review page fit the screen, on the demo data (every app's, at a small scale)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import TIMEOUT_MS, seed_demo_through
from tests.browser.test_responsive import PHONE, overflow

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("door", "email", "list_path"),
    [
        ("portal", "admin@nordic.example", "/portal/acme/deal-registrations/?state=approved"),
        ("sales", "manager@acme.example", "/sales/acme/deal-registrations/"),
        ("console", "admin@acme.example", "/console/acme/deal-registrations/"),
    ],
)
def test_deal_registration_pages_fit_a_phone(
    browser: Browser, live_server, demo_data, sign_in, door: str, email: str, list_path: str
):
    seed_demo_through("dealreg")  # the customers, rules and registrations behind the pages
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    try:
        page = context.new_page()
        sign_in(page, door, email)
        page.goto(list_path)
        expect(page.get_by_role("heading", name="Deal registrations")).to_be_visible()
        assert overflow(page) is None, f"{list_path}: {overflow(page)}"
        rows = page.get_by_test_id("registration-row")
        assert rows.count() > 0, f"no demo registration at {list_path}"
        rows.first.get_by_role("link").first.click()
        expect(page.get_by_test_id("timeline")).to_be_visible()
        assert overflow(page) is None, f"{page.url}: {overflow(page)}"
    finally:
        context.close()
