"""Outbound webhooks, end to end: real HTTP to a local receiver, signatures, retries driven by the
database clock, the sweep, replays from the console and the API, tenant isolation, the SSRF guard
and the cost of emitting when nobody listens.

Tasks run eagerly (the test settings); deliveries are published when the write commits, so the
tests that expect a request run the write inside `django_capture_on_commit_callbacks`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Account, Contact
from config.celery import app
from core.models import AuditEvent, TenantOwned, WebhookDelivery, WebhookEndpoint
from core.net import UnsafeURL, check_url
from core.webhooks import registry
from core.webhooks.delivery import BACKOFF, MAX_ATTEMPTS
from core.webhooks.emit import emit_events
from core.webhooks.tasks import PUBLISH_LEASE, deliver_webhook, sweep_webhook_deliveries
from tenancy.models import Tenant

pytestmark = pytest.mark.django_db

Status = WebhookDelivery.Status


# --- a real receiver -------------------------------------------------------------------------


class Receiver:
    """An HTTP server on 127.0.0.1 (random port) that records every POST and answers with the
    status set for its path (200 unless told otherwise)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status: dict[str, int] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                status = receiver.status.get(self.path, 200)
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"receiver says no")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def payloads(self, path: str | None = None) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests if path in (None, r["path"])]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """What a receiver does (docs/api.md): recompute the HMAC over "<t>.<body>"."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and abs(time.time() - timestamp) <= tolerance


def subscribe(api: Any, url: str, events: list[str]) -> dict:
    response = api.post("/api/v1/webhooks/", {"url": url, "events": events}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def contact(world: Any, key: str = "rep") -> Contact:
    return Contact.all_tenants.get(tenant=world.tenant, external_id=f"CON-{key}")


def waits(delivery: WebhookDelivery) -> timedelta:
    """The backoff after the last attempt, to the second (it counts from the attempt's end)."""
    assert delivery.next_attempt_at is not None and delivery.last_attempt_at is not None
    return timedelta(
        seconds=int((delivery.next_attempt_at - delivery.last_attempt_at).total_seconds())
    )


def make_due(delivery: WebhookDelivery) -> None:
    """Move the clock: the next attempt is due now (no sleeping)."""
    WebhookDelivery.all_tenants.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


# --- delivery, signature, payload ------------------------------------------------------------


def test_an_update_is_posted_signed_with_the_api_representation(
    world, api_as, receiver, django_capture_on_commit_callbacks
):
    api = api_as("admin")
    endpoint = subscribe(api, receiver.url(), ["contact.*"])
    assert endpoint["secret"].startswith("whsec_") and len(endpoint["secret"]) > 40
    shown_later = api.get(f"/api/v1/webhooks/{endpoint['id']}/").json()["secret"]
    assert shown_later != endpoint["secret"] and shown_later.endswith(endpoint["secret"][-4:])

    row = contact(world)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.patch(
            f"/api/v1/contacts/{row.pk}/", {"title": "Plant manager"}, format="json"
        )
        assert response.status_code == 200
        assert receiver.requests == []  # nothing leaves before the commit

    (request,) = receiver.requests
    delivery = WebhookDelivery.all_tenants.get()
    headers = request["headers"]
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == "ChannelBalance-Webhooks/1"
    assert headers["X-Channelbalance-Event"] == "contact.updated"
    assert headers["X-Channelbalance-Delivery"] == str(delivery.pk)
    assert verify(endpoint["secret"], headers["X-Channelbalance-Signature"], request["body"])
    assert not verify("whsec_wrong", headers["X-Channelbalance-Signature"], request["body"])

    payload = json.loads(request["body"])
    assert set(payload) == {"id", "event", "occurred_at", "tenant", "data"}
    assert payload["id"] == delivery.pk and payload["event"] == "contact.updated"
    assert payload["tenant"] == "alpha"
    assert payload["data"] == api.get(f"/api/v1/contacts/{row.pk}/").json()
    assert payload["data"]["title"] == "Plant manager"

    assert delivery.status == Status.DELIVERED and delivery.attempts == 1
    assert delivery.last_status_code == 200 and delivery.delivered_at is not None
    assert delivery.next_attempt_at is None


def test_creates_and_deletes_fire_and_a_delete_names_the_row(
    world, api_as, receiver, django_capture_on_commit_callbacks
):
    api = api_as("admin")
    subscribe(api, receiver.url(), ["contact.created", "contact.deleted", "account.created"])
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(
            "/api/v1/contacts/",
            {"email": "new@customer.example", "external_id": "SF-C-1"},
            format="json",
        ).json()
        api.patch(f"/api/v1/contacts/{created['id']}/", {"title": "Buyer"}, format="json")
        assert api.delete(f"/api/v1/contacts/{created['id']}/").status_code == 204
        # Parts written after the row itself (the domains) are in the created event too.
        account = api.post(
            "/api/v1/accounts/", {"name": "Hooked", "domains": ["hooked.example"]}, format="json"
        ).json()

    events = [p["event"] for p in receiver.payloads()]
    assert events == ["contact.created", "contact.deleted", "account.created"]  # no "updated"
    created_event, deleted_event, account_event = receiver.payloads()
    assert created_event["data"]["email"] == "new@customer.example"
    assert deleted_event["data"] == {"id": created["id"], "external_id": "SF-C-1"}
    assert account_event["data"]["id"] == account["id"]
    assert account_event["data"]["domains"] == ["hooked.example"]


def test_bulk_writes_emit_through_emit_events(world, receiver, django_capture_on_commit_callbacks):
    endpoint = WebhookEndpoint.all_tenants.create(
        tenant=world.tenant, url=receiver.url(), events=["contact.updated"]
    )
    rows = list(Contact.all_tenants.filter(tenant=world.tenant).order_by("pk"))
    with django_capture_on_commit_callbacks(execute=True):
        deliveries = emit_events("updated", rows)
    assert len(deliveries) == len(rows) == len(receiver.requests)
    assert {p["data"]["id"] for p in receiver.payloads()} == {r.pk for r in rows}
    assert all(d.endpoint_id == endpoint.pk for d in deliveries)


# --- retries, the sweep, failure, replay -----------------------------------------------------


def test_a_failing_receiver_is_retried_with_backoff_then_failed_and_replayed_from_the_console(
    world, api_as, login_as, receiver, django_capture_on_commit_callbacks
):
    receiver.status["/hook"] = 500
    subscribe(api_as("admin"), receiver.url(), ["*"])
    row = contact(world)
    with django_capture_on_commit_callbacks(execute=True):
        row.title = "Changed"
        row.save()

    delivery = WebhookDelivery.all_tenants.get()
    assert delivery.status == Status.PENDING and delivery.attempts == 1
    assert delivery.last_status_code == 500 and delivery.last_error.startswith("HTTP 500")
    assert waits(delivery) == BACKOFF[0]
    assert delivery.next_attempt_at is not None and delivery.next_attempt_at > timezone.now()

    sweep_webhook_deliveries.delay()  # not due yet: nothing is sent
    assert len(receiver.requests) == 1

    for attempt in range(2, MAX_ATTEMPTS + 1):
        make_due(delivery)
        assert sweep_webhook_deliveries.delay().get() == 1
        assert len(receiver.requests) == attempt
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
        if attempt < MAX_ATTEMPTS:
            assert delivery.status == Status.PENDING
            assert waits(delivery) == BACKOFF[attempt - 1]
    assert delivery.status == Status.FAILED and delivery.next_attempt_at is None
    make_due(delivery)
    assert sweep_webhook_deliveries.delay().get() == 0  # failed for good: the sweep leaves it
    # Every attempt sent the same event, each freshly signed.
    assert {p["id"] for p in receiver.payloads()} == {delivery.pk}

    console = login_as("admin")
    page = console.get("/console/alpha/webhooks/deliveries/?status=failed").content.decode()
    assert "HTTP 500" in page and f"/webhooks/deliveries/{delivery.pk}/replay/" in page

    receiver.status["/hook"] = 204
    with django_capture_on_commit_callbacks(execute=True):
        response = console.post(f"/console/alpha/webhooks/deliveries/{delivery.pk}/replay/")
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == Status.DELIVERED and delivery.attempts == 1
    assert len(receiver.requests) == MAX_ATTEMPTS + 1
    assert AuditEvent.all_tenants.filter(
        tenant=world.tenant, detail="Webhook delivery replayed", actor=world.users["admin"]
    ).exists()


def failed_delivery(world: Any, url: str, tenant: Tenant | None = None) -> WebhookDelivery:
    tenant = tenant or world.tenant
    endpoint = WebhookEndpoint.all_tenants.create(tenant=tenant, url=url, events=["*"])
    return WebhookDelivery.all_tenants.create(
        tenant=tenant,
        endpoint=endpoint,
        event="contact.updated",
        payload={
            "event": "contact.updated",
            "occurred_at": "2026-11-02T09:00:00Z",
            "tenant": tenant.slug,
            "data": {"id": 1},
        },
        status=Status.FAILED,
        attempts=MAX_ATTEMPTS,
        last_status_code=500,
        last_error="HTTP 500",
    )


def test_replay_through_the_api_is_for_admins_of_the_tenant(
    world, api_as, client, receiver, django_capture_on_commit_callbacks
):
    delivery = failed_delivery(world, receiver.url())
    url = f"/api/v1/webhook-deliveries/{delivery.pk}/replay/"
    from rest_framework.test import APIClient

    assert APIClient(HTTP_HOST="127.0.0.1").post(url).status_code == 401
    for persona in ("manager", "rep", "partner_admin"):
        assert api_as(persona).post(url).status_code == 403, persona
    assert api_as("outsider_admin").post(url).status_code == 404
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED and receiver.requests == []

    api = api_as("admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(url)
        assert response.status_code == 200
        assert response.json()["status"] == "pending" and response.json()["attempts"] == 0
    assert api.get(f"/api/v1/webhook-deliveries/{delivery.pk}/").json()["status"] == "delivered"
    assert receiver.payloads()[0]["id"] == delivery.pk

    WebhookDelivery.all_tenants.filter(pk=delivery.pk).update(status=Status.PENDING)
    refused = api.post(url)
    assert refused.status_code == 409 and refused.json()["code"] == "conflict"


def test_deliveries_api_lists_and_filters(world, api_as, receiver):
    failed = failed_delivery(world, receiver.url())
    other = failed_delivery(world, receiver.url("/other"))
    WebhookDelivery.all_tenants.filter(pk=other.pk).update(
        status=Status.DELIVERED, event="account.created"
    )
    failed_delivery(world, receiver.url(), tenant=world.other_tenant)
    api = api_as("admin")

    def ids(query: str) -> set[int]:
        response = api.get(f"/api/v1/webhook-deliveries/?{query}")
        assert response.status_code == 200, response.json()
        return {d["id"] for d in response.json()["results"]}

    assert ids("") == {failed.pk, other.pk}
    assert ids("status=failed") == {failed.pk}
    assert ids("status__in=failed,delivered") == {failed.pk, other.pk}
    assert ids("event=account.created") == {other.pk}
    assert ids(f"endpoint={failed.endpoint_id}") == {failed.pk}
    assert api.get("/api/v1/webhook-deliveries/?status=bogus").status_code == 400
    assert api_as("manager").get("/api/v1/webhook-deliveries/").status_code == 403


# --- the task and the sweep are idempotent ---------------------------------------------------


def test_tasks_and_sweeps_never_send_a_delivery_twice(world, receiver):
    endpoint = WebhookEndpoint.all_tenants.create(
        tenant=world.tenant, url=receiver.url(), events=["*"]
    )
    delivery = WebhookDelivery.all_tenants.create(
        tenant=world.tenant,
        endpoint=endpoint,
        event="contact.updated",
        payload={"event": "contact.updated", "tenant": "alpha", "data": {"id": 1}},
        next_attempt_at=timezone.now() - timedelta(seconds=1),
    )
    # A task published with another tenant's id finds nothing in that tenant's scope.
    assert (
        deliver_webhook.delay(tenant_id=world.other_tenant.pk, delivery_id=delivery.pk).get()
        is None
    )
    assert receiver.requests == []

    # Claimed by one sweep: a second sweep (another scheduler) has nothing left to publish.
    WebhookDelivery.all_tenants.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() + PUBLISH_LEASE
    )
    assert sweep_webhook_deliveries.delay().get() == 0
    # The published task runs once; redelivered (acks_late) or stale copies are no-ops.
    kwargs = {"tenant_id": world.tenant.pk, "delivery_id": delivery.pk, "attempt": 0}
    assert deliver_webhook.delay(**kwargs).get() == Status.DELIVERED
    assert deliver_webhook.delay(**kwargs).get() is None
    assert deliver_webhook.delay(tenant_id=world.tenant.pk, delivery_id=delivery.pk).get() is None
    assert len(receiver.requests) == 1


def test_an_attempt_whose_worker_died_is_taken_back_by_the_sweep(world, receiver):
    endpoint = WebhookEndpoint.all_tenants.create(
        tenant=world.tenant, url=receiver.url(), events=["*"]
    )
    delivery = WebhookDelivery.all_tenants.create(
        tenant=world.tenant,
        endpoint=endpoint,
        event="contact.updated",
        payload={"event": "contact.updated", "tenant": "alpha", "data": {"id": 1}},
        status=Status.SENDING,
        attempts=1,
        next_attempt_at=timezone.now() - timedelta(seconds=1),  # the sending lease ran out
    )
    assert sweep_webhook_deliveries.delay().get() == 0  # not due before its backoff
    delivery.refresh_from_db()
    assert delivery.status == Status.PENDING and "did not finish" in delivery.last_error
    assert delivery.next_attempt_at is not None and delivery.next_attempt_at > timezone.now()
    make_due(delivery)
    assert sweep_webhook_deliveries.delay().get() == 1
    delivery.refresh_from_db()
    assert delivery.status == Status.DELIVERED and delivery.attempts == 2


def test_a_deactivated_endpoint_gets_nothing(
    world, login_as, receiver, django_capture_on_commit_callbacks
):
    endpoint = WebhookEndpoint.all_tenants.create(
        tenant=world.tenant, url=receiver.url(), events=["*"]
    )
    pending = WebhookDelivery.all_tenants.create(
        tenant=world.tenant,
        endpoint=endpoint,
        event="contact.updated",
        payload={"event": "contact.updated", "tenant": "alpha", "data": {"id": 1}},
        next_attempt_at=timezone.now(),
    )
    console = login_as("admin")
    assert console.post(f"/console/alpha/webhooks/{endpoint.pk}/toggle/").status_code == 302
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    with django_capture_on_commit_callbacks(execute=True):
        row = contact(world)
        row.title = "Changed"
        row.save()
    assert WebhookDelivery.all_tenants.count() == 1  # no new delivery for a switched-off endpoint
    sweep_webhook_deliveries.delay()
    pending.refresh_from_db()
    assert pending.status == Status.FAILED and pending.last_error == "The endpoint is deactivated."
    assert receiver.requests == []


# --- tenants ---------------------------------------------------------------------------------


def test_a_tenants_events_never_reach_another_tenants_endpoint(
    world, api_as, receiver, django_capture_on_commit_callbacks
):
    alpha = subscribe(api_as("admin"), receiver.url("/alpha"), ["*"])
    beta = subscribe(api_as("outsider_admin"), receiver.url("/beta"), ["*"])
    beta_contact = Contact.all_tenants.get(tenant=world.other_tenant)
    with django_capture_on_commit_callbacks(execute=True):
        api_as("admin").patch(
            f"/api/v1/contacts/{contact(world).pk}/", {"title": "A"}, format="json"
        )
        api_as("outsider_admin").patch(
            f"/api/v1/contacts/{beta_contact.pk}/", {"title": "B"}, format="json"
        )
        # A write outside any request scope still goes to its own tenant only.
        account = Account.all_tenants.get(tenant=world.other_tenant)
        account.city = "Graz"
        account.save()

    assert [p["tenant"] for p in receiver.payloads("/alpha")] == ["alpha"]
    beta_payloads = receiver.payloads("/beta")
    assert {p["tenant"] for p in beta_payloads} == {"beta"} and len(beta_payloads) == 2
    assert all("zzbetaleak" not in json.dumps(p) for p in receiver.payloads("/alpha"))
    for delivery in WebhookDelivery.all_tenants.select_related("endpoint"):
        assert delivery.tenant_id == delivery.endpoint.tenant_id
    # Each admin sees and manages only their own tenant's endpoints.
    assert [e["id"] for e in api_as("admin").get("/api/v1/webhooks/").json()["results"]] == [
        alpha["id"]
    ]
    assert api_as("admin").delete(f"/api/v1/webhooks/{beta['id']}/").status_code == 404


# --- the SSRF guard --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "ftp://hooks.example.com/in",
        "file:///etc/passwd",
    ],
)
def test_private_and_odd_urls_are_refused_when_the_setting_is_off(
    world, api_as, login_as, settings, url
):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    response = api_as("admin").post(
        "/api/v1/webhooks/", {"url": url, "events": ["*"]}, format="json"
    )
    assert response.status_code == 400 and "url" in response.json()["fields"]
    page = login_as("admin").post("/console/alpha/webhooks/", {"url": url, "events": ["*"]})
    assert page.status_code == 400
    assert not WebhookEndpoint.all_tenants.exists()


def test_public_addresses_pass_the_guard(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    assert check_url("https://93.184.215.14/hook") == ["93.184.215.14"]
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    assert check_url("http://127.0.0.1/hook") == []
    with pytest.raises(UnsafeURL):
        check_url("gopher://127.0.0.1/")


def test_the_guard_is_checked_again_at_delivery_time(
    world, receiver, settings, django_capture_on_commit_callbacks
):
    WebhookEndpoint.all_tenants.create(tenant=world.tenant, url=receiver.url(), events=["*"])
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    with django_capture_on_commit_callbacks(execute=True):
        row = contact(world)
        row.title = "Changed"
        row.save()
    delivery = WebhookDelivery.all_tenants.get()
    assert receiver.requests == []
    assert delivery.status == Status.PENDING and delivery.last_error.startswith("Refused:")


def test_settings_default_to_refusing_private_urls_and_schedule_the_sweep():
    from config import settings as production

    assert production.WEBHOOK_ALLOW_PRIVATE_URLS is False
    entry = django_settings.CELERY_BEAT_SCHEDULE["webhook-sweep"]
    assert entry["schedule"] == timedelta(seconds=30)
    assert entry["task"] in app.tasks


# --- API and console for endpoints -----------------------------------------------------------


def test_the_endpoints_api_validates_events_and_keeps_the_secret(world, api_as, receiver):
    api = api_as("admin")
    bad = api.post(
        "/api/v1/webhooks/", {"url": receiver.url(), "events": ["contact.exploded"]}, format="json"
    )
    assert bad.status_code == 400 and "events" in bad.json()["fields"]
    empty = api.post("/api/v1/webhooks/", {"url": receiver.url(), "events": []}, format="json")
    assert empty.status_code == 400
    created = api.post(
        "/api/v1/webhooks/",
        {
            "url": receiver.url(),
            "events": ["contact.*", "contact.*", "opportunity.deleted"],
            "secret": "whsec_chosen-by-the-client",
        },
        format="json",
    ).json()
    assert created["events"] == ["contact.*", "opportunity.deleted"]
    assert created["secret"] != "whsec_chosen-by-the-client"
    endpoint = WebhookEndpoint.all_tenants.get(pk=created["id"])
    assert endpoint.secret == created["secret"]
    assert (
        api.patch(f"/api/v1/webhooks/{endpoint.pk}/", {"is_active": False}, format="json").json()[
            "secret"
        ]
        == endpoint.masked_secret
    )
    # The secret never reaches the audit log.
    for event in AuditEvent.all_tenants.filter(object_type="core.WebhookEndpoint"):
        assert "secret" not in event.changes and endpoint.secret not in json.dumps(event.changes)
    assert api_as("manager").get("/api/v1/webhooks/").status_code == 403


def test_the_console_adds_an_endpoint_shows_its_secret_once_and_deletes_it(
    world, login_as, receiver
):
    console = login_as("admin")
    page = console.get("/console/alpha/webhooks/").content.decode()
    assert 'value="contact.created"' in page and 'value="*"' in page
    response = console.post(
        "/console/alpha/webhooks/",
        {"url": receiver.url(), "description": "CRM", "events": ["contact.created", "touch.*"]},
    )
    assert response.status_code == 200
    found = re.search(r'data-testid="new-secret">(whsec_[^<]+)<', response.content.decode())
    assert found, "the new secret is shown once"
    secret = found[1]
    endpoint = WebhookEndpoint.all_tenants.get(tenant=world.tenant)
    assert endpoint.secret == secret and endpoint.events == ["contact.created", "touch.*"]
    again = console.get("/console/alpha/webhooks/").content.decode()
    assert secret not in again and endpoint.masked_secret in again

    invalid = console.post("/console/alpha/webhooks/", {"url": receiver.url(), "events": []})
    assert invalid.status_code == 400

    assert console.post(f"/console/alpha/webhooks/{endpoint.pk}/delete/").status_code == 302
    assert not WebhookEndpoint.all_tenants.exists()


# --- cost ------------------------------------------------------------------------------------


def thousand_contacts(world: Any) -> list[Contact]:
    Contact.all_tenants.bulk_create(
        [
            Contact(tenant=world.tenant, email=f"bulk{i}@customer.example", external_id=f"B-{i}")
            for i in range(1000)
        ]
    )
    return list(Contact.all_tenants.filter(tenant=world.tenant, external_id__startswith="B-"))


def test_emitting_for_a_thousand_rows_nobody_listens_to_is_one_query(
    world, django_assert_max_num_queries
):
    rows = thousand_contacts(world)
    with django_assert_max_num_queries(1):
        assert emit_events("updated", rows) == []
    # An endpoint of another tenant, or one subscribed to other events, changes nothing.
    WebhookEndpoint.all_tenants.create(
        tenant=world.other_tenant, url="https://hooks.example.com/b", events=["*"]
    )
    WebhookEndpoint.all_tenants.create(
        tenant=world.tenant, url="https://hooks.example.com/a", events=["account.*"]
    )
    with django_assert_max_num_queries(1):
        assert emit_events("updated", rows) == []


def test_emitting_for_a_thousand_subscribed_rows_writes_in_bulk(world):
    rows = thousand_contacts(world)
    WebhookEndpoint.all_tenants.create(
        tenant=world.tenant, url="https://hooks.example.com/a", events=["contact.updated"]
    )
    with CaptureQueriesContext(connection) as captured:
        deliveries = emit_events("updated", rows)
    assert len(deliveries) == 1000
    statements = [q["sql"].split(" ", 1)[0].upper() for q in captured.captured_queries]
    # Rendering reads the rows once; the deliveries go in by the batch (SQLite caps a statement
    # at 999 parameters, so a few batches there), never a statement per row.
    assert statements.count("SELECT") <= 3
    assert len(statements) < 40, statements
    first = WebhookDelivery.all_tenants.order_by("pk").first()
    assert first is not None
    assert first.payload["id"] == first.pk and first.payload["data"]["email"].startswith("bulk")


@pytest.mark.parametrize("name", ["account", "contact", "opportunity", "touch", "target_list"])
def test_rendering_a_batch_costs_the_same_as_one_row(world, name):
    """The registered select/prefetch lists keep `data` from costing queries per row."""
    model = cast(
        type[TenantOwned], next(r.model for r in registry._RESOURCES.values() if r.name == name)
    )
    rows = list(model.all_tenants.filter(tenant=world.tenant).order_by("pk"))
    WebhookEndpoint.all_tenants.create(
        tenant=world.tenant, url="https://hooks.example.com/a", events=["*"]
    )

    def cost(batch: list) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert len(emit_events("updated", batch)) == len(batch)
        return len(captured)

    assert cost(rows[:1]) == cost(rows)


@pytest.mark.parametrize(
    "address",
    ["64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1", "::ffff:10.0.0.1", "169.254.169.254", "fe80::1"],
)
def test_private_addresses_hidden_in_ipv6_forms_are_refused(address):
    import ipaddress

    from core.net import _is_public

    assert not _is_public(ipaddress.ip_address(address))
    assert _is_public(ipaddress.ip_address("2606:4700:4700::1111"))
