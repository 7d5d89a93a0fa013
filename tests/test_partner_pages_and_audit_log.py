"""The console's partner and team pages and the audit log, as a RevOps admin reads them: a partner's
facts, people, authorizations and what it owns; each audit event said in words with its fields
before and after, 50 to a page, filtered by who, action, object type and days, in a bounded
number of queries; nothing of another tenant anywhere.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.audit import audit_context
from core.models import AuditEvent
from core.tenancy import tenant_scope
from guardrails.tests.factories import PartnerAuthorizationFactory, RulebookVersionFactory
from pipeline.models import Opportunity, Stage
from routing.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

AUDIT = "/console/alpha/audit/"


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def entries(response) -> int:
    return response.content.decode().count('<li class="audit-entry')


# --- partner and team pages ------------------------------------------------------------------


def test_partner_rows_lead_to_a_page_with_its_facts_people_authorizations_and_holdings(
    world, login_as
):
    partner = world.partner
    PartnerAuthorizationFactory.create(partner=partner, territory__name="Tyrol and Vorarlberg")
    client = login_as("admin")

    listed = client.get("/console/alpha/partners/").content.decode()
    assert f'href="/console/alpha/partners/{partner.pk}/"' in listed

    response = client.get(f"/console/alpha/partners/{partner.pk}/")
    assert response.status_code == 200
    words = text(response)
    assert partner.name in words and "Gold" in words and "Active" in words
    assert world.users["partner_admin"].email in words  # its people
    assert world.users["rival_partner_admin"].email not in words
    assert "Tyrol and Vorarlberg" in words  # guardrails' section
    assert "Accounts owned" in words  # accounts' section
    assert f"/console/alpha/accounts/?owner_partner={partner.pk}" in response.content.decode()
    assert "Pipeline and leads" in words  # pipeline's section

    other_tenants = world.orgs["b_partner"]
    assert client.get(f"/console/alpha/partners/{other_tenants.pk}/").status_code == 404
    assert (
        login_as("partner_admin").get(f"/console/alpha/partners/{partner.pk}/").status_code == 403
    )


def test_team_rows_lead_to_a_page_with_its_people(world, login_as):
    team = world.orgs["team"]
    client = login_as("admin")
    assert f'href="/console/alpha/teams/{team.pk}/"' in client.get("/console/alpha/teams/").text
    response = client.get(f"/console/alpha/teams/{team.pk}/")
    assert response.status_code == 200
    assert world.users["rep"].email in text(response)
    assert world.users["other_team_rep"].email not in text(response)
    assert client.get(f"/console/alpha/teams/{world.orgs['b_team'].pk}/").status_code == 404


# --- the audit log -------------------------------------------------------------------------


@pytest.fixture
def people(world):
    admin, rep = world.users["admin"], world.users["rep"]
    admin.full_name = "Anna Admin"
    admin.save()
    rep.full_name = ""  # no name: the log says the email
    rep.save()
    return admin, rep


def act(tenant, user, change) -> None:
    """Make `change()` as `user`, signed in through a page, in the world's tenant."""
    with tenant_scope(tenant), audit_context(actor=user, source="web"):
        change()


def test_each_event_is_said_in_words_and_links_to_its_page(world, login_as, people):
    admin, rep = people
    with tenant_scope(world.tenant):
        version = RulebookVersionFactory.create(rulebook__tenant=world.tenant)
    lead = LeadFactory.create(tenant=world.tenant, status="routed", assigned_user=rep)

    def publish() -> None:
        version.status = "active"
        version.save()

    def accept() -> None:
        lead.status = "accepted"
        lead.save()

    act(world.tenant, admin, publish)
    act(world.tenant, rep, accept)

    response = login_as("admin").get(AUDIT)

    assert response.status_code == 200
    words = text(response)
    assert f"Anna Admin published rulebook version {version.number}" in words
    assert f"{rep.email} accepted lead #{lead.pk}" in words
    body = response.content.decode()
    assert f'<a href="/console/alpha/leads/{lead.pk}/">#{lead.pk}</a>' in body
    assert f'href="/console/alpha/rulebook/versions/{version.pk}/"' in body
    assert "(UTC)" not in body
    assert "zzbetaleak" not in body


def test_the_diff_shows_labels_names_and_long_values_folded(world, login_as, people):
    admin, _ = people
    opportunity = Opportunity.all_tenants.get(tenant=world.tenant, external_id="OPP-rep")
    stages = {s.key: s for s in Stage.all_tenants.filter(tenant=world.tenant)}
    lead = LeadFactory.create(tenant=world.tenant)

    def change() -> None:
        opportunity.stage = stages["negotiate"]
        opportunity.owner_user = world.users["other_team_rep"]
        opportunity.save()
        lead.message = "Please call back about the slurry pumps. " * 10
        lead.save()

    act(world.tenant, admin, change)

    response = login_as("admin").get(f"{AUDIT}?action=update")
    words = text(response)
    assert f"Anna Admin moved opportunity “{opportunity.name}”" in words
    assert f"Stage {stages['propose'].name} → {stages['negotiate'].name}" in words
    assert world.users["other_team_rep"].get_full_name() in words  # a name, not an id
    body = response.content.decode()
    assert '<details class="audit-long">' in body
    assert "Please call back about the slurry pumps. Please call back" in body
    assert f'href="/console/alpha/opportunities/{opportunity.pk}/"' in body


def _many_events(world, count: int, **fields) -> None:
    stage_ids = list(Stage.all_tenants.filter(tenant=world.tenant).values_list("pk", flat=True))
    users = [u.pk for u in world.users.values()]
    AuditEvent.all_tenants.bulk_create(
        AuditEvent(
            tenant=world.tenant,
            actor_id=users[n % len(users)],
            actor_label="someone@alpha.test",
            action="update",
            object_type="pipeline.Opportunity",
            object_id=str(900000 + n),
            object_repr=f"Bulk deal {n}",
            changes={
                "stage": [stage_ids[n % len(stage_ids)], stage_ids[(n + 1) % len(stage_ids)]],
                "owner_user": [users[n % len(users)], users[(n + 1) % len(users)]],
            },
            **fields,
        )
        for n in range(count)
    )


def test_the_log_is_paginated_fifty_to_a_page(world, login_as):
    _many_events(world, 120)
    client = login_as("admin")
    first = client.get(AUDIT)
    assert entries(first) == 50
    total = AuditEvent.all_tenants.filter(tenant=world.tenant).count()
    pages = -(-total // 50)
    assert f"Page 1 of {pages}" in text(first)
    last = client.get(f"{AUDIT}?page={pages}")
    assert entries(last) == total - 50 * (pages - 1)
    assert "← Previous" in text(last)


def test_filters_narrow_by_actor_action_object_type_and_days(world, login_as, people):
    _, rep = people
    lead = LeadFactory.create(tenant=world.tenant, status="routed", assigned_user=rep)

    def accept() -> None:
        lead.status = "accepted"
        lead.save()

    act(world.tenant, rep, accept)
    client = login_as("admin")

    by_rep = client.get(f"{AUDIT}?actor={rep.pk}")
    assert f"accepted lead #{lead.pk}" in text(by_rep)
    assert entries(by_rep) == AuditEvent.all_tenants.filter(actor=rep).count()

    leads_only = client.get(f"{AUDIT}?object_type=pipeline.Lead&action=update")
    assert entries(leads_only) == 1

    today = dt.date.today()
    AuditEvent.all_tenants.filter(tenant=world.tenant, object_type="pipeline.Lead").update(
        at=dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC)
    )
    in_january = client.get(f"{AUDIT}?object_type=pipeline.Lead&since=2026-01-01&until=2026-01-31")
    assert (
        entries(in_january)
        == AuditEvent.all_tenants.filter(tenant=world.tenant, object_type="pipeline.Lead").count()
    )
    assert entries(client.get(f"{AUDIT}?object_type=pipeline.Lead&since={today}")) == 0

    refused = client.get(f"{AUDIT}?since=2026-13-45")
    assert refused.status_code == 400 and entries(refused) == 0
    assert client.get(f"{AUDIT}?actor=abc").status_code == 400
    assert client.get(f"{AUDIT}?object_type=nope.Nothing").status_code == 400


def test_the_log_reads_a_page_in_a_bounded_number_of_queries(world, login_as):
    client = login_as("admin")
    _many_events(world, 5)
    client.get(AUDIT)
    with CaptureQueriesContext(connection) as few:
        assert client.get(AUDIT).status_code == 200
    _many_events(world, 60)
    with CaptureQueriesContext(connection) as many:
        response = client.get(AUDIT)
    assert entries(response) == 50
    assert len(many) <= len(few)


def test_another_tenants_events_never_show(world, login_as):
    with tenant_scope(world.other_tenant):
        LeadFactory.create(tenant=world.other_tenant, last_name="Secret zzbetaleak")
    body = login_as("admin").get(f"{AUDIT}?q=zzbetaleak").content.decode()
    assert entries_body(body) == 0


def entries_body(body: str) -> int:
    return body.count('<li class="audit-entry')
