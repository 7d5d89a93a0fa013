"""seed_demo sends ten days of leads through the real engine, so every inbox, queue and monitor
has something to show on first start, and seeding again adds nothing."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.models import AuditEvent
from core.tenancy import tenant_scope
from pipeline.choices import LeadSource, LeadStatus
from pipeline.models import Lead, Touch
from routing.choices import EventKind, TimerKind, TimerState
from routing.models import (
    Assignee,
    BusinessCalendar,
    LeadEvent,
    LeadForm,
    Notification,
    SlaPolicy,
    SlaTimer,
)
from routing.normalize import is_free_mail
from tenancy.models import Tenant

pytestmark = pytest.mark.django_db


def test_seed_demo_replays_ten_days_of_leads_through_the_engine_once():
    # One seeding for every check: it replays a few hundred engine calls.
    call_command("seed_demo", "--scale", "0.02", "--quiet-logins", stdout=StringIO())
    seeded = {slug: Tenant.objects.get(slug=slug) for slug in ("acme", "globex")}
    check_lead_ops_settings(seeded)
    check_the_stream_went_through_the_engine_and_people_acted_on_it(seeded)
    check_acme_has_duplicates_free_mail_and_known_customers(seeded)
    check_fresh_leads_wait_in_inboxes_with_live_countdowns(seeded)
    check_seeding_again_adds_nothing()


def _kinds(leads) -> set[str]:
    return set(LeadEvent.objects.filter(lead__in=leads).values_list("kind", flat=True))


def check_lead_ops_settings(seeded):
    for tenant in seeded.values():
        with tenant_scope(tenant):
            assert SlaPolicy.objects.count() == 6
            calendar = BusinessCalendar.objects.get()
            assert calendar.working_days == [0, 1, 2, 3, 4] and calendar.holidays
            assert Assignee.objects.filter(partner__isnull=False, capacity__isnull=False).exists()
            assert LeadForm.objects.filter(is_active=True).exists()
    with tenant_scope(seeded["acme"]):
        today = timezone.localdate()
        away = Assignee.objects.get(away_from__isnull=False)
        assert away.is_away(today) and away.membership is not None
        assert away.membership.user.email == "rep2@acme.example"
        assert LeadForm.objects.filter(partner__isnull=False).exists()


def check_the_stream_went_through_the_engine_and_people_acted_on_it(seeded):
    for tenant in seeded.values():
        with tenant_scope(tenant):
            leads = Lead.objects.filter(external_id__startswith="DEMO-L-")
            assert leads.count() >= 20
            assert not leads.filter(processed_at__isnull=True).exists()
            assert leads.filter(status=LeadStatus.WORKING).exists()
            # Created over the last ten days, not all at seeding time.
            oldest = leads.earliest("created_at").created_at
            assert timezone.now() - oldest > dt.timedelta(days=5)
            kinds = _kinds(leads)
            assert kinds >= {
                EventKind.RECEIVED,
                EventKind.ENRICHED,
                EventKind.ROUTED,
                EventKind.ACCEPTED,
                EventKind.REJECTED,
                EventKind.TOUCHED,
                EventKind.REMINDED,
                EventKind.BREACHED,
                EventKind.ESCALATED,
                EventKind.RECALLED,
            }
            assert leads.filter(source=LeadSource.PORTAL, submitted_by_partner__isnull=False)
            # Speed-to-lead and SLA compliance are recorded for the worked leads.
            worked = leads.filter(first_touch_at__isnull=False)
            assert worked and not worked.filter(speed_to_lead_seconds__isnull=True).exists()
            assert {True, False} <= set(leads.values_list("sla_met", flat=True))
            # Touches are Touch rows on the lead, at the replayed time.
            touch = Touch.objects.filter(lead__in=leads).order_by("occurred_at").first()
            assert touch is not None and touch.occurred_at < timezone.now() - dt.timedelta(days=1)
            # Declines say why.
            declines = LeadEvent.objects.filter(lead__in=leads, kind=EventKind.REJECTED)
            assert all(e.detail for e in declines)


def check_acme_has_duplicates_free_mail_and_known_customers(seeded):
    with tenant_scope(seeded["acme"]):
        leads = Lead.objects.filter(external_id__startswith="DEMO-L-")
        merged = leads.filter(status=LeadStatus.MERGED)
        assert merged.exists()
        assert all(lead.duplicate_of_id for lead in merged)
        free = [lead for lead in leads if is_free_mail(lead.email_key.rpartition("@")[2])]
        assert free and all(not lead.domain for lead in free)
        assert leads.filter(contact__isnull=False).exists()
        assert leads.filter(account__isnull=False, contact__isnull=True).exists()
        assert leads.filter(source=LeadSource.CSV).count() >= 3


def check_fresh_leads_wait_in_inboxes_with_live_countdowns(seeded):
    now = timezone.now()
    for tenant in seeded.values():
        with tenant_scope(tenant):
            waiting = Lead.objects.filter(
                external_id__startswith="DEMO-L-", status=LeadStatus.ROUTED
            )
            assert waiting.exists()
            timers = SlaTimer.objects.filter(
                lead__in=waiting, kind=TimerKind.ACCEPT, state=TimerState.RUNNING
            )
            assert timers.exists()
            # The replay swept up to now: nothing is overdue for the scheduler.
            assert not SlaTimer.objects.due(now).exists()
            # Notifications carry the replayed time; seeding emailed nobody.
            notes = Notification.objects.all()
            assert notes.exists() and not notes.filter(emailed_at__isnull=True).exists()
            assert notes.filter(read_at__isnull=True).exists()
            assert notes.filter(created_at__lt=now - dt.timedelta(days=3)).exists()


def check_seeding_again_adds_nothing():
    def counts():
        return (
            Lead.all_tenants.count(),
            LeadEvent.all_tenants.count(),
            SlaTimer.all_tenants.count(),
            Touch.all_tenants.filter(lead__isnull=False).count(),
            Notification.all_tenants.count(),
            AuditEvent.all_tenants.count(),
        )

    before = counts()
    out = StringIO()
    call_command("seed_demo", "--scale", "0.02", "--quiet-logins", stdout=out)
    assert counts() == before
    assert "routing: acme: 0 leads replayed" in out.getvalue()
