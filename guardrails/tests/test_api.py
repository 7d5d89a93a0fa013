"""The guardrails API: territories, authorizations, the versioned rulebook (edit, lint, publish,
simulate), explain, the corridor check, exceptions and the stored decisions, as each role sees
them. What a partner must never read (another partner's names and terms, the manufacturer's
teams) is checked by searching the response for their marks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Account, ProductLine, TargetList
from core.tenancy import tenant_scope
from guardrails.choices import ExceptionStatus, VersionStatus
from guardrails.models import (
    AccountRoute,
    PartnerAuthorization,
    RouteRule,
    RulebookVersion,
    RuleException,
    SimulatedMove,
    Territory,
    TerritoryArea,
)
from guardrails.services.decisions import RECOMPUTE, recompute_routes
from guardrails.services.pricing import save_corridor
from guardrails.services.publish import publish
from guardrails.services.rules import replace_rules
from guardrails.services.simulation import run_simulation
from guardrails.services.versions import create_draft
from tests.world import DIRECT_ONLY_MARK, OTHER_PARTNER_MARK

pytestmark = pytest.mark.django_db

TEAM_NAME = "Direct North"


def body_text(response) -> str:
    return response.content.decode()


@pytest.fixture
def rulebook(world):
    """A published rulebook of tenant A: Austria goes to the competing partner, named accounts to
    the direct team "Direct North", Bavaria to the authorized partners (our partner), the rest
    direct; corridors for every route and partner tier. The rep's account is named."""
    tenant = world.tenant
    with tenant_scope(tenant):
        bavaria = Territory.objects.create(tenant=tenant, code="bavaria", name="Bavaria")
        TerritoryArea.objects.create(tenant=tenant, territory=bavaria, country="DE", region="DE-BY")
        austria = Territory.objects.create(
            tenant=tenant, code="austria", name=f"Austria {OTHER_PARTNER_MARK}"
        )
        TerritoryArea.objects.create(tenant=tenant, territory=austria, country="AT")
        PartnerAuthorization.objects.create(
            tenant=tenant, partner=world.partner, territory=bavaria, valid_from=dt.date(2020, 1, 1)
        )
        PartnerAuthorization.objects.create(
            tenant=tenant,
            partner=world.other_partner,
            territory=austria,
            valid_from=dt.date(2020, 1, 1),
        )
        TargetList.objects.filter(tenant=tenant).update(name=f"ABM North {DIRECT_ONLY_MARK}")
        Account.objects.filter(pk=world.customers["rep"].pk).update(named_account=True)
        draft = create_draft(tenant, acting=world.membership("admin"), summary="First")
        replace_rules(
            draft,
            [
                {
                    "name": f"Austria for {world.other_partner.name}",
                    "conditions": [{"field": "territory", "op": "in", "value": ["austria"]}],
                    "outcome": "partner",
                    "target_kind": "partner",
                    "target_partner": world.other_partner,
                    "rationale": f"{world.other_partner.name} holds Austria.",
                },
                {
                    "name": f"Named accounts stay with {TEAM_NAME}",
                    "conditions": [{"field": "named_account", "op": "is", "value": True}],
                    "outcome": "direct",
                    "target_kind": "team",
                    "target_team": world.orgs["team"],
                    "rationale": f"{TEAM_NAME} serves named accounts.",
                },
                {
                    "name": "Bavaria partners",
                    "conditions": [{"field": "territory", "op": "in", "value": ["bavaria"]}],
                    "outcome": "partner",
                    "target_kind": "authorized",
                    "rationale": "Bavarian accounts are served by authorized partners.",
                },
                {
                    "name": "Default",
                    "outcome": "direct",
                    "rationale": "Everything else is served directly.",
                    "is_default": True,
                },
            ],
            acting=world.membership("admin"),
        )
        line = ProductLine.objects.get(code="hydraulics")
        for route, partner_tier, top in (
            ("direct", "", 15),
            ("partner", "", 20),
            ("partner", "gold", 25),
            ("partner", "silver", 10),
        ):
            save_corridor(
                draft,
                {
                    "product_line": line,
                    "route": route,
                    "partner_tier": partner_tier,
                    "min_discount": 0,
                    "max_discount": top,
                },
                acting=world.membership("admin"),
            )
        publish(draft, acting=world.membership("admin"))
        draft.refresh_from_db()
    return draft


def url(path: str) -> str:
    return f"/api/v1/{path}"


# --- territories -----------------------------------------------------------------------------


def test_an_admin_creates_a_territory_with_normalised_areas(world, api_as):
    response = api_as("admin").post(
        url("territories/"),
        {
            "code": "Bavaria-North",
            "name": "Northern Bavaria",
            "areas": [
                {"country": "de", "region": "BY", "postal_from": "90", "postal_to": "97"},
                {"country": "AT"},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["code"] == "bavaria-north" and body["is_active"] is True
    assert {"country": "DE", "region": "DE-BY", "postal_from": "90", "postal_to": "97"} in body[
        "areas"
    ]


def test_bad_areas_are_refused_naming_the_area_and_nothing_is_written(world, api_as):
    response = api_as("admin").post(
        url("territories/"),
        {"code": "x", "name": "X", "areas": [{"country": "DE"}, {"country": "XX"}]},
        format="json",
    )
    assert response.status_code == 400
    messages = response.json()["fields"]["areas"]
    assert any("Area 2" in m and "'XX'" in m for m in messages)
    assert not Territory.all_tenants.filter(code="x").exists()


def test_a_patch_without_areas_keeps_them_and_delete_archives(world, api_as, rulebook):
    admin = api_as("admin")
    territory = Territory.all_tenants.get(code="bavaria")
    response = admin.patch(
        url(f"territories/{territory.pk}/"), {"description": "Land of pumps"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["areas"] == [
        {"country": "DE", "region": "DE-BY", "postal_from": "", "postal_to": ""}
    ]
    assert admin.delete(url(f"territories/{territory.pk}/")).status_code == 204
    archived = admin.get(url("territories/?archived=true")).json()["results"]
    assert [t["code"] for t in archived] == ["bavaria"] and archived[0]["is_active"] is False
    restored = admin.post(url(f"territories/{territory.pk}/restore/"))
    assert restored.status_code == 200 and restored.json()["is_active"] is True


def test_partner_users_see_only_territories_they_are_authorized_in(world, api_as, rulebook):
    partner = api_as("partner_rep").get(url("territories/"))
    assert [t["code"] for t in partner.json()["results"]] == ["bavaria"]
    assert OTHER_PARTNER_MARK not in body_text(partner)
    austria = Territory.all_tenants.get(code="austria")
    assert api_as("partner_rep").get(url(f"territories/{austria.pk}/")).status_code == 404
    rep = api_as("rep").get(url("territories/")).json()["results"]
    assert {t["code"] for t in rep} == {"austria", "bavaria"}


def test_only_admins_write_territories(world, api_as, rulebook):
    territory = Territory.all_tenants.get(code="bavaria")
    for persona in ("manager", "rep", "partner_admin"):
        client = api_as(persona)
        assert client.patch(
            url(f"territories/{territory.pk}/"), {"name": "Mine"}, format="json"
        ).status_code in (403, 404)
        assert client.post(url("territories/"), {}, format="json").status_code == 403


# --- partner authorizations ------------------------------------------------------------------


def test_authorizations_are_written_by_admins_and_read_by_their_partner(world, api_as, rulebook):
    admin = api_as("admin")
    bavaria = Territory.all_tenants.get(code="bavaria")
    response = admin.post(
        url("partner-authorizations/"),
        {
            "partner": world.other_partner.pk,
            "territory": "bavaria",
            "product_line": {"code": "hydraulics"},
            "valid_from": "2026-01-01",
            "valid_until": "2026-12-31",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["territory"] == bavaria.pk
    overlap = admin.post(
        url("partner-authorizations/"),
        {
            "partner": world.other_partner.pk,
            "territory": bavaria.pk,
            "product_line": {"code": "hydraulics"},
            "valid_from": "2026-06-01",
        },
        format="json",
    )
    assert overlap.status_code == 400 and "overlaps" in overlap.json()["fields"]["valid_from"][0]
    backwards = admin.patch(
        url(f"partner-authorizations/{response.json()['id']}/"),
        {"valid_until": "2025-01-01"},
        format="json",
    )
    assert backwards.status_code == 400 and "valid_until" in backwards.json()["fields"]

    own = api_as("partner_admin").get(url("partner-authorizations/")).json()["results"]
    assert {a["partner"] for a in own} == {world.partner.pk}
    rival = PartnerAuthorization.all_tenants.filter(partner=world.other_partner).first()
    assert rival is not None
    assert (
        api_as("partner_admin").get(url(f"partner-authorizations/{rival.pk}/")).status_code == 404
    )
    ended = admin.post(
        url("partner-authorizations/"),
        {
            "partner": world.partner.pk,
            "territory": bavaria.pk,
            "product_line": {"code": "hydraulics"},
            "valid_from": "2019-01-01",
            "valid_until": "2019-12-31",
        },
        format="json",
    ).json()
    current = {
        a["id"] for a in admin.get(url("partner-authorizations/?current=true")).json()["results"]
    }
    past = {
        a["id"] for a in admin.get(url("partner-authorizations/?current=false")).json()["results"]
    }
    assert ended["id"] in past and ended["id"] not in current and ended["is_current"] is False


# --- rulebook versions -----------------------------------------------------------------------


def test_admins_draft_edit_lint_and_publish_a_version(world, api_as, rulebook):
    admin = api_as("admin")
    created = admin.post(url("rulebook-versions/"), {"summary": "Tighter Bavaria"}, format="json")
    assert created.status_code == 201, created.json()
    draft = created.json()
    assert draft["status"] == "draft" and draft["based_on"] == rulebook.pk
    assert [r["name"] for r in draft["rules"]][-1] == "Default"
    assert all(r["plain"].endswith(".") for r in draft["rules"])

    rules = [
        {
            "name": "Big deals direct",
            "conditions": [{"field": "deal_size", "op": "between", "value": {"min": 100000}}],
            "outcome": "direct",
            "target_team": world.orgs["team"].pk,
            "target_kind": "team",
            "rationale": "Large deals are worked by the direct team.",
        },
        {"name": "Default", "outcome": "partner", "rationale": "Partners.", "is_default": True},
    ]
    response = admin.patch(
        url(f"rulebook-versions/{draft['id']}/"),
        {
            "summary": "Big deals direct",
            "rules": rules,
            "corridors": [
                {
                    "product_line": {"code": "hydraulics"},
                    "route": "partner",
                    "min_discount": "5",
                    "max_discount": "30",
                }
            ],
            "criteria": {"min_amount": "10000", "required_fields": ["contact"]},
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [r["name"] for r in body["rules"]] == ["Big deals direct", "Default"]
    assert [r["position"] for r in body["rules"]] == [1, 2]
    assert body["corridors"][0]["max_discount"] == "30.00"
    assert body["criteria"]["min_amount"] == "10000.00"
    assert body["criteria"]["required_fields"] == ["contact"]

    lint = admin.post(url(f"rulebook-versions/{draft['id']}/lint/"))
    assert lint.status_code == 200 and lint.json()["ok"] is True

    published = admin.post(url(f"rulebook-versions/{draft['id']}/publish/"), {}, format="json")
    assert published.status_code == 200, published.json()
    assert published.json()["status"] == "active" and published.json()["is_active"] is True
    rulebook.refresh_from_db()
    assert rulebook.status == VersionStatus.RETIRED
    assert admin.get(url("rulebook/")).json()["active_version"] == draft["id"]


def test_a_bad_condition_is_refused_naming_the_rule_and_the_condition(world, api_as, rulebook):
    admin = api_as("admin")
    draft = admin.post(url("rulebook-versions/"), {}, format="json").json()
    before = list(RouteRule.all_tenants.filter(version_id=draft["id"]).values_list("name", "pk"))
    response = admin.put(
        url(f"rulebook-versions/{draft['id']}/"),
        {
            "rules": [
                {"name": "Fine", "outcome": "direct", "rationale": "Ok."},
                {
                    "name": "Bavaria parts",
                    "conditions": [
                        {"field": "territory", "op": "in", "value": ["bavaria"]},
                        {"field": "country", "op": "in", "value": ["XX"]},
                    ],
                    "outcome": "partner",
                    "rationale": "Partners.",
                },
                {"name": "Default", "outcome": "direct", "rationale": "D.", "is_default": True},
            ]
        },
        format="json",
    )
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert list(fields) == ["rules.1.conditions"]
    (message,) = fields["rules.1.conditions"]
    assert "Rule 2" in message and "Bavaria parts" in message
    assert "condition 2 (country)" in message and "'XX'" in message
    after = list(RouteRule.all_tenants.filter(version_id=draft["id"]).values_list("name", "pk"))
    assert after == before


def test_unknown_fields_and_impossible_ranges_are_400s(world, api_as, rulebook):
    admin = api_as("admin")
    draft = admin.post(url("rulebook-versions/"), {}, format="json").json()
    for condition, words in (
        ({"field": "colour", "op": "in", "value": ["red"]}, "unknown field 'colour'"),
        (
            {"field": "employee_band", "op": "between", "value": {"min": "5000+", "max": "1-49"}},
            "impossible range",
        ),
        ({"field": "segment", "op": "in", "value": "mining"}, "non-empty list"),
    ):
        response = admin.patch(
            url(f"rulebook-versions/{draft['id']}/"),
            {
                "rules": [
                    {"name": "R", "conditions": [condition], "outcome": "direct", "rationale": "x"}
                ]
            },
            format="json",
        )
        assert response.status_code == 400, condition
        assert words in response.json()["fields"]["rules.0.conditions"][0]


def test_publishing_with_lint_errors_is_refused_with_the_findings(world, api_as, rulebook):
    admin = api_as("admin")
    draft = admin.post(url("rulebook-versions/"), {}, format="json").json()
    admin.patch(
        url(f"rulebook-versions/{draft['id']}/"),
        {"rules": [{"name": "Only rule", "outcome": "direct", "rationale": "All direct."}]},
        format="json",
    )
    lint = admin.post(url(f"rulebook-versions/{draft['id']}/lint/")).json()
    assert lint["ok"] is False and lint["errors"][0]["code"] == "no_default"
    response = admin.post(url(f"rulebook-versions/{draft['id']}/publish/"), {}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "publish_refused" and "lint found 1 error" in body["detail"]
    assert [f["code"] for f in body["findings"] if f["severity"] == "error"] == ["no_default"]
    assert RulebookVersion.all_tenants.get(pk=draft["id"]).status == VersionStatus.DRAFT


def test_published_versions_are_immutable(world, api_as, rulebook):
    admin = api_as("admin")
    detail = url(f"rulebook-versions/{rulebook.pk}/")
    for method, body in (
        ("patch", {"summary": "Sneaky"}),
        ("put", {"rules": "not even a list"}),
        ("patch", {"criteria": {"min_amount": "1"}}),
    ):
        response = getattr(admin, method)(detail, body, format="json")
        assert response.status_code == 409, (method, body)
        assert response.json()["code"] == "version_locked"
        assert "copy_from" in response.json()["detail"]
    assert admin.delete(detail).status_code == 409
    again = admin.post(url(f"rulebook-versions/{rulebook.pk}/publish/"), {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "version_locked"
    rulebook.refresh_from_db()
    assert rulebook.summary == "First" and rulebook.status == VersionStatus.ACTIVE


def test_rollback_is_a_copy_of_an_old_version_published_again(world, api_as, rulebook):
    admin = api_as("admin")
    newer = admin.post(url("rulebook-versions/"), {}, format="json").json()
    admin.post(url(f"rulebook-versions/{newer['id']}/publish/"), {}, format="json")
    copy = admin.post(
        url("rulebook-versions/"), {"copy_from": rulebook.pk, "summary": "Back"}, format="json"
    ).json()
    assert copy["based_on"] == rulebook.pk and len(copy["rules"]) == 4
    moved = admin.patch(
        url(f"rulebook-versions/{copy['id']}/"), {"copy_from": rulebook.pk}, format="json"
    )
    assert moved.status_code == 400 and "copy_from" in moved.json()["fields"]
    assert admin.delete(url(f"rulebook-versions/{copy['id']}/")).status_code == 204
    assert not RulebookVersion.all_tenants.filter(pk=copy["id"]).exists()


def test_drafts_are_for_admins_and_nobody_else_writes(world, api_as, rulebook):
    draft = api_as("admin").post(url("rulebook-versions/"), {}, format="json").json()
    for persona in ("manager", "rep", "partner_admin"):
        client = api_as(persona)
        listed = {v["id"] for v in client.get(url("rulebook-versions/")).json()["results"]}
        assert listed == {rulebook.pk}, persona
        assert client.get(url(f"rulebook-versions/{draft['id']}/")).status_code == 404
        assert client.post(url("rulebook-versions/"), {}, format="json").status_code == 403
        assert client.post(url(f"rulebook-versions/{rulebook.pk}/lint/")).status_code == 403


def test_partners_read_only_the_rules_and_corridors_that_bind_them(world, api_as, rulebook):
    response = api_as("partner_rep").get(url(f"rulebook-versions/{rulebook.pk}/"))
    assert response.status_code == 200
    body = response.json()
    text = body_text(response)
    for secret in (OTHER_PARTNER_MARK, TEAM_NAME, "Rival Supply"):
        assert secret not in text, secret
    assert "created_by" not in body and "published_by" not in body
    assert [r["position"] for r in body["rules"]] == [2, 3, 4]
    assert all("conditions" not in r and "target_team" not in r for r in body["rules"])
    named = next(r for r in body["rules"] if r["position"] == 2)
    assert named["name"] == "Named accounts stay with a direct team"
    assert {(c["route"], c["partner_tier"]) for c in body["corridors"]} == {
        ("partner", ""),
        ("partner", "gold"),
    }
    direct = api_as("rep").get(url(f"rulebook-versions/{rulebook.pk}/")).json()
    assert len(direct["rules"]) == 4 and len(direct["corridors"]) == 4
    assert direct["rules"][0]["conditions"] == [
        {"field": "territory", "op": "in", "value": ["austria"]}
    ]


def test_simulating_a_draft_answers_202_and_the_result_is_readable(world, api_as, rulebook):
    admin = api_as("admin")
    draft = admin.post(url("rulebook-versions/"), {}, format="json").json()
    response = admin.post(url(f"rulebook-versions/{draft['id']}/simulate/"))
    assert response.status_code == 202
    simulation = response.json()
    assert simulation["version"] == draft["id"] and simulation["status"] == "queued"
    with tenant_scope(world.tenant):
        run_simulation(simulation["id"], acting=RECOMPUTE)
        SimulatedMove.objects.create(
            tenant=world.tenant,
            simulation_id=simulation["id"],
            account=world.customers["partner"],
            from_outcome="partner",
            to_outcome="direct",
            open_pipeline=Decimal(100),
            open_opportunities=1,
            opportunity_moves=[
                {
                    "opportunity": 7,
                    "name": "Spare parts",
                    "amount": "100.00",
                    "from_outcome": "partner",
                    "from_target": "",
                    "from_rule": "",
                    "to_outcome": "direct",
                    "to_target": "",
                    "to_rule": "Default",
                }
            ],
        )
    done = admin.get(url(f"simulations/{simulation['id']}/")).json()
    assert done["status"] == "done" and done["progress"] == 100
    moves = admin.get(url(f"simulations/{simulation['id']}/moves/?to_outcome=direct")).json()
    assert [m["account"] for m in moves["results"]] == [world.customers["partner"].pk]
    [move] = moves["results"]
    assert move["account_moves"] is True
    assert move["opportunity_moves"][0]["amount"] == "100.00"
    assert move["opportunity_moves"][0]["to_outcome"] == "direct"
    assert admin.get(url(f"simulations/{simulation['id']}/moves/?page_size=1")).json()["results"]
    bad = admin.get(url(f"simulations/{simulation['id']}/moves/?to_outcome=sideways"))
    assert bad.status_code == 400 and "to_outcome" in bad.json()["fields"]
    for persona in ("manager", "partner_admin"):
        assert api_as(persona).get(url("simulations/")).status_code == 403


# --- rulebook settings -----------------------------------------------------------------------


def test_rulebook_settings_are_read_by_all_and_changed_by_admins(world, api_as, rulebook):
    assert api_as("partner_rep").get(url("rulebook/")).json() == {
        "active_version": rulebook.pk,
        "active_version_number": rulebook.number,
        "exception_review_hours": 48,
    }
    assert (
        api_as("manager")
        .patch(url("rulebook/"), {"exception_review_hours": 1}, format="json")
        .status_code
        == 403
    )
    bad = api_as("admin").patch(url("rulebook/"), {"exception_review_hours": 0}, format="json")
    assert bad.status_code == 400 and "exception_review_hours" in bad.json()["fields"]
    ok = api_as("admin").patch(url("rulebook/"), {"exception_review_hours": 24}, format="json")
    assert ok.status_code == 200 and ok.json()["exception_review_hours"] == 24


# --- explain ---------------------------------------------------------------------------------


def test_explain_an_account_rule_by_rule_and_condition_by_condition(world, api_as, rulebook):
    response = api_as("admin").post(
        url("explain/"), {"account": world.customers["partner"].pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["version"]["id"] == rulebook.pk
    decision = body["decision"]
    assert decision["rule_name"] == "Bavaria partners" and decision["outcome"] == "partner"
    assert decision["target_partner"] == world.partner.pk
    assert [t["matched"] for t in body["traces"]] == [False, False, True]
    assert body["traces"][0]["conditions"][0]["passed"] is False
    assert body["traces"][0]["conditions"][0]["reason"]
    assert body["not_evaluated"] == [{"position": 4, "name": "Default"}]


def test_explain_is_404_for_accounts_the_caller_cannot_see(world, api_as, rulebook):
    other = world.customers["other_partner"]
    response = api_as("partner_rep").post(url("explain/"), {"account": other.pk}, format="json")
    assert response.status_code == 404
    assert (
        api_as("rep").post(url("explain/"), {"account": other.pk}, format="json").status_code == 404
    )


def test_partners_do_not_learn_other_partners_or_teams_through_explain(world, api_as, rulebook):
    response = api_as("partner_rep").post(
        url("explain/"), {"account": world.customers["partner"].pk}, format="json"
    )
    assert response.status_code == 200
    text = body_text(response)
    for secret in (OTHER_PARTNER_MARK, "Rival Supply", TEAM_NAME, "austria"):
        assert secret not in text, secret
    traces = response.json()["traces"]
    assert traces[0] == {
        "rule": None,
        "position": 1,
        "name": "A rule about another partner",
        "matched": False,
        "conditions": [],
    }
    assert "target_team" not in response.json()["decision"]


def test_explain_a_hypothetical_account_and_refuse_bad_attributes(world, api_as, rulebook):
    client = api_as("rep")
    austrian = client.post(url("explain/"), {"attributes": {"country": "AT"}}, format="json").json()
    assert austrian["decision"]["target_partner"] == world.other_partner.pk
    bad = client.post(
        url("explain/"),
        {"attributes": {"country": "XX", "employee_band": "huge", "colour": "red"}},
        format="json",
    )
    assert bad.status_code == 400
    assert {"attributes.country", "attributes.employee_band", "attributes.colour"} <= set(
        bad.json()["fields"]
    )
    both = client.post(
        url("explain/"), {"attributes": {}, "account": world.customers["rep"].pk}, format="json"
    )
    assert both.status_code == 400 and "non_field_errors" in both.json()["fields"]
    neither = client.post(url("explain/"), {}, format="json")
    assert neither.status_code == 400 and "account" in neither.json()["fields"]
    vocabulary = client.get(url("explain/")).json()
    assert "country" in vocabulary["attributes"]
    assert {f["field"] for f in vocabulary["condition_fields"]} >= {"territory", "product_mix"}


def test_only_admins_explain_with_a_draft(world, api_as, rulebook):
    draft = api_as("admin").post(url("rulebook-versions/"), {}, format="json").json()
    body = {"attributes": {"country": "DE"}, "version": draft["id"]}
    assert api_as("admin").post(url("explain/"), body, format="json").status_code == 200
    refused = api_as("rep").post(url("explain/"), body, format="json")
    assert refused.status_code == 400 and "version" in refused.json()["fields"]


# --- corridor check --------------------------------------------------------------------------


def test_the_corridor_check_says_how_far_outside_a_discount_is(world, api_as, rulebook):
    client = api_as("rep")
    inside = client.post(
        url("corridor-check/"),
        {"product_line": {"code": "hydraulics"}, "route": "direct", "discount_pct": "10"},
        format="json",
    ).json()
    assert inside["inside"] is True and inside["outside_by"] == "0.00"
    outside = client.post(
        url("corridor-check/"),
        {"product_line": {"code": "hydraulics"}, "route": "direct", "discount_pct": "18.5"},
        format="json",
    ).json()
    assert outside["inside"] is False and outside["outside_by"] == "3.50"
    assert outside["max_discount"] == "15.00" and "above the maximum" in outside["message"]
    bad = client.post(
        url("corridor-check/"),
        {"product_line": {"code": "nope"}, "route": "sideways", "discount_pct": "101"},
        format="json",
    )
    assert bad.status_code == 400
    assert {"product_line", "route", "discount_pct"} <= set(bad.json()["fields"])


def test_partners_check_only_their_route_and_tier(world, api_as, rulebook):
    client = api_as("partner_rep")  # a gold partner
    mine = client.post(
        url("corridor-check/"),
        {"product_line": {"code": "hydraulics"}, "route": "partner", "discount_pct": "22"},
        format="json",
    ).json()
    assert mine["inside"] is True and mine["max_discount"] == "25.00"
    direct = client.post(
        url("corridor-check/"),
        {"product_line": {"code": "hydraulics"}, "route": "direct", "discount_pct": "1"},
        format="json",
    )
    assert direct.status_code == 400 and "route" in direct.json()["fields"]
    other_tier = client.post(
        url("corridor-check/"),
        {
            "product_line": {"code": "hydraulics"},
            "route": "partner",
            "discount_pct": "1",
            "partner_tier": "silver",
        },
        format="json",
    )
    assert other_tier.status_code == 400 and "partner_tier" in other_tier.json()["fields"]
    listed = client.get(url("corridor-check/")).json()["corridors"]
    assert {c["partner_tier"] for c in listed} == {"", "gold"}
    assert len(api_as("admin").get(url("corridor-check/")).json()["corridors"]) == 4


def test_an_approved_discount_exception_counts_in_the_check(world, api_as, rulebook):
    opportunity = world.customers["rep"]
    from pipeline.models import Opportunity

    deal = Opportunity.all_tenants.get(account=opportunity)
    RuleException.all_tenants.create(
        tenant=world.tenant,
        kind="discount",
        status=ExceptionStatus.APPROVED,
        account=opportunity,
        opportunity=deal,
        product_line=ProductLine.all_tenants.get(tenant=world.tenant, code="hydraulics"),
        requested_discount=Decimal(20),
        requested_by=world.users["rep"],
        justification="Fleet deal",
        ends_on=timezone.localdate() + dt.timedelta(days=10),
        reviewed_at=timezone.now(),
    )
    verdict = (
        api_as("rep")
        .post(
            url("corridor-check/"),
            {
                "product_line": {"code": "hydraulics"},
                "route": "direct",
                "discount_pct": "18",
                "opportunity": deal.pk,
            },
            format="json",
        )
        .json()
    )
    assert verdict["inside"] is True and verdict["exception"]["requested_discount"] == "20.00"


# --- exceptions ------------------------------------------------------------------------------


def _request(client, world, **extra):
    body = {
        "kind": "work_account",
        "account": world.customers["partner"].pk,
        "justification": "We installed their fleet.",
        "ends_on": str(timezone.localdate() + dt.timedelta(days=30)),
        **extra,
    }
    return client.post(url("rule-exceptions/"), body, format="json")


def test_the_exception_workflow_request_approve_deny_withdraw(world, api_as, rulebook):
    created = _request(api_as("partner_rep"), world)
    assert created.status_code == 201, created.json()
    exception = created.json()
    assert exception["status"] == "pending" and exception["partner"] == world.partner.pk
    assert "team" not in exception

    admin = api_as("admin")
    approved = admin.post(
        url(f"rule-exceptions/{exception['id']}/approve/"), {"comment": "Fine"}, format="json"
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = admin.post(url(f"rule-exceptions/{exception['id']}/deny/"), {}, format="json")
    assert again.status_code == 409 and "approved" in again.json()["detail"]

    second = _request(api_as("rep"), world, account=world.customers["rep"].pk).json()
    denied = admin.post(url(f"rule-exceptions/{second['id']}/deny/"), {}, format="json")
    assert denied.status_code == 400 and "comment" in denied.json()["fields"]
    other = api_as("other_team_rep").post(url(f"rule-exceptions/{second['id']}/withdraw/"))
    assert other.status_code == 404  # another rep's request is not theirs to see
    withdrawn = api_as("rep").post(url(f"rule-exceptions/{second['id']}/withdraw/"))
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"


def test_exception_roles_and_bad_requests(world, api_as, rulebook):
    refused = _request(api_as("admin"), world)
    assert refused.status_code == 403 and "review" in refused.json()["detail"]
    created = _request(api_as("partner_rep"), world).json()
    for persona in ("partner_admin", "manager"):
        response = api_as(persona).post(url(f"rule-exceptions/{created['id']}/approve/"))
        assert response.status_code in (403, 404), persona
    colleague = api_as("partner_admin").post(url(f"rule-exceptions/{created['id']}/withdraw/"))
    assert colleague.status_code == 403
    bad = _request(
        api_as("rep"),
        world,
        kind="discount",
        ends_on="2001-01-01",
        account=world.customers["rep"].pk,
    )
    assert bad.status_code == 400
    assert {"ends_on", "opportunity", "product_line", "requested_discount"} <= set(
        bad.json()["fields"]
    )
    assert RuleException.all_tenants.count() == 1


def test_partners_see_their_own_exceptions_without_other_names(world, api_as, rulebook):
    with tenant_scope(world.tenant):
        recompute_routes(world.tenant, acting=RECOMPUTE)
    _request(api_as("partner_rep"), world)
    RuleException.all_tenants.create(
        tenant=world.tenant,
        kind="work_account",
        account=world.customers["other_partner"],
        requested_by=world.users["rival_partner_admin"],
        partner=world.other_partner,
        justification=f"Ours {OTHER_PARTNER_MARK}",
        ends_on=dt.date(2030, 1, 1),
    )
    response = api_as("partner_admin").get(url("rule-exceptions/?status=pending"))
    assert len(response.json()["results"]) == 1
    assert OTHER_PARTNER_MARK not in body_text(response)
    assert len(api_as("admin").get(url("rule-exceptions/")).json()["results"]) == 2
    assert api_as("manager").get(url("rule-exceptions/")).json()["results"] == []


# --- stored decisions and leakage ------------------------------------------------------------


def test_account_routes_show_partners_only_their_own_side(world, api_as, rulebook):
    with tenant_scope(world.tenant):
        recompute_routes(world.tenant, acting=RECOMPUTE)
        AccountRoute.objects.filter(account=world.customers["partner"]).update(
            rule=RouteRule.objects.get(version=rulebook, position=1),
            target_partner=world.other_partner,
            eligible_partners=[world.other_partner.pk, world.partner.pk],
            rationale=f"{world.other_partner.name} and {TEAM_NAME} share it.",
        )
    response = api_as("partner_rep").get(url("account-routes/"))
    (route,) = response.json()["results"]
    assert route["account"] == world.customers["partner"].pk
    assert route["target_partner"] is None and route["eligible_partners"] == [world.partner.pk]
    assert route["rule"] is None and route["rule_name"] == "A rule about another partner"
    assert route["rationale"] == "another partner and a direct team share it."
    assert OTHER_PARTNER_MARK not in body_text(response)
    admin = api_as("admin").get(url("account-routes/?outcome=direct")).json()["results"]
    (named,) = admin  # every other account of the world is in Bavaria: partners
    assert named["account"] == world.customers["rep"].pk
    assert named["rule_name"] == f"Named accounts stay with {TEAM_NAME}"
    assert named["target_team"] == world.orgs["team"].pk


def test_leakage_is_for_admins_and_direct_managers(world, api_as, rulebook):
    assert api_as("manager").get(url("discount-leakage/")).status_code == 200
    for persona in ("rep", "partner_admin"):
        assert api_as(persona).get(url("discount-leakage/")).status_code == 403
    bad = api_as("admin").get(url("discount-leakage/?amount__gte=lots"))
    assert bad.status_code == 400 and "amount__gte" in bad.json()["fields"]
