"""The account and contact pages of the three front doors, as their users notice them: which rows
each person sees, how the filters narrow them, what "Export CSV" downloads, and that odd input is
a normal page or a 4xx, never a server error.

The `world` fixture (tests/world.py) gives one account, contact, opportunity and touch per owner:
a direct rep's (team North), another team's rep's (South), partner P1's and rival partner P2's.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import (
    Account,
    AccountDomain,
    AccountProductLine,
    Contact,
    ProductLine,
    Segment,
    Tier,
)
from accounts.tests.factories import AccountFactory, ContactFactory

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


def url(persona: str, page: str) -> str:
    return f"/{DOOR[persona]}/alpha/{page}"


def body(response) -> str:
    return response.content.decode()


def csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="')
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def shown_accounts(response) -> list[str]:
    """Account names in the list's table, in order."""
    assert response.status_code == 200
    return re.findall(r'<td><a href="/\w+/alpha/accounts/\d+/">([^<]+)</a>', body(response))


def names(world, *keys: str) -> set[str]:
    return {world.customers[key].name for key in keys}


# --- who sees what ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("admin", {"rep", "other_team", "partner", "other_partner"}),
        ("manager", {"rep", "other_team", "partner", "other_partner"}),
        ("rep", {"rep"}),
        ("other_team_rep", {"other_team"}),
        ("partner_admin", {"partner"}),
        ("partner_rep", {"partner"}),
        ("rival_partner_admin", {"other_partner"}),
    ],
)
def test_each_person_sees_exactly_their_accounts_in_list_and_export(
    world, login_as, persona, visible
):
    client = login_as(persona)
    assert set(shown_accounts(client.get(url(persona, "accounts/")))) == names(world, *visible)
    exported = csv_rows(client.get(url(persona, "accounts/export/")))
    assert {row["name"] for row in exported} == names(world, *visible)


def test_a_rep_also_sees_accounts_owned_by_their_team(world, login_as):
    team_account = AccountFactory.create(tenant=world.tenant, name="Team North pool account")
    team_account.owner_team = world.orgs["team"]
    team_account.save()
    AccountFactory.create(
        tenant=world.tenant, name="South pool account", owner_team=world.orgs["other_team"]
    )
    shown = shown_accounts(login_as("rep").get("/sales/alpha/accounts/"))
    assert "Team North pool account" in shown
    assert "South pool account" not in shown


def test_partner_users_see_no_owner_filters_or_direct_teams(world, login_as):
    page = body(login_as("partner_rep").get("/portal/alpha/accounts/"))
    assert 'name="owner_partner"' not in page and 'name="owner_user"' not in page
    assert "Direct North" not in page


def test_the_navigation_of_every_door_leads_to_the_customer_pages(world, login_as):
    for persona in ("admin", "rep", "partner_admin"):
        page = body(login_as(persona).get(url(persona, "")))
        pipeline = page.split('<ul aria-labelledby="nav-pipeline">', 1)[1].split("</ul>", 1)[0]
        labels = re.findall(r'<li><a href="[^"]+"[^>]*>([^<]+)</a></li>', pipeline)
        expected = ["Accounts", "Contacts", "Opportunities", "Deal registrations"]
        if persona == "admin":  # the console's report and adjudication queue
            expected += ["Conflict rate", "Conflicts to adjudicate"]
        assert labels == expected, persona


# --- filters and search ----------------------------------------------------------------------


@pytest.fixture
def catalogued(world):
    """Give the world's accounts distinct tiers, segments, places, lifecycles and domains."""
    a = world.tenant
    strategic, mining = Tier.all_tenants.get(tenant=a), Segment.all_tenants.get(tenant=a)
    rep, partner = world.customers["rep"], world.customers["partner"]
    rep.tier, rep.segment, rep.lifecycle, rep.named_account = strategic, mining, "customer", True
    rep.legal_name = "Northwind Mining GmbH"
    rep.save()
    partner.country, partner.region, partner.city = "FI", "FI-18", "Espoo"
    partner.save()
    AccountDomain.all_tenants.create(tenant=a, account=partner, domain="kaivos.example")
    return world


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tier=strategic", {"rep"}),
        ("segment=mining", {"rep"}),
        ("country=FI", {"partner"}),
        ("region=FI-18", {"partner"}),
        ("country=DE", {"rep", "other_team", "other_partner"}),
        ("lifecycle=customer", {"rep"}),
        ("named_account=true", {"rep"}),
        ("named_account=false", {"other_team", "partner", "other_partner"}),
        ("q=northwind", {"rep"}),  # legal name
        ("q=kaivos", {"partner"}),  # domain
        ("q=Account+other", {"other_team", "other_partner"}),  # every word must match
        ("tier=strategic&country=FI", set()),
    ],
)
def test_filters_narrow_the_list_and_the_export_alike(catalogued, login_as, query, expected):
    admin = login_as("admin")
    assert set(shown_accounts(admin.get(f"/console/alpha/accounts/?{query}"))) == names(
        catalogued, *expected
    )
    exported = csv_rows(admin.get(f"/console/alpha/accounts/export/?{query}"))
    assert {row["name"] for row in exported} == names(catalogued, *expected)


def test_owner_filters(world, login_as):
    admin = login_as("admin")
    by_user = admin.get(f"/console/alpha/accounts/?owner_user={world.users['rep'].pk}")
    assert set(shown_accounts(by_user)) == names(world, "rep")
    by_partner = admin.get(f"/console/alpha/accounts/?owner_partner={world.partner.pk}")
    assert set(shown_accounts(by_partner)) == names(world, "partner")
    by_team = admin.get(f"/console/alpha/accounts/?owner_team={world.orgs['other_team'].pk}")
    assert set(shown_accounts(by_team)) == names(world, "other_team")


def test_an_id_outside_the_viewers_rows_finds_nothing(world, login_as):
    """Filtering by the rival partner's id narrows P1's own rows: nothing, not P2's accounts."""
    page = login_as("partner_admin").get(
        f"/portal/alpha/accounts/?owner_partner={world.other_partner.pk}&owner_user=1"
    )
    assert set(shown_accounts(page)) == names(world, "partner")  # owner filters are not offered
    contacts = login_as("partner_admin").get(
        f"/portal/alpha/contacts/?account={world.customers['other_partner'].pk}"
    )
    assert "zzrivalleak" not in body(contacts)
    assert "0 contacts" in body(contacts)


def test_the_filter_bar_offers_the_tenants_values(catalogued, login_as):
    page = body(login_as("admin").get("/console/alpha/accounts/"))
    assert '<option value="strategic">Strategic</option>' in page
    assert '<option value="FI">Finland (FI)</option>' in page
    assert "Beta Tier" not in page  # the other tenant's tier of the same key


# --- export ----------------------------------------------------------------------------------


def test_export_has_every_filtered_row_of_every_page(world, login_as):
    for i in range(62):
        AccountFactory.create(tenant=world.tenant, name=f"Fleet {i:03d}", country="NO")
    AccountFactory.create(tenant=world.tenant, name="Fleet in Sweden", country="SE")
    admin = login_as("admin")
    first = admin.get("/console/alpha/accounts/?country=NO")
    assert len(shown_accounts(first)) == 50
    assert "62 accounts match the filters" in body(first)
    assert len(shown_accounts(admin.get("/console/alpha/accounts/?country=NO&page=2"))) == 12
    # The export link carries the filters, not the page.
    assert 'href="/console/alpha/accounts/export/?country=NO"' in body(first)
    exported = csv_rows(admin.get("/console/alpha/accounts/export/?country=NO&page=2"))
    assert [row["name"] for row in exported] == [f"Fleet {i:03d}" for i in range(62)]


def test_export_neutralises_spreadsheet_formulas(world, login_as):
    AccountFactory.create(
        tenant=world.tenant, name='=HYPERLINK("http://evil.example","x")', city="@SUM(1)"
    )
    AccountFactory.create(tenant=world.tenant, name="-2+3", city="+Munich")
    rows = {
        r["name"]: r for r in csv_rows(login_as("admin").get("/console/alpha/accounts/export/"))
    }
    assert rows['\'=HYPERLINK("http://evil.example","x")']["city"] == "'@SUM(1)"
    assert rows["'-2+3"]["city"] == "'+Munich"


def test_contacts_export_follows_the_filters(world, login_as):
    account = world.customers["rep"]
    ContactFactory.create(
        tenant=world.tenant, account=account, last_name="Keller", buying_role="procurement"
    )
    rep = login_as("rep")
    rows = csv_rows(rep.get(f"/sales/alpha/contacts/export/?account={account.pk}"))
    assert {r["last_name"] for r in rows} == {"Contact zzteamnorth zzdirectonly", "Keller"}
    rows = csv_rows(rep.get("/sales/alpha/contacts/export/?buying_role=procurement"))
    assert [r["last_name"] for r in rows] == ["Keller"]
    assert rows[0]["account"] == account.name


# --- contacts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("admin", {"rep", "other_team", "partner", "other_partner"}),
        ("rep", {"rep"}),
        ("partner_rep", {"partner"}),
        ("rival_partner_admin", {"other_partner"}),
    ],
)
def test_contacts_list_shows_contacts_of_visible_accounts(world, login_as, persona, visible):
    page = body(login_as(persona).get(url(persona, "contacts/")))
    for key in {"rep", "other_team", "partner", "other_partner"}:
        contact = Contact.all_tenants.get(tenant=world.tenant, external_id=f"CON-{key}")
        assert (contact.last_name in page) == (key in visible), (persona, key)


def test_contacts_search_and_filters(world, login_as):
    account = world.customers["rep"]
    ContactFactory.create(
        tenant=world.tenant,
        account=account,
        first_name="Greta",
        last_name="Lindqvist",
        email="greta@northwind.example",
        buying_role="decision_maker",
    )
    ContactFactory.create(
        tenant=world.tenant, account=world.customers["other_team"], first_name="Greta"
    )
    admin = login_as("admin")
    for query in (
        "q=lindqvist",
        "q=greta+lindqvist",
        "q=northwind.example",
        "buying_role=decision_maker",
    ):
        page = body(admin.get(f"/console/alpha/contacts/?{query}"))
        assert "Lindqvist" in page and "1 contact match" in page, query
    chip = body(admin.get(f"/console/alpha/contacts/?account={account.pk}&q=greta"))
    assert "Lindqvist" in chip and f'Account: <span class="chip">{account.name}' in chip
    assert "1 contact match" in chip


# --- the account page ------------------------------------------------------------------------


def test_account_page_shows_facts_domains_product_lines_and_contacts(catalogued, login_as):
    account = catalogued.customers["rep"]
    AccountDomain.all_tenants.create(
        tenant=catalogued.tenant, account=account, domain="northwind.example"
    )
    line = ProductLine.all_tenants.get(tenant=catalogued.tenant, code="hydraulics")
    AccountProductLine.all_tenants.create(
        tenant=catalogued.tenant, account=account, product_line=line, relation="installed"
    )
    response = login_as("rep").get(f"/sales/alpha/accounts/{account.pk}/")
    assert response.status_code == 200
    page = body(response)
    assert f"<h1>{account.name}</h1>" in page
    assert "Northwind Mining GmbH" in page and "Mining" in page and "Strategic" in page
    assert "northwind.example" in page
    assert "Hydraulics" in page and "installed base" in page
    assert "Contact zzteamnorth zzdirectonly" in page
    assert 'id="opportunities"' in page and 'id="timeline"' in page  # pipeline's sections


@pytest.mark.parametrize(
    ("persona", "account", "status"),
    [
        ("rep", "other_team", 404),
        ("partner_admin", "other_partner", 404),
        ("partner_admin", "rep", 404),
        ("rival_partner_admin", "other_partner", 200),
        ("manager", "partner", 200),
    ],
)
def test_an_account_outside_the_viewers_rows_is_not_found(
    world, login_as, persona, account, status
):
    pk = world.customers[account].pk
    assert login_as(persona).get(url(persona, f"accounts/{pk}/")).status_code == status


# --- odd input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "owner_user=abc",
        "owner_partner=99999999999999999999999",
        "owner_team=-1",
        "tier=no-such-tier",
        "country=XX",
        "lifecycle=%00",
        "q=abc%00def",
        "region=" + "x" * 5000,
    ],
)
@pytest.mark.parametrize("page", ["accounts/", "accounts/export/"])
def test_invalid_filters_are_a_400_and_show_nothing(world, login_as, page, query):
    response = login_as("admin").get(f"/console/alpha/{page}?{query}")
    assert response.status_code == 400
    text = body(response)
    assert "Account rep" not in text
    if page == "accounts/":
        assert "not valid" in text and "Export CSV" not in text


@pytest.mark.parametrize(
    "query",
    [
        "page=999999999999",
        "page=abc",
        "page=%00",
        "page=-3",
        "named_account=maybe",
        "q=" + "a" * 3000,
    ],
)
def test_odd_but_harmless_values_are_a_normal_page(world, login_as, query):
    assert login_as("admin").get(f"/console/alpha/accounts/?{query}").status_code == 200


@pytest.mark.parametrize(
    "query",
    ["account=zz", "account=0", "buying_role=ceo", "q=%00"],
)
def test_invalid_contact_filters_are_a_400(world, login_as, query):
    for page in ("contacts/", "contacts/export/"):
        assert login_as("admin").get(f"/console/alpha/{page}?{query}").status_code == 400


@pytest.mark.parametrize("pk", ["0", "99999999999999999999999999", "9223372036854775808"])
def test_impossible_account_ids_are_not_found(world, login_as, pk):
    assert login_as("admin").get(f"/console/alpha/accounts/{pk}/").status_code == 404


def test_another_tenants_account_id_is_not_found(world, login_as):
    beta_account = Account.all_tenants.get(tenant=world.other_tenant)
    response = login_as("admin").get(f"/console/alpha/accounts/{beta_account.pk}/")
    assert response.status_code == 404
    assert "zzbetaleak" not in body(response)


# --- cost --------------------------------------------------------------------------------------


def test_list_pages_run_a_fixed_number_of_queries(world, login_as, django_assert_max_num_queries):
    admin = login_as("admin")
    pages = ["/console/alpha/accounts/", "/console/alpha/contacts/"]
    baseline = {}
    for page in pages:
        with CaptureQueriesContext(connection) as queries:
            assert admin.get(page).status_code == 200
        baseline[page] = len(queries)
    tier = Tier.all_tenants.get(tenant=world.tenant)
    for i in range(70):
        account = AccountFactory.create(
            tenant=world.tenant,
            tier=tier,
            owner_user=world.users["rep"],
            owner_team=world.orgs["team"],
        )
        AccountDomain.all_tenants.create(
            tenant=world.tenant, account=account, domain=f"d{i}.example"
        )
        ContactFactory.create(tenant=world.tenant, account=account)
    for page in pages:
        with django_assert_max_num_queries(baseline[page]):
            response = admin.get(page)
        assert response.status_code == 200
    assert len(shown_accounts(admin.get(pages[0]))) == 50


def test_the_export_is_streamed_after_the_requests_tenant_scope_has_ended(world):
    """The download is iterated after the view returned: each chunk re-enters the tenant scope,
    prefetches included, and rows keep the list's order across chunks."""
    from core.csvexport import csv_response
    from core.tenancy import ScopeError, tenant_scope

    AccountDomain.all_tenants.create(
        tenant=world.tenant, account=world.customers["rep"], domain="north.example"
    )
    columns = [
        ("name", lambda a: a.name),
        ("domains", lambda a: " ".join(d.domain for d in a.domains.all())),
    ]
    with tenant_scope(world.tenant):
        rows = Account.objects.prefetch_related("domains").order_by("-name")
        response = csv_response(rows, columns, "accounts.csv", chunk_size=3)
    content = cast(Iterator[bytes], response.streaming_content)  # a sync response
    text = b"".join(content).decode("utf-8-sig")  # no scope active here
    exported = list(csv.DictReader(io.StringIO(text)))
    assert [r["name"] for r in exported] == sorted(names(world, *world.customers), reverse=True)
    assert {r["domains"] for r in exported} == {"", "north.example"}
    with pytest.raises(ScopeError):
        csv_response(Account.objects.all(), columns, "accounts.csv")
