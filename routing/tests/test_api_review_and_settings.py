"""The lead-ops API around the leads: the duplicate review and merges, SLA policies, web-to-lead
forms and assignees."""

from __future__ import annotations

import pytest

from core.acting import SystemActor
from core.tenancy import tenant_scope
from pipeline.models import Lead
from routing import services
from routing.models import Assignee, DuplicateCandidate, LeadForm, LeadMerge
from routing.tests.factories import LeadFactory, publish_rulebook
from tenancy.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(world):
    """Two processed (routed) leads of the same person, and their pending review pair."""
    publish_rulebook(
        world.tenant, admin=world.users["admin"], team=world.orgs["team"], partner=world.partner
    )
    first = LeadFactory.create(tenant=world.tenant, email="eva@alpen.example", country="DE")
    second = LeadFactory.create(
        tenant=world.tenant, email="eva.maier@alpen.example", country="DE", title="Buyer"
    )
    with tenant_scope(world.tenant):
        services.process_batch(world.tenant, [first.pk, second.pk], acting=SystemActor("test"))
        DuplicateCandidate.objects.filter(lead=second).delete()  # whatever dedupe proposed
        candidate = DuplicateCandidate.objects.create(
            tenant=world.tenant, lead=second, other_lead=first, score=0.8, reasons=["name"]
        )
    return first, second, candidate


def test_the_review_queue_is_for_admins_who_merge_and_undo(world, api_as, pair):
    first, second, candidate = pair
    url = f"/api/v1/duplicate-candidates/{candidate.pk}/"
    assert api_as("manager").get("/api/v1/duplicate-candidates/").status_code == 403
    assert api_as("partner_admin").post(f"{url}merge/").status_code == 403
    admin = api_as("admin")
    queue = admin.get("/api/v1/duplicate-candidates/?status=pending").json()["results"]
    assert [c["id"] for c in queue] == [candidate.pk]
    merged = admin.post(f"{url}merge/")
    assert merged.status_code == 200 and merged.json()["status"] == "merged"
    assert admin.post(f"{url}merge/").status_code == 400  # already decided

    shown = admin.get(f"/api/v1/leads/{second.pk}/").json()
    assert shown["status"] == "merged" and shown["duplicate_of"] == first.pk
    survivor = admin.get(f"/api/v1/leads/{first.pk}/").json()
    assert survivor["title"] == "Buyer"  # the most recent non-empty value survives

    merges = admin.get(f"/api/v1/lead-merges/?survivor={first.pk}").json()["results"]
    assert [m["merged"] for m in merges] == [second.pk]
    assert api_as("manager").post(f"/api/v1/lead-merges/{merges[0]['id']}/undo/").status_code == 403
    undone = admin.post(f"/api/v1/lead-merges/{merges[0]['id']}/undo/")
    assert undone.status_code == 200 and undone.json()["undone_at"]
    assert admin.get(f"/api/v1/leads/{second.pk}/").json()["duplicate_of"] is None
    again = admin.post(f"/api/v1/lead-merges/{merges[0]['id']}/undo/")
    assert again.status_code == 400 and "already undone" in str(again.json()["fields"])


def test_a_pair_marked_distinct_is_remembered(world, api_as, pair):
    _, _, candidate = pair
    admin = api_as("admin")
    url = f"/api/v1/duplicate-candidates/{candidate.pk}/"
    assert admin.post(f"{url}distinct/").json()["status"] == "distinct"
    assert admin.post(f"{url}merge/").status_code == 400
    assert admin.get("/api/v1/duplicate-candidates/?status=pending").json()["results"] == []
    assert not LeadMerge.all_tenants.exists()


def test_sla_policies_are_read_by_all_and_written_by_admins(world, api_as):
    body = {
        "route": "partner",
        "priority": "high",
        "accept_minutes": 60,
        "first_touch_minutes": 240,
    }
    assert api_as("manager").post("/api/v1/sla-policies/", body, format="json").status_code == 403
    admin = api_as("admin")
    created = admin.post("/api/v1/sla-policies/", body, format="json")
    assert created.status_code == 201 and created.json()["recall_after_minutes"] == 120
    twice = admin.post("/api/v1/sla-policies/", body, format="json")
    assert twice.status_code == 400 and "route" in twice.json()["fields"]
    backwards = admin.patch(
        f"/api/v1/sla-policies/{created.json()['id']}/", {"first_touch_minutes": 30}, format="json"
    )
    assert backwards.status_code == 400 and "first_touch_minutes" in backwards.json()["fields"]
    zero = admin.patch(
        f"/api/v1/sla-policies/{created.json()['id']}/", {"accept_minutes": 0}, format="json"
    )
    assert zero.status_code == 400
    listed = api_as("partner_rep").get("/api/v1/sla-policies/").json()["results"]
    assert [p["priority"] for p in listed] == ["high"]


def test_lead_forms_carry_their_public_url_and_embed_snippet(world, api_as):
    admin = api_as("admin")
    bad = admin.post(
        "/api/v1/lead-forms/",
        {"name": "Site", "allowed_origins": ["javascript:alert(1)", "https://ok.example/path"]},
        format="json",
    )
    assert bad.status_code == 400 and "allowed_origins" in bad.json()["fields"]
    created = admin.post(
        "/api/v1/lead-forms/",
        {
            "name": "Dealer site",
            "partner": world.partner.pk,
            "allowed_origins": ["https://WWW.Dealer.example/", "https://www.dealer.example"],
            "priority": "high",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    form = created.json()
    assert form["allowed_origins"] == ["https://www.dealer.example"]
    key = LeadForm.all_tenants.get(pk=form["id"]).key
    assert form["key"] == key and form["url"] == f"http://127.0.0.1/f/alpha/{key}/"
    assert form["embed_snippet"].startswith(f'<iframe src="http://127.0.0.1/f/alpha/{key}/"')
    assert api_as("partner_admin").get("/api/v1/lead-forms/").status_code == 403
    other_tenants = admin.post(
        "/api/v1/lead-forms/",
        {"name": "X", "partner": world.orgs["b_partner"].pk},
        format="json",
    )
    assert other_tenants.status_code == 400 and "partner" in other_tenants.json()["fields"]


def test_assignees_set_weight_capacity_and_time_away(world, api_as):
    admin = api_as("admin")
    rep_membership = Membership.all_tenants.get(user=world.users["rep"])
    partner_membership = Membership.all_tenants.get(user=world.users["partner_rep"])
    url = "/api/v1/assignees/"
    assert api_as("partner_admin").get(url).status_code == 403
    for body, field in (
        ({"membership": rep_membership.pk, "partner": world.partner.pk}, "non_field_errors"),
        ({}, "non_field_errors"),
        ({"membership": partner_membership.pk}, "membership"),
        ({"partner": world.partner.pk, "weight": 0}, "weight"),
        ({"partner": world.partner.pk, "away_until": "2026-12-01"}, "away_from"),
        (
            {"partner": world.partner.pk, "away_from": "2026-12-10", "away_until": "2026-12-01"},
            "away_until",
        ),
    ):
        response = admin.post(url, body, format="json")
        assert response.status_code == 400 and field in response.json()["fields"], body
    created = admin.post(
        url,
        {"membership": rep_membership.pk, "weight": 3, "capacity": 10, "away_from": "2026-12-20"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    twice = admin.post(url, {"membership": rep_membership.pk}, format="json")
    assert twice.status_code == 400
    partner = admin.post(url, {"partner": world.partner.pk, "accepts_leads": False}, format="json")
    assert partner.status_code == 201
    assert Assignee.all_tenants.filter(tenant=world.tenant).count() == 2
    assert Lead.all_tenants.count() == 0
