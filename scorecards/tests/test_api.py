"""The scorecards API as a BI tool reads it, for every role: the metric definitions, a scorecard,
the league table, tier evaluations and attribution results; what a partner never sees of another
partner (not its figures, credits or name, nor a total to derive them from); and the 400 that
names each bad query parameter. Every response checked here also conforms to the published
schema (test_every_answer_conforms_to_the_schema; generated requests: test_api_schema.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core import signals
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext

from core.metrics import metrics
from core.tenancy import tenant_scope
from guardrails.models import Territory, TerritoryArea
from pipeline.models import Opportunity, Stage
from pipeline.tests.factories import OpportunityFactory, TouchFactory
from scorecards.models import TierRequirement
from scorecards.rollup import rebuild
from scorecards.services import quarter_from
from tenancy.tests.factories import PartnerFactory
from tests.test_schema_conformance import CONFORMANCE_CHECKS, schema
from tests.world import OTHER_PARTNER_MARK, OTHER_TENANT_MARK, PERSONAS, World

pytestmark = pytest.mark.django_db

API = "/api/v1/scorecards/"
QUARTER = "2026-Q4"  # the world's opportunities were opened in it
INSIDERS = [p for p, (tenant, _, _) in PERSONAS.items() if tenant == "a"]
ENDPOINTS = ("metrics", "scorecard", "league", "tiers", "attribution")


def opportunity(world: World, owner: str) -> Opportunity:
    return Opportunity.all_tenants.get(tenant=world.tenant, external_id=f"OPP-{owner}")


def rebuild_rollups(world: World) -> None:
    for tenant in (world.tenant, world.other_tenant):
        with tenant_scope(tenant):
            rebuild(tenant)


@pytest.fixture
def scored(world: World) -> World:
    """The world, where the first partner also touched the rep's opportunity (after the rep),
    with its rollups built."""
    TouchFactory(
        tenant=world.tenant,
        account=world.customers["rep"],
        opportunity=opportunity(world, "rep"),
        route="partner",
        actor_partner=world.partner,
        occurred_at=dt.datetime(2026, 11, 3, 10, tzinfo=dt.UTC),
    )
    rebuild_rollups(world)
    return world


def get(api_as: Any, persona: str, endpoint: str, **query: Any) -> Any:
    return api_as(persona).get(f"{API}{endpoint}/", {"quarter": QUARTER, **query})


def rows(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["metric"]: row for row in body["rows"]}


# --- metrics -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", INSIDERS)
def test_every_member_reads_the_metric_definitions(world: World, api_as: Any, persona: str) -> None:
    response = api_as(persona).get(f"{API}metrics/")
    assert response.status_code == 200
    body = response.json()
    assert [m["key"] for m in body] == [m.key for m in metrics()]
    leakage = next(m for m in body if m["key"] == "discount_leakage")
    assert leakage["higher_is_better"] is False and leakage["section"] == "integrity"
    attributed = next(m for m in body if m["key"] == "attributed_pipeline")
    assert attributed["by_model"] is True and "territory" in attributed["filtered_by"]


# --- the scorecard -------------------------------------------------------------------------------


def test_each_role_reads_its_own_scorecard_without_asking(scored: World, api_as: Any) -> None:
    expected = {
        "admin": ("tenant", "Everyone"),
        "manager": (f"team:{scored.orgs['team'].pk}", "Direct North"),
        "rep": (f"user:{scored.users['rep'].pk}", None),
        "partner_rep": (f"partner:{scored.partner.pk}", scored.partner.name),
        "rival_partner_admin": (f"partner:{scored.other_partner.pk}", scored.other_partner.name),
    }
    for persona, (scope, label) in expected.items():
        response = get(api_as, persona, "scorecard")
        assert response.status_code == 200, (persona, response.json())
        body = response.json()
        assert body["scope"] == scope, persona
        assert label is None or body["label"] == label
        assert body["quarter"] == {"code": QUARTER, "start": "2026-10-01", "end": "2026-12-31"}
        assert body["model"] == "w_shaped"
        assert body["refreshed_at"] is not None and body["unconverted"] == 0
        assert [r["metric"] for r in body["rows"]] == [m.key for m in metrics()]


def test_the_scorecard_is_the_current_quarter_by_default(scored: World, api_as: Any) -> None:
    body = api_as("admin").get(f"{API}scorecard/").json()
    with tenant_scope(scored.tenant):
        assert body["quarter"]["code"] == quarter_from(scored.tenant, None).code
    previous = get(api_as, "admin", "scorecard", quarter="2026-Q3").json()
    assert previous["quarter"]["code"] == "2026-Q3"
    # An honest empty quarter: no figure, never a misleading zero.
    assert all(row["value"] is None for row in previous["rows"])


def test_a_partner_reads_its_own_figures_and_the_models_change_them(
    scored: World, api_as: Any
) -> None:
    card = rows(get(api_as, "partner_rep", "scorecard").json())
    # Its own opportunity, and the rep's it touched.
    assert card["influenced_pipeline"]["value"] == "100000.00"
    assert card["influenced_pipeline"]["peers_label"] == "Gold tier average"
    # Two gold partners only: no average that would give the other one away.
    assert all(row["peers_average"] is None for row in card.values())
    first = rows(get(api_as, "partner_rep", "scorecard", model="first_touch").json())
    last = rows(get(api_as, "partner_rep", "scorecard", model="last_touch").json())
    assert first["attributed_pipeline"]["value"] == "50000.00"  # the rep touched first
    assert last["attributed_pipeline"]["value"] == "100000.00"  # the partner last


def test_the_tier_average_needs_three_partners_and_names_none(scored: World, api_as: Any) -> None:
    third = PartnerFactory(tenant=scored.tenant, name="Gamma Gear zzthirdgold", tier="gold")
    deal = OpportunityFactory(
        tenant=scored.tenant,
        stage=Stage.all_tenants.get(tenant=scored.tenant, key="propose"),
        route="partner",
        partner=third,
        amount=20000,
    )
    TouchFactory(
        tenant=scored.tenant,
        account=deal.account,
        opportunity=deal,
        route="partner",
        actor_partner=third,
    )
    rebuild_rollups(scored)
    response = get(api_as, "partner_admin", "scorecard")
    card = rows(response.json())
    assert card["influenced_pipeline"]["value"] == "100000.00"
    # (100,000 + 50,000 + 20,000) / 3, of which no single other partner's figure follows.
    assert card["influenced_pipeline"]["peers_average"] == "56666.67"
    text = response.content.decode()
    assert OTHER_PARTNER_MARK not in text and "zzthirdgold" not in text


def test_a_scope_the_caller_may_not_see_is_404(scored: World, api_as: Any) -> None:
    refused = {
        "partner_rep": [
            f"partner:{scored.other_partner.pk}",
            f"partner:{scored.orgs['b_partner'].pk}",
            f"team:{scored.orgs['team'].pk}",
            f"user:{scored.users['rep'].pk}",
            "tenant",
            "route:partner",
        ],
        "rep": [f"user:{scored.users['other_team_rep'].pk}", f"team:{scored.orgs['team'].pk}"],
        "manager": [f"team:{scored.orgs['other_team'].pk}", "tenant"],
        "admin": [f"partner:{scored.orgs['b_partner'].pk}", "user:987654321"],
    }
    for persona, scopes in refused.items():
        for scope in scopes:
            response = get(api_as, persona, "scorecard", scope=scope)
            assert response.status_code == 404, (persona, scope)
            assert response.json()["code"] == "not_found"
    manager = get(api_as, "manager", "scorecard", scope=f"user:{scored.users['rep'].pk}")
    assert manager.status_code == 200


def test_filters_narrow_the_figures_that_they_apply_to(scored: World, api_as: Any) -> None:
    with tenant_scope(scored.tenant):
        dach = Territory.objects.create(tenant=scored.tenant, code="dach", name="DACH")
        TerritoryArea.objects.create(tenant=scored.tenant, territory=dach, country="DE")
        alpine = Territory.objects.create(tenant=scored.tenant, code="alpine", name="Alpine")
        TerritoryArea.objects.create(tenant=scored.tenant, territory=alpine, country="AT")
    rebuild_rollups(scored)
    everywhere = rows(get(api_as, "admin", "scorecard").json())
    in_dach = rows(get(api_as, "admin", "scorecard", territory="dach").json())
    in_alps = rows(get(api_as, "admin", "scorecard", territory="alpine").json())
    assert in_dach["influenced_pipeline"]["value"] == everywhere["influenced_pipeline"]["value"]
    assert in_alps["influenced_pipeline"]["value"] is None  # no data there: no figure
    # Registrations have no territory: their figures do not apply under a territory filter.
    assert in_dach["conflict_rate"]["applies"] is False
    assert in_dach["influenced_pipeline"]["applies"] is True
    narrowed = get(
        api_as,
        "admin",
        "scorecard",
        route="partner",
        partner=scored.partner.pk,
        segment="mining",
        product_line="hydraulics",
        team=scored.orgs["team"].pk,
    )
    assert narrowed.status_code == 200, narrowed.json()


# --- league table and tiers ----------------------------------------------------------------------


def test_the_league_table_is_the_consoles(scored: World, api_as: Any) -> None:
    response = get(api_as, "admin", "league", model="last_touch")
    assert response.status_code == 200
    body = response.json()
    assert body["model"] == "last_touch" and body["metrics"] == [m.key for m in metrics()]
    by_partner = {row["partner"]: row for row in body["results"]}
    assert set(by_partner) == {scored.partner.pk, scored.other_partner.pk}
    first = by_partner[scored.partner.pk]
    assert first["name"] == scored.partner.name and first["tier"] == "gold"
    assert first["values"]["attributed_pipeline"] == "100000.00"
    assert by_partner[scored.other_partner.pk]["values"]["attributed_pipeline"] == "50000.00"
    for persona in ("manager", "rep", "partner_admin", "partner_rep", "rival_partner_admin"):
        refused = get(api_as, persona, "league")
        assert refused.status_code == 403, persona
        assert refused.json()["code"] == "permission_denied"


def test_tiers_show_what_each_partner_needs_for_the_next(scored: World, api_as: Any) -> None:
    with tenant_scope(scored.tenant):
        for tier, minimum in (("gold", 60000), ("platinum", 150000)):
            TierRequirement.objects.create(
                tenant=scored.tenant, tier=tier, metric="influenced_pipeline", minimum=minimum
            )
    admin = get(api_as, "admin", "tiers")
    assert admin.status_code == 200
    results = {row["partner"]: row for row in admin.json()["results"]}
    assert results[scored.partner.pk] == {
        "partner": scored.partner.pk,
        "name": scored.partner.name,
        "current_tier": "gold",
        "earned_tier": "gold",
        "next_tier": "platinum",
        "needs": [
            {
                "metric": "influenced_pipeline",
                "minimum": "150000.0000",
                "value": "100000.00",
                "gap": "50000.0000",
            }
        ],
    }
    rival = results[scored.other_partner.pk]
    assert rival["earned_tier"] is None and rival["needs"][0]["gap"] == "100000.0000"

    own = get(api_as, "partner_rep", "tiers").json()["results"]
    assert [row["partner"] for row in own] == [scored.partner.pk]
    rival_own = get(api_as, "rival_partner_admin", "tiers").json()["results"]
    assert [row["partner"] for row in rival_own] == [scored.other_partner.pk]
    for persona in ("manager", "rep"):
        assert get(api_as, persona, "tiers").status_code == 403


# --- attribution results -------------------------------------------------------------------------


def attribution(api_as: Any, persona: str, **query: Any) -> dict[int, dict[str, Any]]:
    response = get(api_as, persona, "attribution", page_size=1000, **query)
    assert response.status_code == 200, response.json()
    return {row["opportunity"]: row for row in response.json()["results"]}


def test_an_admin_reads_every_partys_credits_summing_to_each_amount(
    scored: World, api_as: Any
) -> None:
    for model in ("first_touch", "linear", "w_shaped", "time_decay"):
        found = attribution(api_as, "admin", model=model)
        assert set(found) == {
            opportunity(scored, k).pk for k in ("rep", "other_team", "partner", "other_partner")
        }
        for row in found.values():
            assert row["currency"] == scored.tenant.currency and row["created_quarter"] == QUARTER
            total = sum(Decimal(c["amount"]) for c in row["credits"])
            assert total == Decimal(row["amount"]), (model, row)
    rep_deal = attribution(api_as, "admin", model="linear")[opportunity(scored, "rep").pk]
    assert rep_deal["external_id"] == "OPP-rep"
    assert {(c["route"], c["partner"], c["user"], c["amount"]) for c in rep_deal["credits"]} == {
        ("direct", None, scored.users["rep"].pk, "25000.00"),
        ("partner", scored.partner.pk, None, "25000.00"),
    }


def test_a_partner_reads_what_it_owns_or_touched_with_its_own_credits_only(
    scored: World, api_as: Any
) -> None:
    rep_deal, own_deal = opportunity(scored, "rep").pk, opportunity(scored, "partner").pk
    for persona in ("partner_admin", "partner_rep"):
        found = attribution(api_as, persona, model="linear")
        assert set(found) == {rep_deal, own_deal}
        # The rep's half of the rep's opportunity is not the partner's to see.
        assert found[rep_deal]["credits"] == [
            {
                "route": "partner",
                "partner": scored.partner.pk,
                "team": None,
                "user": None,
                "amount": "25000.00",
            }
        ]
    # First touch gives the rep's opportunity to the rep: the partner sees it, with nothing.
    first = attribution(api_as, "partner_rep", model="first_touch")[rep_deal]["credits"]
    assert [(c["partner"], c["amount"]) for c in first] == [(scored.partner.pk, "0.00")]
    rival = attribution(api_as, "rival_partner_admin", model="linear")
    assert set(rival) == {opportunity(scored, "other_partner").pk}
    assert {c["partner"] for c in rival[opportunity(scored, "other_partner").pk]["credits"]} == {
        scored.other_partner.pk
    }


def test_direct_people_read_their_own_and_their_teams(scored: World, api_as: Any) -> None:
    rep_deal = opportunity(scored, "rep").pk
    for persona in ("rep", "manager"):
        found = attribution(api_as, persona, model="linear")
        assert set(found) == {rep_deal}, persona
        assert [c["user"] for c in found[rep_deal]["credits"]] == [scored.users["rep"].pk]
    other = attribution(api_as, "other_team_rep", model="linear")
    assert set(other) == {opportunity(scored, "other_team").pk}
    assert set(attribution(api_as, "outsider_partner")) == set()


def test_attribution_pages_follow_the_cursor_in_opportunity_order(
    scored: World, api_as: Any
) -> None:
    client, seen = api_as("admin"), []
    url: str | None = f"{API}attribution/?quarter={QUARTER}&page_size=1"
    while url:
        page = client.get(url).json()
        seen += [row["opportunity"] for row in page["results"]]
        url = page["next"]
    assert seen == sorted(
        Opportunity.all_tenants.filter(tenant=scored.tenant).values_list("pk", flat=True)
    )
    bad = client.get(f"{API}attribution/?cursor=bm9wZQ")
    assert bad.status_code == 404 and bad.json()["code"] == "not_found"
    filtered = attribution(api_as, "admin", partner=scored.partner.pk, route="partner")
    assert set(filtered) == {opportunity(scored, "partner").pk}


@pytest.mark.parametrize("persona", ["admin", "manager", "partner_rep"])
def test_an_attribution_page_costs_the_same_queries_whatever_its_size(
    scored: World, api_as: Any, persona: str
) -> None:
    client, counts = api_as(persona), []
    for size in (1, 1000):
        client.get(f"{API}attribution/?page_size={size}")  # warm the caches (token, settings)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{API}attribution/?page_size={size}").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# --- what nobody sees ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["partner_admin", "partner_rep"])
def test_a_partner_never_sees_the_other_partner_or_tenant(
    scored: World, api_as: Any, persona: str
) -> None:
    for endpoint in ENDPOINTS:
        for model in ("w_shaped", "linear", "collaboration"):
            response = get(api_as, persona, endpoint, model=model)
            text = response.content.decode()
            assert OTHER_PARTNER_MARK not in text and OTHER_TENANT_MARK not in text, endpoint
            assert str(scored.other_partner.pk) not in _ids_in(response.json())


def _ids_in(body: Any) -> set[str]:
    """Every party id in a body (credits, partners, scopes), as text."""
    found: set[str] = set()
    if isinstance(body, dict):
        for key, value in body.items():
            if key in ("partner", "team", "user") and value is not None:
                found.add(str(value))
            elif key == "scope":
                found.add(str(value).rpartition(":")[2])
            else:
                found |= _ids_in(value)
    elif isinstance(body, list):
        for item in body:
            found |= _ids_in(item)
    return found


# --- bad input -----------------------------------------------------------------------------------

BAD = [
    ("scorecard", "model", "last_click"),
    ("scorecard", "scope", "partner"),
    ("scorecard", "scope", "partner:abc"),
    ("scorecard", "scope", "route:marketing"),
    ("scorecard", "scope", "partner:0"),
    ("scorecard", "scope", "partner:99999999999999999999"),
    ("scorecard", "quarter", "2099-Q1"),
    ("scorecard", "quarter", "last quarter"),
    ("scorecard", "quarter", "2026-Q5"),
    ("scorecard", "territory", "atlantis"),
    ("scorecard", "segment", "no-such-segment"),
    ("scorecard", "product_line", "no-such-line"),
    ("scorecard", "route", "sideways"),
    ("scorecard", "partner", "abc"),
    ("scorecard", "team", "-1"),
    ("league", "model", "bogus"),
    ("league", "quarter", "2099-Q1"),
    ("tiers", "quarter", "Q4"),
    ("attribution", "model", "bogus"),
    ("attribution", "quarter", "2027-Q3"),
    ("attribution", "territory", "\x00"),
]


@pytest.mark.parametrize(("endpoint", "name", "value"), BAD)
def test_bad_input_is_a_400_naming_the_parameter(
    world: World, api_as: Any, endpoint: str, name: str, value: str
) -> None:
    response = api_as("admin").get(f"{API}{endpoint}/", {name: value})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid" and list(body["fields"]) == [name]


def test_empty_parameters_are_not_given(world: World, api_as: Any) -> None:
    """As a BI tool's URL template sends them: every filter empty is no filter."""
    empty = "scope=&quarter=&model=&territory=&segment=&product_line=&route=&partner=&team="
    for persona in ("admin", "partner_rep"):
        for endpoint in ("scorecard", "attribution"):
            response = api_as(persona).get(f"{API}{endpoint}/?{empty}")
            assert response.status_code == 200, (persona, endpoint, response.json())
    assert api_as("admin").get(f"{API}league/?{empty}").status_code == 200


def test_another_tenants_or_partners_ids_are_not_filters(world: World, api_as: Any) -> None:
    response = get(
        api_as,
        "admin",
        "scorecard",
        partner=world.orgs["b_partner"].pk,
        team=world.orgs["b_team"].pk,
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"partner", "team"}


def test_partner_users_filter_their_own_figures_by_territory_segment_and_line_only(
    world: World, api_as: Any
) -> None:
    for endpoint in ("scorecard", "attribution"):
        response = get(
            api_as,
            "partner_rep",
            endpoint,
            partner=world.partner.pk,  # even its own: the peers' average would be narrowed by it
            team=world.orgs["team"].pk,
            route="partner",
        )
        assert response.status_code == 400
        fields = response.json()["fields"]
        assert set(fields) == {"partner", "team", "route"}
        assert "territory, segment or product line" in fields["partner"][0]
    allowed = get(api_as, "partner_rep", "scorecard", segment="mining", product_line="hydraulics")
    assert allowed.status_code == 200


# --- the published schema ------------------------------------------------------------------------


@pytest.fixture
def in_process_requests() -> Iterator[None]:
    """The WSGI app runs inside the test's transaction (as Django's test client does)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


QUERIES: dict[str, list[dict[str, Any]]] = {
    "metrics": [{}],
    "scorecard": [
        {},
        {"model": "linear", "territory": "dach"},
        {"scope": "x"},
        {"scope": "team:1"},
    ],
    "league": [{}, {"quarter": "2099-Q1"}],
    "tiers": [{}, {"quarter": "2026-Q3"}],
    "attribution": [{}, {"page_size": 1}, {"cursor": "nope"}, {"model": "nope"}],
}


def test_every_answer_conforms_to_the_schema(scored: World, in_process_requests: None) -> None:
    with tenant_scope(scored.tenant):
        dach = Territory.objects.create(tenant=scored.tenant, code="dach", name="DACH")
        TierRequirement.objects.create(
            tenant=scored.tenant, tier="platinum", metric="won_revenue", minimum=1
        )
    assert dach.pk
    statuses = set()
    for persona in [*INSIDERS, "outsider_admin", "outsider_partner"]:
        headers = {"Authorization": f"Token {scored.token(persona)}", "Host": "127.0.0.1"}
        for endpoint, queries in QUERIES.items():
            operation = schema[f"{API}{endpoint}/"]["GET"]
            for query in queries:
                case = operation.Case(query={"quarter": QUARTER, **query})
                response = case.call(headers=headers)
                statuses.add(response.status_code)
                case.validate_response(response, checks=CONFORMANCE_CHECKS, headers=headers)
    assert statuses == {200, 400, 403, 404}
