"""The home pages in a real browser, on a phone (390 px) and a laptop (1280 px): each demo login
finds what is waiting for them under "Waiting for you", taps the item and lands on the list it
names, with the work there.

The demo who-is-who comes from the `demo_data` fixture; the leads are seeded here: one routed to
the Nordic partner, one to the direct rep, one that nobody could route.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, ViewportSize, expect

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}
LAPTOP: ViewportSize = {"width": 1280, "height": 800}


@pytest.fixture
def work(demo_data) -> None:
    from django.utils import timezone

    from pipeline.models import Lead
    from routing.models import SlaTimer
    from tenancy.models import Membership, Partner, Tenant

    acme = Tenant.objects.get(slug="acme")
    nordic = Partner.all_tenants.get(tenant=acme, external_id="P-nordic")
    rep = Membership.all_tenants.select_related("user").get(
        tenant=acme, user__email="rep@acme.example"
    )
    now = timezone.now()
    common = {"tenant": acme, "source": "web_form", "processed_at": now, "country": "Germany"}
    routed = {"status": "routed", "assigned_at": now, "routing_attempts": 1}
    leads = [
        Lead.all_tenants.create(
            **common,
            **routed,
            first_name="Greta",
            last_name="Fjellstad",
            company="Fjellstad Maskin AS",
            route="partner",
            assigned_partner=nordic,
        ),
        Lead.all_tenants.create(
            **common,
            **routed,
            first_name="Bruno",
            last_name="Brenner",
            company="Brenner Bau GmbH",
            route="direct",
            assigned_user=rep.user,
            assigned_team=rep.team,
        ),
    ]
    Lead.all_tenants.create(
        **common, status="unroutable", first_name="Una", last_name="Nowhere", company="Nowhere KG"
    )
    for lead in leads:
        due = now + dt.timedelta(hours=30)
        SlaTimer.all_tenants.create(
            tenant=acme,
            lead=lead,
            kind="accept",
            assignment=1,
            started_at=now,
            due_at=due,
            next_action_at=due,
        )


CASES = [
    # (login, door, queue item, heading of the list it leads to, a row there)
    ("admin@nordic.example", "portal", "Leads to accept", "My leads", "Greta Fjellstad"),
    ("rep@nordic.example", "portal", "Leads to accept", "My leads", "Greta Fjellstad"),
    ("rep@acme.example", "sales", "Leads to accept", "My leads", "Bruno Brenner"),
    ("manager@acme.example", "sales", "Leads to accept", "My leads", "Bruno Brenner"),
    ("admin@acme.example", "console", "Leads nobody could route", "Leads", "Una Nowhere"),
]


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
@pytest.mark.parametrize(("email", "door", "item", "heading", "row"), CASES)
def test_the_home_page_leads_to_the_waiting_work(
    page: Page,
    live_server,
    sign_in,
    work,
    tmp_path,
    viewport: ViewportSize,
    email,
    door,
    item,
    heading,
    row,
):
    page.set_viewport_size(viewport)
    sign_in(page, door, email)

    expect(page).to_have_url(re.compile(rf"/{door}/acme/$"))
    queue = page.get_by_test_id("queue")
    expect(queue).to_be_visible()
    link = queue.get_by_role("link").filter(has_text=item)
    expect(link).to_contain_text("1")
    # The queue fits the screen: nothing of it is cut off sideways.
    overflow = queue.evaluate("el => el.scrollWidth - el.clientWidth")
    assert overflow <= 0, overflow
    box = link.bounding_box()
    assert box is not None and box["height"] >= 44  # a thumb-sized target
    # HOME_SCREENSHOTS=docs/screenshots keeps them (the README's pictures of the home pages).
    shots = Path(os.environ.get("HOME_SCREENSHOTS") or tmp_path)
    page.screenshot(path=shots / f"{door}-home-{viewport['width']}.png", full_page=True)

    link.click()

    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.locator("main")).to_contain_text(row)


def test_a_rep_of_another_partner_sees_nothing_waiting(page: Page, sign_in, work):
    page.set_viewport_size(PHONE)
    sign_in(page, "portal", "dual@multiline.example")  # Baltic Machinery Rental at Acme
    page.get_by_role("link", name="Acme Heavy Equipment").click()

    expect(page.get_by_test_id("queue-empty")).to_have_text("Nothing waiting.")
