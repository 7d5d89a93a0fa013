"""Lead ops on the home pages, as each role notices it: leads to accept (their own, their
company's, their team's; never another partner's), SLA clocks running out first, and for RevOps
admins the leads nobody could route and the duplicates to review; each item a link to the list
where the work is done, and the week's figures."""

from __future__ import annotations

import pytest
from django.utils import timezone

from core.tenancy import tenant_scope
from pipeline.choices import LeadStatus
from routing.models import DuplicateCandidate, Notification
from routing.tests.factories import LeadFactory
from routing.tests.test_pages_helpers import BAVARIA, TYROL, make_overdue, prepare_routing, send
from tenancy.tests.home_helpers import Work, changes_on, figures_on, home_page, queue_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def leads(world):
    """Two Bavarian leads for the first partner, one Tyrolean for the rival, three Hamburg leads
    for the rep of team North."""
    prepare_routing(world)
    return {
        "partner": [send(world, BAVARIA), send(world, BAVARIA)],
        "rival": [send(world, TYROL)],
        "rep": [send(world), send(world), send(world)],
    }


def work(client, door: str) -> dict[str, Work]:
    return {w.label: w for w in queue_on(home_page(client, door))}


def test_each_partner_sees_its_own_leads_to_accept_only(world, leads, login_as):
    ours = work(login_as("partner_rep"), "portal")
    rivals = work(login_as("rival_partner_admin"), "portal")

    assert ours["Leads to accept"].count == 2
    assert rivals["Leads to accept"].count == 1
    assert ours["Leads to accept"].url == "/portal/alpha/leads/?status=routed"


def test_a_rep_and_the_manager_see_the_teams_leads_and_another_team_none(world, leads, login_as):
    assert work(login_as("rep"), "sales")["Leads to accept"].count == 3
    assert work(login_as("manager"), "sales")["Leads to accept"].count == 3
    assert "Leads to accept" not in work(login_as("other_team_rep"), "sales")


def test_a_queue_item_leads_to_the_list_where_the_work_is_done(world, leads, login_as):
    client = login_as("partner_rep")
    item = work(client, "portal")["Leads to accept"]

    response = client.get(item.url)

    assert response.status_code == 200
    listed = response.content.decode()
    for lead in leads["partner"]:
        assert lead.last_name in listed
    assert leads["rival"][0].last_name not in listed


def test_sla_clocks_running_out_come_first_and_are_urgent(world, leads, login_as):
    make_overdue(world, leads["partner"][0])

    queue = queue_on(home_page(login_as("partner_admin"), "portal"))

    assert queue[0].label == "SLA clocks running out"
    assert queue[0].urgent and queue[0].count == 1
    assert "1 overdue" in queue[0].hint
    assert queue[0].url == "/portal/alpha/leads/?status=open"
    # The rival's clock is not ours to see.
    make_overdue(world, leads["rival"][0])
    assert work(login_as("partner_admin"), "portal")["SLA clocks running out"].count == 1


def test_the_console_lists_unroutable_leads_duplicates_and_breaches(world, leads, login_as):
    with tenant_scope(world.tenant):
        LeadFactory(tenant=world.tenant, status=LeadStatus.UNROUTABLE, processed_at=timezone.now())
        a, b = leads["rep"][:2]
        DuplicateCandidate.objects.create(tenant=world.tenant, lead=a, other_lead=b, score=7.5)
        pending = DuplicateCandidate.objects.filter(status="pending").count()
    make_overdue(world, leads["rival"][0])
    client = login_as("admin")

    queue = queue_on(home_page(client, "console"))
    found = {w.label: w for w in queue}

    assert queue[0].label == "SLA clocks running out" and queue[0].urgent
    assert found["SLA clocks running out"].url == "/console/alpha/sla/"
    assert found["Leads nobody could route"].count == 1
    assert found["Leads nobody could route"].url == "/console/alpha/leads/?status=unroutable"
    assert found["Possible duplicates to review"].count == pending
    assert found["Possible duplicates to review"].url == "/console/alpha/duplicates/"
    listed = client.get(found["Leads nobody could route"].url).content.decode()
    assert "1 lead" in listed or "No one to route to" in listed


def test_the_weeks_figures_count_what_the_viewer_may_see(world, leads, login_as):
    console = figures_on(home_page(login_as("admin"), "console"))
    portal = figures_on(home_page(login_as("partner_rep"), "portal"))

    assert console["Leads received this week"][0] == "6"
    assert console["Leads routed this week"][0] == "6"
    assert portal["Leads routed to your company this week"][0] == "2"
    assert portal["SLA attainment this week"][0] == "—"


def test_since_the_last_visit_a_rep_reads_what_came_to_them(world, leads, login_as):
    rep = login_as("rep")
    changes = changes_on(home_page(rep, "sales"))

    # A few of a kind are listed one by one, newest first; more are summed up in one line.
    names = [str(lead) for lead in reversed(leads["rep"])]
    assert [c for c in changes if c.startswith("New lead")] == [f"New lead: {n}" for n in names]
    assert "The rules of engagement changed (version 1)" in changes
    send(world)
    with tenant_scope(world.tenant):
        assert Notification.objects.filter(user=world.users["rep"]).count() == 4
    changes = changes_on(home_page(rep, "sales"))
    assert "4 new leads routed to you" in changes
    assert not [c for c in changes if c.startswith("New lead")]


def test_a_partner_reads_where_its_submitted_lead_went(world, login_as):
    prepare_routing(world)
    with tenant_scope(world.tenant):
        lead = LeadFactory(
            tenant=world.tenant,
            submitted_by_partner=world.partner,
            submitted_by_user=world.users["partner_admin"],
            last_name="Submitted",
        )
    from routing.tests.test_pages_helpers import process

    process(world, lead)

    changes = changes_on(home_page(login_as("partner_admin"), "portal"))

    assert any("Submitted" in c and "went to" in c for c in changes), changes
    assert not any("Direct North" in c for c in changes)


@pytest.mark.parametrize(
    ("persona", "door"),
    [("admin", "console"), ("manager", "sales"), ("rep", "sales"), ("partner_admin", "portal")],
)
def test_the_home_page_costs_the_same_few_queries_with_more_leads(
    world, leads, login_as, persona, door
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login_as(persona)
    home_page(client, door)
    with CaptureQueriesContext(connection) as few:
        home_page(client, door)
    for _ in range(4):
        send(world, BAVARIA)
        send(world)
    with CaptureQueriesContext(connection) as more:
        home_page(client, door)

    # The frame (session, membership, the visit) and a query or two for each app's queue,
    # figures and changes (nine apps contribute; the governance review's decisions and
    # sign-offs two of them); what matters is that more leads cost none more.
    assert len(more) == len(few) <= 32, [q["sql"] for q in more]
