"""The leads API: intake, what each persona sees, bulk upsert, idempotency, and what people do
with a lead (accept, reject, touches, timeline, reassign)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import AuditEvent
from core.tenancy import tenant_scope
from pipeline.models import Lead
from routing.models import LeadEvent
from routing.tests.factories import publish_rulebook

pytestmark = pytest.mark.django_db

LEADS = "/api/v1/leads/"
RIVAL_NAME = "Rival Supply zzrivalleak"


@pytest.fixture
def routing_on(world):
    """An active rulebook: Austria to the first partner (its rationale names the rival), the
    rest to the direct team North."""
    publish_rulebook(
        world.tenant,
        admin=world.users["admin"],
        team=world.orgs["team"],
        partner=world.partner,
        rationale=f"Alpha Distribution zzfirstpartner, not {RIVAL_NAME}, serves Austria.",
    )
    return world


@pytest.fixture
def submit(api_as, django_capture_on_commit_callbacks):
    """POST a lead as a persona and let it be processed (the queue runs on commit, eagerly)."""

    def post(persona: str, **fields):
        body = {
            "first_name": "Anna",
            "last_name": "Huber",
            "email": "anna@huber-bau.example",
            "company": "Huber Bau",
            "country": "Austria",
            **fields,
        }
        with django_capture_on_commit_callbacks(execute=True):
            response = api_as(persona).post(LEADS, body, format="json")
        assert response.status_code == 201, response.json()
        return response.json()

    return post


def lead_url(pk: int, action: str = "") -> str:
    return f"{LEADS}{pk}/{action + '/' if action else ''}"


def test_a_new_lead_is_stored_as_new_then_processed_and_routed(
    routing_on, api_as, django_capture_on_commit_callbacks
):
    admin = api_as("admin")
    body = {"first_name": "Jo", "last_name": "Berg", "company": "Berg AG", "country": "Germany"}
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(LEADS, body, format="json")
        created = response.json()
        # Stored in the request's transaction; processing waits for the commit.
        assert response.status_code == 201 and created["status"] == "new"
        assert created["source"] == "api" and created["submitted_by_user"] == (
            routing_on.users["admin"].pk
        )
    lead = admin.get(lead_url(created["id"])).json()
    assert lead["status"] == "routed" and lead["route"] == "direct"
    assert lead["assigned_team"] == routing_on.orgs["team"].pk
    assert lead["assigned_user"] == routing_on.users["rep"].pk  # reps before their manager
    assert lead["country_code"] == "DE" and lead["processed_at"]
    assert lead["decision"]["rule"] == "Default" and lead["decision"]["outcome"] == "direct"
    assert lead["decision"]["facts"]["country"] == "DE"  # the manufacturer sees the facts


def test_partner_users_submit_leads_of_their_partner(routing_on, api_as, submit):
    refused = api_as("partner_rep").post(
        LEADS,
        {"email": "x@y.example", "submitted_by_partner": routing_on.other_partner.pk},
        format="json",
    )
    assert refused.status_code == 400
    assert "submitted_by_partner" in refused.json()["fields"]
    assert (
        api_as("partner_rep")
        .post(LEADS, {"email": "x@y.example", "source": "campaign"}, format="json")
        .status_code
        == 403
    )  # the channel is not theirs to name

    lead = submit("partner_rep")
    assert lead["source"] == "portal"
    assert lead["submitted_by_partner"] == routing_on.partner.pk
    stored = Lead.all_tenants.get(pk=lead["id"])
    assert stored.status == "routed" and stored.assigned_partner == routing_on.partner
    assert api_as("rival_partner_admin").get(lead_url(lead["id"])).status_code == 404
    assert api_as("outsider_admin").get(lead_url(lead["id"])).status_code == 404
    assert api_as("rep").get(lead_url(lead["id"])).status_code == 404


def test_direct_people_submit_sales_leads(routing_on, submit):
    lead = submit("rep", country="DE")
    assert lead["source"] == "sales" and lead["submitted_by_partner"] is None


def test_partners_read_the_decision_redacted_and_never_the_direct_side(routing_on, api_as, submit):
    routed_to_partner = submit("admin")
    shown = api_as("partner_rep").get(lead_url(routed_to_partner["id"])).json()
    assert shown["assigned_partner"] == routing_on.partner.pk
    assert set(shown["decision"]) == {"outcome", "rule", "rationale", "version"}
    assert shown["decision"]["outcome"] == "partner"
    assert "another partner" in shown["decision"]["rationale"]
    assert "zzrivalleak" not in str(shown)

    # A lead the partner submitted that went to the direct team: they see it, not who has it.
    went_direct = submit("partner_rep", country="DE", email="otto@berg.example")
    shown = api_as("partner_rep").get(lead_url(went_direct["id"])).json()
    assert shown["route"] == "direct" and shown["status"] == "routed"
    assert shown["assigned_user"] is None and shown["assigned_team"] is None
    assert shown["submitted_by_partner"] == routing_on.partner.pk
    assert "facts" not in shown["decision"] and "target_team" not in shown["decision"]
    listed = api_as("partner_rep").get(LEADS).json()["results"]
    assert {row["id"] for row in listed} == {routed_to_partner["id"], went_direct["id"]}


def test_lists_filter_by_status_route_and_search(routing_on, api_as, submit):
    austria = submit("admin")
    germany = submit("admin", country="DE", email="k@koenig.example", company="König KG")
    admin = api_as("admin")

    def ids(query: str) -> set[int]:
        return {row["id"] for row in admin.get(f"{LEADS}?{query}").json()["results"]}

    assert ids("route=partner") == {austria["id"]}
    assert ids("q=könig") == {germany["id"]}
    assert ids("status=routed&status=accepted") == {austria["id"], germany["id"]}
    assert ids(f"assigned_partner={routing_on.partner.pk}") == {austria["id"]}
    assert ids("email=ANNA@huber-bau.example") == {austria["id"]}
    assert admin.get(f"{LEADS}?status=bogus").status_code == 400
    assert {row["id"] for row in api_as("rep").get(LEADS).json()["results"]} == {germany["id"]}


def test_patch_changes_intake_fields_and_refuses_routing_fields(routing_on, api_as, submit):
    lead = submit("admin", country="DE")
    admin = api_as("admin")
    response = admin.patch(
        lead_url(lead["id"]), {"phone": "+43 1 234 5678", "country": "Austria"}, format="json"
    )
    assert response.status_code == 200, response.json()
    changed = response.json()
    assert changed["phone"] == "+43 1 234 5678"
    # The derived keys follow the edit; the routing stands until someone reassigns it.
    assert changed["country_code"] == "AT" and changed["route"] == "direct"
    assert changed["version"] == lead["version"] + 2  # processed once, edited once
    for field, value in (
        ("status", "accepted"),
        ("assigned_partner", routing_on.partner.pk),
        ("decision", {}),
        ("duplicate_of", lead["id"]),
    ):
        refused = admin.patch(lead_url(lead["id"]), {field: value}, format="json")
        assert refused.status_code == 400 and field in refused.json()["fields"], field
    stale = admin.patch(lead_url(lead["id"]), {"title": "CEO"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 409


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"first_name": "Only", "last_name": "Name"}, "email", "a name and a company"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"email": "a@b.example", "country": "X" * 500}, "country", "no more than 100"),
        ({"email": "a@b.example", "company": "Bad\x00Co"}, "company", "Null characters"),
        ({"email": "a@b.example", "city": "Line\nbreak"}, "city", "one line"),
        ({"phone": "call me maybe"}, "phone", "Give a phone number"),
        ({"phone": "+1"}, "phone", "Give a phone number"),
        ({"email": "a@b.example", "product_interest": ["nope"]}, "product_interest", "hydraulics"),
        ({"email": "a@b.example", "product_interest": "hydraulics"}, "product_interest", "list"),
        ({"email": "a@b.example", "service_needs": ["spa"]}, "service_needs.0", "field_service"),
        ({"email": "a@b.example", "estimated_amount": "-1"}, "estimated_amount", "greater than"),
        ({"email": "a@b.example", "priority": "urgent"}, "priority", "not a valid choice"),
        ({"email": "a@b.example", "employee_band": "huge"}, "employee_band", "1-49"),
        ({"email": "a@b.example", "message": "x" * 5001}, "message", "no more than 5000"),
    ],
)
def test_invalid_intake_is_refused_naming_the_field(world, api_as, body, field, message):
    response = api_as("admin").post(LEADS, body, format="json")
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert field in fields, fields
    assert message in " ".join(fields[field])
    assert not Lead.all_tenants.exists()


def test_product_interest_codes_are_matched_regardless_of_case(world, api_as):
    response = api_as("admin").post(
        LEADS,
        {"email": "a@b.example", "product_interest": ["HYDRAULICS", "hydraulics"]},
        format="json",
    )
    assert response.status_code == 201 and response.json()["product_interest"] == ["hydraulics"]


def test_bulk_upsert_creates_updates_and_routes_every_new_lead(
    routing_on, api_as, django_capture_on_commit_callbacks
):
    admin = api_as("admin")
    records = [
        {"external_id": "CRM-1", "email": "eva@alpen.example", "country": "AT"},
        {"external_id": "CRM-2", "email": "max@nord.example", "country": "DE"},
        {"external_id": "CRM-3", "first_name": "No", "last_name": "Contact"},
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(f"{LEADS}bulk/", {"records": records}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["summary"] == {"created": 2, "updated": 0, "unchanged": 0, "error": 1}
    assert body["results"][2]["errors"]["email"]
    leads = {lead.external_id: lead for lead in Lead.all_tenants.all()}
    assert set(leads) == {"CRM-1", "CRM-2"}
    assert leads["CRM-1"].assigned_partner == routing_on.partner
    assert leads["CRM-2"].assigned_team == routing_on.orgs["team"]
    assert all(lead.processed_at and lead.source == "api" for lead in leads.values())

    again = [{"external_id": "CRM-1", "title": "Buyer"}, {"external_id": "CRM-2"}]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(f"{LEADS}bulk/", {"records": again}, format="json")
    assert response.json()["summary"] == {"created": 0, "updated": 1, "unchanged": 1, "error": 0}
    updated = Lead.all_tenants.get(external_id="CRM-1")
    assert updated.title == "Buyer" and updated.processed_at == leads["CRM-1"].processed_at
    assert LeadEvent.all_tenants.filter(lead=updated, kind="routed").count() == 1


def test_partner_bulk_submissions_are_their_partners_and_cannot_touch_hidden_leads(
    routing_on, api_as, submit, django_capture_on_commit_callbacks
):
    hidden = submit("admin", country="DE", external_id="DIRECT-1")
    records = [
        {"external_id": "P-1", "email": "p1@kunde.example", "country": "AT"},
        {"external_id": "DIRECT-1", "title": "Changed"},
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as("partner_admin").post(
            f"{LEADS}bulk/", {"records": records}, format="json"
        )
    results = response.json()["results"]
    assert results[0]["status"] == "created" and results[1]["status"] == "error"
    created = Lead.all_tenants.get(external_id="P-1")
    assert created.source == "portal" and created.submitted_by_partner == routing_on.partner
    assert Lead.all_tenants.get(pk=hidden["id"]).title == ""


@pytest.mark.django_db(transaction=True)  # the feed shows committed changes only
def test_the_sync_feed_is_for_admins(routing_on, api_as, submit):
    lead = submit("admin")
    assert api_as("partner_admin").get(f"{LEADS}sync/").status_code == 403
    feed = api_as("admin").get(f"{LEADS}sync/").json()
    assert [row["id"] for row in feed["results"]] == [lead["id"]]
    assert feed["results"][0]["data"]["status"] == "routed"


def test_an_idempotency_key_replays_the_first_create(world, api_as):
    admin = api_as("admin")
    body = {"email": "once@only.example"}
    first = admin.post(LEADS, body, format="json", HTTP_IDEMPOTENCY_KEY="lead-1")
    again = admin.post(LEADS, body, format="json", HTTP_IDEMPOTENCY_KEY="lead-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Lead.all_tenants.count() == 1
    other = admin.post(
        LEADS, {"email": "other@x.example"}, format="json", HTTP_IDEMPOTENCY_KEY="lead-1"
    )
    assert other.status_code == 422
    url = lead_url(first.json()["id"])
    patched = admin.patch(url, {"title": "CTO"}, format="json", HTTP_IDEMPOTENCY_KEY="p-1")
    replay = admin.patch(url, {"title": "CTO"}, format="json", HTTP_IDEMPOTENCY_KEY="p-1")
    assert patched.json()["version"] == replay.json()["version"] == 2


def test_accept_touch_and_timeline(routing_on, api_as, submit):
    lead = submit("admin")
    partner_rep = api_as("partner_rep")
    assert api_as("rival_partner_admin").post(lead_url(lead["id"], "accept")).status_code == 404
    accepted = partner_rep.post(lead_url(lead["id"], "accept"))
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert accepted.json()["assigned_user"] == routing_on.users["partner_rep"].pk
    # The caller acted: the audit log names the partner rep, not the admin who submitted it.
    audited = AuditEvent.all_tenants.filter(object_type="pipeline.Lead", object_id=str(lead["id"]))
    assert audited.latest("id").actor == routing_on.users["partner_rep"]
    again = partner_rep.post(lead_url(lead["id"], "accept"))
    assert again.status_code == 400 and "Only a routed lead" in str(again.json()["fields"])

    assert partner_rep.post(lead_url(lead["id"], "touches"), {}, format="json").status_code == 400
    future = partner_rep.post(
        lead_url(lead["id"], "touches"),
        {"channel": "call", "occurred_at": "2999-01-01T00:00:00Z"},
        format="json",
    )
    assert future.status_code == 400 and "occurred_at" in future.json()["fields"]
    touch = partner_rep.post(
        lead_url(lead["id"], "touches"),
        {"channel": "call", "subject": "Intro call"},
        format="json",
    )
    assert touch.status_code == 201 and touch.json()["route"] == "partner"
    shown = partner_rep.get(lead_url(lead["id"])).json()
    assert shown["status"] == "working" and shown["speed_to_lead_seconds"] is not None
    assert shown["sla_met"] is True
    touches = partner_rep.get(lead_url(lead["id"], "touches")).json()["results"]
    assert [t["subject"] for t in touches] == ["Intro call"]
    kinds = [e["kind"] for e in partner_rep.get(lead_url(lead["id"], "events")).json()["results"]]
    assert kinds[0] == "received" and {"routed", "accepted", "touched"} <= set(kinds)


def test_reject_needs_a_reason_and_sends_the_lead_on(routing_on, api_as, submit):
    lead = submit("admin")
    partner_rep = api_as("partner_rep")
    no_reason = partner_rep.post(lead_url(lead["id"], "reject"), {"reason": " "}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["fields"]
    rejected = partner_rep.post(
        lead_url(lead["id"], "reject"), {"reason": "Outside our service area"}, format="json"
    )
    assert rejected.status_code == 200
    assert rejected.json()["assigned_partner"] is None  # no longer theirs
    assert partner_rep.get(lead_url(lead["id"])).status_code == 404
    events = api_as("admin").get(lead_url(lead["id"], "events")).json()["results"]
    assert any(
        e["kind"] == "rejected" and e["detail"] == "Outside our service area" for e in events
    )


def test_someone_who_sees_a_lead_but_does_not_have_it_may_not_accept_it(routing_on, api_as, submit):
    went_direct = submit("partner_rep", country="DE")
    response = api_as("partner_rep").post(lead_url(went_direct["id"], "accept"))
    assert response.status_code == 403
    assert response.json()["detail"] == "This lead is not assigned to you."


def test_partners_see_that_others_acted_on_their_submission_but_not_what_they_wrote(
    routing_on, api_as, submit
):
    went_direct = submit("partner_rep", country="DE")
    api_as("rep").post(
        lead_url(went_direct["id"], "reject"),
        {"reason": "Not for Direct North zzdirectonly"},
        format="json",
    )
    events = api_as("partner_rep").get(lead_url(went_direct["id"], "events")).json()["results"]
    rejected = next(e for e in events if e["kind"] == "rejected")
    assert rejected["detail"] == "" and rejected["actor_user"] is None
    assert "zzdirectonly" not in str(events) and all(e["data"] == {} for e in events)


def test_reassign_is_for_admins(routing_on, api_as, submit):
    lead = submit("admin")
    url = lead_url(lead["id"], "reassign")
    body = {"partner": routing_on.other_partner.pk}
    refused = api_as("partner_admin").post(url, body, format="json")
    assert refused.status_code == 403 and refused.json()["detail"] == (
        "Only RevOps admins reassign leads."
    )
    admin = api_as("admin")
    both = admin.post(url, {**body, "user": routing_on.users["rep"].pk}, format="json")
    assert both.status_code == 400
    foreign = admin.post(url, {"user": routing_on.users["outsider_admin"].pk}, format="json")
    assert foreign.status_code == 400 and "user" in foreign.json()["fields"]
    routing_on.other_partner.status = "suspended"
    routing_on.other_partner.save()
    suspended = admin.post(url, body, format="json")
    assert suspended.status_code == 400 and "suspended" in str(suspended.json()["fields"])
    routing_on.other_partner.status = "active"
    routing_on.other_partner.save()
    moved = admin.post(url, body, format="json")
    assert moved.status_code == 200
    assert moved.json()["assigned_partner"] == routing_on.other_partner.pk
    assert api_as("partner_rep").get(lead_url(lead["id"])).status_code == 404
    to_rep = admin.post(url, {"user": {"email": routing_on.users["rep"].email}}, format="json")
    assert to_rep.json()["assigned_user"] == routing_on.users["rep"].pk
    assert to_rep.json()["assigned_team"] == routing_on.orgs["team"].pk
    assert to_rep.json()["route"] == "direct"


def test_only_admins_delete_leads(routing_on, api_as, submit):
    lead = submit("partner_rep")
    assert api_as("partner_rep").delete(lead_url(lead["id"])).status_code == 403
    assert api_as("admin").delete(lead_url(lead["id"])).status_code == 204
    assert not Lead.all_tenants.filter(pk=lead["id"]).exists()


def test_notifications_are_each_persons_own(routing_on, api_as, submit):
    lead = submit("admin")
    partner_rep = api_as("partner_rep")
    mine = partner_rep.get("/api/v1/notifications/?unread=true").json()["results"]
    assert [n["lead"] for n in mine] == [lead["id"]] and mine[0]["kind"] == "routed"
    assert api_as("rival_partner_admin").get("/api/v1/notifications/").json()["results"] == []
    assert (
        api_as("rival_partner_admin").post(f"/api/v1/notifications/{mine[0]['id']}/read/")
    ).status_code == 404
    read = partner_rep.post(f"/api/v1/notifications/{mine[0]['id']}/read/")
    assert read.status_code == 200 and read.json()["read_at"]
    assert partner_rep.get("/api/v1/notifications/?unread=true").json()["results"] == []
    assert partner_rep.post(reverse("notification-readall")).json() == {"marked": 0}


def test_every_new_lead_of_every_api_path_has_its_own_processing(routing_on, api_as, submit):
    """Leads queued in one request are processed exactly once each."""
    first, second = submit("admin"), submit("admin", email="zweite@huber-bau.example")
    with tenant_scope(routing_on.tenant):
        received = LeadEvent.objects.filter(kind="received").values_list("lead_id", flat=True)
    assert sorted(received) == sorted([first["id"], second["id"]])
