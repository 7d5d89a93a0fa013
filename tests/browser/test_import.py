"""CSV import in a real browser: upload, check the mapping, dry run with errors by row and column,
then the import with its progress and final report."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

CSV = (
    "Account ID;Company;Country;Region;Website\n"
    "IMP-1;Kiesel Bau GmbH;DE;BY;kiesel-bau.de\n"
    "IMP-2;Nordhafen AB;SE;AB;nordhafen.se\n"
    "IMP-3;Broken Row Ltd;XX;;broken.example\n"
)


def test_an_admin_imports_accounts_from_csv(page: Page, sign_in, tmp_path):
    from accounts.models import Account

    csv_file = tmp_path / "crm-export.csv"
    csv_file.write_text(CSV, encoding="utf-8")
    sign_in(page, "console", "admin@acme.example")
    page.get_by_role("link", name="Imports").click()
    page.get_by_label("Import").select_option("accounts")
    page.get_by_label("CSV file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Upload").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("crm-export.csv")
    expect(page.get_by_label("Field for Account ID")).to_have_value("external_id")
    expect(page.get_by_label("Field for Website")).to_have_value("domains")
    page.get_by_role("button", name="Check the file (dry run)").click()

    dry_run = page.get_by_test_id("dry-run")
    expect(dry_run).to_contain_text("Would create")
    errors = page.get_by_test_id("errors")
    expect(errors).to_contain_text("Country")
    expect(errors.locator("tbody tr")).to_have_count(1)
    assert not Account.all_tenants.filter(external_id__startswith="IMP-").exists()

    page.get_by_test_id("start-import").click()
    report = page.get_by_test_id("report")
    expect(report).to_be_visible()
    expect(page.get_by_test_id("import-status")).to_contain_text("Done")
    expect(report).to_contain_text("Created")
    assert Account.all_tenants.filter(external_id__startswith="IMP-").count() == 2
