"""The lead inbox in a real browser: a partner rep opens "My leads", sees the SLA countdown tick,
accepts the lead, logs a call on its page, and the lead shows "Working".

The demo who-is-who comes from the `demo_data` fixture; the lead is seeded here, routed to the
rep's partner with its SLA clocks running.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

LEAD = "Greta Fjellstad"


@pytest.fixture
def lead(demo_data) -> int:
    from django.utils import timezone

    from pipeline.models import Lead
    from routing.models import SlaTimer
    from tenancy.models import Partner, Tenant

    acme = Tenant.objects.get(slug="acme")
    nordic = Partner.all_tenants.get(tenant=acme, external_id="P-nordic")
    now = timezone.now()
    row = Lead.all_tenants.create(
        tenant=acme,
        source="web_form",
        first_name="Greta",
        last_name="Fjellstad",
        email="greta@fjellstad-maskin.no",
        company="Fjellstad Maskin AS",
        city="Bergen",
        country="Norway",
        status="routed",
        route="partner",
        assigned_partner=nordic,
        assigned_at=now,
        routing_attempts=1,
        processed_at=now,
    )
    for kind, minutes in (("accept", 45), ("first_touch", 240)):
        due = now + dt.timedelta(minutes=minutes)
        SlaTimer.all_tenants.create(
            tenant=acme,
            lead=row,
            kind=kind,
            assignment=1,
            started_at=now,
            due_at=due,
            next_action_at=due,
        )
    return row.pk


def test_a_partner_rep_accepts_a_lead_and_logs_a_call(page: Page, sign_in, lead, tmp_path):
    sign_in(page, "portal", "rep@nordic.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My leads").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My leads")

    row = page.get_by_test_id("lead-row").filter(has_text=LEAD)
    countdown = row.get_by_test_id("countdown")
    expect(countdown).to_contain_text("to accept")
    expect(countdown).to_contain_text(" left")
    first = countdown.locator(".clock-text").text_content()
    assert first is not None
    expect(countdown.locator(".clock-text")).not_to_have_text(first)  # it counts down live
    page.screenshot(path=tmp_path / "inbox.png", full_page=True)

    row.get_by_role("button", name="Accept").click()
    expect(page.locator(".messages")).to_contain_text(f"You accepted {LEAD}")
    row = page.get_by_test_id("lead-row").filter(has_text=LEAD)
    expect(row.get_by_test_id("lead-status")).to_have_text("Accepted")
    expect(row.get_by_test_id("countdown")).to_contain_text("to first touch")

    row.get_by_role("link", name=LEAD).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(LEAD)
    touch = page.get_by_role("form", name="Log a touch")
    touch.get_by_label("How").select_option("call")
    touch.get_by_label("What was it about?").fill("Called about the spare-parts contract")
    touch.get_by_role("button", name="Log touch").click()

    expect(page.locator(".messages")).to_contain_text(f"Call logged on {LEAD}")
    expect(page.get_by_test_id("lead-status")).to_contain_text("Working")
    expect(page.get_by_test_id("touches")).to_contain_text("Called about the spare-parts contract")
    expect(page.get_by_test_id("timeline")).to_contain_text("Touched")
    expect(page.get_by_test_id("countdown")).to_have_count(0)
    page.screenshot(path=tmp_path / "lead.png", full_page=True)
