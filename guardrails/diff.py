"""What changed between two rulebook versions, as the console's diff page shows it.

Rules are matched by name (names are what admins edit by): added, removed, changed (which
fields) or moved (their order among the rules both versions share). Corridors are matched by what
they cover (product line, route, tier, partner tier) and compared by their bounds; registration
criteria field by field. Pure functions over rows already loaded: the caller decides which rows a
user may see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from guardrails.models import PricingCorridor, RegistrationCriteria, RouteRule
from guardrails.plain import describe_rule

__all__ = ["CRITERIA_FIELDS", "RuleChange", "diff_corridors", "diff_criteria", "diff_rules"]


@dataclass
class RuleChange:
    """One rule's change, with the sentence people read before and after."""

    kind: str  # added / removed / changed / moved
    name: str
    before: str = ""  # the sentence before
    after: str = ""
    before_position: int | None = None
    after_position: int | None = None
    details: list[str] = field(default_factory=list)


# What a rule change is called, by the field that changed.
RULE_FIELDS = (
    ("conditions", "conditions"),
    ("outcome", "route"),
    ("target_kind", "target"),
    ("target_team_id", "target team"),
    ("target_partner_id", "target partner"),
    ("rationale", "rationale"),
    ("is_default", "default rule"),
)


def diff_rules(base: list[RouteRule], new: list[RouteRule], names: dict) -> list[RuleChange]:
    """Rules added, removed, changed or moved, matched by name (names are what admins edit by)."""
    old_by_name = {r.name: r for r in base}
    new_by_name = {r.name: r for r in new}
    base_rank = [r.name for r in base if r.name in new_by_name]
    new_rank = [r.name for r in new if r.name in old_by_name]
    changes: list[RuleChange] = []
    for rule in new:
        before = old_by_name.get(rule.name)
        after_text = describe_rule(rule, names=names)
        if before is None:
            changes.append(
                RuleChange("added", rule.name, after=after_text, after_position=rule.position)
            )
            continue
        before_text = describe_rule(before, names=names)
        details = [
            label for name, label in RULE_FIELDS if getattr(before, name) != getattr(rule, name)
        ]
        moved = base_rank.index(rule.name) != new_rank.index(rule.name)
        if details or moved:
            change = RuleChange(
                "changed" if details else "moved",
                rule.name,
                before=before_text,
                after=after_text,
                before_position=before.position,
                after_position=rule.position,
                details=details + (["order"] if moved else []),
            )
            if "rationale" in details:
                change.details[details.index("rationale")] = (
                    f"rationale: “{before.rationale}” → “{rule.rationale}”"
                )
            changes.append(change)
    for rule in base:
        if rule.name not in new_by_name:
            changes.append(
                RuleChange(
                    "removed",
                    rule.name,
                    before=describe_rule(rule, names=names),
                    before_position=rule.position,
                )
            )
    order = {"removed": 0, "added": 1, "changed": 2, "moved": 3}
    return sorted(
        changes, key=lambda c: (c.after_position or c.before_position or 0, order[c.kind])
    )


def _corridor_key(c: PricingCorridor) -> tuple:
    return (c.product_line_id, c.route, c.tier_id, c.partner_tier)


def _corridor_label(c: PricingCorridor) -> str:
    parts = [c.product_line.name, c.get_route_display().lower()]
    parts.append(c.tier.name if c.tier is not None else "every tier")
    if c.partner_tier:
        parts.append(f"{c.get_partner_tier_display()} partners")
    return ", ".join(parts)


def diff_corridors(base: list[PricingCorridor], new: list[PricingCorridor]) -> list[dict]:
    old = {_corridor_key(c): c for c in base}
    cur = {_corridor_key(c): c for c in new}
    out = []
    for key, c in cur.items():
        before = old.get(key)
        if before is None:
            out.append({"kind": "added", "label": _corridor_label(c), "after": str(c)})
        elif (before.min_discount, before.max_discount) != (c.min_discount, c.max_discount):
            out.append(
                {
                    "kind": "changed",
                    "label": _corridor_label(c),
                    "before": str(before),
                    "after": str(c),
                }
            )
    for key, c in old.items():
        if key not in cur:
            out.append({"kind": "removed", "label": _corridor_label(c), "before": str(c)})
    return sorted(out, key=lambda d: d["label"])


CRITERIA_FIELDS = (
    ("min_amount", "Minimum deal amount"),
    ("eligible_product_lines", "Eligible product lines"),
    ("required_fields", "Required fields"),
    ("require_authorization", "Partner authorization required"),
    ("min_partner_tier", "Minimum partner tier"),
    ("exclude_named_accounts", "Named accounts excluded"),
    ("protection_days", "Protection (days)"),
    ("max_extensions", "Extensions allowed"),
    ("extension_days", "Days per extension"),
)


def diff_criteria(
    base: RegistrationCriteria | None, new: RegistrationCriteria | None
) -> list[tuple[str, str, str]]:
    def show(value: Any) -> str:
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, list):
            return ", ".join(str(v) for v in value) or "—"
        return str(value) if value not in ("", None) else "—"

    empty = RegistrationCriteria()
    base, new = base or empty, new or empty
    return [
        (label, show(getattr(base, name)), show(getattr(new, name)))
        for name, label in CRITERIA_FIELDS
        if getattr(base, name) != getattr(new, name)
    ]
