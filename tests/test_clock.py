"""One clock: every time a page shows is in the viewer's tenant time zone, named once per page in
the footer; the API and CSV exports stay machine-readable UTC (tenancy/clock.py).

The world's tenant works in Europe/Berlin. A moment stored as 10:15 UTC on 1 July 2026 (summer
time, UTC+2) must read 12:15 on every page, and no page may label a time "UTC".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zoneinfo
from collections.abc import Iterable
from typing import cast

import pytest
from django.utils import timezone

from accounts.models import Account
from core.csvexport import csv_response, safe_cell
from core.models import AuditEvent, ImportJob, WebhookDelivery, WebhookEndpoint
from core.tenancy import tenant_scope
from guardrails.models import AccountRoute, RouteRule, Rulebook, RulebookVersion
from pipeline.models import Lead
from routing.choices import EventKind
from routing.models import LeadEvent, Notification, SlaTimer
from tenancy.clock import local_text
from tenancy.models import Tenant

BERLIN = "Europe/Berlin"
STORED = dt.datetime(2026, 7, 1, 10, 15, 30, tzinfo=dt.UTC)
SHOWN = "2026-07-01 12:15"  # the same moment in Berlin
NOT_SHOWN = "2026-07-01 10:15"  # what a page in UTC would say
FOOTER = f"Times in {BERLIN}"
# A time labelled with its zone ("10:15 UTC", "When (UTC)"); the audit log may still show a
# tenant's changed setting "timezone: ∅ → UTC".
UTC_LABEL = re.compile(r"\(UTC\)|\d\d:\d\d(?::\d\d)?\)?\.? ?UTC")


@pytest.fixture
def berlin(world):
    Tenant.objects.filter(pk=world.tenant.pk).update(timezone=BERLIN)  # no audit entry naming it
    world.tenant.refresh_from_db()
    return world


def page_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def assert_local(page: str) -> None:
    """The stored moment in Berlin time, the zone named once in the footer, no UTC label."""
    assert SHOWN in page
    assert NOT_SHOWN not in page
    assert page.count("Times in ") == 1 and FOOTER in page
    assert page.rindex(FOOTER) > page.rindex("</main>")  # the footer, not a page's own line
    assert not UTC_LABEL.search(page)


def active_version(tenant, **fields) -> RulebookVersion:
    rulebook, _ = Rulebook.all_tenants.get_or_create(tenant=tenant)
    version = RulebookVersion.all_tenants.create(
        tenant=tenant, rulebook=rulebook, number=1, status="active", **fields
    )
    rulebook.active_version = version
    rulebook.save()
    RouteRule.all_tenants.create(
        tenant=tenant,
        version=version,
        position=1,
        name="Default",
        outcome="direct",
        rationale="Served directly.",
        is_default=True,
    )
    return version


def test_an_accounts_decided_time_is_local(berlin, login_as):
    tenant = berlin.tenant
    version = active_version(tenant, effective_at=STORED, published_at=STORED)
    account: Account = berlin.customers["rep"]
    AccountRoute.all_tenants.create(
        tenant=tenant,
        account=account,
        version=version,
        rule=RouteRule.all_tenants.get(version=version),
        outcome="direct",
        rationale="Served directly.",
        decided_at=STORED,
    )
    assert_local(page_of(login_as("admin"), f"/console/alpha/accounts/{account.pk}/"))


def test_an_imports_finished_time_is_local(berlin, login_as):
    job = ImportJob.all_tenants.create(
        tenant=berlin.tenant,
        resource="accounts",
        filename="accounts.csv",
        content="external_id,name\n",
        status=ImportJob.Status.DONE,
        counts={"created": 0, "updated": 0, "unchanged": 0, "error": 0},
        created_by=berlin.users["admin"],
        finished_at=STORED,
    )
    assert_local(page_of(login_as("admin"), f"/console/alpha/imports/{job.pk}/"))


def lead_with_history(world) -> Lead:
    tenant = world.tenant
    lead = Lead.all_tenants.create(
        tenant=tenant,
        source="api",
        first_name="Isolde",
        last_name="Lead",
        email="isolde@example.com",
        status="routed",
        routing_attempts=1,
        route="partner",
        assigned_partner=world.partner,
        assigned_at=STORED,
        processed_at=STORED,
    )
    Lead.all_tenants.filter(pk=lead.pk).update(created_at=STORED)
    LeadEvent.all_tenants.create(
        tenant=tenant, lead=lead, kind=EventKind.ROUTED, occurred_at=STORED, route="partner"
    )
    SlaTimer.all_tenants.create(
        tenant=tenant,
        lead=lead,
        kind="accept",
        assignment=1,
        started_at=STORED,
        due_at=STORED,
        next_action_at=STORED,
    )
    return lead


@pytest.mark.parametrize(
    ("persona", "url"),
    [("admin", "/console/alpha/leads/{pk}/"), ("partner_admin", "/portal/alpha/leads/{pk}/")],
)
def test_a_leads_times_are_local(berlin, login_as, persona, url):
    lead = lead_with_history(berlin)
    page = page_of(login_as(persona), url.format(pk=lead.pk))
    assert_local(page)


def test_a_typed_touch_time_is_read_in_the_zone_the_page_names(berlin, login_as):
    lead = lead_with_history(berlin)
    page = page_of(login_as("partner_admin"), f"/portal/alpha/leads/{lead.pk}/")
    assert f"({BERLIN}; empty: now)" in page  # the input's hint, from the same active zone


def test_notifications_say_when_something_is_due_in_local_time(berlin, login_as):
    lead = lead_with_history(berlin)
    Notification.all_tenants.create(
        tenant=berlin.tenant,
        user=berlin.users["admin"],
        kind=EventKind.REMINDED,
        title="Reminder: accept for Isolde Lead",
        body=f"Due {local_text(STORED, berlin.tenant)}.",
        lead=lead,
    )
    Notification.all_tenants.filter(lead=lead).update(created_at=STORED)
    page = page_of(login_as("admin"), "/console/alpha/notifications/")
    assert f"Due {SHOWN}." in page
    assert_local(page)


def test_the_audit_log_shows_local_times(berlin, login_as):
    AuditEvent.all_tenants.filter(tenant=berlin.tenant).update(at=STORED)
    page = page_of(login_as("admin"), "/console/alpha/audit/")
    assert_local(page)


def test_webhook_deliveries_show_local_times(berlin, login_as):
    endpoint = WebhookEndpoint.all_tenants.create(
        tenant=berlin.tenant, url="https://hooks.example/in", events=["*"]
    )
    WebhookDelivery.all_tenants.create(
        tenant=berlin.tenant,
        endpoint=endpoint,
        event="contact.updated",
        payload={},
        status=WebhookDelivery.Status.FAILED,
        attempts=8,
        last_attempt_at=STORED,
        last_error="HTTP 500",
    )
    page = page_of(login_as("admin"), "/console/alpha/webhooks/deliveries/")
    assert_local(page)


def test_a_rulebook_versions_times_are_local(berlin, login_as):
    version = active_version(berlin.tenant, effective_at=STORED, published_at=STORED)
    admin = login_as("admin")
    assert_local(page_of(admin, f"/console/alpha/rulebook/versions/{version.pk}/"))
    assert_local(page_of(admin, "/console/alpha/rulebook/"))


def test_a_tenant_in_utc_gets_its_footer_too(world, login_as):
    page = page_of(login_as("admin"), "/console/alpha/")
    assert page.count("Times in ") == 1 and "Times in UTC" in page


def test_pages_outside_a_tenant_name_no_zone(client):
    assert "Times in" not in page_of(client, "/console/")


# --- machine-readable: UTC ------------------------------------------------------------------------


def test_the_api_gives_date_times_in_utc(berlin, api_as):
    Account.all_tenants.filter(tenant=berlin.tenant).update(updated_at=STORED)
    response = api_as("admin").get("/api/v1/accounts/")
    assert response.status_code == 200
    stamps = [row["updated_at"] for row in response.json()["results"]]
    assert stamps and all(s.endswith(("Z", "+00:00")) for s in stamps)
    assert all(s.startswith("2026-07-01T10:15:30") for s in stamps)


def test_csv_exports_write_date_times_in_utc_whatever_zone_the_page_runs_in(berlin):
    local = STORED.astimezone(zoneinfo.ZoneInfo(BERLIN))
    assert safe_cell(local) == "2026-07-01T10:15:30+00:00"
    assert safe_cell(dt.date(2026, 7, 1)) == "2026-07-01"
    Account.all_tenants.filter(tenant=berlin.tenant).update(updated_at=STORED)
    with tenant_scope(berlin.tenant), timezone.override(zoneinfo.ZoneInfo(BERLIN)):
        response = csv_response(
            Account.objects.order_by("pk"),
            [
                ("name", lambda a: a.name),
                ("updated_at", lambda a: timezone.localtime(a.updated_at)),
            ],
            "accounts.csv",
        )
    text = "".join(
        chunk.decode() if isinstance(chunk, bytes) else chunk
        for chunk in cast(Iterable[bytes | str], response.streaming_content)
    ).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["name", "updated_at"]
    assert {row[1] for row in rows[1:]} == {"2026-07-01T10:15:30+00:00"}


def test_sla_texts_stored_in_utc_are_rewritten_in_the_tenants_zone(berlin):
    """routing/migrations/0004: texts the sweep wrote before it wrote local times."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("routing.migrations.0004_sla_texts_in_tenant_zone")
    lead = lead_with_history(berlin)
    note = Notification.all_tenants.create(
        tenant=berlin.tenant,
        user=berlin.users["admin"],
        kind=EventKind.REMINDED,
        title="Reminder",
        body="Due 2026-07-01 10:15 UTC.",
        lead=lead,
    )
    event = LeadEvent.all_tenants.create(
        tenant=berlin.tenant,
        lead=lead,
        kind=EventKind.BREACHED,
        occurred_at=STORED,
        detail="time to accept missed (due 2026-12-24 23:30 UTC)",
    )
    migration.to_tenant_zone(apps, None)
    note.refresh_from_db()
    event.refresh_from_db()
    assert note.body == f"Due {SHOWN}."
    assert event.detail == "time to accept missed (due 2026-12-25 00:30)"


def test_every_door_page_names_the_zone_once_and_labels_no_time_utc(berlin, login_as):
    """Every page of the isolation catalog a person opens (GET, HTML), as the first persona the
    door admits: the footer names Berlin exactly once and no time is labelled UTC."""
    from tenancy.choices import DOOR_ROLES
    from tests.isolation_catalog import DOOR_PAGES
    from tests.test_isolation import INSIDERS, page_url
    from tests.world import PERSONAS

    checked = 0
    for name, spec in DOOR_PAGES.items():
        if spec.method != "get":
            continue
        door = name.split(":")[0]
        persona = next(p for p in INSIDERS if PERSONAS[p][1] in DOOR_ROLES[door])
        response = login_as(persona).get(page_url(berlin, name, berlin.tenant))
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        if response.streaming:
            continue
        page = response.content.decode()
        if "<html" not in page:
            continue  # a fragment (progress, live parts)
        assert page.count("Times in ") == 1 and FOOTER in page, name
        assert not UTC_LABEL.search(page), name
        checked += 1
    assert checked > 50


def test_webhook_payloads_stay_in_utc_when_a_page_makes_the_change(berlin):
    from core.webhooks.emit import emit_events

    WebhookEndpoint.all_tenants.create(
        tenant=berlin.tenant, url="https://hooks.example/in", events=["*"]
    )
    Account.all_tenants.filter(tenant=berlin.tenant).update(updated_at=STORED)
    account = Account.all_tenants.get(pk=berlin.customers["rep"].pk)
    with timezone.override(zoneinfo.ZoneInfo(BERLIN)):  # as inside a door page
        (delivery, *_) = emit_events("updated", [account])
    assert delivery.payload["data"]["updated_at"] in ("2026-07-01T10:15:30Z", STORED.isoformat())


def test_the_audit_log_records_date_times_in_utc_and_no_change_for_the_same_moment(berlin):
    with tenant_scope(berlin.tenant):
        version = active_version(berlin.tenant, effective_at=STORED, published_at=STORED)
        before = AuditEvent.all_tenants.count()
        version.effective_at = STORED.astimezone(zoneinfo.ZoneInfo(BERLIN))  # as a form reads it
        version.save()
        assert AuditEvent.all_tenants.count() == before  # the same moment: nothing changed
        version.effective_at = STORED + dt.timedelta(hours=1)
        version.save()
    changed = AuditEvent.all_tenants.latest("id").changes["effective_at"]
    assert changed == ["2026-07-01T10:15:30+00:00", "2026-07-01T11:15:30+00:00"]
