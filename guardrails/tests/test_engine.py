"""The rulebook engine and its life cycle, as a RevOps admin would exercise them."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AccountProductLine, TargetListMember
from accounts.tests.factories import (
    AccountFactory,
    ProductFactory,
    ProductLineFactory,
    SegmentFactory,
    TargetListFactory,
    TierFactory,
)
from core.acting import SystemActor
from core.models import AuditEvent
from core.tenancy import tenant_scope
from guardrails import engine
from guardrails.choices import ExceptionKind, ExceptionStatus, VersionStatus
from guardrails.models import (
    AccountRoute,
    DiscountLeakage,
    RuleException,
    SimulatedMove,
    Territory,
)
from guardrails.plain import describe_rule, published_rules_for
from guardrails.services.decisions import RECOMPUTE, recompute_routes, sweep_changes
from guardrails.services.errors import PublishRefused, VersionLocked
from guardrails.services.lint import lint
from guardrails.services.pricing import check_discount, record_leakage, save_corridor
from guardrails.services.publish import activate_due_versions, publish
from guardrails.services.registration import check_registration, save_criteria
from guardrails.services.rules import move_rule, save_rule
from guardrails.services.simulation import run_simulation, start_simulation
from guardrails.services.versions import active_version, create_draft, delete_draft
from guardrails.tests.factories import (
    PartnerAuthorizationFactory,
    TerritoryAreaFactory,
    TerritoryFactory,
)
from pipeline.models import OpportunityLine, Stage
from pipeline.services import ensure_default_stages
from pipeline.tests.factories import OpportunityFactory
from tenancy.choices import PartnerStatus, PartnerTier, Role
from tenancy.services import membership_for
from tenancy.tests.factories import PartnerFactory, TeamFactory, TenantFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    """A tenant with territories, product lines, partners and a team, inside its scope."""
    tenant = TenantFactory(slug="shop")
    with tenant_scope(tenant):
        bavaria = TerritoryFactory(tenant=tenant, code="bavaria", name="Bavaria")
        TerritoryAreaFactory(territory=bavaria, country="DE", region="DE-BY")
        munich = TerritoryFactory(tenant=tenant, code="munich", name="Munich")
        TerritoryAreaFactory(territory=munich, country="DE", postal_from="80", postal_to="81")
        nordics = TerritoryFactory(tenant=tenant, code="nordics", name="Nordics")
        for country in ("SE", "NO", "DK"):
            TerritoryAreaFactory(territory=nordics, country=country)
        parts = ProductLineFactory(
            tenant=tenant, code="parts", name="Spare parts", service_heavy=True
        )
        loaders = ProductLineFactory(tenant=tenant, code="loaders", name="Wheel loaders")
        gold = PartnerFactory(tenant=tenant, name="Alpenland Maschinen", tier=PartnerTier.GOLD)
        platinum = PartnerFactory(
            tenant=tenant, name="Bayern Baumaschinen", tier=PartnerTier.PLATINUM
        )
        PartnerAuthorizationFactory(partner=gold, territory=bavaria)
        PartnerAuthorizationFactory(partner=platinum, territory=bavaria, product_line=parts)
        team = TeamFactory(tenant=tenant, name="Key Accounts")
        strategic = TierFactory(tenant=tenant, key="strategic", name="Strategic")
        SegmentFactory(tenant=tenant, key="mining", name="Mining")
        admin = member(tenant, Role.REVOPS_ADMIN)
        yield {
            "tenant": tenant,
            "parts": parts,
            "loaders": loaders,
            "gold": gold,
            "platinum": platinum,
            "team": team,
            "strategic": strategic,
            "admin": admin,
            "acting": membership_for(admin, tenant),
        }


def draft_with(shop, rules):
    version = create_draft(shop["tenant"], acting=shop["acting"])
    for data in rules:
        save_rule(version, data, acting=shop["acting"])
    return version


SMALL_BAVARIA_PARTS = {
    "name": "Small Bavarian parts buyers",
    "conditions": [
        {"field": "territory", "op": "in", "value": ["bavaria"]},
        {"field": "employee_band", "op": "between", "value": {"min": None, "max": "200-499"}},
        {"field": "product_line", "op": "any", "value": ["parts"]},
    ],
    "outcome": "partner",
    "target_kind": "authorized",
    "rationale": "Local distributors stock parts and answer the same day.",
}
NAMED_DIRECT = {
    "name": "Named accounts",
    "conditions": [{"field": "named_account", "op": "is", "value": True}],
    "outcome": "direct",
    "target_kind": "team",
    "target_team": None,  # filled per test
    "rationale": "Named accounts are served by Key Accounts.",
}


def published(shop, rules):
    version = draft_with(shop, rules)
    return publish(version, acting=shop["acting"])


def test_territories_match_by_region_and_postal_range(shop):
    matcher = engine.TerritoryMatcher.for_tenant()
    assert matcher.codes_for("DE", "DE-BY", "80331") == {"bavaria", "munich"}
    assert matcher.codes_for("DE", "DE-BY", "90402") == {"bavaria"}
    assert matcher.codes_for("DE", "DE-BW", "81 234") == {"munich"}
    assert matcher.codes_for("SE", "", "") == {"nordics"}
    assert matcher.codes_for("FR", "", "75001") == frozenset()
    assert matcher.primary("DE", "DE-BY", "80331") == "munich"  # postal beats region
    assert matcher.primary("DE", "DE-BY", "90402") == "bavaria"
    assert matcher.primary("FR", "", "75001") == ""


def test_rules_decide_and_rank_authorized_partners_by_tier(shop):
    version = published(shop, [SMALL_BAVARIA_PARTS])
    account = AccountFactory(
        tenant=shop["tenant"], country="DE", region="DE-BY", employee_band="50-199"
    )
    AccountProductLine.objects.create(
        tenant=shop["tenant"], account=account, product_line=shop["parts"], relation="interest"
    )
    decision = engine.CompiledRulebook.for_version(version).decide(
        engine.account_facts([account.pk])[account.pk]
    )
    assert decision.rule_name == "Small Bavarian parts buyers"
    assert decision.outcome == "partner"
    # Platinum is authorized for parts, gold for every line: platinum first.
    assert decision.eligible_partner_ids == (shop["platinum"].pk, shop["gold"].pk)
    assert decision.target_partner_id == shop["platinum"].pk


def test_explain_says_why_each_earlier_rule_did_not_match(shop):
    named = dict(NAMED_DIRECT, target_team=shop["team"].pk)
    published(shop, [named, SMALL_BAVARIA_PARTS])
    account = AccountFactory(
        tenant=shop["tenant"], country="DE", region="DE-BY", employee_band="1000-4999"
    )
    explanation = engine.explain_account(account)
    assert explanation.decision is not None and explanation.decision.rule_name == "Default"
    first, second, default = explanation.traces
    assert not first.matched
    assert first.conditions[0].reason == "named account is no, not yes"
    assert [c.passed for c in second.conditions] == [True, False, False]
    assert "1000-4999 is outside …–200-499" in second.conditions[1].reason
    assert "has none, none of Spare parts" in second.conditions[2].reason
    assert default.matched


def test_hypothetical_attributes_are_validated_and_explained(shop):
    published(shop, [SMALL_BAVARIA_PARTS])
    explanation = engine.explain_hypothetical(
        shop["tenant"],
        {"country": "de", "region": "DE-BY", "employee_band": "1-49", "product_lines": ["parts"]},
    )
    assert explanation.decision is not None and explanation.decision.outcome == "partner"
    with pytest.raises(ValidationError) as caught:
        engine.explain_hypothetical(
            shop["tenant"], {"country": "XX", "employee_band": "huge", "colour": "red"}
        )
    errors = caught.value.message_dict
    assert "unknown country code 'XX'" in errors["country"][0]
    assert "Unknown band" in errors["employee_band"][0]
    assert "colour" in errors


def test_a_malformed_condition_is_refused_naming_the_rule_and_the_condition(shop):
    version = create_draft(shop["tenant"], acting=shop["acting"])
    bad = {
        "name": "Broken",
        "outcome": "partner",
        "target_kind": "authorized",
        "rationale": "x",
        "conditions": [
            {"field": "territory", "op": "in", "value": ["bavaria"]},
            {"field": "country", "op": "in", "value": ["DE", "ZZ"]},
            {"field": "employee_band", "op": "between", "value": {"min": "5000+", "max": "1-49"}},
            {"field": "shoe_size", "op": "in", "value": [42]},
        ],
    }
    with pytest.raises(ValidationError) as caught:
        save_rule(version, bad, acting=shop["acting"])
    messages = caught.value.message_dict["conditions"]
    assert messages == [
        "Rule “Broken”, condition 2 (country): unknown country code 'ZZ'.",
        "Rule “Broken”, condition 3 (employee_band): impossible range: minimum 5000+ is above "
        "maximum 1-49.",
        "Rule “Broken”, condition 4 (shoe_size): unknown field 'shoe_size'; expected one of "
        "territory, country, region, segment, tier, employee_band, revenue_band, product_line, "
        "product_mix, deal_size, service_need, named_account, target_list, owner, owner_partner, "
        "owner_team.",
    ]
    assert version.rules.count() == 1  # only the default rule


def test_new_rules_go_before_the_default_and_can_be_moved(shop):
    version = draft_with(
        shop, [SMALL_BAVARIA_PARTS, dict(NAMED_DIRECT, target_team=shop["team"].pk)]
    )
    names = list(version.rules.order_by("position").values_list("name", flat=True))
    assert names == ["Small Bavarian parts buyers", "Named accounts", "Default"]
    move_rule(version.rules.get(name="Named accounts"), 1, acting=shop["acting"])
    names = list(version.rules.order_by("position").values_list("name", flat=True))
    assert names == ["Named accounts", "Small Bavarian parts buyers", "Default"]
    named = version.rules.get(name="Named accounts")
    moved = AuditEvent.objects.filter(object_type="guardrails.RouteRule", object_id=str(named.pk))
    assert moved.filter(changes__position=[2, 1]).count() == 1


def test_lint_finds_shadowed_contradictory_and_dangling_rules(shop):
    version = draft_with(
        shop,
        [
            {
                "name": "All Bavaria",
                "conditions": [{"field": "territory", "op": "in", "value": ["bavaria", "munich"]}],
                "outcome": "partner",
                "target_kind": "authorized",
                "rationale": "Partners in Bavaria.",
            },
            SMALL_BAVARIA_PARTS,
            {
                "name": "Impossible",
                "conditions": [
                    {"field": "country", "op": "in", "value": ["DE"]},
                    {"field": "country", "op": "in", "value": ["SE"]},
                ],
                "outcome": "direct",
                "rationale": "Never.",
            },
            {
                "name": "Gold only",
                "conditions": [{"field": "territory", "op": "in", "value": ["nordics"]}],
                "outcome": "partner",
                "target_kind": "partner",
                "target_partner": shop["gold"].pk,
                "rationale": "Gold serves the Nordics.",
            },
        ],
    )
    shop["gold"].status = PartnerStatus.SUSPENDED
    shop["gold"].save()
    territory = shop["tenant"] and Territory.objects.get(code="nordics")
    territory.archived_at = timezone.now()
    territory.save()
    report = lint(version)
    codes = {(f.code, f.rule_name) for f in report.errors}
    assert ("shadowed", "Small Bavarian parts buyers") in codes
    assert ("contradiction", "Impossible") in codes
    assert ("inactive_partner", "Gold only") in codes
    assert ("deleted_territory", "Gold only") in codes
    shadow = next(f for f in report.errors if f.code == "shadowed")
    assert shadow.message == (
        "Rule 2 “Small Bavarian parts buyers”: can never match: Rule 1 “All Bavaria” comes first "
        "and matches every account it would."
    )
    with pytest.raises(PublishRefused) as refused:
        publish(version, acting=shop["acting"])
    assert len(refused.value.report.errors) == len(report.errors)
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT and version.published_at is None


def test_lint_counts_accounts_that_fall_through_to_the_default(shop):
    version = draft_with(shop, [SMALL_BAVARIA_PARTS])
    AccountFactory.create_batch(3, tenant=shop["tenant"], country="FR", region="")
    report = lint(version)
    assert report.ok
    assert report.fallthrough_count == 3
    assert any(f.code == "falls_through" for f in report.warnings)


def test_publishing_activates_retires_and_freezes_versions(shop):
    first = published(shop, [SMALL_BAVARIA_PARTS])
    assert first.status == VersionStatus.ACTIVE
    second = create_draft(shop["tenant"], acting=shop["acting"])
    assert [r.name for r in second.rules.order_by("position")] == [
        "Small Bavarian parts buyers",
        "Default",
    ]
    publish(second, acting=shop["acting"])
    first.refresh_from_db()
    assert first.status == VersionStatus.RETIRED
    assert active_version(shop["tenant"]) == second
    with pytest.raises(VersionLocked):
        save_rule(second, SMALL_BAVARIA_PARTS, acting=shop["acting"])
    with pytest.raises(VersionLocked):
        delete_draft(first, acting=shop["acting"])
    # Rolling back is publishing a copy of an earlier version.
    rollback = create_draft(shop["tenant"], acting=shop["acting"], copy_from=first)
    publish(rollback, acting=shop["acting"])
    active = active_version(shop["tenant"])
    assert active is not None and active.based_on == first


def test_a_scheduled_version_comes_into_force_when_due(shop):
    published(shop, [])
    later = create_draft(shop["tenant"], acting=shop["acting"])
    when = timezone.now() + dt.timedelta(days=2)
    publish(later, acting=shop["acting"], effective_at=when)
    later.refresh_from_db()
    assert later.status == VersionStatus.SCHEDULED
    assert activate_due_versions(shop["tenant"], acting=RECOMPUTE) is None
    assert activate_due_versions(shop["tenant"], now=when, acting=RECOMPUTE) == later
    assert active_version(shop["tenant"]) == later


@pytest.mark.django_db(transaction=True)  # the sweep reads committed changes only
def test_stored_routes_follow_accounts_and_exceptions(shop):
    named = dict(NAMED_DIRECT, target_team=shop["team"].pk)
    published(shop, [named, SMALL_BAVARIA_PARTS])
    account = AccountFactory(tenant=shop["tenant"], named_account=True)
    recompute_routes(shop["tenant"], acting=RECOMPUTE)
    route = AccountRoute.objects.get(account=account)
    assert (route.outcome, route.target_team_id) == ("direct", shop["team"].pk)
    # An approved exception lets the gold partner work the named account until it ends.
    exception = RuleException.objects.create(
        tenant=shop["tenant"],
        kind=ExceptionKind.WORK_ACCOUNT,
        status=ExceptionStatus.APPROVED,
        account=account,
        partner=shop["gold"],
        justification="Their plant is next door.",
        ends_on=timezone.localdate() + dt.timedelta(days=30),
        reviewed_at=timezone.now(),
    )
    recompute_routes(shop["tenant"], [account.pk], acting=RECOMPUTE)
    route.refresh_from_db()
    assert (route.outcome, route.target_partner_id, route.exception_id) == (
        "partner",
        shop["gold"].pk,
        exception.pk,
    )
    decision = engine.explain_account(account).decision
    assert decision is not None and decision.exception_id == exception.pk
    # The account stops being named: the sweep notices the change by its change sequence.
    RuleException.objects.filter(pk=exception.pk).update(status=ExceptionStatus.WITHDRAWN)
    account.named_account = False
    account.save()
    sweep_changes(shop["tenant"], acting=RECOMPUTE)
    route.refresh_from_db()
    assert route.rule is not None and route.rule.name == "Default"


def test_target_list_membership_recomputes_the_account(shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        abm, account = setup_abm(shop)
    with django_capture_on_commit_callbacks(execute=True):
        TargetListMember.objects.create(tenant=shop["tenant"], target_list=abm, account=account)
    assert AccountRoute.objects.get(account=account).rationale == (
        "ABM accounts are worked by Key Accounts."
    )


def setup_abm(shop):
    abm = TargetListFactory(tenant=shop["tenant"], name="ABM 2027")
    published(
        shop,
        [
            {
                "name": "ABM",
                "conditions": [{"field": "target_list", "op": "any", "value": [abm.pk]}],
                "outcome": "direct",
                "target_kind": "team",
                "target_team": shop["team"].pk,
                "rationale": "ABM accounts are worked by Key Accounts.",
            }
        ],
    )
    account = AccountFactory(tenant=shop["tenant"])
    recompute_routes(shop["tenant"], acting=RECOMPUTE)
    return abm, account


def make_deal(shop, *, discount, route="direct", partner=None):
    ensure_default_stages(shop["tenant"], acting=SystemActor("test setup"))
    account = AccountFactory(tenant=shop["tenant"], tier=shop["strategic"])
    opportunity = OpportunityFactory(
        tenant=shop["tenant"],
        account=account,
        stage=Stage.objects.get(key="propose"),
        route=route,
        partner=partner,
    )
    product = ProductFactory(tenant=shop["tenant"], product_line=shop["loaders"], list_price=100000)
    line = OpportunityLine.objects.create(
        tenant=shop["tenant"],
        opportunity=opportunity,
        product=product,
        quantity=2,
        list_price=100000,
        discount_pct=discount,
    )
    return opportunity, line


def test_corridor_check_and_leakage_in_currency(shop):
    version = create_draft(shop["tenant"], acting=shop["acting"])
    save_corridor(
        version,
        {"product_line": "loaders", "route": "direct", "min_discount": 0, "max_discount": 10},
        acting=shop["acting"],
    )
    save_corridor(
        version,
        {
            "product_line": "loaders",
            "route": "direct",
            "tier": "strategic",
            "min_discount": 5,
            "max_discount": 18,
        },
        acting=shop["acting"],
    )
    publish(version, acting=shop["acting"])
    inside = check_discount(
        shop["tenant"],
        product_line=shop["loaders"],
        route="direct",
        discount_pct=Decimal(15),
        tier=shop["strategic"],
    )
    assert inside.inside and inside.max_discount == Decimal(18)
    outside = check_discount(
        shop["tenant"], product_line=shop["loaders"], route="direct", discount_pct=Decimal(15)
    )
    assert not outside.inside and outside.outside_by == Decimal(5)
    below = check_discount(
        shop["tenant"],
        product_line=shop["loaders"],
        route="direct",
        discount_pct=Decimal(2),
        tier=shop["strategic"],
    )
    assert below.outside_by == Decimal(-3)

    opportunity, line = make_deal(shop, discount=Decimal(25))
    record_leakage(shop["tenant"], acting=RECOMPUTE)
    leak = DiscountLeakage.objects.get(line=line)
    # 2 x 100,000 list, 25 % given where 18 % was the most: 7 points of 200,000.
    assert leak.amount == Decimal("14000.00") and leak.max_discount == Decimal(18)
    RuleException.objects.create(
        tenant=shop["tenant"],
        kind=ExceptionKind.DISCOUNT,
        status=ExceptionStatus.APPROVED,
        account=opportunity.account,
        opportunity=opportunity,
        product_line=shop["loaders"],
        requested_discount=Decimal(25),
        justification="Competitive displacement.",
        ends_on=timezone.localdate() + dt.timedelta(days=10),
        reviewed_at=timezone.now(),
    )
    record_leakage(shop["tenant"], [opportunity.pk], acting=RECOMPUTE)
    assert not DiscountLeakage.objects.filter(line=line).exists()
    allowed = check_discount(
        shop["tenant"],
        product_line=shop["loaders"],
        route="",
        discount_pct=Decimal(25),
        opportunity=opportunity,
    )
    assert allowed.inside and allowed.exception is not None


def test_registration_criteria_are_judged_by_the_version_given(shop):
    version = published(shop, [])
    draft = create_draft(shop["tenant"], acting=shop["acting"])
    save_criteria(
        draft,
        {
            "min_amount": "25000",
            "required_fields": ["contact", "expected_close_on"],
            "min_partner_tier": "platinum",
        },
        acting=shop["acting"],
    )
    account = AccountFactory(
        tenant=shop["tenant"], country="DE", region="DE-BY", named_account=True
    )
    args = dict(
        partner=shop["gold"],
        account=account,
        amount=Decimal(10000),
        product_lines=[shop["loaders"]],
        provided_fields=["contact"],
    )
    assert check_registration(version, **args) == [
        "This is a named account reserved for the direct team."
    ]
    reasons = check_registration(draft, **args)
    assert "The amount is below the minimum of 25,000.00." in reasons
    assert "Missing required information: Expected close date." in reasons
    assert "Registrations need partner tier Platinum or above." in reasons
    account.country = "FR"
    account.save()
    assert "The partner is not authorized for this territory and product line." in (
        check_registration(version, **args)
    )


def test_simulation_reports_accounts_and_pipeline_that_move(shop):
    published(shop, [])  # everything direct
    bavarian = AccountFactory.create_batch(
        3, tenant=shop["tenant"], country="DE", region="DE-BY", employee_band="1-49"
    )
    AccountFactory.create_batch(2, tenant=shop["tenant"], country="FR", region="")
    ensure_default_stages(shop["tenant"], acting=SystemActor("test setup"))
    OpportunityFactory(
        tenant=shop["tenant"],
        account=bavarian[0],
        amount=80000,
        stage=Stage.objects.get(key="propose"),
    )
    draft = draft_with(
        shop,
        [
            {
                "name": "Bavaria to partners",
                "conditions": [{"field": "territory", "op": "in", "value": ["bavaria"]}],
                "outcome": "partner",
                "target_kind": "authorized",
                "rationale": "Partners cover Bavaria.",
            }
        ],
    )
    started = start_simulation(draft, acting=shop["acting"])
    simulation = run_simulation(started.pk, acting=RECOMPUTE)
    assert simulation is not None and simulation.status == "done"
    summary = simulation.summary
    assert summary["accounts"] == 5 and summary["moved_accounts"] == 3
    flow = next(f for f in summary["flows"] if (f["from"], f["to"]) == ("direct", "partner"))
    assert flow["accounts"] == 3 and Decimal(flow["open_pipeline"]) == Decimal(80000)
    assert summary["by_partner"]["Bayern Baumaschinen"]["gained_accounts"] == 3
    assert SimulatedMove.objects.filter(simulation=simulation).count() == 3
    top = SimulatedMove.objects.filter(simulation=simulation).first()
    assert top is not None
    assert top.open_pipeline == Decimal(80000) and top.to_rule == "Bavaria to partners"


def test_simulation_counts_pipeline_by_the_opportunities_that_move(shop):
    """Large deals go to another partner while the accounts keep their route: the moves list
    the opportunities, and each partner's net open pipeline is what moves to it minus what
    moves away from it."""
    bavaria_to_gold = {
        "name": "Bavaria to Alpenland",
        "conditions": [{"field": "territory", "op": "in", "value": ["bavaria"]}],
        "outcome": "partner",
        "target_kind": "partner",
        "target_partner": shop["gold"].pk,
        "rationale": "Alpenland covers Bavaria.",
    }
    published(shop, [bavaria_to_gold])
    bavarian = AccountFactory(tenant=shop["tenant"], country="DE", region="DE-BY")
    french = AccountFactory(tenant=shop["tenant"], country="FR", region="")
    ensure_default_stages(shop["tenant"], acting=SystemActor("test setup"))
    propose = Stage.objects.get(key="propose")
    big = OpportunityFactory(
        tenant=shop["tenant"], account=bavarian, name="New fleet", amount=80000, stage=propose
    )
    OpportunityFactory(tenant=shop["tenant"], account=bavarian, amount=10000, stage=propose)
    OpportunityFactory(
        tenant=shop["tenant"], account=french, name="Depot", amount=15000, stage=propose
    )
    draft = draft_with(
        shop,
        [
            {
                "name": "Big deals to Bayern Baumaschinen",
                "conditions": [
                    {"field": "deal_size", "op": "between", "value": {"min": 12000, "max": None}}
                ],
                "outcome": "partner",
                "target_kind": "partner",
                "target_partner": shop["platinum"].pk,
                "rationale": "Bayern Baumaschinen finances large deals.",
                "position": 1,  # before the copied Bavaria rule
            },
        ],
    )
    simulation = run_simulation(start_simulation(draft, acting=shop["acting"]).pk, acting=RECOMPUTE)
    assert simulation is not None and simulation.status == "done"
    moves = {m.account_id: m for m in SimulatedMove.objects.filter(simulation=simulation)}
    assert set(moves) == {bavarian.pk, french.pk}
    assert not moves[bavarian.pk].account_moves  # the account itself stays with Alpenland
    assert moves[bavarian.pk].from_target == moves[bavarian.pk].to_target == "Alpenland Maschinen"
    [deal] = moves[bavarian.pk].opportunity_moves
    assert deal["opportunity"] == big.pk and deal["name"] == "New fleet"
    assert Decimal(deal["amount"]) == Decimal(80000)
    assert (deal["from_target"], deal["to_target"]) == (
        "Alpenland Maschinen",
        "Bayern Baumaschinen",
    )
    assert moves[bavarian.pk].open_pipeline == Decimal(80000)
    assert [d["to_outcome"] for d in moves[french.pk].opportunity_moves] == ["partner"]

    by_partner = simulation.summary["by_partner"]
    moved_in: dict[str, Decimal] = {}
    moved_out: dict[str, Decimal] = {}
    for move in moves.values():
        for deal in move.opportunity_moves:
            amount = Decimal(deal["amount"])
            moved_in[deal["to_target"]] = moved_in.get(deal["to_target"], Decimal(0)) + amount
            moved_out[deal["from_target"]] = moved_out.get(deal["from_target"], Decimal(0)) + amount
    for partner in ("Alpenland Maschinen", "Bayern Baumaschinen"):
        net = Decimal(by_partner[partner]["gained_pipeline"]) - Decimal(
            by_partner[partner]["lost_pipeline"]
        )
        assert net == moved_in.get(partner, Decimal(0)) - moved_out.get(partner, Decimal(0))
    assert Decimal(by_partner["Bayern Baumaschinen"]["gained_pipeline"]) == Decimal(95000)
    assert Decimal(by_partner["Alpenland Maschinen"]["lost_pipeline"]) == Decimal(80000)
    assert by_partner["Bayern Baumaschinen"]["gained_accounts"] == 0  # no account moves
    flow = next(
        f for f in simulation.summary["flows"] if (f["from"], f["to"]) == ("direct", "partner")
    )
    assert flow["accounts"] == 0 and Decimal(flow["open_pipeline"]) == Decimal(15000)


def test_plain_language_and_what_partners_may_read(shop):
    version = published(
        shop,
        [
            SMALL_BAVARIA_PARTS,
            {
                "name": "Platinum nordics",
                "conditions": [{"field": "territory", "op": "in", "value": ["nordics"]}],
                "outcome": "partner",
                "target_kind": "partner",
                "target_partner": shop["platinum"].pk,
                "rationale": "Platinum partner for the Nordics.",
            },
            dict(NAMED_DIRECT, target_team=shop["team"].pk),
        ],
    )
    first = version.rules.get(position=1)
    assert describe_rule(first) == (
        "Accounts in Bavaria with fewer than 500 employees buying Spare parts are served by the "
        "partners authorized for the territory and product line, best tier first."
    )
    gold_user = member(shop["tenant"], Role.PARTNER_REP, partner=shop["gold"]).memberships.get()
    sentences = [s for _, s in published_rules_for(gold_user)]
    assert len(sentences) == 3  # not the rule naming the platinum partner
    assert not any("Bayern" in s or "Key Accounts" in s for s in sentences)
    assert "Accounts named for the direct team are served by the direct team." in sentences
    admin = shop["admin"].memberships.get()
    assert any("Key Accounts" in s for _, s in published_rules_for(admin))


def test_compiled_decisions_agree_with_explain(shop):
    """The fast path and the explaining path never disagree."""
    rng = random.Random(7)
    fields = [
        {"field": "territory", "op": rng.choice(["in", "not_in"]), "value": ["bavaria"]},
        {"field": "country", "op": rng.choice(["in", "not_in"]), "value": ["DE"]},
        {"field": "employee_band", "op": "between", "value": {"min": "50-199", "max": None}},
        {"field": "product_line", "op": "any", "value": ["parts"]},
        {"field": "product_mix", "op": "at_least", "value": 50},
        {"field": "named_account", "op": "is", "value": False},
        {"field": "owner", "op": "is", "value": "none"},
    ]
    rules = []
    for i in range(12):
        conditions = rng.sample(fields, rng.randint(1, 3))
        rules.append(
            {"name": f"R{i}", "conditions": conditions, "outcome": "direct", "rationale": "r"}
        )
    version = draft_with(shop, rules)
    compiled = engine.CompiledRulebook.for_version(version)
    for _ in range(200):
        territories = frozenset(rng.sample(["bavaria", "munich", "nordics"], rng.randint(0, 1)))
        facts = engine.Facts(
            territories=territories,
            country="SE" if "nordics" in territories else rng.choice(["DE", "FR"]),
            employee_rank=rng.choice([None, 0, 1, 3, 5]),
            product_lines=frozenset(rng.sample(["parts", "loaders"], rng.randint(0, 2))),
            service_share=rng.choice([None, 0.0, 50.0, 100.0]),
            named_account=rng.random() < 0.3,
            owner_kind=rng.choice(["none", "direct", "partner"]),
        )
        explained = compiled.explain(facts).decision
        assert explained is not None and compiled.decide(facts).rule_id == explained.rule_id
