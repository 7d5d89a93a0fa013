"""The version diff on rows in memory: rules matched by name, corridors by what they cover,
criteria field by field (the page itself is tested in test_rulebook_pages)."""

from __future__ import annotations

from decimal import Decimal

from accounts.models import ProductLine
from guardrails.choices import Outcome, TargetKind
from guardrails.diff import diff_corridors, diff_criteria, diff_rules
from guardrails.models import PricingCorridor, RegistrationCriteria, RouteRule

AUSTRIA = [{"field": "country", "op": "in", "value": ["AT"]}]
NO_OWNER = [{"field": "owner", "op": "is", "value": "none"}]


def rule(name: str, position: int, **fields) -> RouteRule:
    values = {
        "outcome": Outcome.PARTNER,
        "target_kind": TargetKind.AUTHORIZED,
        "rationale": "Partners serve it.",
        "conditions": AUSTRIA,
        **fields,
    }
    return RouteRule(pk=position * 10, name=name, position=position, **values)


def default(position: int) -> RouteRule:
    return rule("Default", position, conditions=[], outcome=Outcome.DIRECT, is_default=True)


def test_unchanged_rules_are_not_listed():
    rules = [rule("Austria", 1), default(2)]
    assert diff_rules(rules, [rule("Austria", 1), default(2)], names={}) == []


def test_rules_added_removed_and_changed_are_matched_by_name():
    base = [rule("Austria", 1), rule("Goes", 2, conditions=NO_OWNER), default(3)]
    new = [
        rule("Austria", 1, rationale="Austria goes to partners now.", outcome=Outcome.OPEN),
        rule("Brand new", 2, conditions=NO_OWNER, outcome=Outcome.OPEN),
        default(3),
    ]
    changes = {c.name: c for c in diff_rules(base, new, names={})}
    assert set(changes) == {"Austria", "Goes", "Brand new"}
    assert changes["Goes"].kind == "removed" and "with no owner yet" in changes["Goes"].before
    assert changes["Brand new"].kind == "added" and changes["Brand new"].after_position == 2
    changed = changes["Austria"]
    assert changed.kind == "changed"
    assert changed.details == [
        "route",
        "rationale: “Partners serve it.” → “Austria goes to partners now.”",
    ]
    assert "in Austria" in changed.before and "open to both routes" in changed.after


def test_a_rule_that_only_changed_place_among_shared_rules_is_moved():
    base = [rule("Austria", 1), rule("Swiss", 2, conditions=NO_OWNER), default(3)]
    new = [rule("Swiss", 1, conditions=NO_OWNER), rule("Austria", 2), default(3)]
    changes = diff_rules(base, new, names={})
    assert [(c.kind, c.name, c.details) for c in changes] == [
        ("moved", "Swiss", ["order"]),
        ("moved", "Austria", ["order"]),
    ]


def corridor(
    max_discount: str, *, route: str = "direct", partner_tier: str = ""
) -> PricingCorridor:
    line = ProductLine(pk=7, name="Hydraulics", code="hydraulics")
    return PricingCorridor(
        product_line=line,
        route=route,
        partner_tier=partner_tier,
        min_discount=Decimal("0.00"),
        max_discount=Decimal(max_discount),
    )


def test_corridors_are_matched_by_what_they_cover_and_compared_by_their_bounds():
    base = [corridor("10.00"), corridor("5.00", route="partner")]
    gold = corridor("8.00", route="partner", partner_tier="gold")
    new = [corridor("12.00"), corridor("5.00", route="partner"), gold]
    assert diff_corridors(base, new) == [
        {
            "kind": "changed",
            "label": "Hydraulics, direct, every tier",
            "before": "0.00–10.00%",
            "after": "0.00–12.00%",
        },
        {
            "kind": "added",
            "label": "Hydraulics, partner, every tier, Gold partners",
            "after": "0.00–8.00%",
        },
    ]
    assert diff_corridors(new, base)[-1]["kind"] == "removed"


def test_criteria_list_only_the_fields_that_differ_in_words():
    base = RegistrationCriteria(min_amount=Decimal("1000.00"), eligible_product_lines=[])
    new = RegistrationCriteria(
        min_amount=Decimal("1000.00"),
        eligible_product_lines=["hydraulics", "parts"],
        require_authorization=False,
    )
    assert diff_criteria(base, new) == [
        ("Eligible product lines", "—", "hydraulics, parts"),
        ("Partner authorization required", "yes", "no"),
    ]
    assert diff_criteria(None, None) == []
