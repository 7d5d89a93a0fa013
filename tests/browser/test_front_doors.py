"""The three front doors in a real browser: sign in, land on the tenant, see who and where you are.

Everything asserted is what a person at the screen would notice: the address bar, the tenant in
the header, headings, names and messages.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

ACME = "Acme Heavy Equipment"
GLOBEX = "Globex Compressors"


def path_is(live_server, path: str) -> re.Pattern:
    return re.compile("^" + re.escape(f"{live_server.url}{path}") + "$")


def test_partner_admin_signs_in_at_the_portal(page: Page, live_server, sign_in):
    sign_in(page, "portal", "admin@nordic.example")

    expect(page).to_have_url(path_is(live_server, "/portal/acme/"))
    expect(page.get_by_test_id("active-tenant")).to_have_text(ACME)
    expect(page.get_by_test_id("partner-name")).to_have_text("Nordic Industrial Supply")


def test_direct_rep_signs_in_at_sales(page: Page, live_server, sign_in):
    sign_in(page, "sales", "rep@acme.example")

    expect(page).to_have_url(path_is(live_server, "/sales/acme/"))
    expect(page.get_by_test_id("active-tenant")).to_have_text(ACME)
    expect(page.get_by_test_id("team-name")).to_have_text("Strategic Accounts DACH")


def test_revops_admin_finds_own_sign_in_in_the_audit_log(
    page: Page, live_server, sign_in, tmp_path
):
    sign_in(page, "console", "admin@acme.example")

    expect(page).to_have_url(path_is(live_server, "/console/acme/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("RevOps console")
    expect(page.get_by_test_id("active-tenant")).to_have_text(ACME)
    # The stylesheet is served and applied: the console's header carries its purple accent.
    css = page.request.get("/static/css/app.css")
    assert css.status == 200, css.status
    assert css.headers["content-type"].startswith("text/css")
    expect(page.locator("header.topbar")).to_have_css("border-bottom-color", "rgb(107, 63, 160)")
    page.screenshot(path=tmp_path / "console-home.png", full_page=True)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()

    expect(page).to_have_url(path_is(live_server, "/console/acme/audit/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    sign_ins = (
        page.get_by_test_id("audit-entries")
        .get_by_role("listitem")
        .filter(has_text="Ann Adler signed in")
        .filter(has_text="admin@acme.example")
    )
    expect(sign_ins).to_have_count(1)


def test_wrong_password_keeps_the_sign_in_form(page: Page, live_server, sign_in):
    sign_in(page, "console", "admin@acme.example", password="not-the-password")

    expect(page.get_by_role("alert")).to_have_text("Email or password is incorrect.")
    expect(page).to_have_url(path_is(live_server, "/console/"))
    expect(page.get_by_label("Password")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_test_id("active-tenant")).to_have_count(0)


def test_multi_tenant_partner_picks_and_switches_tenants(page: Page, live_server, sign_in):
    sign_in(page, "portal", "dual@multiline.example")

    expect(page).to_have_url(path_is(live_server, "/portal/"))
    picker = page.get_by_role("main").get_by_role("list")
    expect(picker.get_by_role("link")).to_have_text([ACME, GLOBEX])

    picker.get_by_role("link", name=GLOBEX).click()
    expect(page).to_have_url(path_is(live_server, "/portal/globex/"))
    expect(page.get_by_test_id("active-tenant")).to_have_text(GLOBEX)
    expect(page.get_by_test_id("partner-name")).to_have_text("Prairie Pneumatics")

    header = page.get_by_role("banner")
    header.get_by_text("Switch tenant").click()
    header.get_by_role("link", name=ACME).click()
    expect(page).to_have_url(path_is(live_server, "/portal/acme/"))
    expect(page.get_by_test_id("active-tenant")).to_have_text(ACME)
    expect(page.get_by_test_id("partner-name")).to_have_text("Baltic Machinery Rental")

    # Two tabs of the same session, two tenants: the tenant lives in the URL, not the session.
    acme_tab, globex_tab = page, page.context.new_page()
    globex_tab.goto("/portal/globex/")
    expect(globex_tab.get_by_test_id("active-tenant")).to_have_text(GLOBEX)
    acme_tab.reload()
    expect(acme_tab.get_by_test_id("active-tenant")).to_have_text(ACME)
    globex_tab.reload()
    expect(globex_tab.get_by_test_id("active-tenant")).to_have_text(GLOBEX)


def test_partner_user_is_refused_at_the_console(page: Page, live_server, sign_in):
    sign_in(page, "portal", "rep@nordic.example")
    expect(page).to_have_url(path_is(live_server, "/portal/acme/"))

    response = page.goto("/console/acme/")

    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
    expect(page.get_by_role("alert")).to_contain_text("cannot open the revops console")


def test_tenant_of_someone_else_is_not_found(page: Page, live_server, sign_in):
    sign_in(page, "portal", "admin@nordic.example")
    expect(page).to_have_url(path_is(live_server, "/portal/acme/"))

    response = page.goto("/portal/globex/")

    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(page.get_by_text(GLOBEX)).to_have_count(0)
