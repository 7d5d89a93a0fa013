"""The rules in plain language, and which published rules and corridors each user may read.

"Accounts in Bavaria with fewer than 500 employees buying spare parts are served by partners."
A partner reads the rules that bind it: rules served by the direct team (without internal team
names), rules open to deal registration, rules for authorized partners, and rules naming it; never
rules naming another partner, nor corridors of other partner tiers.
"""

from __future__ import annotations

from typing import Any

import pycountry
from django.db.models import Q, QuerySet

from accounts.choices import ServiceNeed
from accounts.models import ProductLine, Segment, TargetList, Tier
from guardrails.choices import Outcome, TargetKind
from guardrails.conditions import BANDS
from guardrails.models import PricingCorridor, RouteRule, Rulebook, Territory
from tenancy.models import Membership, Partner, Team

__all__ = [
    "condition_phrase",
    "corridors_for",
    "describe_rule",
    "published_rules_for",
    "rule_label",
    "rule_names",
]

EMPLOYEE_WORDS = {
    # band → (lower bound in words, upper bound in words)
    "1-49": ("1", "50"),
    "50-199": ("50", "200"),
    "200-499": ("200", "500"),
    "500-999": ("500", "1,000"),
    "1000-4999": ("1,000", "5,000"),
    "5000+": ("5,000", None),
}
REVENUE_WORDS = {
    "<1M": ("0", "1M"),
    "1M-10M": ("1M", "10M"),
    "10M-50M": ("10M", "50M"),
    "50M-250M": ("50M", "250M"),
    "250M-1B": ("250M", "1B"),
    "1B+": ("1B", None),
}


def _or(items: list[str], word: str = "or") -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def _place(code: str) -> str:
    found = pycountry.subdivisions.get(code=code) if "-" in code else None
    if found is None and "-" not in code:
        found = pycountry.countries.get(alpha_2=code)
    return getattr(found, "name", code)


def _range_phrase(field: str, value: dict) -> str:
    words = EMPLOYEE_WORDS if field == "employee_band" else REVENUE_WORDS
    low = words[value["min"]][0] if value["min"] else None
    high = words[value["max"]][1] if value["max"] else None
    if value["min"] == BANDS[field][0]:
        low = None
    if field == "employee_band":
        if low and high:
            return f"with {low} to {high} employees (not including {high})"
        return f"with fewer than {high} employees" if high else f"with {low} or more employees"
    if low and high:
        return f"with annual revenue of {low} to {high}"
    return f"with annual revenue under {high}" if high else f"with annual revenue of {low} or more"


def condition_phrase(condition: dict, names: dict, *, hide_ids: bool = False) -> str:
    """One condition as a phrase that continues "Accounts …"."""
    field, op, value = condition["field"], condition["op"], condition["value"]

    def named(values: list) -> list[str]:
        return [str(names.get((field, v), v)) for v in values]

    if field in ("territory", "country", "region"):
        places = named(value) if field == "territory" else [_place(v) for v in value]
        return f"in {_or(places)}" if op == "in" else f"outside {_or(places)}"
    if field in ("segment", "tier"):
        noun = "segment" if field == "segment" else "tier"
        listed = _or(named(value))
        return f"in the {listed} {noun}" if op == "in" else f"not in the {listed} {noun}"
    if field in ("employee_band", "revenue_band"):
        return _range_phrase(field, value)
    if field == "product_line":
        lines = named(value)
        if op == "any":
            return f"buying {_or(lines)}"
        if op == "all":
            return f"buying {_or(lines, 'and')}"
        return f"not buying {_or(lines)}"
    if field == "product_mix":
        side = "at least" if op == "at_least" else "at most"
        return f"whose product mix is {side} {value:.0f}% service-heavy lines"
    if field == "deal_size":
        low, high = value["min"], value["max"]
        fmt = lambda v: f"{float(v):,.0f}"  # noqa: E731
        if low and high:
            return f"on deals of {fmt(low)} to {fmt(high)}"
        return f"on deals up to {fmt(high)}" if high else f"on deals of {fmt(low)} or more"
    if field == "service_need":
        needs = [n.lower() for n in named(value)]
        return f"needing {_or(needs)}" if op == "any" else f"not needing {_or(needs)}"
    if field == "named_account":
        return "named for the direct team" if value else "not named for the direct team"
    if field == "target_list":
        lists = _or(named(value)) if not hide_ids else "a target list"
        return f"on {lists}" if op == "any" else f"not on {lists}"
    if field == "owner":
        return {
            "none": "with no owner yet",
            "direct": "owned by the direct team",
            "partner": "owned by a partner",
        }[value]
    if field in ("owner_partner", "owner_team"):
        who = "a named partner" if hide_ids else _or(named(value))
        return f"owned by {who}" if op == "in" else f"not owned by {who}"
    return f"{field} {op} {value}"


def _served_by(rule: RouteRule, names: dict, for_partner: int | None) -> str:
    if rule.outcome == Outcome.OPEN:
        return "are open to both routes: the first approved deal registration wins"
    if rule.target_kind == TargetKind.TEAM and rule.target_team_id:
        team = (
            "the direct team"
            if for_partner is not None
            else names.get(("owner_team", rule.target_team_id), "the direct team")
        )
        return f"are served by {team}"
    if rule.target_kind == TargetKind.PARTNER and rule.target_partner_id:
        if for_partner is not None and rule.target_partner_id != for_partner:
            return "are served by another partner"
        partner = names.get(("owner_partner", rule.target_partner_id), "a named partner")
        return f"are served by {'you' if for_partner == rule.target_partner_id else partner}"
    if rule.target_kind == TargetKind.AUTHORIZED:
        return "are served by the partners authorized for the territory and product line, best tier first"
    if rule.target_kind == TargetKind.ACCOUNT_OWNER:
        return "stay with their current owner"
    return (
        "are served by partners"
        if rule.outcome == Outcome.PARTNER
        else "are served by the direct team"
    )


def describe_rule(
    rule: RouteRule, *, for_partner: int | None = None, names: dict | None = None
) -> str:
    """The rule as one sentence. `for_partner`: phrase it for that partner's users."""
    if names is None:
        names = rule_names()
    phrases = [
        condition_phrase(c, names, hide_ids=for_partner is not None) for c in rule.conditions
    ]
    subject = "All other accounts" if not phrases else "Accounts " + " ".join(phrases)
    return f"{subject} {_served_by(rule, names, for_partner)}."


def rule_names() -> dict:
    """(condition field, stored value) → the name people read, for condition values and rule
    targets in the current tenant scope: territory codes, keys and ids become names."""
    names: dict[tuple, str] = {}
    sources = {
        "territory": Territory.objects.values_list("code", "name"),
        "segment": Segment.objects.values_list("key", "name"),
        "tier": Tier.objects.values_list("key", "name"),
        "product_line": ProductLine.objects.values_list("code", "name"),
        "target_list": TargetList.objects.values_list("id", "name"),
        "owner_partner": Partner.objects.values_list("id", "name"),
        "owner_team": Team.objects.values_list("id", "name"),
        "service_need": ServiceNeed.choices,
    }
    for field_name, pairs in sources.items():
        names.update({(field_name, value): name for value, name in pairs})
    return names


def rule_label(position: int | None, name: Any) -> str:
    """How messages name a rule: `Rule 3 “Bavaria”`, or `Rule “Bavaria”` before it has a place."""
    shown = str(name or "").strip() or "unnamed"
    return f"Rule {position} “{shown}”" if position else f"Rule “{shown}”"


def _active_version():
    rulebook = Rulebook.objects.select_related("active_version").first()
    return rulebook.active_version if rulebook else None


def published_rules_for(membership: Membership, version: Any = None) -> list[tuple[RouteRule, str]]:
    """The rules of the active (or given published) version this user may read, as sentences."""
    version = version or _active_version()
    if version is None or (version.is_draft and not membership.is_admin):
        return []
    rules = list(RouteRule.objects.filter(version=version).order_by("position"))
    partner_id = membership.partner_id if membership.is_partner_user else None
    if partner_id is not None:
        rules = [rule for rule in rules if _binds_partner(rule, partner_id)]
    names = rule_names()
    return [(rule, describe_rule(rule, for_partner=partner_id, names=names)) for rule in rules]


def _binds_partner(rule: RouteRule, partner_id: int) -> bool:
    """Whether a partner may read this rule: not when it names another partner, as target or in
    a condition on who owns the account."""
    if rule.target_kind == TargetKind.PARTNER and rule.target_partner_id != partner_id:
        return False
    return not any(
        c["field"] == "owner_partner" and partner_id not in c["value"] for c in rule.conditions
    )


def corridors_for(membership: Membership, version: Any = None) -> QuerySet[PricingCorridor]:
    """Corridors a user may read: partners only their route and partner tier."""
    version = version or _active_version()
    corridors = PricingCorridor.objects.select_related("product_line", "tier")
    if version is None:
        return corridors.none()
    corridors = corridors.filter(version=version)
    if membership.partner is not None:  # a partner user (the membership's check constraint)
        tier = membership.partner.tier
        return corridors.filter(route="partner").filter(Q(partner_tier="") | Q(partner_tier=tier))
    return corridors
