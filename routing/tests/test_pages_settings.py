"""The console's lead-ops settings: SLA policies (defaults until saved), the business calendar,
assignees, the HTTP enrichment provider and web-to-lead forms. Every refusal names what is wrong
and where, and saves nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import override_settings

from core.tenancy import tenant_scope
from routing import sla
from routing.models import Assignee, BusinessCalendar, EnrichmentProvider, LeadForm, SlaPolicy
from routing.tests.test_pages_helpers import membership

pytestmark = pytest.mark.django_db

BASE = "/console/alpha/lead-ops/"


@pytest.fixture
def admin(login_as):
    return login_as("admin")


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def policy_data() -> dict[str, int]:
    """The default policies, as the form posts them."""
    data = {}
    for (route, priority), policy in sla.DEFAULT_POLICIES.items():
        for name in (
            "accept_minutes",
            "first_touch_minutes",
            "remind_before_minutes",
            "recall_after_minutes",
            "max_recalls",
        ):
            data[f"{route}-{priority}-{name}"] = getattr(policy, name)
    return data


def test_the_overview_summarises_each_setting(world, admin):
    page = body(admin.get(BASE))
    assert "The defaults apply" in page and "Mon, Tue, Wed, Thu, Fri" in page
    assert "The tenant's own data only" in page and "0 active of 0" in page


# --- SLA policies ---------------------------------------------------------------------------------


def test_sla_policies_show_the_defaults_until_saved(world, admin):
    page = body(admin.get(BASE + "sla/"))
    row = page.split('data-testid="policy-direct-high"', 1)[1].split("</tr>")[0]
    assert 'name="direct-high-accept_minutes" value="30"' in row and "default" in row
    data = policy_data()
    data["direct-high-accept_minutes"] = 15
    response = admin.post(BASE + "sla/", data)
    assert response.status_code == 302
    with tenant_scope(world.tenant):
        saved = {(p.route, p.priority): p for p in SlaPolicy.objects.all()}
        assert len(saved) == 6 and saved[("direct", "high")].accept_minutes == 15
        assert sla.policy_for("direct", "high").accept_minutes == 15
    row = body(admin.get(BASE + "sla/")).split('data-testid="policy-direct-high"', 1)[1]
    assert 'value="15"' in row.split("</tr>")[0] and "yours" in row.split("</tr>")[0]


def test_invalid_policies_are_named_and_nothing_is_saved(world, admin):
    data: dict[str, Any] = {**policy_data()}
    data["partner-low-first_touch_minutes"] = 10  # before the 480 minutes to accept
    data["direct-normal-accept_minutes"] = 0
    data["direct-low-max_recalls"] = "many"
    response = admin.post(BASE + "sla/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved: fix the marked values." in page
    partner_low = page.split('data-testid="policy-partner-low"', 1)[1].split("</tr>")[0]
    assert "The first touch cannot be due before acceptance." in partner_low
    direct_normal = page.split('data-testid="policy-direct-normal"', 1)[1].split("</tr>")[0]
    assert "greater than or equal to 1" in direct_normal
    assert "Enter a whole number." in page
    with tenant_scope(world.tenant):
        assert not SlaPolicy.objects.exists()


def test_back_to_the_default_policies(world, admin):
    admin.post(BASE + "sla/", policy_data())
    response = admin.post(BASE + "sla/", {"reset": "1"})
    assert response.status_code == 302
    with tenant_scope(world.tenant):
        assert not SlaPolicy.objects.exists()


# --- business calendar ----------------------------------------------------------------------------


def test_the_calendar_is_saved(world, admin):
    page = body(admin.get(BASE + "calendar/"))
    assert "defaults until you save" in page
    response = admin.post(
        BASE + "calendar/",
        {
            "working_days": ["0", "1", "2", "3", "5"],
            "day_starts": "07:30",
            "day_ends": "16:00",
            "holidays": "2025-12-25\n\n2025-12-26\n2025-12-25\n",
        },
    )
    assert response.status_code == 302
    with tenant_scope(world.tenant):
        calendar = BusinessCalendar.objects.get()
    assert calendar.working_days == [0, 1, 2, 3, 5]
    assert (calendar.day_starts, calendar.day_ends) == (dt.time(7, 30), dt.time(16, 0))
    assert calendar.holidays == ["2025-12-25", "2025-12-26"]
    assert "Mon, Tue, Wed, Thu, Sat, 07:30–16:00, 2 holidays" in body(admin.get(BASE))


def test_calendar_mistakes_are_named_by_line(world, admin):
    response = admin.post(
        BASE + "calendar/",
        {"day_starts": "18:00", "day_ends": "08:00", "holidays": "2025-12-24\n24.12.2025"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose at least one working day." in page
    assert "The working day must end after it starts." in page
    assert "Line 2: “24.12.2025” is not a date; write it as YYYY-MM-DD." in page
    with tenant_scope(world.tenant):
        assert not BusinessCalendar.objects.exists()


# --- assignees ------------------------------------------------------------------------------------


def test_assignees_list_reps_and_partners_with_their_settings(world, admin):
    page = body(admin.get(BASE + "assignees/"))
    reps = page.split('data-testid="reps"', 1)[1].split("</table>")[0]
    assert "rep@alpha.test" in reps and "other_team_rep@alpha.test" in reps
    assert "partner_rep" not in reps
    partners = page.split('data-testid="partners"', 1)[1].split("</table>")[0]
    assert "Alpha Distribution" in partners and "by tier" in partners


def test_a_reps_lead_settings_are_saved(world, admin):
    rep = membership(world, "rep")
    url = BASE + f"assignees/rep/{rep.pk}/"
    assert "No settings of their own yet" in body(admin.get(url))
    response = admin.post(
        url,
        {
            "accepts_leads": "on",
            "weight": "3",
            "capacity": "12",
            "away_from": "2025-08-01",
            "away_until": "2025-08-15",
        },
    )
    assert response.status_code == 302
    with tenant_scope(world.tenant):
        setting = Assignee.objects.get(membership=rep)
    assert (setting.weight, setting.capacity, setting.accepts_leads) == (3, 12, True)
    assert setting.away_until == dt.date(2025, 8, 15)
    admin.post(url, {"weight": "1"})  # unticked: takes no leads; the rest cleared
    with tenant_scope(world.tenant):
        setting.refresh_from_db()
    assert not setting.accepts_leads and setting.capacity is None and setting.away_from is None


def test_a_partners_lead_settings_and_their_mistakes(world, admin):
    url = BASE + f"assignees/partner/{world.partner.pk}/"
    bad = admin.post(url, {"weight": "0", "away_until": "2025-01-01"})
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "greater than or equal to 1" in page and "Say from when they are away." in page
    backwards = admin.post(
        url, {"weight": "2", "away_from": "2025-02-01", "away_until": "2025-01-01"}
    )
    assert "The return is before the start of the absence." in backwards.content.decode()
    admin.post(url, {"weight": "5", "accepts_leads": "on"})
    with tenant_scope(world.tenant):
        assert Assignee.objects.get(partner=world.partner).weight == 5


def test_assignee_pages_refuse_what_is_not_a_rep_or_partner_of_the_tenant(world, admin):
    partner_membership = membership(world, "partner_rep")
    assert admin.get(BASE + f"assignees/rep/{partner_membership.pk}/").status_code == 404
    foreign = world.orgs["b_partner"].pk
    assert admin.get(BASE + f"assignees/partner/{foreign}/").status_code == 404
    assert admin.get(BASE + f"assignees/partner/{2**64}/").status_code == 404


# --- enrichment -----------------------------------------------------------------------------------


def test_the_enrichment_provider_is_saved_with_a_key_that_stays_secret(world, admin):
    response = admin.post(
        BASE + "enrichment/",
        {
            "url": "https://enrich.example.com/v1/lookup",
            "api_key": "s3cret-key",
            "timeout_seconds": "1.5",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    page = body(admin.get(BASE + "enrichment/"))
    assert "s3cret-key" not in page and 'data-testid="key-set"' in page
    admin.post(
        BASE + "enrichment/",
        {"url": "https://enrich.example.com/v2", "api_key": "", "timeout_seconds": "3"},
    )
    with tenant_scope(world.tenant):
        provider = EnrichmentProvider.objects.get()
    assert provider.url == "https://enrich.example.com/v2" and provider.api_key == "s3cret-key"
    assert provider.timeout_seconds == 3 and not provider.is_active
    admin.post(
        BASE + "enrichment/",
        {"url": "https://enrich.example.com/v2", "clear_key": "on", "timeout_seconds": "3"},
    )
    with tenant_scope(world.tenant):
        assert EnrichmentProvider.objects.get().api_key == ""
    admin.post(BASE + "enrichment/", {"remove": "1"})
    with tenant_scope(world.tenant):
        assert not EnrichmentProvider.objects.exists()


@override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=False)
def test_the_provider_url_must_be_public_http(world, admin):
    for url, message in (
        ("ftp://enrich.example.com/", "Use an http:// or https:// URL."),
        ("http://127.0.0.1:8000/", "private, loopback or link-local"),
    ):
        response = admin.post(BASE + "enrichment/", {"url": url, "timeout_seconds": "2"})
        assert response.status_code == 400 and message in response.content.decode()
    slow = admin.post(BASE + "enrichment/", {"url": "ftp://x", "timeout_seconds": "90"})
    assert "less than or equal to 30" in slow.content.decode()
    with tenant_scope(world.tenant):
        assert not EnrichmentProvider.objects.exists()


# --- web-to-lead forms ----------------------------------------------------------------------------


def test_a_web_form_is_created_with_its_sites_and_shows_its_snippet(world, admin):
    response = admin.post(
        BASE + "forms/new/",
        {
            "name": "Spring fair",
            "source_detail": "fair-2025",
            "priority": "high",
            "partner": world.partner.pk,
            "allowed_origins": "https://www.alpha.example\n\nhttps://WWW.Alpha.example/\n"
            "https://partner.example:8443",
            "thank_you": "Thanks, see you at the fair.",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    with tenant_scope(world.tenant):
        form = LeadForm.objects.get()
    assert response["Location"] == BASE + f"forms/{form.pk}/"
    assert form.allowed_origins == ["https://www.alpha.example", "https://partner.example:8443"]
    assert (form.partner, form.priority, form.is_active) == (world.partner, "high", True)
    page = body(admin.get(BASE + f"forms/{form.pk}/"))
    snippet = page.split('data-testid="embed-snippet"', 1)[1].split("</textarea>")[0]
    assert "iframe" in snippet and form.key in snippet
    listed = body(admin.get(BASE + "forms/"))
    assert "Spring fair" in listed and "Alpha Distribution" in listed


def test_a_web_form_is_edited(world, admin):
    with tenant_scope(world.tenant):
        form = LeadForm.objects.create(tenant=world.tenant, name="Contact us")
    response = admin.post(
        BASE + f"forms/{form.pk}/",
        {"name": "Contact us now", "priority": "normal", "thank_you": "Thanks."},
    )
    assert response.status_code == 302
    with tenant_scope(world.tenant):
        form.refresh_from_db()
    assert form.name == "Contact us now" and not form.is_active and form.allowed_origins == []


def test_web_form_mistakes_are_named_by_line(world, admin):
    response = admin.post(
        BASE + "forms/new/",
        {
            "name": "X",
            "priority": "urgent",
            "partner": world.orgs["b_partner"].pk,
            "allowed_origins": "https://ok.example\nhttps://site.example/contact\nwww.bare.example\n"
            "http://plain.example",
            "thank_you": "Thanks.",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "No such partner." in page
    assert "Select a valid choice." in page
    assert "“https://site.example/contact” has a path" in page
    with tenant_scope(world.tenant):
        assert not LeadForm.objects.exists()
    for line, message in (
        ("www.bare.example", "“www.bare.example” is not a site"),
        ("http://plain.example", "“http://plain.example” is not https"),
        ("https://x.example:99999", "“https://x.example:99999” is not a valid address."),
    ):
        response = admin.post(
            BASE + "forms/new/",
            {"name": "X", "priority": "normal", "thank_you": "T", "allowed_origins": line},
        )
        assert message in response.content.decode(), line
