"""The opportunity list and pipeline's sections of the account page (opportunities, touch
timeline), as their users notice them: rows each person may see, filters, totals, the CSV export,
the timeline newest first and coloured by route, and odd input answered without a server error.

The `world` fixture (tests/world.py) gives one opportunity and touch per owner: a direct rep's
(team North), another team's rep's (South), partner P1's and rival partner P2's.
"""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pipeline.models import Opportunity, Stage
from pipeline.tests.factories import OpportunityFactory, TouchFactory

pytestmark = pytest.mark.django_db

DOOR = {
    "admin": "console",
    "manager": "sales",
    "rep": "sales",
    "other_team_rep": "sales",
    "partner_admin": "portal",
    "partner_rep": "portal",
    "rival_partner_admin": "portal",
}
EVERY = {"rep", "other_team", "partner", "other_partner"}


def url(persona: str, page: str) -> str:
    return f"/{DOOR[persona]}/alpha/{page}"


def body(response) -> str:
    return response.content.decode()


def deals(world, *keys: str) -> set[str]:
    """Names of the world's opportunities of these owners."""
    external_ids = [f"OPP-{key}" for key in keys]
    rows = Opportunity.all_tenants.filter(tenant=world.tenant, external_id__in=external_ids)
    return set(rows.values_list("name", flat=True))


def shown_deals(response) -> set[str]:
    assert response.status_code == 200, response.status_code
    rows = re.findall(r"<tr>\s*<td>(?:<a [^>]*>)?([^<]+)<", body(response).split("<tbody>", 1)[1])
    return {name.strip() for name in rows}


def csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def stage(world, key: str) -> Stage:
    return Stage.all_tenants.get(tenant=world.tenant, key=key)


# --- the opportunity list --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("admin", EVERY),
        ("manager", EVERY),
        ("rep", {"rep"}),
        ("other_team_rep", {"other_team"}),
        ("partner_admin", {"partner"}),
        ("partner_rep", {"partner"}),
        ("rival_partner_admin", {"other_partner"}),
    ],
)
def test_each_person_sees_exactly_their_opportunities_in_list_and_export(
    world, login_as, persona, visible
):
    client = login_as(persona)
    assert shown_deals(client.get(url(persona, "opportunities/"))) == deals(world, *visible)
    exported = csv_rows(client.get(url(persona, "opportunities/export/")))
    assert {row["name"] for row in exported} == deals(world, *visible)


@pytest.fixture
def varied(world):
    """Opportunities in several stages, routes, currencies and close dates."""
    a, rep, account = world.tenant, world.users["rep"], world.customers["rep"]
    common = {"tenant": a, "account": account, "owner_user": rep, "owner_team": world.orgs["team"]}
    OpportunityFactory.create(
        **common,
        name="Won excavator fleet",
        stage=stage(world, "closed-won"),
        amount=120000,
        expected_close_on=datetime.date(2026, 12, 15),
    )
    OpportunityFactory.create(
        **common,
        name="Lost loader deal",
        stage=stage(world, "closed-lost"),
        amount=30000,
        expected_close_on=datetime.date(2027, 3, 1),
    )
    OpportunityFactory.create(
        **common,
        name="Dollar pump order",
        stage=stage(world, "qualify"),
        amount=2500.50,
        currency="USD",
        expected_close_on=datetime.date(2027, 1, 20),
    )
    return world


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("stage=closed-won", {"Won excavator fleet"}),
        ("outcome=lost", {"Lost loader deal"}),
        ("outcome=open&route=direct", {"Dollar pump order", "Deal rep", "Deal other_team"}),
        ("route=partner", {"Deal partner", "Deal other_partner"}),
        ("close_from=2027-01-01", {"Lost loader deal", "Dollar pump order"}),
        ("close_from=2026-12-01&close_to=2027-01-31", {"Won excavator fleet", "Dollar pump order"}),
        ("q=pump", {"Dollar pump order"}),
        ("q=Account+other_partner", {"Deal other_partner"}),  # by account name
    ],
)
def test_filters_narrow_the_list_and_the_export_alike(varied, login_as, query, expected):
    def short(names: set[str]) -> set[str]:
        """The world's deals without their marker words ("Deal rep zz..." -> "Deal rep")."""
        return {" ".join(n.split()[:2]) if n.startswith("Deal ") else n for n in names}

    admin = login_as("admin")
    assert short(shown_deals(admin.get(f"/console/alpha/opportunities/?{query}"))) == expected
    exported = csv_rows(admin.get(f"/console/alpha/opportunities/export/?{query}"))
    assert short({row["name"] for row in exported}) == expected


def test_relation_filters(varied, login_as):
    admin = login_as("admin")
    by_partner = admin.get(f"/console/alpha/opportunities/?partner={varied.partner.pk}")
    assert shown_deals(by_partner) == deals(varied, "partner")
    by_owner = admin.get(
        f"/console/alpha/opportunities/?owner_user={varied.users['other_team_rep'].pk}"
    )
    assert shown_deals(by_owner) == deals(varied, "other_team")
    account = varied.customers["partner"]
    by_account = admin.get(f"/console/alpha/opportunities/?account={account.pk}")
    assert shown_deals(by_account) == deals(varied, "partner")
    assert f'<span class="chip">{account.name}' in body(by_account)


def test_totals_count_the_filtered_rows_and_add_amounts_per_currency(varied, login_as):
    page = body(login_as("admin").get("/console/alpha/opportunities/"))
    totals = page.split('data-testid="totals"', 1)[1].split("</div>\n</div>", 1)[0]
    assert re.search(r"Opportunities</span><span class=\"total-value\">7<", totals)
    # 4 x 50,000 + 120,000 + 30,000 in EUR; 2,500.50 in USD, never added to euros.
    assert "Amount EUR" in totals and "350,000.00" in totals
    assert "Amount USD" in totals and "2,500.50" in totals
    rep_page = body(login_as("rep").get("/sales/alpha/opportunities/?currency=x&outcome=open"))
    rep_totals = rep_page.split('data-testid="totals"', 1)[1].split("</div>\n</div>", 1)[0]
    assert "50,000.00" in rep_totals and "2,500.50" in rep_totals and "350,000" not in rep_totals


def test_partner_users_get_no_owner_or_partner_filters(world, login_as):
    page = body(login_as("partner_admin").get("/portal/alpha/opportunities/"))
    assert 'name="partner"' not in page and 'name="owner_user"' not in page
    assert "zzrivalleak" not in page


def test_a_deal_on_an_account_the_viewer_cannot_open_is_not_a_link(world, login_as):
    """A rep's own deal on another team's account: listed, but the account is not a link."""
    foreign = world.customers["other_team"]
    OpportunityFactory.create(
        tenant=world.tenant,
        account=foreign,
        stage=stage(world, "qualify"),
        name="Cross-team service deal",
        owner_user=world.users["rep"],
    )
    page = body(login_as("rep").get("/sales/alpha/opportunities/?q=cross-team"))
    assert "Cross-team service deal" in page
    assert f"/sales/alpha/accounts/{foreign.pk}/" not in page
    assert login_as("rep").get(f"/sales/alpha/accounts/{foreign.pk}/").status_code == 404


def test_export_covers_every_page_and_stays_in_the_partners_rows(world, login_as):
    for i in range(55):
        OpportunityFactory.create(
            tenant=world.tenant,
            account=world.customers["partner"],
            stage=stage(world, "discover"),
            name=f"Parts order {i:02d}",
            route="partner",
            partner=world.partner,
        )
    partner = login_as("partner_rep")
    page = partner.get("/portal/alpha/opportunities/?stage=discover")
    assert len(shown_deals(page)) == 50
    rows = csv_rows(partner.get("/portal/alpha/opportunities/export/?stage=discover&page=2"))
    assert sorted(r["name"] for r in rows) == [f"Parts order {i:02d}" for i in range(55)]
    assert "owner_user" not in rows[0]  # partner exports leave out the manufacturer's people
    everything = csv_rows(partner.get("/portal/alpha/opportunities/export/"))
    assert all(r["partner"] == world.partner.name for r in everything)
    assert len(everything) == 56


def test_export_neutralises_spreadsheet_formulas(world, login_as):
    OpportunityFactory.create(
        tenant=world.tenant,
        account=world.customers["rep"],
        stage=stage(world, "qualify"),
        name="=cmd|' /C calc'!A0",
    )
    rows = csv_rows(login_as("admin").get("/console/alpha/opportunities/export/?q=cmd"))
    assert [r["name"] for r in rows] == ["'=cmd|' /C calc'!A0"]
    assert rows[0]["amount"] == "50000.00"


# --- the account page: opportunities and the touch timeline ----------------------------------


def timeline(page: str) -> list[tuple[str, str]]:
    """(route, subject) of each touch on the timeline, top to bottom."""
    section = page.split('data-testid="timeline"', 1)[1].split("</ol>", 1)[0]
    return re.findall(
        r'<li class="touch route-(\w+)">.*?<div class="touch-subject">([^<]*)</div>', section, re.S
    )


@pytest.fixture
def touched(world):
    """Touches of every route on the rep's account, on different days."""
    account = world.customers["rep"]
    for day, route, subject, partner in [
        (3, "marketing", "Webinar: hydraulics uptime", None),
        (5, "partner", "Partner site visit", world.partner),
        (7, "direct", "Quarterly review", None),
        (9, "partner", "Rival quote", world.other_partner),
    ]:
        TouchFactory.create(
            tenant=world.tenant,
            account=account,
            route=route,
            subject=subject,
            channel="meeting",
            actor_partner=partner,
            occurred_at=datetime.datetime(2026, 11, day, 9, tzinfo=datetime.UTC),
        )
    return world


def test_account_page_shows_its_opportunities_and_a_timeline_newest_first(touched, login_as):
    account = touched.customers["rep"]
    page = body(login_as("rep").get(f"/sales/alpha/accounts/{account.pk}/"))
    opportunities = page.split('id="opportunities"', 1)[1].split("</section>", 1)[0]
    assert "Deal rep zzteamnorth zzdirectonly" in opportunities
    assert "Open: EUR 50,000.00" in opportunities
    assert f'href="/sales/alpha/opportunities/?account={account.pk}"' in opportunities
    assert timeline(page) == [
        ("partner", "Rival quote"),
        ("direct", "Quarterly review"),
        ("partner", "Partner site visit"),
        ("marketing", "Webinar: hydraulics uptime"),
        ("direct", "Visit zzteamnorth zzdirectonly"),
    ]
    assert "Monday, 9 November 2026" in page  # grouped by day


def test_the_timeline_can_keep_one_route(touched, login_as):
    account = touched.customers["rep"]
    page = body(login_as("rep").get(f"/sales/alpha/accounts/{account.pk}/?route=partner"))
    assert [route for route, _ in timeline(page)] == ["partner", "partner"]
    assert re.search(r"Partner <span class=\"muted\">2</span>", page)
    assert re.search(r"Marketing <span class=\"muted\">1</span>", page)


def test_partners_see_only_their_own_touches_on_their_account(world, login_as):
    account = world.customers["partner"]
    TouchFactory.create(
        tenant=world.tenant, account=account, route="direct", subject="Direct check-in"
    )
    TouchFactory.create(
        tenant=world.tenant,
        account=account,
        route="partner",
        subject="Rival visit",
        actor_partner=world.other_partner,
    )
    page = body(login_as("partner_rep").get(f"/portal/alpha/accounts/{account.pk}/"))
    assert timeline(page) == [("partner", "Visit zzfirstpartner")]
    admin_page = body(login_as("admin").get(f"/console/alpha/accounts/{account.pk}/"))
    assert len(timeline(admin_page)) == 3


def test_the_timeline_shows_more_on_request_and_is_capped(world, login_as):
    account = world.customers["rep"]
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    for i in range(45):
        TouchFactory.create(
            tenant=world.tenant,
            account=account,
            subject=f"Call {i:02d}",
            occurred_at=start + datetime.timedelta(hours=i),
        )
    admin = login_as("admin")
    first = body(admin.get(f"/console/alpha/accounts/{account.pk}/"))
    assert len(timeline(first)) == 20
    assert timeline(first)[1] == ("direct", "Call 44")  # after the world's November visit
    assert 'href="?touches=60#timeline">Show more' in first
    more = body(admin.get(f"/console/alpha/accounts/{account.pk}/?touches=60"))
    assert len(timeline(more)) == 46 and "Show more" not in more
    for junk in ("abc", "-5", "99999999999999999999999999", "%00"):
        response = admin.get(f"/console/alpha/accounts/{account.pk}/?touches={junk}&route={junk}")
        assert response.status_code == 200, junk
        assert 20 <= len(timeline(body(response))) <= 46


# --- odd input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "partner=abc",
        "owner_user=99999999999999999999999",
        "account=0",
        "stage=no-such-stage",
        "outcome=maybe",
        "route=%00",
        "q=%00",
        "close_from=2026-13-45",
        "close_to=99999-01-01",
    ],
)
@pytest.mark.parametrize("page", ["opportunities/", "opportunities/export/"])
def test_invalid_filters_are_a_400_and_show_nothing(world, login_as, page, query):
    response = login_as("admin").get(f"/console/alpha/{page}?{query}")
    assert response.status_code == 400
    assert "Deal rep" not in body(response)


@pytest.mark.parametrize("query", ["page=99999999999999", "page=x", "unknown=1", "q=" + "é" * 500])
def test_odd_but_harmless_values_are_a_normal_page(world, login_as, query):
    assert login_as("admin").get(f"/console/alpha/opportunities/?{query}").status_code == 200


# --- cost --------------------------------------------------------------------------------------


def test_pages_run_a_fixed_number_of_queries(world, login_as, django_assert_max_num_queries):
    account = world.customers["rep"]
    pages = ["/console/alpha/opportunities/", f"/console/alpha/accounts/{account.pk}/"]
    admin = login_as("admin")
    baseline = {}
    for page in pages:
        with CaptureQueriesContext(connection) as queries:
            assert admin.get(page).status_code == 200
        baseline[page] = len(queries)
    for i in range(60):
        opportunity = OpportunityFactory.create(
            tenant=world.tenant,
            account=account,
            stage=stage(world, "qualify"),
            partner=world.partner if i % 2 else None,
            route="partner" if i % 2 else "direct",
            owner_user=world.users["rep"],
        )
        TouchFactory.create(
            tenant=world.tenant,
            account=account,
            opportunity=opportunity,
            actor_user=world.users["rep"],
            actor_partner=world.partner if i % 2 else None,
            contact=account.contacts.model.all_tenants.filter(account=account).first(),
        )
    for page in pages:
        with django_assert_max_num_queries(baseline[page]):
            assert admin.get(page).status_code == 200
