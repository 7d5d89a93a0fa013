"""The partner's "Submit a lead" page and the list of what happened to its submissions, and the
notifications page of every door (own notifications only, mark read, email preference)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from accounts.tests.factories import ProductLineFactory
from core.tenancy import tenant_scope
from pipeline.choices import LeadSource, LeadStatus
from pipeline.models import Lead
from routing.models import Notification, NotificationPreference
from routing.tests.test_pages_helpers import BAVARIA, membership, prepare_routing, send
from routing.views.notifications import unread_context

pytestmark = pytest.mark.django_db

SUBMIT = "/portal/alpha/submitted-leads/new/"
SUBMISSIONS = "/portal/alpha/submitted-leads/"


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- submitting a lead ----------------------------------------------------------------------------


def test_a_partner_submits_a_lead_that_is_routed_and_listed(
    world, login_as, django_capture_on_commit_callbacks
):
    prepare_routing(world)
    with tenant_scope(world.tenant):
        ProductLineFactory(tenant=world.tenant, code="pumps", name="Pumps")
    client = login_as("partner_rep")
    form = body(client.get(SUBMIT))
    assert "Submit a lead" in form and "Pumps" in form and "Hydraulics" in form
    data = {
        "first_name": "Berta",
        "last_name": "Bergmann",
        "email": "berta@bergmann-kies.de",
        "company": "Bergmann Kies GmbH",
        "product_interest": ["pumps"],
        "service_needs": ["field_service"],
        "estimated_amount": "25000",
        "message": "Replacing three pumps",
        **BAVARIA,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SUBMIT, data)
    assert response.status_code == 302 and response["Location"] == SUBMISSIONS
    with tenant_scope(world.tenant):
        lead = Lead.objects.get(email="berta@bergmann-kies.de")
    assert lead.source == LeadSource.PORTAL
    assert lead.submitted_by_partner == world.partner
    assert lead.submitted_by_user == world.users["partner_rep"]
    assert lead.product_interest == ["pumps"] and lead.service_needs == ["field_service"]
    assert lead.status == LeadStatus.ROUTED and lead.assigned_partner == world.partner
    listed = body(client.get(SUBMISSIONS))
    assert "Berta Bergmann" in listed and f"/portal/alpha/leads/{lead.pk}/" in listed
    assert "Your company" in listed


def test_a_submission_routed_elsewhere_shows_its_status_only(world, login_as):
    prepare_routing(world)
    lead = send(world, submitted_by_partner=world.partner, last_name="Elsewhere")
    listed = body(login_as("partner_admin").get(SUBMISSIONS))
    row = listed.split("Elsewhere", 1)[1].split("</tr>")[0]
    assert "Routed, waiting for acceptance" in row and "The manufacturer&#x27;s sales team" in row
    assert f"/portal/alpha/leads/{lead.pk}/" not in listed
    assert "rep@alpha.test" not in listed
    assert "Elsewhere" not in body(login_as("rival_partner_admin").get(SUBMISSIONS))


def test_a_submission_without_a_way_to_reach_the_person_is_refused(world, login_as):
    client = login_as("partner_rep")
    response = client.post(SUBMIT, {"last_name": "Nobody", "country": "DE"})
    assert response.status_code == 400
    page = response.content.decode()
    # Intake's message (Lead.clean), as the API and the public form give it, on its field.
    reach = "Give an email, a phone number, or a name and a company, so someone can get back"
    assert reach in page.split('name="email"', 1)[1]
    bad = client.post(
        SUBMIT,
        {"first_name": "A", "email": "not-an-email", "company": "X", "country": "DE"},
    )
    assert bad.status_code == 400 and "Enter a valid email address." in bad.content.decode()
    with tenant_scope(world.tenant):
        assert not Lead.objects.exists()


def test_the_portal_asks_what_intake_asks_no_more(world, login_as, api_as):
    """A name and a company are a way back to the person for intake (Lead.clean): the submit page
    takes them as the API does, marks the fields of that either-or rule with its hint, and calls
    the others optional (routing/tests/test_form_truth.py checks every field)."""
    client = login_as("partner_rep")
    form = body(client.get(SUBMIT))
    assert '>Country <span class="muted small">(optional)</span>' in form
    for label in ("Company", "Email", "Last name"):
        assert f">{label}</label>" in form
    assert (
        "One of these is required: Email, Phone, or (First name or Last name) with Company." in form
    )
    response = client.post(SUBMIT, {"last_name": "Namensgeber", "company": "Firma KG"})
    assert response.status_code == 302
    api = api_as("partner_rep").post(
        "/api/v1/leads/", {"last_name": "Apiname", "company": "Firma KG"}, format="json"
    )
    assert api.status_code == 201, api.content
    with tenant_scope(world.tenant):
        assert Lead.objects.filter(company="Firma KG").count() == 2


def test_intake_refusals_are_shown_on_their_field(world, login_as):
    response = login_as("partner_rep").post(
        SUBMIT,
        {
            "first_name": "A",
            "email": "a@b.de",
            "company": "X",
            "country": "DE",
            "website": "line one\nline two",
        },
    )
    assert response.status_code == 400
    errors = response.content.decode().split('name="website"', 1)[1].split("</div>\n</div>")[0]
    assert "field-error" in errors
    with tenant_scope(world.tenant):
        assert not Lead.objects.exists()


def test_only_partner_users_reach_the_submit_page(world, login_as):
    assert login_as("rep").get(SUBMIT).status_code == 403
    assert login_as("admin").get(SUBMIT).status_code == 403


# --- notifications --------------------------------------------------------------------------------


def note(world, persona: str, title: str, **fields) -> Notification:
    with tenant_scope(world.tenant):
        return Notification.objects.create(
            tenant=world.tenant, user=world.users[persona], kind="routed", title=title, **fields
        )


def test_the_notifications_page_shows_ones_own_and_links_to_the_lead(world, login_as):
    prepare_routing(world)
    lead = send(world, BAVARIA)  # notifies the partner's users
    note(world, "rival_partner_admin", "Rival note zzrivalleak")
    page = body(login_as("partner_rep").get("/portal/alpha/notifications/"))
    assert f"New lead: {lead}" in page and "Rival note" not in page
    assert f'href="/portal/alpha/leads/{lead.pk}/"' in page
    assert 'data-testid="unread">1 unread' in page
    console = body(login_as("admin").get("/console/alpha/notifications/"))
    assert "No notifications yet" in console


def test_marking_one_or_all_read(world, login_as):
    first, second = note(world, "rep", "First"), note(world, "rep", "Second")
    other = note(world, "manager", "Manager's")
    client = login_as("rep")
    client.post("/sales/alpha/notifications/read/", {"id": first.pk})
    with tenant_scope(world.tenant):
        unread = set(Notification.objects.filter(read_at__isnull=True).values_list("pk", flat=True))
    assert unread == {second.pk, other.pk}
    client.post("/sales/alpha/notifications/read/", {"id": other.pk})  # not theirs: nothing
    client.post("/sales/alpha/notifications/read/", {"id": "x" * 30})
    response = client.post("/sales/alpha/notifications/read/")
    assert response["Location"] == "/sales/alpha/notifications/"
    with tenant_scope(world.tenant):
        unread = set(Notification.objects.filter(read_at__isnull=True).values_list("pk", flat=True))
    assert unread == {other.pk}
    only_unread = body(client.get("/sales/alpha/notifications/?show=unread"))
    assert "Nothing unread." in only_unread


def test_the_email_preference_is_saved(world, login_as):
    client = login_as("partner_admin")
    page = body(client.get("/portal/alpha/notifications/"))
    assert 'value="immediate" required id="id_email_0" checked' in page or "checked" in page
    client.post("/portal/alpha/notifications/email/", {"email": "daily"})
    client.post("/portal/alpha/notifications/email/", {"email": "hourly"})  # refused
    with tenant_scope(world.tenant):
        prefs = list(NotificationPreference.objects.values_list("user_id", "email"))
    assert prefs == [(world.users["partner_admin"].pk, "daily")]
    page = body(client.get("/portal/alpha/notifications/"))
    assert 'value="daily"' in page.split("checked", 1)[0].rsplit("<input", 1)[1]


def test_the_unread_count_for_the_navigation(world):
    note(world, "partner_rep", "One")
    note(world, "partner_rep", "Two")
    request = RequestFactory().get("/portal/alpha/leads/")
    assert unread_context(request) == {}
    door: Any = request  # what the door guard would attach
    door.membership, door.door, door.tenant = (
        membership(world, "partner_rep"),
        "portal",
        world.tenant,
    )
    with tenant_scope(world.tenant):
        context = unread_context(request)
    assert context == {
        "unread_notifications": 2,
        "notifications_url": "/portal/alpha/notifications/",
    }
