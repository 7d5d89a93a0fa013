"""The console's lead pages: the routing queue and its filters, the lead page with the decision
explained condition by condition and a manual reassignment, the SLA monitor, and the duplicate
review (merge, not a duplicate, undo)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.tenancy import tenant_scope
from pipeline.choices import LeadStatus
from pipeline.models import Lead
from routing import services
from routing.choices import CandidateStatus, EventKind, TimerState
from routing.dedupe import score_scale
from routing.dedupe_service import merge_leads
from routing.models import DuplicateCandidate, LeadEvent, LeadMerge, SlaTimer
from routing.tests.test_pages_helpers import (
    BAVARIA,
    TYROL,
    make_overdue,
    membership,
    prepare_routing,
    send,
)
from routing.views.console import duration_text

pytestmark = pytest.mark.django_db

QUEUE = "/console/alpha/leads/"


@pytest.fixture
def ready(world):
    return prepare_routing(world)


@pytest.fixture
def admin(login_as):
    return login_as("admin")


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def rows_of(page: str) -> str:
    return page.split('data-testid="queue"', 1)[1].split("</table>")[0]


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


# --- the queue ------------------------------------------------------------------------------------


def test_the_queue_lists_every_lead_and_counts_the_unroutable(world, ready, admin):
    send(world, BAVARIA, last_name="Bayer")
    send(world, TYROL, last_name="Tiroler")
    send(world, last_name="Hanseat")
    stuck = send(world, BAVARIA, last_name="Stuck")
    with tenant_scope(world.tenant):
        services.reject_lead(stuck, acting=membership(world, "partner_admin"), reason="Too far")
    page = body(admin.get(QUEUE))
    rows = rows_of(page)
    for name in ("Bayer", "Tiroler", "Hanseat", "Stuck"):
        assert name in rows
    assert 'data-testid="unroutable-count">1 unroutable' in page
    assert "Rival Supply" in rows and "Alpha Distribution" in rows and "rep@alpha.test" in rows
    assert 'data-testid="countdown"' in rows


def test_the_queue_filters(world, ready, admin):
    send(world, BAVARIA, last_name="Bayer")
    send(world, TYROL, last_name="Tiroler")
    send(world, last_name="Hanseat", source="web_form")
    stuck = send(world, BAVARIA, last_name="Stuck")
    with tenant_scope(world.tenant):
        services.reject_lead(stuck, acting=membership(world, "partner_admin"), reason="Too far")

    def names(**params) -> set[str]:
        rows = rows_of(body(admin.get(QUEUE, params)))
        return {n for n in ("Bayer", "Tiroler", "Hanseat", "Stuck") if n in rows}

    assert names(status="unroutable") == {"Stuck"}
    assert names(route="partner") == {"Bayer", "Tiroler"}
    assert names(route="none") == {"Stuck"}
    assert names(partner=world.other_partner.pk) == {"Tiroler"}
    assert names(team=world.orgs["team"].pk) == {"Hanseat"}
    assert names(source="web_form") == {"Hanseat"}
    assert names(q="tirol") == {"Tiroler"}
    today = timezone.localdate()
    assert names(created_from=today.isoformat()) == {"Bayer", "Tiroler", "Hanseat", "Stuck"}
    assert names(created_to=(today - dt.timedelta(days=1)).isoformat()) == set()


def test_bad_filters_are_named_and_show_nothing(world, ready, admin):
    send(world, BAVARIA)
    foreign = world.orgs["b_partner"].pk
    response = admin.get(QUEUE, {"partner": foreign, "created_from": "2024-13-01"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "No such partner." in page and "Enter a valid date." in page
    assert "Fix the filters to see leads." in page
    backwards = admin.get(QUEUE, {"created_from": "2024-05-02", "created_to": "2024-05-01"})
    assert backwards.status_code == 400
    assert "The end of the range is before its start." in backwards.content.decode()


# --- the lead page --------------------------------------------------------------------------------


def test_the_lead_page_explains_the_decision_condition_by_condition(world, ready, admin):
    lead = send(world, BAVARIA, last_name="Bayer")
    page = body(admin.get(f"/console/alpha/leads/{lead.pk}/"))
    explanation = page.split('data-testid="explanation"', 1)[1]
    decision = explanation.split('data-testid="decision"', 1)[1].split("</div>")[0]
    assert "Decided by rule #1" in decision and "Bavaria to partners" in decision
    assert "Alpha Distribution" in decision  # the target under the stored facts
    traces = explanation.split('data-testid="traces"', 1)[1].split("</ol>")[0]
    assert "✓" in traces and "in Bavaria" in traces
    assert 'data-testid="skipped"' in traces  # the rules after the deciding one
    facts = explanation.split('data-testid="facts"', 1)[1].split("</dl>")[0]
    assert "bavaria" in facts.lower() and "DE-BY" in facts
    assert "With <b>Alpha Distribution" in explanation


def test_a_rule_that_did_not_match_says_why(world, ready, admin):
    lead = send(world, last_name="Hanseat")
    page = body(admin.get(f"/console/alpha/leads/{lead.pk}/"))
    traces = page.split('data-testid="traces"', 1)[1].split("</ol>")[0]
    assert "Did not match" in traces and "✗" in traces
    assert "Decided by rule #3" in page and "Default" in page


def test_a_lead_not_routed_yet_has_no_explanation(world, ready, admin):
    with tenant_scope(world.tenant):
        lead = Lead.objects.create(tenant=world.tenant, source="api", last_name="Fresh")
    page = body(admin.get(f"/console/alpha/leads/{lead.pk}/"))
    assert "No routing decision is stored for this lead yet." in page
    assert "A lead that is new is not reassigned." in page


def test_the_lead_page_survives_a_decision_from_elsewhere(world, ready, admin):
    lead = send(world, BAVARIA)
    with tenant_scope(world.tenant):
        Lead.objects.filter(pk=lead.pk).update(
            decision={**lead.decision, "facts": {"territories": ["x"], "bogus": 1, "country": 3}}
        )
    page = body(admin.get(f"/console/alpha/leads/{lead.pk}/"))
    assert 'data-testid="explanation"' in page
    with tenant_scope(world.tenant):
        Lead.objects.filter(pk=lead.pk).update(decision={**lead.decision, "version_id": 99999})
    assert "The rulebook version that decided is gone." in body(
        admin.get(f"/console/alpha/leads/{lead.pk}/")
    )


def test_an_admin_reassigns_an_unroutable_lead_to_a_rep(world, ready, admin):
    stuck = send(world, BAVARIA)
    with tenant_scope(world.tenant):
        services.reject_lead(stuck, acting=membership(world, "partner_admin"), reason="Too far")
    rep = membership(world, "other_team_rep")
    url = f"/console/alpha/leads/{stuck.pk}/reassign/"
    response = admin.post(url, {"rep": rep.pk})
    assert response["Location"] == f"/console/alpha/leads/{stuck.pk}/"
    assert "reassigned to other_team_rep@alpha.test" in messages_of(response)[0]
    with tenant_scope(world.tenant):
        lead = Lead.objects.get(pk=stuck.pk)
        assert (lead.status, lead.route) == (LeadStatus.ROUTED, "direct")
        assert (lead.assigned_user, lead.assigned_team) == (
            world.users["other_team_rep"],
            world.orgs["other_team"],
        )
        running = SlaTimer.objects.filter(lead=lead, state=TimerState.RUNNING)
        assert {t.assignment for t in running} == {lead.routing_attempts}
        assert LeadEvent.objects.filter(lead=lead, kind=EventKind.REASSIGNED).exists()
    page = body(admin.get(f"/console/alpha/leads/{stuck.pk}/"))
    assert "assigned by hand" in page


def test_an_admin_reassigns_to_a_partner(world, ready, admin):
    lead = send(world, last_name="Hanseat")
    admin.post(f"/console/alpha/leads/{lead.pk}/reassign/", {"partner": world.other_partner.pk})
    with tenant_scope(world.tenant):
        lead = Lead.objects.get(pk=lead.pk)
    assert lead.assigned_partner == world.other_partner and lead.assigned_user is None
    assert lead.route == "partner"


def test_reassigning_needs_exactly_one_target_of_this_tenant(world, ready, admin):
    lead = send(world, last_name="Hanseat")
    url = f"/console/alpha/leads/{lead.pk}/reassign/"
    both = admin.post(url, {"partner": world.partner.pk, "rep": membership(world, "rep").pk})
    assert messages_of(both) == ["Choose one partner or one rep."]
    assert messages_of(admin.post(url, {}))[-1] == "Choose one partner or one rep."
    foreign = admin.post(url, {"partner": world.orgs["b_partner"].pk})
    assert messages_of(foreign)[-1] == "No such partner."
    partner_rep = admin.post(url, {"rep": membership(world, "partner_rep").pk})
    assert messages_of(partner_rep)[-1] == "No such rep."
    with tenant_scope(world.tenant):
        assert Lead.objects.get(pk=lead.pk).routing_attempts == lead.routing_attempts


def test_a_merged_lead_is_not_reassigned(world, ready, admin):
    first, second = send(world, last_name="One"), send(world, last_name="Two")
    with tenant_scope(world.tenant):
        merge_leads(first, second, acting=membership(world, "admin"), automatic=False)
    response = admin.post(
        f"/console/alpha/leads/{second.pk}/reassign/", {"partner": world.partner.pk}
    )
    assert "only open or unroutable leads can be reassigned" in messages_of(response)[0]
    page = body(admin.get(f"/console/alpha/leads/{second.pk}/"))
    assert 'data-testid="merged-into"' in page


# --- the SLA monitor ------------------------------------------------------------------------------


def test_the_sla_monitor_shows_breaches_by_partner_and_team(world, ready, admin):
    late_partner = send(world, BAVARIA, last_name="LatePartner")
    late_rep = send(world, last_name="LateRep")
    on_time = send(world, BAVARIA, last_name="OnTime")
    make_overdue(world, late_partner, minutes=90)
    make_overdue(world, late_rep, minutes=20)
    page = body(admin.get("/console/alpha/sla/"))
    assert 'data-testid="breach-count">2 leads overdue' in page
    by_partner = page.split('data-testid="by-partner"', 1)[1].split("</table>")[0]
    assert "Alpha Distribution" in by_partner and "1 h 30 min" in by_partner
    by_team = page.split('data-testid="by-team"', 1)[1].split("</table>")[0]
    assert "Direct North" in by_team and "20 min" in by_team
    breaches = page.split('data-testid="breaches"', 1)[1].split("</table>")[0]
    assert "LatePartner" in breaches and "LateRep" in breaches and "OnTime" not in breaches
    assert breaches.index("LatePartner") < breaches.index("LateRep")  # most overdue first
    assert on_time.pk


def test_the_sla_monitor_reports_compliance_and_median_speed_by_route(world, ready, admin):
    leads = [send(world, BAVARIA) for _ in range(3)] + [send(world) for _ in range(2)]
    with tenant_scope(world.tenant):
        for lead, seconds, met in zip(
            leads, (60, 600, 3000, 120, None), (True, True, False, True, None), strict=True
        ):
            Lead.objects.filter(pk=lead.pk).update(speed_to_lead_seconds=seconds, sla_met=met)
        old = send(world, BAVARIA)
        Lead.objects.filter(pk=old.pk).update(
            created_at=timezone.now() - dt.timedelta(days=45), sla_met=False
        )
    page = body(admin.get("/console/alpha/sla/"))
    table = page.split('data-testid="by-route"', 1)[1].split("</table>")[0]
    direct, partner = table.split("route-direct", 1)[1], table.split("route-partner", 1)[1]
    assert "1 of 1" in direct and "100.0%" in direct and "2 min" in direct
    assert "2 of 3" in partner and "66.7%" in partner and "10 min" in partner


def test_the_sla_monitor_when_all_is_well(world, ready, admin):
    page = body(admin.get("/console/alpha/sla/"))
    assert "Nothing is overdue." in page and "No lead was routed in the last 30 days." in page


def test_durations_in_words():
    assert duration_text(None) == "—"
    assert duration_text(42) == "42 s"
    assert duration_text(20 * 60) == "20 min"
    assert duration_text(90 * 60) == "1 h 30 min"
    assert duration_text(2 * 86400 + 7200) == "2 d 2 h"


# --- duplicates -----------------------------------------------------------------------------------


def pair(world, **second_fields) -> DuplicateCandidate:
    first = send(world, last_name="Miller", first_name="Jon", email="jon@miller-bau.de")
    second = send(world, last_name="Miller", first_name="John", **second_fields)
    with tenant_scope(world.tenant):  # the matcher may have proposed it already
        candidate, _ = DuplicateCandidate.objects.update_or_create(
            lead=second,
            other_lead=first,
            defaults={
                "tenant": world.tenant,
                "score": 8.2,
                "reasons": ["similar name", "same company"],
                "status": CandidateStatus.PENDING,
            },
        )
    return candidate


def test_the_review_shows_pairs_side_by_side(world, ready, admin):
    candidate = pair(world, email="john.m@miller-bau.de")
    page = body(admin.get("/console/alpha/duplicates/"))
    shown = page.split('data-testid="pair"', 1)[1].split("</section>")[0]
    assert "similar name · same company" in shown
    # The score on its 0-100 scale (routing.dedupe.score_scale), thresholds marked.
    scale = score_scale(8.2)
    assert f"{scale.points} / 100" in shown and "Matcher score 8.2" in shown
    assert f"Review from {scale.review_at}" in shown
    assert f"Merged automatically from {scale.merge_at}" in shown
    assert "Jon Miller" in shown and "John Miller" in shown
    assert '<tr class="differs"><th>Email</th>' in shown
    assert f"/console/alpha/duplicates/{candidate.pk}/merge/" in shown


def test_merging_a_pair_then_undoing_it(world, ready, admin):
    candidate = pair(world)
    response = admin.post(f"/console/alpha/duplicates/{candidate.pk}/merge/")
    assert response["Location"] == "/console/alpha/duplicates/"
    with tenant_scope(world.tenant):
        candidate.refresh_from_db()
        assert candidate.status == CandidateStatus.MERGED
        merged = Lead.objects.get(pk=candidate.lead_id)
        assert (
            merged.status == LeadStatus.MERGED and merged.duplicate_of_id == candidate.other_lead_id
        )
        merge = LeadMerge.objects.get()
    page = body(admin.get("/console/alpha/duplicates/"))
    assert 'data-testid="no-pairs"' in page
    merges = page.split('data-testid="merges"', 1)[1]
    assert "By admin@alpha.test" in merges and f"/merges/{merge.pk}/undo/" in merges

    admin.post(f"/console/alpha/duplicates/merges/{merge.pk}/undo/")
    with tenant_scope(world.tenant):
        merge.refresh_from_db()
        assert merge.undone_at is not None
        assert Lead.objects.get(pk=candidate.lead_id).status != LeadStatus.MERGED
    again = admin.post(f"/console/alpha/duplicates/merges/{merge.pk}/undo/")
    assert messages_of(again)[-1] == "This merge was already undone."
    assert "Undone" in body(admin.get("/console/alpha/duplicates/"))


def test_not_a_duplicate_is_remembered(world, ready, admin):
    candidate = pair(world)
    admin.post(f"/console/alpha/duplicates/{candidate.pk}/distinct/")
    with tenant_scope(world.tenant):
        candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.DISTINCT
    again = admin.post(f"/console/alpha/duplicates/{candidate.pk}/merge/")
    assert messages_of(again)[-1] == "This pair was already decided."
    assert admin.post("/console/alpha/duplicates/99999999999999999999/merge/").status_code == 404
