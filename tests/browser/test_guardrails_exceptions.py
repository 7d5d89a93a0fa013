"""Exceptions in a real browser: a partner rep asks, from the account page, to keep working an
account; a RevOps admin finds the request at the top of the console's queue and approves it with
a comment; the partner rep reads the decision in the portal.

The demo who-is-who comes from the `demo_data` fixture; the account is seeded here.
"""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

ACCOUNT = "Trondheim Anlegg AS"


@pytest.fixture
def account(demo_data) -> int:
    from accounts.tests.factories import AccountFactory
    from tenancy.models import Partner, Tenant

    acme = Tenant.objects.get(slug="acme")
    nordic = Partner.all_tenants.get(tenant=acme, external_id="P-nordic")
    return AccountFactory.create(
        tenant=acme, name=ACCOUNT, country="NO", region="NO-50", owner_partner=nordic
    ).pk


def test_a_partner_asks_for_an_exception_and_an_admin_approves_it(
    page: Page, browser, live_server, sign_in, account, tmp_path
):
    sign_in(page, "portal", "rep@nordic.example")
    page.goto(f"/portal/acme/accounts/{account}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(ACCOUNT)
    expect(page.locator("#route")).to_be_visible()

    page.get_by_test_id("request-exception").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Request an exception")
    expect(page.get_by_test_id("account-name")).to_have_text(ACCOUNT)
    page.get_by_label("Work an account the rules give to someone else").check()
    ends_on = datetime.date.today() + datetime.timedelta(days=60)
    page.get_by_label("Until").fill(ends_on.isoformat())
    page.get_by_label("Why is it needed?").fill("We run their spare-parts stock on site.")
    page.get_by_role("button", name="Send request").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your exceptions")
    row = page.get_by_role("main").locator("table tbody tr").first
    expect(row).to_contain_text(ACCOUNT)
    expect(row).to_contain_text("Pending review")
    expect(row.get_by_role("button", name="Withdraw")).to_be_visible()

    admin_context = browser.new_context(base_url=live_server.url)
    admin = admin_context.new_page()
    try:
        sign_in(admin, "console", "admin@acme.example")
        admin.get_by_role("navigation", name="Main").get_by_role("link", name="Exceptions").click()
        expect(admin.get_by_role("heading", level=1)).to_have_text("Exceptions")
        first = admin.get_by_role("main").locator("table tbody tr").first
        expect(first).to_contain_text(ACCOUNT)
        expect(first).to_contain_text("rep@nordic.example")
        first.get_by_role("link", name="Work an account the rules give to someone else").click()

        expect(admin.get_by_role("main")).to_contain_text("We run their spare-parts stock on site.")
        admin.get_by_label("Comment").fill("Fine until the service contract is renewed.")
        admin.get_by_role("button", name="Approve").click()
        expect(admin.locator(".messages")).to_contain_text("approved")
        admin.screenshot(path=tmp_path / "exception-queue.png", full_page=True)
    finally:
        admin_context.close()

    page.reload()
    row = page.get_by_role("main").locator("table tbody tr").first
    expect(row).to_contain_text("Approved")
    expect(row).to_contain_text("Fine until the service contract is renewed.")
    expect(row.get_by_role("button", name="Withdraw")).to_have_count(0)
