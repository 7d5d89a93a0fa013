"""The "My leads" inbox and the lead page of the portal and sales doors, as their users notice
them: their leads with SLA countdowns (overdue in red), accept, decline with a reason, log a
touch, why the lead came to them in plain words, and nothing of other partners or teams."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.tenancy import tenant_scope
from pipeline.choices import LeadStatus
from pipeline.models import Lead, Touch
from routing import services
from routing.choices import TimerKind, TimerState
from routing.models import LeadEvent, SlaTimer
from routing.tests.test_pages_helpers import (
    BAVARIA,
    TYROL,
    make_overdue,
    membership,
    prepare_routing,
    send,
)
from routing.views.common import remaining_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(world):
    return prepare_routing(world)


def inbox_url(door: str, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/{door}/alpha/leads/" + (f"?{query}" if query else "")


def lead_url(door: str, lead: Lead, action: str = "") -> str:
    return f"/{door}/alpha/leads/{lead.pk}/" + (f"{action}/" if action else "")


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def reload(world, lead: Lead) -> Lead:
    with tenant_scope(world.tenant):
        return Lead.objects.get(pk=lead.pk)


# --- the inbox ------------------------------------------------------------------------------------


def test_the_partner_inbox_lists_the_partners_leads_with_a_countdown(world, ready, login_as):
    ours = send(world, BAVARIA, last_name="Bayer")
    send(world, last_name="Hanseat")
    rivals = send(world, TYROL, last_name="Tiroler")
    assert ours.assigned_partner == world.partner and rivals.assigned_partner == world.other_partner

    page = body(login_as("partner_rep").get(inbox_url("portal")))
    rows = page.split('data-testid="inbox"', 1)[1]
    assert "Bayer" in rows and "Hanseat" not in rows and "Tiroler" not in rows
    assert 'data-testid="to-accept">1 to accept' in page
    clock = re.search(r'<span class="clock" data-due="([^"]+)" data-testid="countdown"', rows)
    assert clock, "a running countdown"
    assert re.search(r"\d+ h \d\d min left</span> <span class=\"muted small\">to accept", rows)
    assert "setInterval" in page  # the countdown runs live in the browser
    assert rows.count('data-testid="accept"') == 1


def test_the_rep_inbox_lists_the_reps_and_the_teams_leads_only(world, ready, login_as):
    mine = send(world, last_name="Hanseat")
    assert mine.assigned_user == world.users["rep"] and mine.assigned_team == world.orgs["team"]
    with tenant_scope(world.tenant):
        south = Lead.objects.create(
            tenant=world.tenant,
            source="api",
            last_name="Southerner",
            status=LeadStatus.ROUTED,
            route="direct",
            assigned_team=world.orgs["other_team"],
            routing_attempts=1,
        )
    rep_page = body(login_as("rep").get(inbox_url("sales")))
    assert "Hanseat" in rep_page and "Southerner" not in rep_page
    other_page = body(login_as("other_team_rep").get(inbox_url("sales")))
    assert "Southerner" in other_page and "Hanseat" not in other_page
    manager_page = body(login_as("manager").get(inbox_url("sales")))
    assert "Hanseat" in manager_page and "Southerner" not in manager_page
    only_mine = body(login_as("manager").get(inbox_url("sales", who="mine")))
    assert "Hanseat" not in only_mine
    assert south.pk


def test_an_overdue_lead_shows_red_and_is_counted(world, ready, login_as):
    lead = send(world, BAVARIA, last_name="Spaet")
    make_overdue(world, lead, minutes=75)
    page = body(login_as("partner_admin").get(inbox_url("portal")))
    assert 'class="clock overdue"' in page
    assert "overdue by 1 h 15 min" in page or "overdue by 1 h 14 min" in page
    assert 'data-testid="overdue-count">1 overdue' in page


def test_status_tabs_filter_the_inbox(world, ready, login_as):
    routed = send(world, BAVARIA, last_name="Neu")
    working = send(world, BAVARIA, last_name="Aktiv")
    with tenant_scope(world.tenant):
        services.log_touch(working, acting=membership(world, "partner_rep"), channel="call")
    client = login_as("partner_rep")
    assert "Aktiv" not in body(client.get(inbox_url("portal", status="routed")))
    tab = body(client.get(inbox_url("portal", status="working")))
    assert "Aktiv" in tab and "Neu" not in tab
    everything = body(client.get(inbox_url("portal", status="all")))
    assert "Aktiv" in everything and "Neu" in everything
    mine = body(client.get(inbox_url("portal", who="mine", status="all")))
    assert "Aktiv" in mine and "Neu" not in mine  # the touch made it the rep's
    assert body(client.get(inbox_url("portal", status="bogus", who="x")))  # falls back, no error
    assert routed.pk


def test_the_inbox_runs_the_same_queries_for_few_and_many_leads(world, ready, login_as):
    client = login_as("partner_rep")
    send(world, BAVARIA)
    client.get(inbox_url("portal"))
    with CaptureQueriesContext(connection) as few:
        client.get(inbox_url("portal"))
    for _ in range(6):
        send(world, BAVARIA)
    with CaptureQueriesContext(connection) as many:
        client.get(inbox_url("portal"))
    assert len(many) == len(few)


def test_the_countdown_words_match_the_script():
    assert remaining_text(2 * 86400 + 3 * 3600 + 59) == "2 d 3 h left"
    assert remaining_text(3600 + 5 * 60 + 7) == "1 h 05 min left"
    assert remaining_text(4 * 60 + 9) == "4 min 09 s left"
    assert remaining_text(-(12 * 60 + 3)) == "overdue by 12 min 03 s"


# --- accept, decline, touch --------------------------------------------------------------------


def test_a_partner_rep_accepts_from_the_inbox_and_returns_to_it(world, ready, login_as):
    lead = send(world, BAVARIA)
    client = login_as("partner_rep")
    back = inbox_url("portal", status="open")
    response = client.post(lead_url("portal", lead, "accept"), {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    lead = reload(world, lead)
    assert lead.status == LeadStatus.ACCEPTED and lead.assigned_user == world.users["partner_rep"]
    page = body(client.get(back))
    assert "to first touch" in page and 'data-testid="accept"' not in page
    again = client.post(lead_url("portal", lead, "accept"), follow=True)
    assert "Only a routed lead can be accepted" in body(again)


def test_next_cannot_send_the_user_elsewhere(world, ready, login_as):
    lead = send(world, BAVARIA)
    response = login_as("partner_rep").post(
        lead_url("portal", lead, "accept"), {"next": "https://evil.example/portal/alpha/leads/"}
    )
    assert response["Location"] == lead_url("portal", lead)


def test_declining_needs_a_reason_and_sends_the_lead_on(world, ready, login_as):
    lead = send(world, BAVARIA)
    client = login_as("partner_admin")
    refused = client.post(lead_url("portal", lead, "reject"), {"reason": "   "})
    assert refused.status_code == 302
    assert messages_of(refused) == ["Say why you decline the lead."]
    assert reload(world, lead).status == LeadStatus.ROUTED

    done = client.post(lead_url("portal", lead, "reject"), {"reason": "Outside our reach"})
    assert done["Location"] == inbox_url("portal")
    lead = reload(world, lead)
    # P1 was the only authorized partner and Bavaria has no direct fallback: unroutable.
    assert lead.assigned_partner is None and lead.status == LeadStatus.UNROUTABLE
    with tenant_scope(world.tenant):
        declined = LeadEvent.objects.get(lead=lead, kind="rejected")
    assert declined.detail == "Outside our reach"
    assert client.get(lead_url("portal", lead)).status_code == 404


def test_logging_a_touch_makes_the_lead_working(world, ready, login_as):
    lead = send(world, BAVARIA)
    client = login_as("partner_rep")
    response = client.post(
        lead_url("portal", lead, "touch"), {"channel": "call", "subject": "Discussed the pumps"}
    )
    assert response["Location"] == lead_url("portal", lead)
    assert messages_of(response) == [f"Call logged on {lead}."]
    lead = reload(world, lead)
    assert lead.status == LeadStatus.WORKING and lead.speed_to_lead_seconds is not None
    with tenant_scope(world.tenant):
        touch = Touch.objects.get(lead=lead)
        assert touch.subject == "Discussed the pumps" and touch.actor_partner == world.partner
        assert not SlaTimer.objects.filter(lead=lead, state=TimerState.RUNNING).exists()
    page = body(client.get(lead_url("portal", lead)))
    assert "Working" in page and "Discussed the pumps" in page
    assert 'data-testid="countdown"' not in page


def test_a_touch_in_the_future_or_before_the_lead_is_refused(world, ready, login_as):
    lead = send(world, BAVARIA)
    client = login_as("partner_rep")
    future = client.post(
        lead_url("portal", lead, "touch"), {"channel": "call", "occurred_at": "2999-01-01T10:00"}
    )
    assert messages_of(future) == ["A touch cannot be in the future."]
    past = client.post(
        lead_url("portal", lead, "touch"), {"channel": "call", "occurred_at": "2001-01-01T10:00"}
    )
    assert "a touch cannot be before that" in messages_of(past)[-1]
    bad = client.post(lead_url("portal", lead, "touch"), {"channel": "fax"})
    assert messages_of(bad)[-1].startswith("Channel:")
    with tenant_scope(world.tenant):
        assert not Touch.objects.filter(lead=lead).exists()


def test_a_touch_time_is_read_in_the_tenants_time_zone(world, ready, login_as):
    world.tenant.timezone = "Europe/Berlin"
    world.tenant.save()
    lead = send(world, BAVARIA)
    with tenant_scope(world.tenant):
        Lead.objects.filter(pk=lead.pk).update(created_at=lead.created_at.replace(year=2020))
    login_as("partner_rep").post(
        lead_url("portal", lead, "touch"), {"channel": "email", "occurred_at": "2024-07-01T14:30"}
    )
    with tenant_scope(world.tenant):
        touch = Touch.objects.get(lead=lead)
    assert touch.occurred_at.isoformat() == "2024-07-01T12:30:00+00:00"


# --- denials --------------------------------------------------------------------------------------


def test_a_partner_cannot_open_or_act_on_another_partners_lead(world, ready, login_as):
    lead = send(world, TYROL)  # the rival's
    client = login_as("partner_rep")
    assert client.get(lead_url("portal", lead)).status_code == 404
    for action, data in (
        ("accept", {}),
        ("reject", {"reason": "x"}),
        ("touch", {"channel": "call"}),
    ):
        assert client.post(lead_url("portal", lead, action), data).status_code == 404
    lead2 = reload(world, lead)
    assert (lead2.status, lead2.assigned_partner) == (LeadStatus.ROUTED, world.other_partner)


def test_a_rep_cannot_accept_a_lead_of_another_team(world, ready, login_as):
    lead = send(world)  # team North's rep
    assert login_as("other_team_rep").post(lead_url("sales", lead, "accept")).status_code == 404
    assert reload(world, lead).status == LeadStatus.ROUTED


def test_a_manager_sees_but_cannot_accept_another_teams_lead(world, ready, login_as):
    with tenant_scope(world.tenant):
        lead = Lead.objects.create(
            tenant=world.tenant,
            source="api",
            last_name="Southerner",
            status=LeadStatus.ROUTED,
            route="direct",
            assigned_team=world.orgs["other_team"],
            routing_attempts=1,
        )
    client = login_as("manager")
    page = body(client.get(lead_url("sales", lead)))
    assert "only they can accept or decline it" in page and 'data-testid="accept"' not in page
    response = client.post(lead_url("sales", lead, "accept"))
    assert messages_of(response) == ["This lead is not assigned to you."]
    assert reload(world, lead).status == LeadStatus.ROUTED


def test_actions_are_posts_only(world, ready, login_as):
    lead = send(world, BAVARIA)
    assert login_as("partner_rep").get(lead_url("portal", lead, "accept")).status_code == 405


# --- the lead page --------------------------------------------------------------------------------


def test_the_lead_page_says_why_the_lead_came_to_the_partner(world, ready, login_as):
    lead = send(world, BAVARIA, message="Need 40 pumps by May", last_name="Bayer")
    page = body(login_as("partner_rep").get(lead_url("portal", lead)))
    story = page.split('data-testid="routing-story"', 1)[1].split("</section>")[0]
    assert "Routed to <b>your company</b>" in story
    assert "Bavaria to partners" in story and "Authorized distributors serve Bavaria." in story
    assert "Need 40 pumps by May" in page
    timeline = page.split('data-testid="timeline"', 1)[1].split("</ol>")[0]
    assert "Received" in timeline and "Routed to your company" in timeline
    assert 'data-testid="accept"' in page and "Log a touch" in page


def test_the_rep_reads_the_team_and_rule(world, ready, login_as):
    lead = send(world, last_name="Hanseat")
    page = body(login_as("rep").get(lead_url("sales", lead)))
    story = page.split('data-testid="routing-story"', 1)[1].split("</section>")[0]
    assert "rep@alpha.test (Direct North)" in story
    assert "Default" in story and "Direct North takes everything else." in story


def test_a_partner_never_reads_another_partners_steps(world, ready, login_as):
    """The rival got the lead first and declined it; an admin then gave it to P1 by hand."""
    lead = send(world, TYROL)
    with tenant_scope(world.tenant):
        services.reject_lead(
            lead,
            acting=membership(world, "rival_partner_admin"),
            reason="Secret reason zzrivalleak",
        )
        lead.refresh_from_db()
        assert lead.status == LeadStatus.UNROUTABLE
        services.reassign_lead(lead, acting=membership(world, "admin"), partner=world.partner)
    page = body(login_as("partner_rep").get(lead_url("portal", lead)))
    for leak in ("zzrivalleak", "Rival Supply", "Tyrol to the rival", "admin@alpha.test"):
        assert leak not in page, leak
    story = page.split('data-testid="routing-story"', 1)[1].split("</section>")[0]
    assert "by hand by the manufacturer" in story
    assert "Assigned to your company by hand" in page


def test_a_rule_naming_another_partner_is_not_named_to_the_partner(world, ready, login_as):
    rival_lead = send(world, TYROL)
    with tenant_scope(world.tenant):
        Lead.objects.filter(pk=rival_lead.pk).update(assigned_partner=world.partner)
    page = body(login_as("partner_rep").get(lead_url("portal", rival_lead)))
    assert "Tyrol to the rival" not in page and "valleys" not in page
    assert "The manufacturer's routing rules decided it." in page
    admin_view = body(login_as("manager").get(lead_url("sales", rival_lead)))
    assert "Tyrol to the rival" in admin_view


def test_a_lead_the_partner_submitted_that_went_elsewhere_shows_its_status_only(
    world, ready, login_as
):
    lead = send(world, submitted_by_partner=world.partner, last_name="Weitergabe")
    assert lead.route == "direct"
    page = body(login_as("partner_rep").get(lead_url("portal", lead)))
    assert 'data-testid="handled-by"' in page and "the manufacturer&#x27;s sales team" in page
    assert "Routed, waiting for acceptance" in page
    assert "rep@alpha.test" not in page and "Direct North" not in page
    assert 'data-testid="timeline"' not in page and 'data-testid="accept"' not in page
    response = login_as("partner_rep").post(lead_url("portal", lead, "accept"))
    assert messages_of(response) == ["This lead is not assigned to you."]


def test_the_accept_clock_is_shown_until_accepted_then_the_touch_clock(world, ready, login_as):
    lead = send(world, BAVARIA)
    client = login_as("partner_rep")
    assert "to accept" in body(client.get(lead_url("portal", lead)))
    with tenant_scope(world.tenant):
        services.accept_lead(lead, acting=membership(world, "partner_rep"))
        touch_timer = SlaTimer.objects.get(lead=lead, kind=TimerKind.FIRST_TOUCH)
    page = body(client.get(lead_url("portal", lead)))
    assert "to first touch" in page
    assert touch_timer.due_at.strftime("%Y-%m-%d %H:%M") in page
