"""The people-facing guardrails pages as their users meet them.

Console: territories with their areas, partner authorizations, the exception queue and review.
Sales and portal: the rules of engagement, requesting and withdrawing exceptions. Every door: the
route section of the account page. A partner never sees another partner's rules, corridors,
authorizations, exceptions or name.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from accounts.models import ProductLine
from core.tenancy import tenant_scope
from guardrails.choices import ExceptionStatus
from guardrails.models import (
    PartnerAuthorization,
    RuleException,
    Territory,
    TerritoryArea,
)
from guardrails.services.decisions import RECOMPUTE, recompute_routes
from guardrails.services.exception_requests import (
    DENIAL_REQUIRES,
    DISCOUNT_REQUIRES,
    request_exception,
)
from guardrails.services.pricing import save_corridor
from guardrails.services.publish import publish
from guardrails.services.registration import save_criteria
from guardrails.services.rules import save_rule
from guardrails.services.versions import create_draft
from guardrails.tests.factories import (
    PartnerAuthorizationFactory,
    TerritoryAreaFactory,
    TerritoryFactory,
)
from pipeline.models import Opportunity
from tests.world import OTHER_PARTNER_MARK, OTHER_TENANT_MARK

pytestmark = pytest.mark.django_db

RIVAL_RULE = f"Bavaria to Rival {OTHER_PARTNER_MARK}"


def body(response) -> str:
    return response.content.decode()


def in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def line_of(world) -> ProductLine:
    return ProductLine.all_tenants.get(tenant=world.tenant, code="hydraulics")


@pytest.fixture
def rulebook(world):
    """Active: 1 named accounts → team North; 2 Bavaria → the rival partner (every world account
    is in Bavaria); default → authorized partners. Corridors for hydraulics: partners 0 to 20 %,
    platinum partners 0 to 35 %, direct 0 to 10 %. Authorizations: the partner for Bavaria, the rival
    for its own territory."""
    tenant = world.tenant
    with tenant_scope(tenant):
        bavaria = TerritoryFactory(tenant=tenant, code="bavaria", name="Bavaria")
        TerritoryAreaFactory(territory=bavaria, country="DE", region="DE-BY")
        rival_land = TerritoryFactory(
            tenant=tenant, code="rival", name=f"Tyrol {OTHER_PARTNER_MARK}"
        )
        TerritoryAreaFactory(territory=rival_land, country="AT", region="AT-7")
        PartnerAuthorizationFactory(partner=world.partner, territory=bavaria)
        PartnerAuthorizationFactory(partner=world.other_partner, territory=rival_land)
        draft = create_draft(tenant, acting=world.membership("admin"))
        for data in (
            {
                "name": "Named accounts",
                "outcome": "direct",
                "target_kind": "team",
                "target_team": world.orgs["team"].pk,
                # Free text may name a team or another partner: a partner reads neither.
                "rationale": (
                    f"Named accounts stay with Direct North, never {world.other_partner.name}."
                ),
                "conditions": [{"field": "named_account", "op": "is", "value": True}],
            },
            {
                "name": RIVAL_RULE,
                "outcome": "partner",
                "target_kind": "partner",
                "target_partner": world.other_partner.pk,
                "rationale": f"{OTHER_PARTNER_MARK} stocks Bavaria.",
                "conditions": [{"field": "territory", "op": "in", "value": ["bavaria"]}],
            },
        ):
            save_rule(draft, data, acting=world.membership("admin"))
        line = line_of(world)
        for route, tier, high in (
            ("partner", "", 20),
            ("partner", "platinum", 35),
            ("direct", "", 10),
        ):
            save_corridor(
                draft,
                {
                    "product_line": line,
                    "route": route,
                    "partner_tier": tier,
                    "min_discount": 0,
                    "max_discount": high,
                },
                acting=world.membership("admin"),
            )
        save_criteria(
            draft,
            {
                "min_amount": 5000,
                "eligible_product_lines": ["hydraulics"],
                "required_fields": ["contact", "budget"],
                "protection_days": 90,
            },
            acting=world.membership("admin"),
        )
        version = publish(draft, acting=world.membership("admin"))
        recompute_routes(tenant, acting=RECOMPUTE)
    return version


# --- console: territories ------------------------------------------------------------------------


def area_post(rows: list[dict], **fields) -> dict:
    data = {
        "areas-TOTAL_FORMS": str(len(rows)),
        "areas-INITIAL_FORMS": "0",
        "areas-MIN_NUM_FORMS": "0",
        "areas-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"areas-{i}-{key}"] = value
    return data


def test_an_admin_creates_a_territory_with_areas(world, login_as):
    admin = login_as("admin")
    assert admin.get("/console/alpha/territories/new/").status_code == 200
    response = admin.post(
        "/console/alpha/territories/new/",
        area_post(
            [
                {"country": "de", "region": "by"},
                {"country": "AT", "postal_from": "60", "postal_to": "69"},
                {},
            ],
            code="south",
            name="South",
        ),
    )
    assert response.status_code == 302
    territory = Territory.all_tenants.get(tenant=world.tenant, code="south")
    assert response["Location"] == f"/console/alpha/territories/{territory.pk}/"
    assert set(
        TerritoryArea.all_tenants.filter(territory=territory).values_list("country", "region")
    ) == {("DE", "DE-BY"), ("AT", "")}
    page = body(admin.get("/console/alpha/territories/"))
    assert "South" in page and "DE-BY" in page and "AT 60–69" in page


def test_bad_area_rows_are_shown_on_their_row_and_nothing_is_saved(world, login_as):
    admin = login_as("admin")
    response = admin.post(
        "/console/alpha/territories/new/",
        area_post(
            [{"country": "DE"}, {"country": "DE", "region": "DE-XX"}, {"country": "de"}],
            code="bad",
            name="Bad",
        ),
    )
    assert response.status_code == 400
    page = body(response)
    assert "unknown region &#x27;DE-XX&#x27; for Germany" in page
    assert not Territory.all_tenants.filter(code="bad").exists()
    # Duplicates are caught by the service and named by row.
    response = admin.post(
        "/console/alpha/territories/new/",
        area_post([{"country": "DE"}, {"country": "de"}], code="dup", name="Dup"),
    )
    assert response.status_code == 400 and "Area 2: repeats area 1" in body(response)


def test_editing_archiving_and_restoring_a_territory(world, login_as):
    with tenant_scope(world.tenant):
        territory = TerritoryFactory(tenant=world.tenant, code="north", name="North")
        TerritoryAreaFactory(territory=territory, country="DK")
    admin = login_as("admin")
    url = f"/console/alpha/territories/{territory.pk}/"
    page = body(admin.get(url))
    assert 'value="DK"' in page
    data = area_post(
        [{"country": "DK", "DELETE": "on"}, {"country": "SE"}], code="north", name="Nordics"
    )
    data["areas-INITIAL_FORMS"] = "1"
    assert admin.post(url, data).status_code == 302
    assert list(TerritoryArea.all_tenants.filter(territory=territory).values_list("country")) == [
        ("SE",)
    ]
    assert admin.post(f"{url}archive/").status_code == 302
    listed = body(admin.get("/console/alpha/territories/"))
    assert "Nordics" not in listed.split("<tbody>")[1] and "Show 1 archived" in listed
    assert "Archived" in body(admin.get("/console/alpha/territories/?show=all"))
    assert admin.post(f"{url}restore/").status_code == 302
    assert Territory.all_tenants.get(pk=territory.pk).archived_at is None
    assert admin.get(url.replace(str(territory.pk), "99999999999999999999")).status_code == 404


# --- console: authorizations ---------------------------------------------------------------------


def test_authorizations_are_listed_filtered_added_and_deleted(world, rulebook, login_as):
    admin = login_as("admin")
    page = body(admin.get("/console/alpha/authorizations/"))
    assert world.partner.name in page and world.other_partner.name in page
    filtered = body(admin.get(f"/console/alpha/authorizations/?partner={world.partner.pk}"))
    assert world.partner.name in filtered and OTHER_PARTNER_MARK not in filtered.split("<tbody>")[1]
    assert admin.get("/console/alpha/authorizations/?partner=abc").status_code == 400

    bavaria = Territory.all_tenants.get(tenant=world.tenant, code="bavaria")
    form = {
        "partner": world.other_partner.pk,
        "territory": bavaria.pk,
        "product_line": line_of(world).pk,
        "valid_from": "2026-01-01",
        "valid_until": "2025-01-01",
    }
    response = admin.post("/console/alpha/authorizations/new/", form)
    assert response.status_code == 400 and "before the start date" in body(response)
    form["valid_until"] = ""
    assert admin.post("/console/alpha/authorizations/new/", form).status_code == 302
    created = PartnerAuthorization.all_tenants.get(partner=world.other_partner, territory=bavaria)
    response = admin.post("/console/alpha/authorizations/new/", form)
    assert response.status_code == 400 and f"overlaps the authorization #{created.pk}" in body(
        response
    )
    edit = f"/console/alpha/authorizations/{created.pk}/"
    assert admin.get(edit).status_code == 200
    assert admin.post(edit, {**form, "valid_until": "2027-12-31"}).status_code == 302
    created.refresh_from_db()
    assert created.valid_until == dt.date(2027, 12, 31)
    assert admin.post(f"/console/alpha/authorizations/{created.pk}/delete/").status_code == 302
    assert not PartnerAuthorization.all_tenants.filter(pk=created.pk).exists()


# --- console: exception queue and review ---------------------------------------------------------


def ask(world, persona: str, **kwargs):
    kwargs.setdefault("kind", "work_account")
    kwargs.setdefault("justification", "We have serviced them for years.")
    kwargs.setdefault("ends_on", in_days(60))
    with tenant_scope(world.tenant):
        return request_exception(acting=world.membership(persona), **kwargs)


def test_the_queue_puts_pending_first_and_marks_escalated(world, login_as):
    done = ask(world, "rep", account=world.customers["rep"])
    RuleException.all_tenants.filter(pk=done.pk).update(status=ExceptionStatus.DENIED)
    newer = ask(world, "partner_rep", account=world.customers["partner"])
    older = ask(world, "manager", account=world.customers["other_team"])
    RuleException.all_tenants.filter(pk=older.pk).update(
        created_at=timezone.now() - dt.timedelta(days=3), escalated_at=timezone.now()
    )
    page = body(login_as("admin").get("/console/alpha/exceptions/"))
    order = [int(n) for n in re.findall(r'exceptions/(\d+)/">#', page)]
    assert order == [older.pk, newer.pk, done.pk]
    assert page.count('data-testid="escalated"') == 1
    assert "2 pending" in page

    pending_only = body(login_as("admin").get("/console/alpha/exceptions/?status=pending"))
    assert f"#{done.pk}<" not in pending_only and f"#{older.pk}<" in pending_only
    assert login_as("admin").get("/console/alpha/exceptions/?kind=nope").status_code == 400


def test_an_admin_denies_with_a_comment_and_the_requester_reads_it(world, login_as):
    exc = ask(world, "partner_rep", account=world.customers["partner"])
    admin = login_as("admin")
    url = f"/console/alpha/exceptions/{exc.pk}/"
    page = body(admin.get(url))
    assert "We have serviced them for years." in page and world.customers["partner"].name in page
    # The label's "(required when denying)" is the service's declared rule (core.requirements).
    assert f'Comment <span class="muted">({DENIAL_REQUIRES[0].marker})</span>' in page
    response = admin.post(url, {"decision": "deny", "comment": ""})
    assert response.status_code == 400 and "say why the request is denied" in body(response)
    response = admin.post(url, {"decision": "deny", "comment": "The direct team owns it."})
    assert response.status_code == 302
    exc.refresh_from_db()
    assert exc.status == ExceptionStatus.DENIED
    # A second review: refused with a message, nothing changes.
    response = admin.post(url, {"decision": "approve", "comment": ""}, follow=True)
    assert "only pending requests are reviewed" in body(response)
    exc.refresh_from_db()
    assert exc.status == ExceptionStatus.DENIED

    mine = body(login_as("partner_rep").get("/portal/alpha/exceptions/"))
    assert "The direct team owns it." in mine and "Denied" in mine


def test_a_discount_request_is_shown_against_its_corridor(world, rulebook, login_as):
    opportunity = Opportunity.all_tenants.get(external_id="OPP-rep", tenant=world.tenant)
    exc = ask(
        world,
        "rep",
        kind="discount",
        account=world.customers["rep"],
        opportunity=opportunity,
        product_line="hydraulics",
        requested_discount=25,
    )
    page = body(login_as("admin").get(f"/console/alpha/exceptions/{exc.pk}/"))
    assert "25.00% on Hydraulics" in page
    assert "15.00 points above the maximum" in page


# --- sales and portal: rules of engagement -------------------------------------------------------


def test_a_partner_reads_only_the_rules_corridors_and_authorizations_that_concern_it(
    world, rulebook, login_as
):
    page = body(login_as("partner_admin").get("/portal/alpha/engagement/"))
    assert "Accounts named for the direct team are served by the direct team." in page
    assert "All other accounts" in page
    assert OTHER_PARTNER_MARK not in page and "Direct North" not in page
    assert "Named accounts stay with a direct team, never another partner." in page
    assert "0–20 %" in page and "0–35 %" not in page and "0–10 %" not in page
    assert "Minimum deal amount: 5,000.00" in page and "Budget confirmed, Customer contact" in page
    assert "Your authorizations" in page and "Bavaria" in page and "DE-BY" in page

    rival = body(login_as("rival_partner_admin").get("/portal/alpha/engagement/"))
    assert "are served by you" in rival and "Tyrol" in rival
    assert "zzfirstpartner" not in rival


def test_a_rep_reads_every_rule_and_corridor(world, rulebook, login_as):
    page = body(login_as("rep").get("/sales/alpha/engagement/"))
    assert "Direct North" in page and "0–10 %" in page and "0–35 %" in page
    assert "Your authorizations" not in page


def test_without_a_published_rulebook_the_page_says_so(world, login_as):
    page = body(login_as("partner_rep").get("/portal/alpha/engagement/"))
    assert 'data-testid="no-rulebook"' in page


# --- sales and portal: requesting and withdrawing ------------------------------------------------


def test_a_partner_requests_from_the_account_page_and_withdraws(world, rulebook, login_as):
    partner = login_as("partner_rep")
    account = world.customers["partner"]
    page = body(partner.get(f"/portal/alpha/accounts/{account.pk}/"))
    link = f"/portal/alpha/exceptions/new/?account={account.pk}"
    assert link in page
    form = body(partner.get(link))
    assert account.name in form
    for rule in DISCOUNT_REQUIRES:  # marked from what the service checks
        label = form.split(f'for="id_{rule.field}">', 1)[1].split("</label>", 1)[0]
        assert "(required for a discount)" in label
    opportunity = Opportunity.all_tenants.get(external_id="OPP-partner", tenant=world.tenant)
    assert opportunity.name in form

    response = partner.post(
        link,
        {
            "kind": "discount",
            "account": account.pk,
            "opportunity": opportunity.pk,
            "ends_on": in_days(30).isoformat(),
            "justification": "Competitive tender.",
        },
    )
    assert response.status_code == 400
    assert "a discount exception names the product line" in body(response)
    response = partner.post(
        link,
        {
            "kind": "discount",
            "account": account.pk,
            "opportunity": opportunity.pk,
            "product_line": line_of(world).pk,
            "requested_discount": "28",
            "ends_on": in_days(30).isoformat(),
            "justification": "Competitive tender.",
        },
    )
    assert response.status_code == 302
    exc = RuleException.all_tenants.get(tenant=world.tenant)
    assert (exc.partner, exc.opportunity, exc.requested_discount) == (
        world.partner,
        opportunity,
        28,
    )

    listed = body(partner.get("/portal/alpha/exceptions/"))
    assert "Pending review" in listed and f"exceptions/{exc.pk}/withdraw/" in listed
    # The partner admin sees it, without a withdraw button (not theirs); the rival not at all.
    admin_view = body(login_as("partner_admin").get("/portal/alpha/exceptions/"))
    assert f"#{exc.pk}<" in admin_view and "withdraw/" not in admin_view
    rival = login_as("rival_partner_admin")
    assert f"#{exc.pk}<" not in body(rival.get("/portal/alpha/exceptions/"))
    assert rival.post(f"/portal/alpha/exceptions/{exc.pk}/withdraw/").status_code == 404

    response = partner.post(f"/portal/alpha/exceptions/{exc.pk}/withdraw/", follow=True)
    assert f"Exception #{exc.pk} withdrawn." in body(response)
    exc.refresh_from_db()
    assert exc.status == ExceptionStatus.WITHDRAWN


def test_a_partner_names_an_account_it_cannot_see_and_never_reads_its_name(
    world, rulebook, login_as
):
    partner = login_as("partner_admin")
    hidden = world.customers["other_partner"]
    response = partner.post(
        "/portal/alpha/exceptions/new/",
        {
            "kind": "work_account",
            "account": hidden.pk,
            "ends_on": in_days(30).isoformat(),
            "justification": "The customer asked us to take over.",
        },
    )
    assert response.status_code == 302
    listed = body(partner.get("/portal/alpha/exceptions/"))
    assert f"Account #{hidden.pk}" in listed and OTHER_PARTNER_MARK not in listed
    # The form names it by number only too.
    form = body(partner.get(f"/portal/alpha/exceptions/new/?account={hidden.pk}"))
    assert OTHER_PARTNER_MARK not in form
    # The RevOps admin sees the account by name in the queue.
    assert hidden.name in body(login_as("admin").get("/console/alpha/exceptions/"))


def test_bad_requests_are_refused_on_the_form(world, login_as):
    rep = login_as("rep")
    other = world.customers["other_team"]
    response = rep.post(
        "/sales/alpha/exceptions/new/",
        {
            "kind": "work_account",
            "account": other.pk,
            "ends_on": in_days(400).isoformat(),
            "justification": "x",
        },
    )
    page = body(response)
    assert response.status_code == 400
    assert f"no such account (#{other.pk})" in page and "at most a year" in page
    assert OTHER_TENANT_MARK not in page and "zzteamsouth" not in page
    response = rep.post("/sales/alpha/exceptions/new/", {"kind": "bribe", "account": "x"})
    assert response.status_code == 400
    assert not RuleException.all_tenants.exists()


def test_admins_in_the_sales_door_are_pointed_to_the_console(world, login_as):
    admin = login_as("admin")
    assert "review exceptions in the console" in body(admin.get("/sales/alpha/exceptions/new/"))
    response = admin.post(
        "/sales/alpha/exceptions/new/",
        {
            "kind": "work_account",
            "account": world.customers["rep"].pk,
            "ends_on": in_days(10).isoformat(),
            "justification": "x",
        },
    )
    assert response.status_code == 400 and not RuleException.all_tenants.exists()


# --- the account page's route section ------------------------------------------------------------


def test_the_route_section_says_not_decided_before_any_rulebook(world, login_as):
    account = world.customers["rep"]
    page = body(login_as("rep").get(f"/sales/alpha/accounts/{account.pk}/"))
    assert 'data-testid="not-decided"' in page and "no rulebook is published" in page


def test_a_partner_reads_another_partner_as_such_on_its_account(world, rulebook, login_as):
    account = world.customers["partner"]
    page = body(login_as("partner_rep").get(f"/portal/alpha/accounts/{account.pk}/"))
    section = page.split('id="route"', 1)[1].split("</section>", 1)[0]
    assert "another partner" in section and "a rule that does not concern you" in section
    assert OTHER_PARTNER_MARK not in page
    assert "<details>" in section and "Named accounts" in section
    assert "named account is no, not yes" in section


def test_the_direct_side_reads_the_whole_decision_and_explanation(world, rulebook, login_as):
    account = world.customers["partner"]
    page = body(login_as("admin").get(f"/console/alpha/accounts/{account.pk}/"))
    section = page.split('id="route"', 1)[1].split("</section>", 1)[0]
    assert world.other_partner.name in section and RIVAL_RULE in section
    assert f"{OTHER_PARTNER_MARK} stocks Bavaria." in section
    assert f"/console/alpha/exceptions/?account={account.pk}" in section

    rep_page = body(login_as("rep").get(f"/sales/alpha/accounts/{world.customers['rep'].pk}/"))
    assert f"/sales/alpha/exceptions/new/?account={world.customers['rep'].pk}" in rep_page


def test_an_approved_exception_shows_on_the_account(
    world, rulebook, login_as, django_capture_on_commit_callbacks
):
    account = world.customers["partner"]
    exc = ask(world, "partner_rep", account=account)
    with django_capture_on_commit_callbacks(execute=True):
        response = login_as("admin").post(
            f"/console/alpha/exceptions/{exc.pk}/", {"decision": "approve", "comment": "ok"}
        )
    assert response.status_code == 302
    section = body(login_as("partner_rep").get(f"/portal/alpha/accounts/{account.pk}/"))
    section = section.split('id="route"', 1)[1].split("</section>", 1)[0]
    assert f"Exception #{exc.pk}" in section and "your company" in section
    assert "approved" in section
