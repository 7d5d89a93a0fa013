"""CSV import in a real browser, at a phone width and a desk width: upload, check the mapping,
dry run with errors by row and column, then the import with its progress and honest report; a
file with no row to write is never offered for import."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

pytestmark = pytest.mark.browser

CSV = (
    "Account ID;Company;Country;Region;Website;Industry\n"
    "IMP-1;Kiesel Bau GmbH;DE;BY;kiesel-bau.de;Construction\n"
    "IMP-2;Nordhafen AB;SE;AB;nordhafen.se;\n"
    "IMP-3;Broken Row Ltd;XX;;broken.example;\n"
)
ALL_BROKEN = "Account ID;Company;Country\nBAD-1;Nowhere Ltd;XX\nBAD-2;;DE\n"
WIDTHS: dict[str, ViewportSize] = {
    "phone": {"width": 390, "height": 844},
    "desk": {"width": 1280, "height": 800},
}


@pytest.fixture(params=list(WIDTHS))
def screen(request, browser: Browser, live_server, demo_data):
    context = browser.new_context(base_url=live_server.url, viewport=WIDTHS[request.param])
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield request.param, page
    finally:
        context.close()


def open_imports(page: Page, width: str) -> None:
    if width == "phone":  # the navigation waits behind the menu button
        page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="Imports").click()


def upload(page: Page, path) -> None:
    page.get_by_label("Import").select_option("accounts")
    page.get_by_label("CSV file").set_input_files(str(path))
    page.get_by_role("button", name="Upload").click()


def fits(page: Page) -> None:
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1


def test_an_admin_imports_accounts_from_csv(screen, sign_in, tmp_path):
    from accounts.models import Account, Segment
    from tenancy.models import Tenant

    Segment.all_tenants.get_or_create(
        tenant=Tenant.objects.get(slug="acme"),
        key="construction",
        defaults={"name": "Construction"},
    )
    width, page = screen
    csv_file = tmp_path / "crm-export.csv"
    csv_file.write_text(CSV, encoding="utf-8")
    sign_in(page, "console", "admin@acme.example")
    open_imports(page, width)
    upload(page, csv_file)

    expect(page.get_by_role("heading", level=1)).to_contain_text("crm-export.csv")
    expect(page.get_by_label("Field for Account ID")).to_have_value("external_id")
    expect(page.get_by_label("Field for Website")).to_have_value("domains")
    fits(page)
    page.get_by_role("button", name="Check the file (dry run)").click()

    dry_run = page.get_by_test_id("dry-run")
    expect(dry_run).to_contain_text("Would create")
    errors = page.get_by_test_id("errors")
    expect(errors).to_contain_text("Country")
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("import-plan")).to_contain_text("2 to create, 0 to update")
    fits(page)
    assert not Account.all_tenants.filter(external_id__startswith="IMP-").exists()

    page.get_by_test_id("start-import").click()
    report = page.get_by_test_id("report")
    expect(report).to_be_visible()
    expect(page.get_by_test_id("import-status")).to_contain_text(
        "2 created, 0 updated, 0 unchanged, 1 with errors"
    )
    fits(page)
    created = Account.all_tenants.filter(external_id__startswith="IMP-")
    assert created.count() == 2
    # "Construction", as the pages spell the segment, found the segment.
    assert created.get(external_id="IMP-1").segment is not None


def test_a_file_with_no_valid_row_is_never_offered_for_import(screen, sign_in, tmp_path):
    width, page = screen
    csv_file = tmp_path / "broken.csv"
    csv_file.write_text(ALL_BROKEN, encoding="utf-8")
    sign_in(page, "console", "admin@acme.example")
    open_imports(page, width)
    upload(page, csv_file)
    page.get_by_role("button", name="Check the file (dry run)").click()
    expect(page.get_by_test_id("nothing-to-import")).to_contain_text(
        "No row of this file can be imported"
    )
    expect(page.get_by_test_id("start-import")).to_have_count(0)
    expect(page.get_by_test_id("errors").locator("tbody tr")).to_have_count(2)
    fits(page)
