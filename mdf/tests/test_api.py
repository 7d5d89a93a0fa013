"""MDF's API as its clients meet it: a partner files and claims, RevOps decides and pays, money
moves through the ledger; refusals say what is wrong (400 naming the field, 403 with the reason,
409 with the allowed actions); a partner never sees another partner's funds; bulk upserts and the
sync feeds mirror the rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.models import WebhookDelivery, WebhookEndpoint
from core.tenancy import tenant_scope
from mdf.models import Allocation, FundClaim, FundRequest, LedgerEntry
from mdf.tests.factories import PDF, PNG, claim_in, fund, request_in
from tenancy.quarters import Quarter

pytestmark = pytest.mark.django_db

REQUESTS = "/api/v1/fund-requests/"
CLAIMS = "/api/v1/fund-claims/"


def draft_body(**extra):
    today = timezone.localdate()
    return {
        "activity_type": "event",
        "title": "Open house",
        "starts_on": today.isoformat(),
        "ends_on": (today + dt.timedelta(days=1)).isoformat(),
        "total_cost": "4000.00",
        "partner_share": "1000.00",
        "amount_requested": "3000.00",
        "expected_leads": 25,
        **extra,
    }


def proof(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


# --- budgets and allocations -------------------------------------------------------------------


def test_an_admin_sets_a_budget_by_quarter_code_and_partners_never_see_budgets(world, api_as):
    admin = api_as("admin")
    code = Quarter.of(world.tenant, timezone.localdate()).code
    response = admin.post(
        "/api/v1/mdf-budgets/", {"quarter": code, "amount": "50000.00"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["quarter"], body["amount"], body["currency"]) == (
        code,
        "50000.00",
        world.tenant.currency,
    )
    assert body["unallocated"] == "50000.00"
    budget_id = body["id"]

    for persona in ("partner_admin", "partner_rep", "rep"):
        assert api_as(persona).get("/api/v1/mdf-budgets/").status_code == 403, persona

    other = "USD" if world.tenant.currency != "USD" else "EUR"
    refused = admin.patch(
        f"/api/v1/mdf-budgets/{budget_id}/", {"amount": "1.00", "currency": other}, format="json"
    )
    assert refused.status_code == 400
    assert other in refused.json()["fields"]["currency"][0]

    for bad, why in (("-5", "negative"), ("lots", "number")):
        refused = admin.patch(f"/api/v1/mdf-budgets/{budget_id}/", {"amount": bad}, format="json")
        assert refused.status_code == 400
        assert why in refused.json()["fields"]["amount"][0]


def test_a_budget_cannot_fall_below_what_it_has_allocated(world, api_as):
    budget = fund(world.tenant, world.partner, 10_000, budget=20_000)
    response = api_as("admin").patch(
        f"/api/v1/mdf-budgets/{budget.pk}/", {"amount": "5000.00"}, format="json"
    )
    assert response.status_code == 400
    assert "already allocated" in response.json()["fields"]["amount"][0]


def test_allocations_post_to_the_ledger_and_each_partner_reads_only_its_own(world, api_as):
    budget = fund(world.tenant, world.partner, 10_000)
    admin = api_as("admin")
    response = admin.post(
        "/api/v1/mdf-allocations/",
        {"budget": budget.pk, "partner": world.other_partner.pk, "amount": "4000.00"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["kind"] == "fixed"
    rival_allocation = response.json()["id"]

    too_much = admin.patch(
        f"/api/v1/mdf-allocations/{rival_allocation}/", {"amount": "999999.00"}, format="json"
    )
    assert too_much.status_code == 400
    assert "unallocated" in too_much.json()["fields"]["amount"][0]

    accrual = admin.post(
        "/api/v1/mdf-allocations/",
        {"budget": budget.pk, "partner": world.partner.pk, "kind": "accrual"},
        format="json",
    )
    assert accrual.status_code == 400
    assert "rate" in accrual.json()["fields"]

    partner = api_as("partner_admin")
    rows = partner.get("/api/v1/mdf-allocations/").json()["results"]
    assert {r["partner"] for r in rows} == {world.partner.pk}
    assert partner.get(f"/api/v1/mdf-allocations/{rival_allocation}/").status_code == 404
    balances = partner.get("/api/v1/mdf-balances/").json()["results"]
    assert [(b["partner"], b["available"]) for b in balances] == [(world.partner.pk, "10000.00")]
    assert "zzrivalleak" not in partner.get("/api/v1/mdf-ledger/").content.decode()
    code = Quarter.of(world.tenant, timezone.localdate()).code
    rival = admin.get(f"/api/v1/mdf-balances/?partner={world.other_partner.pk}&quarter={code}")
    assert [b["available"] for b in rival.json()["results"]] == ["4000.00"]
    assert admin.get("/api/v1/mdf-balances/?quarter=soon").status_code == 400
    assert api_as("rep").get("/api/v1/mdf-balances/").status_code == 403
    assert (
        partner.post(
            "/api/v1/mdf-allocations/",
            {"budget": budget.pk, "partner": world.partner.pk, "amount": "1.00"},
            format="json",
        ).status_code
        == 403
    )


# --- fund requests -----------------------------------------------------------------------------


def test_a_request_goes_from_draft_to_approved_through_the_api(world, api_as):
    fund(world.tenant, world.partner, 10_000)
    partner, admin = api_as("partner_admin"), api_as("admin")
    created = partner.post(REQUESTS, draft_body(), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["state"], body["partner"], body["allowed_actions"]) == (
        "draft",
        world.partner.pk,
        ["submit", "withdraw"],
    )
    url = f"{REQUESTS}{body['id']}/"

    changed = partner.patch(url, {"title": "Spring open house"}, format="json")
    assert changed.status_code == 200 and changed.json()["title"] == "Spring open house"

    rep = api_as("partner_rep").post(f"{url}submit/")
    assert rep.status_code == 403
    assert "partner admin" in rep.json()["detail"]

    submitted = partner.post(f"{url}submit/")
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"

    not_theirs = partner.post(f"{url}approve/", {}, format="json")
    assert not_theirs.status_code == 403
    assert "RevOps" in not_theirs.json()["detail"]

    no_reason = admin.post(f"{url}approve/", {"amount": "2000.00"}, format="json")
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()["fields"]

    approved = admin.post(
        f"{url}approve/", {"amount": "2000.00", "reason": "Booth only"}, format="json"
    )
    assert approved.status_code == 200, approved.json()
    body = approved.json()
    assert (body["state"], body["approved_amount"], body["decision_reason"]) == (
        "approved",
        "2000.00",
        "Booth only",
    )
    assert body["claim_due_at"] is not None

    again = admin.post(f"{url}approve/", {}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "transition_not_allowed"
    assert (again.json()["state"], again.json()["allowed"]) == ("approved", ["expire", "withdraw"])

    locked = partner.patch(url, {"title": "Later"}, format="json")
    assert locked.status_code == 400
    assert "cannot be changed" in locked.json()["fields"]["non_field_errors"][0]


def test_request_input_is_refused_naming_the_field(world, api_as):
    partner = api_as("partner_admin")
    cases = [
        ({"amount_requested": "-1"}, "amount_requested", "negative"),
        ({"total_cost": "abc"}, "total_cost", "number"),
        ({"activity_type": "yacht"}, "activity_type", "not an activity type"),
        ({"amount_requested": "3500.00"}, "amount_requested", "more than the total cost"),
        ({"quarter": "next year"}, "quarter", "not a quarter"),
        ({"partner": world.other_partner.pk}, "partner", "that you can see"),
        ({"ends_on": "9999-12-31"}, "ends_on", "between 2000 and 2999"),
    ]
    for extra, field, words in cases:
        response = partner.post(REQUESTS, draft_body(**extra), format="json")
        assert response.status_code == 400, (extra, response.json())
        assert words in " ".join(response.json()["fields"][field]), (extra, response.json())
    assert not FundRequest.all_tenants.filter(tenant=world.tenant).exists()

    missing = api_as("admin").post(REQUESTS, draft_body(), format="json")
    assert missing.status_code == 400 and "partner" in missing.json()["fields"]


def test_submitting_more_than_is_available_is_refused_with_the_amounts(world, api_as):
    fund(world.tenant, world.partner, 1_000)
    partner = api_as("partner_admin")
    created = partner.post(REQUESTS, draft_body(), format="json").json()
    response = partner.post(f"{REQUESTS}{created['id']}/submit/")
    assert response.status_code == 400
    assert "available" in response.json()["fields"]["amount_requested"][0]


def test_partners_never_see_each_others_requests(world, api_as):
    fund(world.tenant, world.partner, 10_000)
    fund(world.tenant, world.other_partner, 10_000)
    mine = request_in(world.tenant, world.partner, "submitted", title="Ours zzfirstpartner")
    theirs = request_in(world.tenant, world.other_partner, "submitted", title="Fair zzrivalleak")
    partner = api_as("partner_admin")
    listed = partner.get(REQUESTS)
    assert {r["id"] for r in listed.json()["results"]} == {mine.pk}
    assert "zzrivalleak" not in listed.content.decode()
    assert partner.get(f"{REQUESTS}{theirs.pk}/").status_code == 404
    assert partner.post(f"{REQUESTS}{theirs.pk}/withdraw/").status_code == 404
    assert api_as("rival_partner_admin").get(f"{REQUESTS}{mine.pk}/").status_code == 404
    # Decided-by is the manufacturer's side: not shown to partner users.
    assert "decided_by" not in partner.get(f"{REQUESTS}{mine.pk}/").json()
    assert "decided_by" in api_as("admin").get(f"{REQUESTS}{mine.pk}/").json()


# --- claims and proof --------------------------------------------------------------------------


def test_a_claim_is_filed_with_proof_decided_and_paid_once(world, api_as):
    fund(world.tenant, world.partner, 10_000)
    request = request_in(world.tenant, world.partner, "approved", amount=2_000)
    partner, admin = api_as("partner_admin"), api_as("admin")

    created = partner.post(
        CLAIMS,
        {"request": request.pk, "actual_cost": "2500.00", "amount_claimed": "2000.00"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    claim = created.json()
    assert (claim["state"], claim["partner"]) == ("draft", world.partner.pk)
    url = f"{CLAIMS}{claim['id']}/"

    early = partner.post(f"{url}submit/")
    assert early.status_code == 400
    assert "Proof missing" in early.json()["fields"]["proofs"][0]

    wrong = partner.post(
        f"{url}proofs/", {"proof_type": "photos", "file": proof("x.pdf", PDF)}, format="multipart"
    )
    assert wrong.status_code == 400 and "PNG or JPEG" in wrong.json()["fields"]["file"][0]
    uploads = [
        ("invoice", proof("invoice.pdf", PDF)),
        ("photos", proof("booth.png", PNG)),
        ("attendee_list", proof("attendees.csv", b"name,email\nAda,ada@example.com\n")),
    ]
    for kind, upload in uploads:
        added = partner.post(
            f"{url}proofs/", {"proof_type": kind, "file": upload}, format="multipart"
        )
        assert added.status_code == 201, added.json()
    listed = partner.get(f"{url}proofs/").json()
    assert [p["proof_type"] for p in listed] == ["invoice", "photos", "attendee_list"]

    download = admin.get(listed[0]["download"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert api_as("rival_partner_admin").get(listed[0]["download"]).status_code == 404

    submitted = partner.post(f"{url}submit/")
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"
    frozen = partner.delete(f"{url}proofs/{listed[0]['id']}/")
    assert frozen.status_code == 403

    approved = admin.post(f"{url}approve/", {}, format="json")
    assert approved.status_code == 200 and approved.json()["approved_amount"] == "2000.00"

    pay = {"reference": "FIN-77", "paid_on": timezone.localdate().isoformat()}
    not_theirs = partner.post(f"{url}pay/", pay, format="json")
    assert not_theirs.status_code == 403
    paid = admin.post(f"{url}pay/", pay, format="json")
    assert paid.status_code == 200, paid.json()
    assert (paid.json()["state"], paid.json()["payment_reference"]) == ("paid", "FIN-77")
    twice = admin.post(f"{url}pay/", pay, format="json")
    assert twice.status_code == 400
    assert "not paid twice" in twice.json()["fields"]["claim"][0]

    kinds = [
        e["kind"]
        for e in partner.get(f"/api/v1/mdf-ledger/?request={request.pk}").json()["results"]
    ]
    assert sorted(kinds) == ["claimed", "committed", "paid"]


def test_a_draft_claims_proof_can_be_removed_and_direct_sales_never_get_proof(world, api_as):
    fund(world.tenant, world.partner, 10_000)
    claim = claim_in(request_in(world.tenant, world.partner, "approved"), "draft")
    partner = api_as("partner_admin")
    listed = partner.get(f"{CLAIMS}{claim.pk}/proofs/").json()
    assert listed
    assert api_as("rep").get(listed[0]["download"]).status_code in (403, 404)
    assert partner.delete(f"{CLAIMS}{claim.pk}/proofs/{listed[0]['id']}/").status_code == 204
    assert len(partner.get(f"{CLAIMS}{claim.pk}/proofs/").json()) == len(listed) - 1


def test_a_claim_decision_from_the_wrong_state_is_409_with_what_is_allowed(world, api_as):
    fund(world.tenant, world.partner, 10_000)
    claim = claim_in(request_in(world.tenant, world.partner, "approved"), "draft")
    response = api_as("admin").post(f"{CLAIMS}{claim.pk}/reject/", {"reason": "No"}, format="json")
    assert response.status_code == 409
    assert (response.json()["state"], response.json()["allowed"]) == ("draft", ["submit"])
    no_reason = api_as("admin").post(f"{CLAIMS}{claim.pk}/return/", {}, format="json")
    assert no_reason.status_code in (400, 409)


# --- bulk upsert, the sync feeds and webhooks ---------------------------------------------------


def test_bulk_upsert_of_requests_goes_through_the_rules_record_by_record(world, api_as):
    fund(world.tenant, world.other_partner, 10_000)
    theirs = request_in(world.tenant, world.other_partner, "draft")
    FundRequest.all_tenants.filter(pk=theirs.pk).update(external_id="CRM-RIVAL")
    partner = api_as("partner_admin")
    records = [
        {**draft_body(), "external_id": "CRM-1"},
        {**draft_body(amount_requested="-3"), "external_id": "CRM-2"},
        {**draft_body(), "external_id": "CRM-RIVAL"},
    ]
    response = partner.post(f"{REQUESTS}bulk/", {"records": records}, format="json")
    assert response.status_code == 200, response.json()
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", "error", "error"]
    assert "amount_requested" in results[1]["errors"]
    created = FundRequest.all_tenants.get(pk=results[0]["id"])
    assert (created.partner_id, created.external_id, created.state) == (
        world.partner.pk,
        "CRM-1",
        "draft",
    )
    assert FundRequest.all_tenants.get(pk=theirs.pk).title == theirs.title

    again = partner.post(f"{REQUESTS}bulk/", {"records": records[:1]}, format="json").json()
    assert again["results"][0]["status"] == "unchanged"
    changed = partner.post(
        f"{REQUESTS}bulk/",
        {"records": [{"external_id": "CRM-1", "title": "Renamed"}]},
        format="json",
    ).json()
    assert changed["results"][0]["status"] == "updated"
    assert FundRequest.all_tenants.get(pk=created.pk).title == "Renamed"

    budgets = api_as("admin").post(
        "/api/v1/mdf-budgets/bulk/",
        {"records": [{"external_id": "B-1", "quarter_start": "2030-02-01", "amount": "100"}]},
        format="json",
    )
    assert budgets.json()["summary"]["created"] == 1
    assert (
        api_as("partner_admin").post("/api/v1/mdf-budgets/bulk/", [], format="json").status_code
        == 403
    )


@pytest.mark.django_db(transaction=True)  # the feed hands out only committed changes
def test_the_ledger_sync_feed_mirrors_every_entry_for_admins_only(world, api_as):
    fund(world.tenant, world.partner, 10_000)
    request_in(world.tenant, world.partner, "approved")
    admin = api_as("admin")
    page = admin.get("/api/v1/mdf-ledger/sync/").json()
    with tenant_scope(world.tenant):
        expected = set(LedgerEntry.objects.values_list("pk", flat=True))
    assert {c["id"] for c in page["results"]} == expected
    assert {c["data"]["kind"] for c in page["results"]} == {"allocated", "committed"}
    rest = admin.get(f"/api/v1/mdf-ledger/sync/?cursor={page['cursor']}").json()
    assert rest["results"] == []
    assert api_as("partner_admin").get("/api/v1/mdf-ledger/sync/").status_code == 403
    assert admin.post("/api/v1/mdf-ledger/", {}, format="json").status_code in (403, 405)
    assert admin.get("/api/v1/fund-requests/sync/").status_code == 200
    assert admin.get("/api/v1/mdf-allocations/sync/").status_code == 200


def test_decisions_and_payments_reach_webhooks(world, api_as):
    WebhookEndpoint.all_tenants.create(
        tenant=world.tenant,
        url="https://hooks.example.com/mdf",
        events=["fund_request.*", "fund_claim.*", "mdf_ledger_entry.created"],
    )
    fund(world.tenant, world.partner, 10_000)
    request = request_in(world.tenant, world.partner, "submitted")
    WebhookDelivery.all_tenants.all().delete()
    response = api_as("admin").post(f"{REQUESTS}{request.pk}/approve/", {}, format="json")
    assert response.status_code == 200
    events = list(WebhookDelivery.all_tenants.values_list("event", "payload"))
    names = [name for name, _ in events]
    assert "fund_request.updated" in names and "mdf_ledger_entry.created" in names
    update = next(p for name, p in events if name == "fund_request.updated")
    assert update["data"]["state"] == "approved"
    assert update["data"]["approved_amount"] == "1000.00"

    claim = claim_in(FundRequest.all_tenants.get(pk=request.pk), "approved")
    WebhookDelivery.all_tenants.all().delete()
    paid = api_as("admin").post(
        f"{CLAIMS}{claim.pk}/pay/",
        {"reference": "FIN-9", "paid_on": timezone.localdate().isoformat()},
        format="json",
    )
    assert paid.status_code == 200
    payloads = dict(WebhookDelivery.all_tenants.values_list("event", "payload"))
    assert payloads["fund_claim.updated"]["data"]["state"] == "paid"
    assert FundClaim.all_tenants.get(pk=claim.pk).paid_on == timezone.localdate()
    assert Allocation.all_tenants.filter(partner=world.partner).count() == 1
    assert Decimal(payloads["mdf_ledger_entry.created"]["data"]["amount"]) == Decimal(1000)
