"""The rulebook editor and explain in a real browser: a RevOps admin adds a rule to a draft through
the structured condition form (a bad region code is refused naming the condition), reads it back
as a sentence, publishes the draft, and explains an account and a hypothetical customer."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

CUSTOMER = "Bergen Hydraulikk AS"


@pytest.fixture
def draft(demo_data) -> int:
    """A draft of Acme's rulebook with just the default rule (whatever the demo seeded, so the
    test's publish is not refused by someone else's rules), and a Norwegian customer."""
    from accounts.tests.factories import AccountFactory
    from core.tenancy import tenant_scope
    from guardrails.services.rules import replace_rules
    from guardrails.services.versions import create_draft
    from tenancy.models import Tenant, User
    from tenancy.services import membership_for

    acme = Tenant.objects.get(slug="acme")
    admin = User.objects.get(email="admin@acme.example")
    with tenant_scope(acme):
        acting = membership_for(admin, acme)
        assert acting is not None
        version = create_draft(acme, acting=acting, summary="Browser test draft")
        replace_rules(
            version,
            [
                {
                    "name": "Default",
                    "outcome": "direct",
                    "target_kind": "none",
                    "rationale": "Everything else is served directly.",
                    "is_default": True,
                }
            ],
            acting=acting,
        )
        AccountFactory.create(
            tenant=acme, name=CUSTOMER, country="NO", region="NO-46", city="Bergen"
        )
    return version.number


def test_an_admin_writes_publishes_and_explains_a_rule(page: Page, sign_in, draft):
    sign_in(page, "console", "admin@acme.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Rulebook").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rulebook")
    page.get_by_test_id("drafts").get_by_role("link", name=f"Version {draft}").click()
    expect(page.get_by_test_id("version-status")).to_have_text("Draft")

    page.get_by_role("link", name="Add a rule").click()
    page.get_by_label("Name", exact=True).fill("Norwegian west coast")
    page.get_by_label("Outcome").select_option("partner")
    page.get_by_label("Target", exact=True).select_option("authorized")
    page.get_by_label("Rationale").fill("Local partners serve the west coast.")
    page.get_by_label("Add a condition on").select_option("country")
    page.get_by_role("button", name="Add condition").click()
    page.get_by_label("Condition 1 (Country) values").select_option("NO")
    page.get_by_label("Add a condition on").select_option("region")
    page.get_by_role("button", name="Add condition").click()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Norwegian west coast")
    page.get_by_label("Condition 2 (Region) codes").fill("NO-46, XX-ZZ")
    page.get_by_role("button", name="Save rule").click()

    errors = page.get_by_test_id("rule-errors")
    expect(errors).to_contain_text("condition 2 (region)")
    expect(errors).to_contain_text("XX-ZZ")
    page.get_by_label("Condition 2 (Region) codes").fill("NO-46")
    page.get_by_role("button", name="Save rule").click()

    rules = page.get_by_test_id("rule")
    expect(rules).to_have_count(2)
    expect(rules.first).to_contain_text("Norwegian west coast")
    expect(rules.first.get_by_test_id("sentence")).to_contain_text("Norway")
    expect(page.get_by_test_id("lint")).to_be_visible()

    page.get_by_test_id("publish").click()
    expect(page.locator(".messages")).to_contain_text(f"Version {draft} is published and active")
    expect(page.get_by_test_id("active-version")).to_contain_text(f"Version {draft}")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Explain").click()
    page.get_by_label("Account name").fill("Bergen")
    page.get_by_role("button", name="Find").click()
    page.get_by_test_id("account-matches").get_by_role("link", name=CUSTOMER).click()
    decision = page.get_by_test_id("decision")
    expect(decision).to_contain_text("Norwegian west coast")
    expect(decision).to_contain_text("Local partners serve the west coast.")

    page.get_by_text("Describe a customer that does not exist yet").click()
    form = page.get_by_role("form", name="Hypothetical attributes")
    form.get_by_label("Country").select_option("DE")
    form.get_by_role("button", name="Explain").click()
    expect(page.get_by_test_id("decision")).to_contain_text(re.compile(r"rule #2 .*Default"))
    expect(page.get_by_test_id("traces")).to_contain_text("country is DE, not one of NO")
