"""MDF in a browser, on a phone (390 px) and a desk (1280 px), on the demo tenant: a partner
admin requests funds; RevOps approves part of it with a reason; the partner files the claim,
is told which proof is missing, uploads it and submits; RevOps approves the claim in part and
records the payment from the payments queue. No page is wider than the window."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_responsive import DESK, PHONE, overflow

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n% invoice\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _fund_nordic() -> None:
    from mdf.tests.factories import fund
    from tenancy.models import Partner, Tenant

    tenant = Tenant.objects.get(slug="acme")
    fund(tenant, Partner.all_tenants.get(tenant=tenant, name="Nordic Industrial Supply"), 8_000)


def _person(
    browser: Browser, live_server, viewport: ViewportSize, sign_in, door: str, email: str
) -> tuple[BrowserContext, Page]:
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, door, email)
    return context, page


def _fits(page: Page) -> None:
    assert overflow(page) is None, overflow(page)


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_a_request_and_its_claim_from_the_partner_to_payment(
    browser: Browser, live_server, demo_data, sign_in, viewport: ViewportSize
):
    expect.set_options(timeout=TIMEOUT_MS)
    _fund_nordic()
    today = dt.date.today().isoformat()
    partner_context, partner = _person(
        browser, live_server, viewport, sign_in, "portal", "admin@nordic.example"
    )
    admin_context, admin = _person(
        browser, live_server, viewport, sign_in, "console", "admin@acme.example"
    )
    try:
        partner.goto("/portal/acme/mdf/")
        expect(partner.get_by_role("heading", name="My MDF")).to_be_visible()
        expect(partner.get_by_test_id("available").first).to_contain_text("8,000.00")
        _fits(partner)

        partner.goto("/portal/acme/mdf/requests/")
        with partner.expect_navigation():
            partner.get_by_test_id("new-request").click()
        partner.get_by_label("Title").fill("Hydraulics roadshow")
        partner.get_by_label("Activity starts").fill(today)
        partner.get_by_label("Activity ends").fill(today)
        partner.get_by_label("Total cost").fill("6000")
        partner.get_by_label("Your own share").fill("1000")
        partner.get_by_label("Amount requested").fill("9000")
        _fits(partner)
        with partner.expect_navigation():
            partner.get_by_test_id("save-submit").click()
        amount = partner.locator(".field", has=partner.get_by_label("Amount requested"))
        expect(amount.locator(".field-error")).to_contain_text("more than the total cost")
        partner.get_by_label("Amount requested").fill("5000")
        with partner.expect_navigation():
            partner.get_by_test_id("save-submit").click()
        expect(partner.get_by_text("is submitted for approval")).to_be_visible()
        number = partner.url.rstrip("/").rsplit("/", 1)[1]
        _fits(partner)

        # RevOps approves part of it: without a reason it is refused beside the reason.
        admin.goto("/console/acme/mdf/approvals/")
        row = admin.get_by_test_id("approval-row").filter(has_text="Hydraulics roadshow")
        _fits(admin)
        with admin.expect_navigation():
            row.get_by_role("link").click()
        decision = admin.get_by_test_id("request-decision")
        decision.get_by_label("Amount to approve").fill("4000")
        with admin.expect_navigation():
            admin.get_by_test_id("request-approve").click()
        decision = admin.get_by_test_id("request-decision")
        expect(decision.locator(".field-error")).to_contain_text("Say why only part")
        decision.get_by_label("Reason").fill("Catering is not covered")
        with admin.expect_navigation():
            admin.get_by_test_id("request-approve").click()
        expect(admin.get_by_text("is approved in part")).to_be_visible()
        _fits(admin)

        # The partner claims: what is missing is said plainly until the proof is there.
        partner.goto(f"/portal/acme/mdf/requests/{number}/")
        expect(partner.get_by_test_id("approved")).to_contain_text("4,000.00")
        with partner.expect_navigation():
            partner.get_by_test_id("claim-link").click()
        partner.get_by_label("Actual cost").fill("5500")
        partner.get_by_label("Amount claimed").fill("4000")
        partner.get_by_label("Leads delivered").fill("14")
        with partner.expect_navigation():
            partner.get_by_test_id("save-claim").click()
        expect(partner.get_by_test_id("missing-proof")).to_contain_text(
            "invoice, photos, attendee list"
        )
        _fits(partner)
        for kind, name, mime, content in (
            ("invoice", "invoice.pdf", "application/pdf", PDF),
            ("photos", "booth.png", "image/png", PNG),
            ("attendee_list", "attendees.csv", "text/csv", b"name\nAda\n"),
        ):
            partner.get_by_label("Proof type").select_option(kind)
            partner.get_by_label("File", exact=True).set_input_files(
                {"name": name, "mimeType": mime, "buffer": content}
            )
            with partner.expect_navigation():
                partner.get_by_test_id("upload-proof").click()
            expect(partner.get_by_text(f"{name} added")).to_be_visible()
        expect(partner.get_by_test_id("proof-complete")).to_be_visible()
        with partner.expect_navigation():
            partner.get_by_test_id("submit-claim").click()
        expect(partner.get_by_text("The claim is submitted")).to_be_visible()
        _fits(partner)

        # RevOps approves the claim in part and pays it from the payments queue.
        admin.goto("/console/acme/mdf/approvals/?kind=claims")
        with admin.expect_navigation():
            admin.get_by_test_id("approval-row").filter(has_text="Hydraulics roadshow").get_by_role(
                "link"
            ).click()
        expect(admin.get_by_test_id("proof-link")).to_have_count(3)
        claim = admin.get_by_test_id("claim-decision")
        claim.get_by_label("Amount to approve").fill("3500")
        claim.get_by_label("Reason").fill("One invoice line is a dinner")
        with admin.expect_navigation():
            admin.get_by_test_id("claim-approve").click()
        admin.goto("/console/acme/mdf/payments/")
        row = admin.get_by_test_id("payment-row").filter(has_text="Hydraulics roadshow")
        expect(row).to_contain_text("3,500.00")
        _fits(admin)
        row.get_by_label("Payment reference").fill("FIN-2026-17")
        with admin.expect_navigation():
            row.get_by_test_id("pay").click()
        expect(admin.get_by_text("is paid (FIN-2026-17)")).to_be_visible()
        expect(admin.get_by_test_id("payment-row")).to_have_count(0)

        partner.goto("/portal/acme/mdf/")
        expect(partner.get_by_test_id("available").first).to_contain_text("4,500.00")
        expect(partner.get_by_test_id("ledger")).to_contain_text("Paid")
        _fits(partner)
    finally:
        partner_context.close()
        admin_context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_the_money_pages_fit_and_a_budget_is_allocated(
    browser: Browser, live_server, demo_data, sign_in, viewport: ViewportSize
):
    expect.set_options(timeout=TIMEOUT_MS)
    _fund_nordic()
    admin_context, admin = _person(
        browser, live_server, viewport, sign_in, "console", "admin@acme.example"
    )
    sales_context, sales = _person(
        browser, live_server, viewport, sign_in, "sales", "manager@acme.example"
    )
    try:
        admin.goto("/console/acme/mdf/budgets/")
        expect(admin.get_by_test_id("unallocated")).to_be_visible()
        _fits(admin)
        form = admin.get_by_test_id("allocation-form")
        form.get_by_label("Partner").select_option(label="Rhein Hydraulik GmbH")
        form.get_by_label("Fixed allocation").fill("99999999")
        with admin.expect_navigation():
            admin.get_by_test_id("allocate").click()
        form = admin.get_by_test_id("allocation-form")
        expect(form.locator(".field-error")).to_contain_text("is unallocated")
        _fits(admin)
        form.get_by_label("Fixed allocation").fill("3000")
        with admin.expect_navigation():
            admin.get_by_test_id("allocate").click()
        expect(admin.get_by_test_id("allocation-row").filter(has_text="Rhein")).to_contain_text(
            "3,000.00"
        )
        for url in ("/console/acme/mdf/ledger/", "/console/acme/mdf/settings/"):
            admin.goto(url)
            expect(admin.locator("h1")).to_be_visible()
            _fits(admin)
        expect(admin.get_by_label("Activity types")).to_have_value(re.compile(r"^event \| "))
        sales.goto("/sales/acme/mdf/activity/")
        expect(sales.get_by_role("heading", name="Partner MDF activity")).to_be_visible()
        _fits(sales)
    finally:
        admin_context.close()
        sales_context.close()
