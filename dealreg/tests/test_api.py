"""The deal-registration API as a CRM or a portal page would use it, and what it never shows a
partner about another partner's claim: not its existence, value or discount, through no
conflict, filter, error, count or file URL."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.tests.factories import AccountFactory
from core.tenancy import tenant_scope
from dealreg.models import DealRegistration
from dealreg.tests.helpers import rulebook

pytestmark = pytest.mark.django_db

LIST = "/api/v1/deal-registrations/"
RIVAL_MARKS = ("zzrivalleak", "987654", "13.37", "Rival")


def body(**extra):
    return {
        "title": "Press line",
        "end_customer_name": "ACME GmbH, Wien",
        "estimated_amount": "50000",
        "lines": [{"product_line": "hydraulics", "amount": "50000", "requested_discount": "10"}],
        **extra,
    }


@pytest.fixture
def acme(world):
    rulebook(world)
    return AccountFactory(tenant=world.tenant, name="Acme", country="AT")


def test_a_partner_registers_submits_and_an_admin_approves(world, api_as, acme):
    partner = api_as("partner_rep")
    created = partner.post(LIST, body(), format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["route"] == "partner" and data["registrant_partner"] == world.partner.pk
    assert data["end_customer"] == acme.pk and data["end_customer_label"] == "Acme"
    assert data["allowed_actions"] == ["submit", "withdraw"]
    assert "approval_chain" not in data  # the manufacturer's side of the review

    refused = partner.post(f"{LIST}{data['id']}/approve/", {}, format="json")
    assert refused.status_code == 403

    submitted = partner.post(f"{LIST}{data['id']}/submit/", {}, format="json")
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["state"] == "submitted"

    stale = partner.patch(f"{LIST}{data['id']}/", {"notes": "late"}, format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "transition_not_allowed"

    approved = api_as("admin").post(f"{LIST}{data['id']}/approve/", {}, format="json")
    assert approved.status_code == 200, approved.json()
    assert approved.json()["state"] == "approved"
    assert approved.json()["protection_seconds_left"] > 89 * 86400

    timeline = partner.get(f"{LIST}{data['id']}/timeline/").json()
    assert [e["action"] for e in timeline] == ["submit", "approve"]
    assert all("admin@" not in e["actor_label"] for e in timeline)  # "reviewer" instead


def test_a_transition_not_allowed_is_409_with_the_allowed_ones(world, api_as, acme):
    admin = api_as("admin")
    created = api_as("rep").post(LIST, body(), format="json").json()
    response = admin.post(f"{LIST}{created['id']}/approve/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["allowed"] == ["submit", "withdraw"]
    assert response.json()["state"] == "draft"


def test_missing_fields_are_listed_by_name(world, api_as, acme):
    rep = api_as("rep")
    created = rep.post(LIST, {"title": "x"}, format="json").json()
    response = rep.post(f"{LIST}{created['id']}/submit/", {}, format="json")
    assert response.status_code == 400
    assert {"end_customer", "lines", "estimated_amount"} <= set(response.json()["fields"])
    bad = rep.post(LIST, body(lines=[{"product_line": "nope"}], currency="eur"), format="json")
    assert bad.status_code == 400
    assert {"lines.0.product_line", "currency"} <= set(bad.json()["fields"])


def test_evidence_files_are_checked_by_content_and_served_only_to_those_allowed(
    world, api_as, acme
):
    partner = api_as("partner_rep")
    created = partner.post(LIST, body(), format="json").json()
    url = f"{LIST}{created['id']}/files/"
    disguised = SimpleUploadedFile("quote.pdf", b"MZ\x90\x00\x03\x00binary", "application/pdf")
    refused = partner.post(url, {"file": disguised}, format="multipart")
    assert refused.status_code == 400
    assert "not accepted" in refused.json()["fields"]["file"][0]
    pdf = SimpleUploadedFile("quote.pdf", b"%PDF-1.4\n%evidence\n", "application/pdf")
    added = partner.post(url, {"file": pdf}, format="multipart")
    assert added.status_code == 201, added.json()
    download = added.json()["download"]
    own = partner.get(download)
    assert own.status_code == 200 and b"".join(own.streaming_content).startswith(b"%PDF")
    assert api_as("partner_admin").get(download).status_code == 200
    assert api_as("rival_partner_admin").get(download).status_code == 404
    assert api_as("outsider_admin").get(download).status_code == 404


def test_check_before_filing_tells_the_matched_customer_and_the_corridor(world, api_as, acme):
    response = api_as("partner_rep").post(
        f"{LIST}check/",
        {
            "end_customer_name": "ACME GmbH, Wien",
            "lines": [{"product_line": "hydraulics", "requested_discount": "25"}],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["matched_customer"] == "Acme"
    assert data["discounts"][0]["inside"] is False
    assert data["discounts"][0]["outside_by"] == "10.00"


def test_a_partner_learns_nothing_of_the_rival_partners_claim(world, api_as, acme):
    """The rival registers first; the first partner's claim conflicts. Nothing the first partner
    can read names the rival, its amount or its discount, or even that its row exists."""
    rival, mine = api_as("rival_partner_admin"), api_as("partner_rep")
    theirs = rival.post(
        LIST,
        body(
            title="Rival claim zzrivalleak",
            estimated_amount="987654",
            lines=[
                {"product_line": "hydraulics", "amount": "987654", "requested_discount": "13.37"}
            ],
        ),
        format="json",
    ).json()
    assert rival.post(f"{LIST}{theirs['id']}/submit/", {}, format="json").status_code == 200
    own = mine.post(LIST, body(), format="json").json()
    submitted = mine.post(f"{LIST}{own['id']}/submit/", {}, format="json")
    assert submitted.json()["has_conflict"] is True

    bodies = [
        submitted,
        mine.get(LIST),
        mine.get(f"{LIST}{own['id']}/"),
        mine.get(f"{LIST}{own['id']}/conflicts/"),
        mine.get(f"{LIST}{own['id']}/timeline/"),
        mine.get("/api/v1/registration-conflicts/"),
        mine.get("/api/v1/adjudications/"),
        mine.get(f"{LIST}?registrant_partner={world.other_partner.pk}"),
        mine.get(f"{LIST}?end_customer={acme.pk}"),
        mine.get(f"{LIST}{theirs['id']}/"),
        mine.get(f"{LIST}{theirs['id']}/timeline/"),
        mine.get(f"{LIST}{theirs['id']}/files/1/"),
        mine.post(f"{LIST}{theirs['id']}/withdraw/", {"reason": "x"}, format="json"),
    ]
    for response in bodies:
        text = response.content.decode()
        for mark in RIVAL_MARKS:
            assert mark not in text, (response.request["PATH_INFO"], mark)
    conflicts = mine.get(f"{LIST}{own['id']}/conflicts/").json()
    assert conflicts and "already registered by another route" in conflicts[0]["reason"]
    assert "other_partner" not in conflicts[0] and "internal_reason" not in conflicts[0]
    listed = {row["id"] for row in mine.get(LIST).json()["results"]}
    assert listed == {own["id"]}
    filtered = mine.get(f"{LIST}?registrant_partner={world.other_partner.pk}").json()["results"]
    assert filtered == []
    # Another partner's row and a row that does not exist look the same.
    missing = mine.get(f"{LIST}999999/")
    hidden = mine.get(f"{LIST}{theirs['id']}/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    # The manufacturer sees both sides.
    admin_view = api_as("admin").get(f"{LIST}{own['id']}/conflicts/").json()
    assert admin_view[0]["other_registration"] == theirs["id"]
    with tenant_scope(world.tenant):
        assert DealRegistration.objects.count() == 2


def test_an_admin_adjudicates_a_split_and_each_side_sees_only_its_part(world, api_as, acme):
    ids = []
    for persona in ("rival_partner_admin", "partner_rep"):
        client = api_as(persona)
        created = client.post(LIST, body(), format="json").json()
        client.post(f"{LIST}{created['id']}/submit/", {}, format="json")
        ids.append(created["id"])
    refused = api_as("partner_admin").post(
        "/api/v1/adjudications/",
        {"registrations": ids, "decision": "split", "split": [70, 30], "reason": "x"},
        format="json",
    )
    assert refused.status_code == 403
    bad = api_as("admin").post(
        "/api/v1/adjudications/",
        {"registrations": ids, "decision": "split", "split": [60, 40], "reason": "Shared"},
        format="json",
    )
    assert bad.status_code == 400 and "split" in bad.json()["fields"]
    decided = api_as("admin").post(
        "/api/v1/adjudications/",
        {
            "registrations": ids,
            "decision": "split",
            "split": [70, 30],
            "reason": "Sourced and fulfilled",
        },
        format="json",
    )
    assert decided.status_code == 201, decided.json()
    seen = api_as("partner_rep").get("/api/v1/adjudications/?q=fulfilled").json()["results"]
    assert len(seen) == 1 and seen[0]["parties"] == [
        {"registration": ids[1], "share": 30, "prevails": True}
    ]
    assert "decided_by" not in seen[0]


def test_webhooks_fire_for_every_state_change(world, api_as, acme):
    from core.models import WebhookDelivery, WebhookEndpoint

    WebhookEndpoint.all_tenants.create(
        tenant=world.tenant,
        url="https://hooks.example.com/in",
        events=["deal_registration_event.*"],
    )
    rep = api_as("rep")
    created = rep.post(LIST, body(), format="json").json()
    rep.post(f"{LIST}{created['id']}/submit/", {}, format="json")
    rep.post(f"{LIST}{created['id']}/withdraw/", {"reason": "Customer postponed"}, format="json")
    events = [
        (d.payload["data"]["from_state"], d.payload["data"]["to_state"])
        for d in WebhookDelivery.all_tenants.filter(tenant=world.tenant).order_by("pk")
    ]
    assert events == [("draft", "submitted"), ("submitted", "withdrawn")]


def test_the_list_costs_the_same_queries_whatever_its_length(world, api_as, acme):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = api_as("admin")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin.get(LIST + "?page_size=100").status_code == 200
        return len(queries)

    admin.post(LIST, body(), format="json")
    one = count()
    for _ in range(5):
        admin.post(LIST, body(), format="json")
    assert count() == one
    assert reverse("dealregistration-list") == LIST


def test_settings_are_read_by_everyone_and_changed_by_admins_within_their_rules(world, api_as):
    url = "/api/v1/deal-registration-settings/"
    assert api_as("partner_rep").get(url).json()["resubmission_cap"] == 2
    assert api_as("partner_admin").patch(url, {"idle_days": 10}, format="json").status_code == 403
    changes: list[dict[str, Any]] = [
        {"split_options": [[60, 30]]},
        {"idle_days": 0},
        {"approval_steps": []},
    ]
    for change in changes:
        bad = api_as("admin").patch(url, change, format="json")
        assert bad.status_code == 400
        assert set(bad.json()["fields"]) == set(change)
    good = api_as("admin").patch(url, {"split_options": [[60, 40]], "idle_days": 45}, format="json")
    assert good.status_code == 200, good.json()
    assert good.json()["split_options"] == [[60, 40]] and good.json()["idle_days"] == 45


def test_bulk_upserts_drafts_and_never_edits_a_filed_registration(world, api_as, acme):
    admin = api_as("admin")
    record = {
        **body(),
        "external_id": "CRM-DR-1",
        "route": "partner",
        "registrant_partner": world.partner.pk,
    }
    first = admin.post(f"{LIST}bulk/", {"records": [record]}, format="json").json()
    assert first["summary"]["created"] == 1, first
    registration_id = first["results"][0]["id"]
    assert admin.get(f"{LIST}{registration_id}/").json()["lines"][0]["product_line"] == "hydraulics"
    admin.post(f"{LIST}{registration_id}/submit/", {}, format="json")
    again = admin.post(
        f"{LIST}bulk/", {"records": [{**record, "notes": "changed"}]}, format="json"
    ).json()
    assert again["results"][0]["status"] == "error"
    assert "state" in again["results"][0]["errors"]


def test_an_idempotency_key_replays_a_submission_instead_of_repeating_it(world, api_as, acme):
    rep = api_as("rep")
    created = rep.post(LIST, body(), format="json").json()
    url = f"{LIST}{created['id']}/submit/"
    first = rep.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="submit-1")
    second = rep.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="submit-1")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    with tenant_scope(world.tenant):
        assert (
            DealRegistration.objects.get(pk=created["id"]).events.filter(action="submit").count()
            == 1
        )


def test_check_before_filing_names_what_the_criteria_would_refuse(world, api_as, acme):
    acme.named_account = True
    acme.save()
    response = (
        api_as("partner_rep")
        .post(
            f"{LIST}check/",
            {"end_customer_name": "Acme", "lines": [{"product_line": "hydraulics"}]},
            format="json",
        )
        .json()
    )
    assert any("named account" in reason for reason in response["criteria"])
    assert [c["kind"] for c in response["conflicts"]] == ["named_account"]


def test_only_the_registrant_side_edits_a_draft(world, api_as, acme):
    """A rep sees partner registrations on accounts the rep owns, but edits none of them."""
    with tenant_scope(world.tenant):
        acme.owner_user = world.users["rep"]
        acme.save()
    created = api_as("partner_rep").post(LIST, body(), format="json").json()
    url = f"{LIST}{created['id']}/"
    rep = api_as("rep")
    assert rep.get(url).status_code == 200
    assert rep.patch(url, {"notes": "mine now"}, format="json").status_code == 403
    assert rep.delete(url).status_code == 403
    assert api_as("partner_admin").patch(url, {"notes": "ok"}, format="json").status_code == 200


def test_an_admin_filing_for_a_partner_names_a_consistent_route(world, api_as, acme):
    admin = api_as("admin")
    bad = admin.post(LIST, body(route="partner"), format="json")
    assert bad.status_code == 400 and "registrant_partner" in bad.json()["fields"]
    mixed = admin.post(
        LIST, body(route="direct", registrant_partner=world.partner.pk), format="json"
    )
    assert mixed.status_code == 400 and "registrant_partner" in mixed.json()["fields"]
    good = admin.post(
        LIST, body(route="partner", registrant_partner=world.partner.pk), format="json"
    )
    assert good.status_code == 201, good.json()


def test_both_sides_see_the_running_clocks(world, api_as, acme):
    partner = api_as("partner_rep")
    created = partner.post(LIST, body(), format="json").json()
    submitted = partner.post(f"{LIST}{created['id']}/submit/", {}, format="json").json()
    assert [(c["side"], c["kind"]) for c in submitted["clocks"]] == [("vendor", "review")]
    assert submitted["clocks"][0]["seconds_left"] > 0
    returned = (
        api_as("admin")
        .post(
            f"{LIST}{created['id']}/return/",
            {"fields": ["competitor"], "note": "Who else quotes?"},
            format="json",
        )
        .json()
    )
    assert [(c["side"], c["kind"]) for c in returned["clocks"]] == [("registrant", "answer")]
    assert returned["editable_fields"] == ["competitor"]
