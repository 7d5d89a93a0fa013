"""The CRM-sync contract: bulk upsert, Idempotency-Key, versions, and the commit-safe sync feed."""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from accounts.models import Account, Contact, ProductLine
from core.models import AuditEvent, IdempotencyKey
from core.tenancy import tenant_scope
from pipeline.models import Opportunity, StageChange

pytestmark = pytest.mark.django_db


def bulk(client: APIClient, resource: str, records: list, **headers) -> dict:
    response = client.post(
        f"/api/v1/{resource}/bulk/", {"records": records}, format="json", **headers
    )
    assert response.status_code == 200, response.json()
    return response.json()


def test_bulk_upsert_creates_updates_and_reports_unchanged(world, api_as):
    admin = api_as("admin")
    records = [
        {
            "external_id": f"SF-C{i}",
            "email": f"Buyer{i}@Customer.example",
            "account": {"external_id": "ACC-rep"},
        }
        for i in range(3)
    ]
    first = bulk(admin, "contacts", records)
    assert first["summary"] == {"created": 3, "updated": 0, "unchanged": 0, "error": 0}
    contact = Contact.all_tenants.get(external_id="SF-C0")
    assert contact.email == "buyer0@customer.example" and contact.account == world.customers["rep"]
    again = bulk(admin, "contacts", records)
    assert again["summary"]["unchanged"] == 3
    records[1]["title"] = "Maintenance lead"
    third = bulk(admin, "contacts", records)
    assert [r["status"] for r in third["results"]] == ["unchanged", "updated", "unchanged"]
    updated = Contact.all_tenants.get(external_id="SF-C1")
    assert updated.version == 2 and updated.title == "Maintenance lead"
    events = AuditEvent.all_tenants.filter(
        tenant=world.tenant, object_type="accounts.Contact", detail="bulk upsert"
    )
    assert events.filter(action="create").count() == 3
    assert events.get(action="update").changes == {"title": ["", "Maintenance lead"]}


def test_one_bad_record_blocks_nothing_and_is_not_written(world, api_as):
    result = bulk(
        api_as("admin"),
        "contacts",
        [
            {"external_id": "OK-1", "email": "fine@customer.example"},
            {"external_id": "BAD-1", "email": "not-an-email", "phone": "+12"},
            {"external_id": "OK-1", "email": "twice@customer.example"},
            {"email": "no-key@customer.example"},
            "not an object",
            {"external_id": "BAD-2", "account": {"external_id": "NO-SUCH"}},
        ],
    )
    statuses = [r["status"] for r in result["results"]]
    assert statuses == ["created", "error", "error", "error", "error", "error"]
    errors = [r.get("errors", {}) for r in result["results"]]
    assert set(errors[1]) == {"email", "phone"}
    assert errors[2]["external_id"] == ["Also used by record 0."]
    assert "external_id" in errors[3]
    assert "non_field_errors" in errors[4]
    assert "NO-SUCH" in errors[5]["account"][0]
    assert not Contact.all_tenants.filter(external_id__in=["BAD-1", "BAD-2"]).exists()


def test_more_than_a_thousand_records_is_413(world, api_as):
    response = api_as("admin").post(
        "/api/v1/contacts/bulk/", [{"external_id": str(i)} for i in range(1001)], format="json"
    )
    assert response.status_code == 413
    assert "1000" in response.json()["detail"] and "1001" in response.json()["detail"]


def test_bulk_never_reaches_across_tenants_or_partners(world, api_as):
    # Tenant B has an account with external id ACC-rep too: A's upsert changes A's row only.
    bulk(api_as("admin"), "accounts", [{"external_id": "ACC-rep", "city": "Augsburg"}])
    assert Account.all_tenants.get(tenant=world.other_tenant, external_id="ACC-rep").city == ""
    assert Account.all_tenants.get(tenant=world.tenant, external_id="ACC-rep").city == "Augsburg"
    # A partner user may not touch a contact at an account it cannot see, nor link to one.
    result = bulk(
        api_as("partner_rep"),
        "contacts",
        [
            {"external_id": "CON-rep", "title": "Hijacked"},
            {
                "external_id": "NEW-P",
                "email": "p@customer.example",
                "account": {"external_id": "ACC-rep"},
            },
            {
                "external_id": "NEW-OK",
                "email": "ok@customer.example",
                "account": {"external_id": "ACC-partner"},
            },
        ],
    )
    assert [r["status"] for r in result["results"]] == ["error", "error", "created"]
    assert Contact.all_tenants.get(tenant=world.tenant, external_id="CON-rep").title == ""


def test_bulk_respects_role_restricted_fields(world, api_as):
    result = bulk(
        api_as("partner_admin"),
        "opportunities",
        [
            {"external_id": "OPP-partner", "partner": world.other_partner.pk},
            {"external_id": "OPP-partner", "name": "x"},
        ],
    )
    assert result["results"][0]["errors"] == {"partner": ["Your role may not set this field."]}


def test_bulk_accounts_write_their_domains_and_product_lines(world, api_as):
    result = bulk(
        api_as("admin"),
        "accounts",
        [
            {
                "external_id": "SF-A1",
                "name": "Kiesel Bau",
                "domains": ["https://www.Kiesel-Bau.de/kontakt", "kiesel.example"],
                "product_lines_of_interest": [{"code": "hydraulics"}],
                "tier": "strategic",
                "country": "de",
                "region": "BY",
            }
        ],
    )
    assert result["summary"]["created"] == 1, result
    account = Account.all_tenants.get(external_id="SF-A1", tenant=world.tenant)
    detail = api_as("admin").get(f"/api/v1/accounts/{account.pk}/").json()
    assert sorted(detail["domains"]) == ["kiesel-bau.de", "kiesel.example"]
    assert detail["region"] == "DE-BY" and detail["tier"] == "strategic"
    assert detail["product_lines_of_interest"] == [
        ProductLine.all_tenants.get(tenant=world.tenant, code="hydraulics").pk
    ]


def test_bulk_opportunities_keep_stage_history(world, api_as):
    admin = api_as("admin")
    bulk(admin, "opportunities", [{"external_id": "OPP-rep", "stage": "negotiate"}])
    bulk(admin, "opportunities", [{"external_id": "OPP-rep", "stage": "closed-won"}])
    opportunity = Opportunity.all_tenants.get(tenant=world.tenant, external_id="OPP-rep")
    history = list(
        StageChange.all_tenants.filter(opportunity=opportunity).values_list(
            "to_stage__key", flat=True
        )
    )
    assert history[-2:] == ["negotiate", "closed-won"]
    assert opportunity.closed_on is not None


def test_idempotency_key_replays_and_repeats_nothing(world, api_as):
    admin = api_as("admin")
    body = {"records": [{"external_id": "IDEM-1", "email": "idem@customer.example"}]}
    first = admin.post("/api/v1/contacts/bulk/", body, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    events = AuditEvent.all_tenants.count()
    second = admin.post("/api/v1/contacts/bulk/", body, format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    assert second.status_code == 200 and second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert AuditEvent.all_tenants.count() == events
    other = admin.post(
        "/api/v1/contacts/bulk/", {"records": []}, format="json", HTTP_IDEMPOTENCY_KEY="key-1"
    )
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    # Keys belong to the caller: another token may use the same key for its own request.
    assert (
        api_as("manager")
        .post(
            "/api/v1/accounts/",
            {"name": "Other caller"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="key-1",
        )
        .status_code
        == 201
    )


def test_idempotent_single_create_and_patch(world, api_as):
    admin = api_as("admin")
    create = lambda: admin.post(  # noqa: E731
        "/api/v1/accounts/", {"name": "Once only"}, format="json", HTTP_IDEMPOTENCY_KEY="create-1"
    )
    assert create().status_code == 201 and create().status_code == 201
    assert Account.all_tenants.filter(name="Once only").count() == 1
    pk = Account.all_tenants.get(name="Once only").pk
    patch = lambda: admin.patch(  # noqa: E731
        f"/api/v1/accounts/{pk}/", {"city": "Linz"}, format="json", HTTP_IDEMPOTENCY_KEY="patch-1"
    )
    assert patch().json()["version"] == 2 and patch().json()["version"] == 2
    assert IdempotencyKey.all_tenants.filter(tenant=world.tenant).count() == 2


def test_stale_versions_are_refused_with_the_current_one(world, api_as):
    admin = api_as("admin")
    account = world.customers["rep"]
    response = admin.get(f"/api/v1/accounts/{account.pk}/")
    etag = response["ETag"]
    assert etag == f'"{response.json()["version"]}"'
    assert (
        admin.patch(
            f"/api/v1/accounts/{account.pk}/", {"city": "Ulm"}, format="json", HTTP_IF_MATCH=etag
        ).status_code
        == 200
    )
    stale = admin.patch(
        f"/api/v1/accounts/{account.pk}/", {"city": "Bonn"}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "version_conflict" and stale.json()["current_version"] == 2
    body_version = admin.patch(
        f"/api/v1/accounts/{account.pk}/", {"city": "Bonn", "version": 1}, format="json"
    )
    assert body_version.status_code == 409
    account.refresh_from_db()
    assert account.city == "Ulm"


def read_feed(
    client: APIClient, resource: str, cursor: str = "", page_size: int = 2
) -> tuple[list, str]:
    changes = []
    while True:
        query = f"?page_size={page_size}" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(f"/api/v1/{resource}/sync/{query}").json()
        changes += page["results"]
        cursor = page["cursor"]
        if not page["has_more"]:
            return changes, cursor


# Committed transactions, as in production: on PostgreSQL the feed holds back rows of
# transactions still open, and a test's own wrapping transaction would be one.
@pytest.mark.django_db(transaction=True)
def test_sync_feed_mirrors_creates_updates_and_deletes(world, api_as):
    admin = api_as("admin")
    initial, cursor = read_feed(admin, "contacts")
    assert {c["external_id"] for c in initial} == {
        "CON-rep",
        "CON-other_team",
        "CON-partner",
        "CON-other_partner",
    }
    assert all(c["op"] == "upsert" and c["data"]["id"] == c["id"] for c in initial)
    nothing, cursor = read_feed(admin, "contacts", cursor)
    assert nothing == []
    contact = Contact.all_tenants.get(tenant=world.tenant, external_id="CON-rep")
    admin.patch(f"/api/v1/contacts/{contact.pk}/", {"title": "Buyer"}, format="json")
    gone = Contact.all_tenants.get(tenant=world.tenant, external_id="CON-partner")
    admin.delete(f"/api/v1/contacts/{gone.pk}/")
    changes, cursor = read_feed(admin, "contacts", cursor)
    assert [(c["op"], c["external_id"]) for c in changes] == [
        ("upsert", "CON-rep"),
        ("delete", "CON-partner"),
    ]
    assert changes[0]["version"] == 2 and changes[0]["data"]["title"] == "Buyer"
    # Deleting an account cascades to its contacts; they leave tombstones too.
    with tenant_scope(world.tenant):
        Account.objects.get(external_id="ACC-other_partner").contacts.all().delete()
    changes, _ = read_feed(admin, "contacts", cursor)
    assert changes == [{"op": "delete", "id": changes[0]["id"], "external_id": "CON-other_partner"}]


@pytest.mark.django_db(transaction=True)
def test_sync_feed_is_for_admins_and_rejects_forged_cursors(world, api_as):
    assert api_as("manager").get("/api/v1/contacts/sync/").status_code == 403
    assert api_as("partner_admin").get("/api/v1/accounts/sync/").status_code == 403
    admin = api_as("admin")
    assert admin.get("/api/v1/contacts/sync/?cursor=bm9wZQ").status_code == 400
    assert admin.get("/api/v1/contacts/sync/?page_size=5000").status_code == 400
    body = admin.get("/api/v1/accounts/sync/?page_size=1000").content.decode()
    assert "zzbetaleak" not in body


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sync_feed_misses_nothing_when_transactions_commit_out_of_order(world, api_as):
    """T1 writes first but commits last. A reader between the two commits must not move its cursor
    past T1's row; once T1 commits, the next read returns it."""
    if connection.vendor != "postgresql":
        if os.environ.get("CI") == "true":
            pytest.fail("CI runs this on PostgreSQL")
        pytest.skip("Out-of-order commits need PostgreSQL (SQLite serialises writers)")
    admin = api_as("admin")
    _, cursor = read_feed(admin, "contacts")
    t1_wrote, t2_done, release = threading.Event(), threading.Event(), threading.Event()

    def slow_writer():
        with tenant_scope(world.tenant), transaction.atomic():
            Contact.objects.create(
                tenant=world.tenant, external_id="SLOW", email="slow@customer.example"
            )
            t1_wrote.set()
            release.wait(20)
        connection.close()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert t1_wrote.wait(20)
    with tenant_scope(world.tenant), transaction.atomic():
        Contact.objects.create(
            tenant=world.tenant, external_id="FAST", email="fast@customer.example"
        )
    t2_done.set()
    between, cursor_between = read_feed(admin, "contacts", cursor)
    assert between == []  # FAST is committed, but SLOW (older) is not: hold both back
    release.set()
    thread.join(20)
    after, _ = read_feed(admin, "contacts", cursor_between)
    assert [c["external_id"] for c in after] == ["SLOW", "FAST"]


def test_rows_created_in_bulk_get_the_same_defaults_as_single_creates(world, api_as):
    result = bulk(
        api_as("partner_rep"),
        "touches",
        [
            {
                "external_id": "T-P1",
                "account": {"external_id": "ACC-partner"},
                "channel": "meeting",
                "route": "direct",
                "occurred_at": "2026-11-03T08:00:00Z",
            }
        ],
    )
    assert result["summary"]["created"] == 1, result
    from pipeline.models import Touch

    touch = Touch.all_tenants.get(external_id="T-P1")
    assert touch.actor_partner == world.partner and touch.route == "partner"
    assert touch.actor_user == world.users["partner_rep"]


def test_bulk_writes_send_webhook_events_like_single_writes(world, api_as):
    from core.models import WebhookDelivery, WebhookEndpoint

    WebhookEndpoint.all_tenants.create(
        tenant=world.tenant, url="http://127.0.0.1:9/hook", events=["contact.*"]
    )
    admin = api_as("admin")
    records = [{"external_id": f"W-{i}", "email": f"w{i}@customer.example"} for i in range(3)]
    bulk(admin, "contacts", records)
    records[0]["title"] = "Buyer"
    bulk(admin, "contacts", records)
    events = sorted(
        WebhookDelivery.all_tenants.filter(tenant=world.tenant).values_list("event", flat=True)
    )
    assert events == ["contact.created"] * 3 + ["contact.updated"]


def test_idempotency_keys_are_kept_for_two_days_then_purged(world, api_as):
    from datetime import timedelta

    from django.utils import timezone

    from core.tasks import purge_idempotency_keys

    admin = api_as("admin")
    admin.post("/api/v1/accounts/", {"name": "Kept"}, format="json", HTTP_IDEMPOTENCY_KEY="old")
    admin.post("/api/v1/accounts/", {"name": "Fresh"}, format="json", HTTP_IDEMPOTENCY_KEY="new")
    IdempotencyKey.all_tenants.filter(key="old").update(
        created_at=timezone.now() - timedelta(hours=49)
    )
    IdempotencyKey.all_tenants.filter(key="new").update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    assert purge_idempotency_keys.delay().get() == 1
    assert list(IdempotencyKey.all_tenants.values_list("key", flat=True)) == ["new"]


def test_bulk_audit_events_keep_awkward_text_intact(world, api_as):
    awkward = 'Tab\there, newline\nthere, back\\slash, quote " and ünïcödé'
    bulk(
        api_as("admin"),
        "contacts",
        [{"external_id": "AWK-1", "email": "awk@customer.example", "title": awkward[:150]}],
    )
    event = AuditEvent.all_tenants.get(
        object_type="accounts.Contact", action="create", object_repr__contains="awk"
    )
    assert event.changes["title"] == [None, awkward[:150]]
    assert event.actor == world.users["admin"] and event.ip_address == "127.0.0.1"


def test_resending_records_with_the_same_nested_parts_is_unchanged(world, api_as):
    admin = api_as("admin")
    account: dict[str, Any] = {
        "external_id": "NEST-A",
        "name": "Nested Works",
        "domains": ["nested.example", "www.nested-works.example"],
        "product_lines_of_interest": [{"code": "hydraulics"}],
    }
    deal: dict[str, Any] = {
        "external_id": "NEST-O",
        "account": {"external_id": "NEST-A"},
        "name": "Nested deal",
        "stage": "propose",
        "lines": [{"product": {"sku": "HYD-100"}, "quantity": "2", "discount_pct": "5"}],
    }
    members: dict[str, Any] = {
        "external_id": "NEST-L",
        "name": "Nested list",
        "members": [{"account": {"external_id": "NEST-A"}, "reason": "Fleet"}],
    }
    for resource, record in (
        ("accounts", account),
        ("opportunities", deal),
        ("target-lists", members),
    ):
        assert bulk(admin, resource, [record])["results"][0]["status"] == "created"
        assert bulk(admin, resource, [record])["results"][0]["status"] == "unchanged", resource
    account["domains"] = ["nested.example"]
    deal["lines"][0]["quantity"] = "3"
    members["members"][0]["reason"] = "Renewal"
    for resource, record in (
        ("accounts", account),
        ("opportunities", deal),
        ("target-lists", members),
    ):
        assert bulk(admin, resource, [record])["results"][0]["status"] == "updated", resource
    detail = admin.get(
        f"/api/v1/accounts/{Account.all_tenants.get(external_id='NEST-A').pk}/"
    ).json()
    assert detail["domains"] == ["nested.example"] and detail["version"] == 2


@pytest.mark.django_db(transaction=True)
def test_rows_whose_reference_a_delete_nulls_come_back_in_the_feed(world, api_as):
    admin = api_as("admin")
    contact = Contact.all_tenants.get(tenant=world.tenant, external_id="CON-rep")
    bulk(admin, "touches", [{"external_id": "TOU-rep", "contact": contact.pk}])
    _, cursor = read_feed(admin, "touches")
    assert admin.delete(f"/api/v1/contacts/{contact.pk}/").status_code == 204
    changes, _ = read_feed(admin, "touches", cursor)
    [touch] = [c for c in changes if c["external_id"] == "TOU-rep"]
    assert touch["data"]["contact"] is None and touch["version"] == 3


def test_a_touch_on_an_opportunity_of_another_account_is_refused_alike_single_and_bulk(
    world, api_as
):
    admin = api_as("admin")
    keys = list(world.customers)
    record = {
        "external_id": "TOU-mismatch",
        "account": {"external_id": f"ACC-{keys[0]}"},
        "opportunity": {"external_id": f"OPP-{keys[1]}"},
        "channel": "call",
        "route": "direct",
        "occurred_at": "2026-01-05T10:00:00Z",
    }
    refused = {"opportunity": ["This opportunity belongs to another account."]}
    single = admin.post("/api/v1/touches/", record, format="json")
    assert single.status_code == 400 and single.json()["fields"] == refused
    assert bulk(admin, "touches", [record])["results"][0]["errors"] == refused
