"""The navigation by job, as its users see it: the same groups in the same order in all three
doors, a group a door has no page in left out, and the count of work waiting beside the page where
it is done (tenancy/worklist.py), next to the unread notifications it never repeats."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest

from core.tenancy import tenant_scope
from routing.models import Notification
from tenancy import worklist
from tenancy.navigation import GROUPS, Page, nav_groups, register_pages
from tenancy.worklist import QueueItem

pytestmark = pytest.mark.django_db

DOOR_OF = {
    "admin": "console",
    "manager": "sales",
    "rep": "sales",
    "partner_admin": "portal",
    "partner_rep": "portal",
}
HEADING = re.compile(r'<p class="nav-heading" id="nav-(?P<key>[a-z]+)">(?P<label>[^<]+)</p>')
LINK = re.compile(r'<li><a href="(?P<url>[^"]+)"[^>]*>(?P<label>[^<]+)(?P<rest>.*?)</a></li>')
BADGE = re.compile(r'<span class="badge nav-count" data-testid="(?P<kind>[a-z-]+)">(?P<n>\d+)<')


def sidebar(client, door: str) -> str:
    response = client.get(f"/{door}/alpha/")
    assert response.status_code == 200, response.status_code
    page = response.content.decode()
    return page.split('<nav class="sidenav"', 1)[1].split("</nav>", 1)[0]


def groups_on(nav: str) -> list[tuple[str, list[str]]]:
    """The groups in the sidebar, in order, each with the labels of its links ("" for the first
    group, which has no heading)."""
    found: list[tuple[str, list[str]]] = []
    for block in nav.split('<div class="nav-group">')[1:]:
        heading = HEADING.search(block)
        labels = [html.unescape(m["label"]).strip() for m in LINK.finditer(block)]
        found.append((html.unescape(heading["label"]) if heading else "", labels))
    return found


def badges_on(nav: str) -> dict[str, tuple[str, int]]:
    """Link label: (badge kind, number), for the links that carry a badge."""
    out = {}
    for link in LINK.finditer(nav):
        badge = BADGE.search(link["rest"])
        if badge:
            out[html.unescape(link["label"]).strip()] = (badge["kind"], int(badge["n"]))
    return out


def test_groups_are_declared_once_in_order_and_every_nav_page_has_one():
    keys = [g.key for g in GROUPS]
    assert keys == [
        "start",
        "pipeline",
        "leads",
        "marketing",
        "funds",
        "engagement",
        "measure",
        "governance",
        "people",
        "settings",
    ]
    for door in ("console", "sales", "portal"):
        shown = [group.key for group, _ in nav_groups(door)]
        assert shown == [k for k in keys if k in shown], door  # in the declared order
        for _group, items in nav_groups(door):
            assert [i.order for i in items] == sorted(i.order for i in items)


def test_a_page_in_the_navigation_must_name_a_known_group():
    def view(request):  # pragma: no cover - never mounted
        raise AssertionError

    with pytest.raises(ValueError, match="needs a group"):
        register_pages("console", Page("nowhere/", view, "nowhere", nav="Nowhere"))
    with pytest.raises(ValueError, match="needs a group"):
        register_pages("console", Page("nowhere/", view, "nowhere", nav="Nowhere", group="misc"))


@pytest.mark.parametrize("persona", sorted(DOOR_OF))
def test_every_door_has_the_same_shape(world, login_as, persona):
    groups = groups_on(sidebar(login_as(persona), DOOR_OF[persona]))
    headings = [label for label, _ in groups]

    # Home first, with the notifications, then the jobs in one order in every door.
    assert groups[0] == ("", ["Home", "Notifications"])
    assert headings[1:6] == [
        "Pipeline",
        "Leads",
        "Campaigns and offers",
        "Market development funds",
        "Rules of engagement",
    ]
    funds = {
        "console": [
            "MDF approvals",
            "MDF payments",
            "MDF ledger",
            "MDF budgets",
            "MDF return",
            "MDF reallocation",
        ],
        "portal": ["My MDF", "Fund requests"],
        "sales": ["Partner MDF activity"],
    }
    assert groups[4][1] == funds[DOOR_OF[persona]]
    pipeline = ["Accounts", "Contacts", "Opportunities", "Deal registrations"]
    if DOOR_OF[persona] == "console":
        pipeline += ["Conflict rate", "Conflicts to adjudicate"]
    assert groups[1][1] == pipeline
    if DOOR_OF[persona] == "console":
        assert headings[6:] == [
            "Measure",
            "Governance",
            "Partners and people",
            "Integrations and settings",
        ]
        assert groups[2][1] == ["Leads", "SLA monitor", "Duplicates", "Lead-ops settings"]
        assert groups[3][1] == [
            "Offers",
            "Campaigns",
            "Co-branding",
            "Overlap",
            "Offer conversion",
        ]
        assert groups[5][1] == [
            "Rulebook",
            "Explain",
            "Territories",
            "Partner authorizations",
            "Exceptions",
        ]
        assert groups[6][1] == ["Scorecards"]
        assert groups[7][1] == ["Governance reviews", "My review decisions", "Maturity"]
        assert groups[8][1] == ["Partners", "Teams", "Users"]
        assert groups[9][1] == [
            "Deal registration settings",
            "MDF settings",
            "Scorecard settings",
            "Imports",
            "API tokens",
            "Webhooks",
            "Audit log",
        ]
    else:
        # Groups the door has no page in are not shown at all, not even as an empty heading.
        assert headings[6:] == ["Measure", "Governance"]
        # Review extracts go to partner admins and direct managers; reps own decisions only.
        extracts = ["Governance reviews"] if persona in ("manager", "partner_admin") else []
        assert groups[7][1] == [*extracts, "My review decisions"]
        assert groups[6][1] == ["Our scorecard" if DOOR_OF[persona] == "portal" else "My scorecard"]
        assert groups[5][1] == ["Who serves whom", "Exceptions"]
        marketing = ["Offers", "Campaigns"]
        assert groups[3][1] == marketing + (
            ["My co-branding"] if DOOR_OF[persona] == "portal" else []
        ) + ["Offer results"]


def test_the_sidebar_groups_are_labelled_lists(world, login_as):
    nav = sidebar(login_as("partner_rep"), "portal")

    assert '<ul aria-labelledby="nav-pipeline">' in nav
    assert "Partners and people" not in nav
    assert "nav-people" not in nav
    assert "Submitted leads" in dict(groups_on(nav))["Leads"]


def test_the_current_page_is_marked_in_its_group(world, login_as):
    page = login_as("admin").get("/console/alpha/sla/").content.decode()
    nav = page.split('<nav class="sidenav"', 1)[1].split("</nav>", 1)[0]

    current = re.findall(r'<a href="([^"]+)" aria-current="page">', nav)
    assert current == ["/console/alpha/sla/"]


# --- counts ---------------------------------------------------------------------------------------


@pytest.fixture
def queue(monkeypatch) -> Callable[[str, Callable], None]:
    """Register a queue provider for one test only (the registry's lists are restored after)."""

    def register(door: str, fn: Callable) -> None:
        monkeypatch.setitem(worklist._QUEUES, door, [*worklist._QUEUES[door], fn])

    return register


def test_waiting_work_is_counted_beside_the_page_where_it_is_done(world, login_as, queue):
    queue(
        "portal",
        lambda request: [
            QueueItem("Leads to accept", 3, "/x/", page="portal:leads"),
            QueueItem("Leads to touch", 2, "/y/", page="portal:leads"),
            QueueItem("Nothing waits", 0, "/z/", page="portal:lead-submissions"),
            QueueItem("Home only", 7, "/w/"),
        ],
    )
    queue("sales", lambda request: [QueueItem("Not the portal", 5, "/", page="sales:leads")])

    nav = sidebar(login_as("partner_rep"), "portal")
    badges = badges_on(nav)

    assert badges["My leads"] == ("nav-count", 5)  # summed over the queue items of the page
    assert "Submitted leads" not in badges  # nothing waiting: no badge
    assert "Accounts" not in badges
    # The number is shown; the words are for screen readers.
    assert '5</span><span class="visually-hidden"> waiting</span>' in nav


def test_the_unread_notifications_are_counted_once(world, login_as, queue):
    with tenant_scope(world.tenant):
        for n in range(2):
            Notification.objects.create(
                tenant=world.tenant, user=world.users["rep"], kind="routed", title=f"Note {n}"
            )
    # A provider that also counts on the notifications page does not add a second number.
    queue("sales", lambda request: [QueueItem("Unread", 9, "/", page="sales:notifications")])

    nav = sidebar(login_as("rep"), "sales")

    assert badges_on(nav) == {"Notifications": ("unread-count", 2)}
    assert nav.count('data-testid="unread-count"') == 1
    assert 'data-testid="nav-count"' not in nav


def test_no_badge_without_work_or_unread_notifications(world, login_as):
    nav = sidebar(login_as("admin"), "console")

    assert badges_on(nav) == {}
