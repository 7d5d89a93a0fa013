"""Leads from intake to someone working them: enrich, dedupe, route, SLA, touches."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import AccountDomain
from accounts.tests.factories import AccountFactory, ContactFactory, ProductLineFactory
from core.models import AuditEvent
from core.tenancy import tenant_scope
from guardrails.services.publish import publish
from guardrails.services.rules import save_rule
from guardrails.services.versions import create_draft
from guardrails.tests.factories import (
    PartnerAuthorizationFactory,
    TerritoryAreaFactory,
    TerritoryFactory,
)
from pipeline.choices import LeadStatus
from pipeline.models import Lead, Touch
from routing import dedupe_service, services
from routing.choices import EventKind, TimerKind, TimerState
from routing.models import (
    Assignee,
    BusinessCalendar,
    DuplicateCandidate,
    LeadEvent,
    LeadMerge,
    Notification,
    SlaTimer,
)
from routing.tasks import PROCESSING, SWEEP
from tenancy.choices import PartnerTier, Role
from tenancy.services import membership_for
from tenancy.tests.factories import PartnerFactory, TeamFactory, TenantFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops():
    tenant = TenantFactory(slug="ops", timezone="Europe/Berlin")
    with tenant_scope(tenant):
        dedupe_service.forget_indexes()
        bavaria = TerritoryFactory(tenant=tenant, code="bavaria", name="Bavaria")
        TerritoryAreaFactory(territory=bavaria, country="DE", region="DE-BY")
        ProductLineFactory(tenant=tenant, code="parts", name="Spare parts", service_heavy=True)
        gold = PartnerFactory(tenant=tenant, name="Gold Distribution", tier=PartnerTier.GOLD)
        silver = PartnerFactory(tenant=tenant, name="Silver Supply", tier=PartnerTier.SILVER)
        for partner in (gold, silver):
            PartnerAuthorizationFactory(partner=partner, territory=bavaria)
        team = TeamFactory(tenant=tenant, name="Inside Sales")
        reps = [member(tenant, Role.DIRECT_REP, team=team) for _ in range(2)]
        manager = member(tenant, Role.DIRECT_MANAGER, team=team)
        admin = member(tenant, Role.REVOPS_ADMIN)
        gold_rep = member(tenant, Role.PARTNER_REP, partner=gold)
        gold_admin = member(tenant, Role.PARTNER_ADMIN, partner=gold)
        silver_rep = member(tenant, Role.PARTNER_REP, partner=silver)
        # Every day is a working day, all day, so the tests do not depend on when they run.
        BusinessCalendar.objects.create(
            tenant=tenant,
            working_days=[0, 1, 2, 3, 4, 5, 6],
            day_starts=dt.time(0, 0),
            day_ends=dt.time(23, 59, 59),
        )
        acting = membership_for(admin, tenant)
        assert acting is not None
        draft = create_draft(tenant, acting=acting)
        save_rule(
            draft,
            {
                "name": "Bavaria to partners",
                "conditions": [{"field": "territory", "op": "in", "value": ["bavaria"]}],
                "outcome": "partner",
                "target_kind": "authorized",
                "rationale": "Authorized distributors serve Bavaria.",
            },
            acting=acting,
        )
        default = draft.rules.get(is_default=True)
        save_rule(
            draft,
            {
                "name": "Default",
                "outcome": "direct",
                "target_kind": "team",
                "target_team": team.pk,
                "rationale": "Inside Sales takes everything else.",
                "is_default": True,
            },
            rule=default,
            acting=acting,
        )
        publish(draft, acting=acting)
        yield {
            "tenant": tenant,
            "gold": gold,
            "silver": silver,
            "team": team,
            "reps": reps,
            "manager": manager,
            "admin": admin,
            "gold_rep": gold_rep.memberships.get(),
            "gold_admin": gold_admin,
            "silver_rep": silver_rep.memberships.get(),
        }


def make_lead(ops, **fields) -> Lead:
    values = {
        "source": "api",
        "first_name": "Anna",
        "last_name": "Huber",
        "email": "anna.huber@bergbau-huber.de",
        "company": "Bergbau Huber GmbH",
        "country": "Germany",
        "region": "Bavaria",
        "postal_code": "80331",
    }
    values.update(fields)
    return Lead.objects.create(tenant=ops["tenant"], **values)


def process(ops, *leads, now=None) -> None:
    services.process_batch(ops["tenant"], [lead.pk for lead in leads], acting=PROCESSING, now=now)
    for lead in leads:
        lead.refresh_from_db()


def test_a_bavarian_lead_goes_to_the_best_authorized_partner_with_timers(ops):
    lead = make_lead(ops)
    process(ops, lead)
    assert (lead.country_code, lead.region_code, lead.territory) == ("DE", "DE-BY", "bavaria")
    assert lead.status == LeadStatus.ROUTED and lead.route == "partner"
    assert lead.assigned_partner == ops["gold"]  # gold outranks silver on the first pick
    assert lead.decision["rule"] == "Bavaria to partners"
    assert lead.decision["rationale"] == "Authorized distributors serve Bavaria."
    timers = SlaTimer.objects.filter(lead=lead)
    assert {t.kind for t in timers} == {TimerKind.ACCEPT, TimerKind.FIRST_TOUCH}
    kinds = list(LeadEvent.objects.filter(lead=lead).values_list("kind", flat=True))
    assert kinds == [EventKind.RECEIVED, EventKind.ENRICHED, EventKind.ROUTED]
    assert Notification.objects.filter(user=ops["gold_rep"].user, lead=lead).exists()
    # Processing again changes nothing: exactly once.
    assert services.process_batch(ops["tenant"], [lead.pk], acting=PROCESSING) == 0


def test_a_lead_outside_partner_territories_goes_round_robin_to_reps(ops):
    leads = [
        make_lead(
            ops,
            email=f"buyer{i}@firm{i}.fr",
            company=f"Firm {i}",
            country="FR",
            region="",
            postal_code="75001",
            last_name=f"Martin{i}",
            first_name=f"Luc{i}",
        )
        for i in range(4)
    ]
    process(ops, *leads)
    owners = [lead.assigned_user_id or 0 for lead in leads]
    assert {lead.route for lead in leads} == {"direct"}
    assert sorted(owners) == sorted([r.pk for r in ops["reps"]] * 2)
    assert owners[0] != owners[1] and owners[1] != owners[2]


def test_the_account_owner_comes_first(ops):
    account = AccountFactory(
        tenant=ops["tenant"],
        name="Bergbau Huber",
        country="DE",
        region="DE-BY",
        owner_partner=ops["silver"],
    )
    AccountDomain.objects.create(tenant=ops["tenant"], account=account, domain="bergbau-huber.de")
    lead = make_lead(ops)
    process(ops, lead)
    assert lead.account == account
    assert lead.assigned_partner == ops["silver"]


def test_capacity_and_time_away_are_respected(ops):
    Assignee.objects.create(tenant=ops["tenant"], partner=ops["gold"], capacity=0)
    lead = make_lead(ops)
    process(ops, lead)
    assert lead.assigned_partner == ops["silver"]


def test_an_account_owner_away_today_is_covered_by_the_team(ops):
    owner, colleague = (rep.memberships.get() for rep in ops["reps"])
    account = AccountFactory(
        tenant=ops["tenant"],
        name="Nordhafen Logistik",
        country="DE",
        region="DE-HH",
        owner_user=owner.user,
        owner_team=ops["team"],
    )
    AccountDomain.objects.create(tenant=ops["tenant"], account=account, domain="nordhafen.de")
    fields = {"company": "Nordhafen Logistik", "region": "Hamburg", "postal_code": "20095"}
    present = make_lead(ops, email="ina@nordhafen.de", **fields)
    process(ops, present)
    assert present.assigned_user == owner.user
    today = timezone.localdate()
    Assignee.objects.create(
        tenant=ops["tenant"], membership=owner, away_from=today, away_until=today
    )
    away = make_lead(ops, email="olaf@nordhafen.de", first_name="Olaf", **fields)
    process(ops, away)
    assert away.account == account and away.assigned_user == colleague.user


def test_a_rejected_lead_goes_to_the_next_partner(ops):
    lead = make_lead(ops)
    process(ops, lead)
    with pytest.raises(ValidationError):
        services.reject_lead(lead, acting=ops["gold_rep"], reason="  ")
    with pytest.raises(PermissionDenied):
        services.reject_lead(lead, acting=ops["silver_rep"], reason="Not ours")
    services.reject_lead(lead, acting=ops["gold_rep"], reason="Outside our service area")
    lead.refresh_from_db()
    assert lead.assigned_partner == ops["silver"] and lead.routing_attempts == 2
    assert SlaTimer.objects.filter(lead=lead, state=TimerState.CANCELLED).count() == 2
    assert SlaTimer.objects.filter(lead=lead, state=TimerState.RUNNING, assignment=2).count() == 2
    rejected = LeadEvent.objects.get(lead=lead, kind=EventKind.REJECTED)
    assert rejected.detail == "Outside our service area" and rejected.actor_partner == ops["gold"]


def test_accept_and_first_touch_record_speed_to_lead(ops):
    lead = make_lead(ops)
    process(ops, lead)
    services.accept_lead(lead, acting=ops["gold_rep"])
    touch = services.log_touch(lead, acting=ops["gold_rep"], channel="call", subject="Intro call")
    lead.refresh_from_db()
    assert lead.status == LeadStatus.WORKING and lead.sla_met is True
    assert lead.speed_to_lead_seconds is not None
    assert touch.lead == lead and touch.route == "partner" and touch.actor_partner == ops["gold"]
    assert set(SlaTimer.objects.filter(lead=lead).values_list("state", flat=True)) == {
        TimerState.MET
    }


def test_sla_reminder_breach_escalation_and_recall(ops):
    lead = make_lead(ops)
    start = timezone.now()
    process(ops, lead, now=start)
    accept = SlaTimer.objects.get(lead=lead, kind=TimerKind.ACCEPT)
    # Reminder 30 business minutes before the 4-hour partner deadline.
    services.sweep_timers(ops["tenant"], acting=SWEEP, now=accept.remind_at)
    assert LeadEvent.objects.filter(lead=lead, kind=EventKind.REMINDED).count() == 1
    services.sweep_timers(ops["tenant"], acting=SWEEP, now=accept.remind_at)  # nothing new
    assert LeadEvent.objects.filter(lead=lead, kind=EventKind.REMINDED).count() == 1
    services.sweep_timers(ops["tenant"], acting=SWEEP, now=accept.due_at)
    lead.refresh_from_db()
    assert lead.sla_met is False
    assert LeadEvent.objects.filter(lead=lead, kind=EventKind.BREACHED).count() == 1
    assert Notification.objects.filter(user=ops["gold_admin"], kind=EventKind.ESCALATED).exists()
    accept.refresh_from_db()
    services.sweep_timers(ops["tenant"], acting=SWEEP, now=accept.recall_at)
    lead.refresh_from_db()
    assert lead.assigned_partner == ops["silver"] and lead.recalls == 1
    assert LeadEvent.objects.filter(lead=lead, kind=EventKind.RECALLED).count() == 1
    # The recall is the sweep's doing: the audit log names the system, not a person.
    recalled = AuditEvent.objects.filter(object_type="pipeline.Lead", object_id=str(lead.pk))
    assert recalled.latest("id").actor is None
    assert recalled.latest("id").actor_label == "system: lead-ops sweep"


def test_sla_texts_and_emails_say_when_in_the_tenants_zone(ops):
    """The sweep writes its "due" times as the Berlin tenant's pages show them, never in UTC, and
    the email, which has no page footer, names the zone."""
    from zoneinfo import ZoneInfo

    from django.core import mail

    from routing import notify

    lead = make_lead(ops)
    process(ops, lead)
    accept = SlaTimer.objects.get(lead=lead, kind=TimerKind.ACCEPT)
    services.sweep_timers(ops["tenant"], acting=SWEEP, now=accept.remind_at)
    services.sweep_timers(ops["tenant"], acting=SWEEP, now=accept.due_at)
    local = f"{accept.due_at.astimezone(ZoneInfo('Europe/Berlin')):%Y-%m-%d %H:%M}"
    reminded = LeadEvent.objects.get(lead=lead, kind=EventKind.REMINDED)
    breached = LeadEvent.objects.get(lead=lead, kind=EventKind.BREACHED)
    assert reminded.detail == f"time to accept due {local}"
    assert breached.detail == f"time to accept missed (due {local})"
    note = Notification.objects.get(kind=EventKind.REMINDED, user=ops["gold_admin"])
    assert note.body == f"Due {local}."
    notify.send_due_emails(ops["tenant"], acting=SWEEP, now=accept.due_at)
    reminder = next(m for m in mail.outbox if m.subject.startswith("Reminder"))
    assert f"Due {local}." in reminder.body and reminder.body.endswith("Times in Europe/Berlin.")
    assert "UTC" not in reminder.body


def test_duplicates_merge_with_survivorship_and_can_be_undone(ops):
    first = make_lead(ops, phone="", title="")
    process(ops, first)
    again = make_lead(
        ops,
        first_name="Ana",
        phone="+49 89 1234567",
        title="Plant manager",
        message="Need a quote",
    )
    process(ops, again)
    assert again.status == LeadStatus.MERGED and again.duplicate_of == first
    first.refresh_from_db()
    assert first.phone == "+49 89 1234567" and first.title == "Plant manager"
    assert first.first_name == "Ana"  # the most recent non-empty value
    merge = LeadMerge.objects.get(merged=again)
    dedupe_service.undo_merge(merge, acting=ops["admin"].memberships.get())
    first.refresh_from_db()
    again.refresh_from_db()
    assert first.first_name == "Anna" and first.phone == ""
    assert again.duplicate_of is None and again.status == LeadStatus.NEW
    assert DuplicateCandidate.objects.filter(status="distinct").count() == 1


def test_a_duplicate_of_a_lead_still_in_another_batch_waits_for_it_then_merges(ops):
    # Two submissions of one form, stored together (one time stamp), queued in two batches that
    # two workers take at once: neither batch may route its copy on its own.
    first = make_lead(ops)
    again = make_lead(ops, phone="+49 89 1234567")
    Lead.objects.filter(pk=again.pk).update(created_at=first.created_at)
    process(ops, again)  # its batch runs first, while the first copy waits for its own
    assert again.status == LeadStatus.NEW and again.processed_at is None
    assert not LeadEvent.objects.filter(lead=again).exists()
    process(ops, first)  # the earlier copy does not wait for the later one
    assert first.status == LeadStatus.ROUTED
    assert not DuplicateCandidate.objects.exists()  # nor does it put the pair up for review
    process(ops, again)  # its retry
    assert again.status == LeadStatus.MERGED and again.duplicate_of == first
    first.refresh_from_db()
    assert first.phone == "+49 89 1234567"
    assert SlaTimer.objects.filter(lead=again).count() == 0


def test_a_partner_keeps_the_lead_it_brought_when_the_rules_allow_it(ops):
    found = make_lead(ops, source="portal", submitted_by_partner=ops["silver"])
    process(ops, found)
    assert found.assigned_partner == ops["silver"]  # not gold, though gold outranks it
    elsewhere = make_lead(
        ops,
        email="x@nord.example",
        region="Hamburg",
        postal_code="20095",
        source="portal",
        submitted_by_partner=ops["silver"],
    )
    process(ops, elsewhere)
    assert elsewhere.route == "direct"  # outside Bavaria the rules send leads to Inside Sales


def test_a_lead_from_a_known_contact_is_linked_and_routed(ops):
    account = AccountFactory(
        tenant=ops["tenant"], name="Bergbau Huber", country="DE", region="DE-BY"
    )
    contact = ContactFactory(
        tenant=ops["tenant"],
        account=account,
        first_name="Anna",
        last_name="Huber",
        email="anna.huber@bergbau-huber.de",
    )
    lead = make_lead(ops)
    process(ops, lead)
    assert lead.contact == contact and lead.account == account
    assert lead.status == LeadStatus.ROUTED


def test_touches_are_refused_to_people_the_lead_is_not_assigned_to(ops):
    lead = make_lead(ops)
    process(ops, lead)
    with pytest.raises(PermissionDenied):
        services.log_touch(lead, acting=ops["silver_rep"], channel="email")
    assert not Touch.objects.filter(lead=lead).exists()


def test_a_likely_duplicate_without_shared_email_goes_to_review(ops):
    # A colleague makes the company a workplace: its address and name count as context only.
    colleague = make_lead(ops, first_name="Peter", last_name="Maier", email="p.maier@gmx.de")
    first = make_lead(ops)
    process(ops, colleague, first)
    maybe = make_lead(ops, first_name="Ana", email="a.huber@gmail.com", phone="")
    process(ops, maybe)
    assert maybe.status == LeadStatus.ROUTED
    candidate = DuplicateCandidate.objects.get(lead=maybe)
    assert candidate.other_lead == first and candidate.status == "pending"
    assert candidate.reasons
    dedupe_service.merge_candidate(candidate, acting=ops["admin"].memberships.get())
    maybe.refresh_from_db()
    assert maybe.status == LeadStatus.MERGED and maybe.duplicate_of == first
    assert SlaTimer.objects.filter(lead=maybe, state=TimerState.RUNNING).count() == 0


def test_at_a_firm_nobody_else_works_for_the_same_evidence_merges(ops):
    """A company one person alone carries (their own firm) is no shared office: its name and
    address are the person's own evidence, not capped as a workplace's."""
    first = make_lead(ops)
    process(ops, first)
    again = make_lead(ops, first_name="Ana", email="a.huber@gmail.com", phone="")
    process(ops, again)
    assert again.status == LeadStatus.MERGED and again.duplicate_of == first


def test_a_failing_enrichment_provider_never_blocks_routing_and_is_retried(ops):
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from routing import enrich
    from routing.models import EnrichmentProvider

    provider = EnrichmentProvider.objects.create(
        tenant=ops["tenant"], kind="http", url="http://127.0.0.1:9/enrich", timeout_seconds=0.5
    )
    lead = make_lead(ops, email="max@unknown-firm.de", company="", last_name="Maier")
    process(ops, lead)
    assert lead.status == LeadStatus.ROUTED and lead.needs_enrichment

    class Provider(BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"company": "Unknown Firm GmbH", "employee_band": "200-499"})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        provider.url = f"http://127.0.0.1:{server.server_port}/enrich"
        provider.save()
        assert enrich.reenrich(acting=SWEEP) == 1
    finally:
        server.shutdown()
    lead.refresh_from_db()
    assert not lead.needs_enrichment
    assert (lead.company, lead.employee_band) == ("Unknown Firm GmbH", "200-499")
    assert lead.assigned_partner is not None  # the routing stands
