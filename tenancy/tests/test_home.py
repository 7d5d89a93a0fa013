"""The home pages of the three doors as their users notice them: what waits for them (urgent
first, each a link), the figures of their role, and what changed since their last visit, which a
reload does not wipe. Apps fill them through tenancy/worklist.py without editing the templates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.tenancy import tenant_scope
from tenancy import worklist
from tenancy.models import HomeVisit
from tenancy.services import VISIT_WINDOW, record_home_visit
from tenancy.tests.home_helpers import changes_on, home_page, queue_on
from tenancy.worklist import Change, QueueItem

pytestmark = pytest.mark.django_db

DOOR_OF = {"admin": "console", "manager": "sales", "rep": "sales", "partner_admin": "portal"}


@pytest.mark.parametrize("persona", sorted(DOOR_OF))
def test_an_empty_tenant_says_plainly_that_nothing_waits(world, login_as, persona):
    page = home_page(login_as(persona), DOOR_OF[persona])

    assert "Waiting for you" in page
    assert 'data-testid="queue-empty">Nothing waiting.' in page
    assert "Since your last visit" in page
    # No promises of pages that do not exist.
    assert "appear in the navigation as they are enabled" not in page
    assert "shared scorecard" not in page


def test_the_portal_home_names_the_partner_and_its_tier(world, login_as):
    page = home_page(login_as("partner_rep"), "portal")

    assert f'data-testid="partner-name">{world.partner.name}<' in page
    assert "Gold partner of Alpha Machines" in page


def test_the_sales_home_names_the_team(world, login_as):
    page = home_page(login_as("rep"), "sales")

    assert 'data-testid="team-name">Direct North<' in page


# --- the registry ---------------------------------------------------------------------------------


@pytest.fixture
def registered(monkeypatch):
    """Register providers for the duration of one test (the registry's lists are restored)."""

    def register(kind: str, door: str, fn) -> None:
        registry: dict[str, list] = worklist._QUEUES if kind == "queue" else worklist._CHANGES
        monkeypatch.setitem(registry, door, [*registry[door], fn])

    return register


def test_a_provider_registered_by_an_app_shows_on_the_home_page_urgent_first(
    world, login_as, registered
):
    def deals(request):
        yield QueueItem("Deal registrations to approve", 4, "/sales/alpha/deals/", order=1)
        yield QueueItem("Nothing of this kind", 0, "/sales/alpha/none/")
        yield QueueItem("Protection ending", 2, "/sales/alpha/deals/?ending=1", urgent=True)

    registered("queue", "sales", deals)

    work = queue_on(home_page(login_as("manager"), "sales"))

    assert [(w.label, w.count, w.urgent) for w in work] == [
        ("Protection ending", 2, True),
        ("Deal registrations to approve", 4, False),
    ]
    assert work[0].url == "/sales/alpha/deals/?ending=1"


def test_the_navigation_counts_sum_queue_items_by_page(world, registered, rf):
    def waiting(request):
        yield QueueItem("A", 2, "/a/", page="sales:leads")
        yield QueueItem("B", 3, "/b/", page="sales:leads")
        yield QueueItem("C", 1, "/c/")

    registered("queue", "sales", waiting)
    request = rf.get("/sales/alpha/")
    request.door, request.tenant = "sales", world.tenant
    request.membership = world.membership("manager")
    request.user = world.users["manager"]

    with tenant_scope(world.tenant):
        counts = worklist.waiting_by_page(request)

    assert counts.get("sales:leads", 0) >= 5


# --- since the last visit -----------------------------------------------------------------------


def test_a_reload_keeps_the_last_visit_and_a_later_visit_rolls_it_over(world):
    member = world.membership("rep")
    t0 = timezone.now() - dt.timedelta(days=1)
    with tenant_scope(world.tenant):
        assert record_home_visit(acting=member, now=t0) is None  # the first visit
        assert record_home_visit(acting=member, now=t0 + dt.timedelta(minutes=5)) is None
        t1 = t0 + VISIT_WINDOW + dt.timedelta(minutes=1)
        assert record_home_visit(acting=member, now=t1) == t0  # the next visit
        assert record_home_visit(acting=member, now=t1 + dt.timedelta(minutes=29)) == t0
        t2 = t1 + dt.timedelta(hours=3)
        assert record_home_visit(acting=member, now=t2) == t1
        assert HomeVisit.objects.filter(membership=member).count() == 1


def test_changes_since_the_last_visit_survive_a_reload_and_go_once_seen(
    world, login_as, registered
):
    happened: list[dt.datetime] = []

    def changes(request, since):
        for when in happened:
            if when > since:
                yield Change(when, f"Something at {when:%H:%M:%S.%f}", "/sales/alpha/leads/")

    registered("changes", "sales", changes)
    rep = login_as("rep")
    member = world.membership("rep")
    first = home_page(rep, "sales")
    assert "Your first visit" in first
    # That visit began two hours ago; something happened 40 minutes ago.
    with tenant_scope(world.tenant):
        HomeVisit.objects.filter(membership=member).update(
            current_at=timezone.now() - dt.timedelta(hours=2)
        )
    happened.append(timezone.now() - dt.timedelta(minutes=40))

    seen = changes_on(home_page(rep, "sales"))
    assert len([c for c in seen if c.startswith("Something")]) == 1
    reloaded = changes_on(home_page(rep, "sales"))
    assert reloaded == seen  # a reload within the visit keeps the list

    # The visit that showed it began 31 minutes ago (after it happened): the next one no longer
    # lists it.
    with tenant_scope(world.tenant):
        HomeVisit.objects.filter(membership=member).update(
            current_at=timezone.now() - VISIT_WINDOW - dt.timedelta(minutes=1)
        )
    later = home_page(rep, "sales")
    assert not [c for c in changes_on(later) if c.startswith("Something")]
    assert "Your last visit began" in later


def test_each_membership_has_its_own_last_visit(world, login_as):
    home_page(login_as("rep"), "sales")
    home_page(login_as("partner_rep"), "portal")

    with tenant_scope(world.tenant):
        assert HomeVisit.objects.count() == 2
        mine = HomeVisit.objects.visible_to(world.membership("rep"))
        assert [v.membership_id for v in mine] == [world.membership("rep").pk]


# --- cost ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", sorted(DOOR_OF))
def test_the_home_page_takes_a_bounded_number_of_queries(world, login_as, persona):
    client = login_as(persona)
    home_page(client, DOOR_OF[persona])  # the first visit creates its row

    with CaptureQueriesContext(connection) as queries:
        home_page(client, DOOR_OF[persona])

    assert len(queries) <= 30, [q["sql"] for q in queries]
