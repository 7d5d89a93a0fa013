"""The frame at a phone's width and at a desk's: every demo login's home page and every page in its
navigation fit the screen (no sideways scrolling), the menu button opens the navigation on the
phone, and the lead inbox works by thumb: open a lead, accept it, log a touch, decline another.

One browser context per login, resized between the phone and the desk, so a login signs in once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.browser.conftest import TIMEOUT_MS

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}
DESK: ViewportSize = {"width": 1280, "height": 800}
LOGINS = [
    ("console", "admin@acme.example"),
    ("sales", "manager@acme.example"),
    ("sales", "rep@acme.example"),
    ("portal", "admin@nordic.example"),
    ("portal", "rep@nordic.example"),
]

# What sticks out past the right edge of the window, deepest first, for the failure message.
OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  const wide = document.documentElement.scrollWidth;
  if (wide <= width + 1) return null;
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && ![...el.children].some(
        c => c.getBoundingClientRect().right > width + 1)) {
      const name = el.tagName.toLowerCase() + (el.className ? "." + el.className : "");
      out.push(`${name} right=${Math.round(box.right)} "${el.textContent.trim().slice(0, 40)}"`);
    }
  }
  return {scrollWidth: wide, culprits: out.slice(0, 6)};
}"""


def overflow(page: Page) -> Any:
    """None if the page fits the window's width, else how wide it is and what sticks out."""
    return page.evaluate(OVERFLOW_JS)


def nav_links(page: Page) -> list[tuple[str, str]]:
    links = page.locator("nav#sidenav a")
    return [
        (
            " ".join((links.nth(i).text_content() or "").split()),
            links.nth(i).get_attribute("href") or "",
        )
        for i in range(links.count())
    ]


@pytest.mark.parametrize(("door", "email"), LOGINS)
def test_every_page_in_the_navigation_fits_a_phone_and_a_desk(
    browser: Browser, live_server, demo_data, sign_in, door: str, email: str
):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in(page, door, email)
        home = page.url
        nav = page.get_by_role("navigation", name="Main")
        menu = page.get_by_role("button", name="Menu")

        # The phone: the navigation waits behind the menu button, which opens it.
        expect(menu).to_be_visible()
        expect(menu).to_have_attribute("aria-expanded", "false")
        expect(nav).to_be_hidden()
        menu.click()
        expect(menu).to_have_attribute("aria-expanded", "true")
        expect(nav).to_be_visible()
        box = nav.get_by_role("link").first.bounding_box()
        assert box is not None and box["height"] >= 44, box
        links = nav_links(page)
        assert links[0][0] == "Home"
        label, href = links[1]
        nav.get_by_role("link").nth(1).click()
        page.wait_for_url(f"**{href}")
        expect(nav).to_be_hidden()  # a new page starts with the menu closed
        expect(page.locator("main h1").first).to_be_visible()

        too_wide = {}
        for viewport in (PHONE, DESK):
            page.set_viewport_size(viewport)
            for label, href in [("Home", home), *links]:
                response = page.goto(href)
                assert response is not None and response.ok, (href, response and response.status)
                found = overflow(page)
                if found:
                    too_wide[f"{viewport['width']} px {label} {href}"] = found
        assert not too_wide, too_wide
        assert not errors, errors

        # The desk: the sidebar is always there, no menu button.
        expect(nav).to_be_visible()
        expect(menu).to_be_hidden()
    finally:
        context.close()


def test_without_javascript_the_navigation_stays_open_on_a_phone(
    browser: Browser, live_server, demo_data, sign_in
):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=False
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        sign_in(page, "console", "admin@acme.example")
        nav = page.get_by_role("navigation", name="Main")
        expect(nav).to_be_visible()
        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
        nav.get_by_role("link", name="Audit log").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
        assert overflow(page) is None, overflow(page)  # the table scrolls by itself
    finally:
        context.close()


# --- the lead inbox by thumb -----------------------------------------------------------------

ACCEPTED, DECLINED = "Greta Fjellstad", "Henrik Aasen"


def seed_two_leads(door: str) -> None:
    """Two fresh leads in the inbox of the door's rep, with their SLA clocks running: the portal's
    for Nordic Industrial Supply, the sales door's for rep@acme.example."""
    from django.utils import timezone

    from pipeline.models import Lead
    from routing.models import SlaTimer
    from tenancy.models import Membership, Partner, Tenant

    acme = Tenant.objects.get(slug="acme")
    if door == "portal":
        holder: dict[str, Any] = {
            "route": "partner",
            "assigned_partner": Partner.all_tenants.get(tenant=acme, external_id="P-nordic"),
        }
    else:
        rep = Membership.all_tenants.get(tenant=acme, user__email="rep@acme.example")
        holder = {"route": "direct", "assigned_user": rep.user, "assigned_team": rep.team}
    now = timezone.now()
    for first, last in (ACCEPTED.split(), DECLINED.split()):
        lead = Lead.all_tenants.create(
            tenant=acme,
            source="web_form",
            first_name=first,
            last_name=last,
            email=f"{first.lower()}@{last.lower()}-maskin.no",
            company=f"{last} Maskin AS",
            city="Bergen",
            country="Norway",
            status="routed",
            assigned_at=now,
            routing_attempts=1,
            processed_at=now,
            **holder,
        )
        for kind, minutes in (("accept", 45), ("first_touch", 240)):
            due = now + dt.timedelta(minutes=minutes)
            SlaTimer.all_tenants.create(
                tenant=acme,
                lead=lead,
                kind=kind,
                assignment=1,
                started_at=now,
                due_at=due,
                next_action_at=due,
            )


def fits(page: Page) -> None:
    assert overflow(page) is None, (page.url, overflow(page))


def tappable(page: Page, locator) -> None:
    box = locator.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44, box
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box


@pytest.mark.parametrize(
    ("door", "email"), [("portal", "rep@nordic.example"), ("sales", "rep@acme.example")]
)
def test_working_the_lead_inbox_on_a_phone(
    browser: Browser, live_server, demo_data, sign_in, door: str, email: str, tmp_path
):
    seed_two_leads(door)
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    try:
        page = context.new_page()
        sign_in(page, door, email)
        page.get_by_role("button", name="Menu").tap()
        page.get_by_role("navigation", name="Main").get_by_role("link", name="My leads").tap()
        expect(page.get_by_role("heading", level=1)).to_have_text("My leads")
        fits(page)
        page.screenshot(path=tmp_path / f"{door}-inbox-phone.png", full_page=True)

        # Accept the first lead from its card in the inbox.
        card = page.get_by_test_id("lead-row").filter(has_text=ACCEPTED)
        expect(card.get_by_test_id("countdown")).to_contain_text("to accept")
        accept = card.get_by_role("button", name="Accept")
        tappable(page, accept)
        accept.tap()
        expect(page.locator(".messages")).to_contain_text(f"You accepted {ACCEPTED}")
        card = page.get_by_test_id("lead-row").filter(has_text=ACCEPTED)
        expect(card.get_by_test_id("lead-status")).to_have_text("Accepted")
        fits(page)

        # Open it and log a call.
        card.get_by_role("link", name=ACCEPTED).tap()
        expect(page.get_by_role("heading", level=1)).to_contain_text(ACCEPTED)
        fits(page)
        touch = page.get_by_role("form", name="Log a touch")
        touch.get_by_label("How").select_option("call")
        touch.get_by_label("What was it about?").fill("Called from the customer's yard")
        log = touch.get_by_role("button", name="Log touch")
        tappable(page, log)
        log.tap()
        expect(page.locator(".messages")).to_contain_text(f"Call logged on {ACCEPTED}")
        expect(page.get_by_test_id("lead-status")).to_contain_text("Working")
        expect(page.get_by_test_id("touches")).to_contain_text("Called from the customer's yard")
        fits(page)
        page.screenshot(path=tmp_path / f"{door}-lead-phone.png", full_page=True)

        # Back to the inbox, open the other lead and decline it there, with a reason.
        page.locator("main .breadcrumb").get_by_role("link", name="My leads").tap()
        page.get_by_test_id("lead-row").filter(has_text=DECLINED).get_by_role(
            "link", name=DECLINED
        ).tap()
        expect(page.get_by_role("heading", level=1)).to_contain_text(DECLINED)
        fits(page)
        actions = page.get_by_label("Actions")
        decline = actions.locator("summary", has_text="Decline")
        tappable(page, decline)
        decline.tap()
        actions.get_by_role("textbox").fill("Outside our region")
        confirm = actions.get_by_role("button", name="Decline")
        tappable(page, confirm)
        confirm.tap()
        expect(page.locator(".messages")).to_contain_text(f"You declined {DECLINED}")
        expect(page.get_by_role("heading", level=1)).to_have_text("My leads")
        fits(page)
    finally:
        context.close()
