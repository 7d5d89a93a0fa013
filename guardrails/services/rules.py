"""A draft's route rules: each rule is validated whole (`clean_rule`) before anything is written,
and positions stay 1..n with the default rule last; every position that moves is audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F

from core import audit
from core.acting import action
from core.models import AuditEvent
from guardrails.choices import Outcome, TargetKind
from guardrails.conditions import validate_conditions
from guardrails.models import RouteRule, RulebookVersion
from guardrails.plain import rule_label
from guardrails.services.versions import lock_draft
from tenancy.acting import Acting
from tenancy.models import Partner, Team

__all__ = [
    "RULE_KEYS",
    "clean_rule",
    "delete_rule",
    "move_rule",
    "replace_rules",
    "save_rule",
]

# The fields of a rule that a client writes, in the API's order (guardrails.api.serializers).
RULE_KEYS = (
    "position",
    "name",
    "conditions",
    "outcome",
    "target_kind",
    "target_team",
    "target_partner",
    "rationale",
    "is_default",
)


def _ref(model: type[models.Model], value: Any, label: str, errors: dict) -> Any:
    if value in (None, ""):
        return None
    if isinstance(value, model):
        return value
    pk = str(value)
    rows = model._default_manager
    found = rows.filter(pk=int(pk)).first() if pk.isdigit() and len(pk) < 19 else None
    if found is None:
        errors[label] = f"Unknown {model._meta.verbose_name} {value!r}."
    return found


def clean_rule(version: RulebookVersion, data: dict, *, label: str) -> dict:
    """Validated rule fields; a ValidationError names the rule (`label`) and what is wrong."""
    errors: dict[str, Any] = {}
    unknown = set(data).difference(RULE_KEYS)
    if unknown:
        errors["__all__"] = f"Unknown key(s) {', '.join(sorted(unknown))}."
    name = str(data.get("name") or "").strip()
    if not name:
        errors["name"] = "A rule needs a name."
    rationale = " ".join(str(data.get("rationale") or "").split())
    if not rationale:
        errors["rationale"] = "A rule needs a one-line rationale users will read."
    elif len(rationale) > 300:
        errors["rationale"] = "Keep the rationale to one line (300 characters)."
    outcome = data.get("outcome")
    if outcome not in Outcome.values:
        errors["outcome"] = f"Expected one of {', '.join(Outcome.values)}."
    kind = data.get("target_kind") or TargetKind.NONE
    if kind not in TargetKind.values:
        errors["target_kind"] = f"Expected one of {', '.join(TargetKind.values)}."
    team = _ref(Team, data.get("target_team"), "target_team", errors)
    partner = _ref(Partner, data.get("target_partner"), "target_partner", errors)
    if kind == TargetKind.TEAM and team is None and "target_team" not in errors:
        errors["target_team"] = "Choose the direct team this rule sends accounts to."
    if kind == TargetKind.PARTNER and partner is None and "target_partner" not in errors:
        errors["target_partner"] = "Choose the partner this rule sends accounts to."
    if kind == TargetKind.TEAM and outcome == Outcome.PARTNER:
        errors["target_kind"] = "A partner outcome cannot target a direct team."
    if kind in (TargetKind.PARTNER, TargetKind.AUTHORIZED) and outcome == Outcome.DIRECT:
        errors["target_kind"] = "A direct outcome cannot target partners."
    if kind != TargetKind.TEAM:
        team = None
    if kind != TargetKind.PARTNER:
        partner = None
    is_default = bool(data.get("is_default", False))
    conditions = data.get("conditions") or []
    try:
        conditions = validate_conditions(version.tenant, conditions, rule_label=label)
    except ValidationError as exc:
        errors["conditions"] = exc.messages
    if is_default and conditions:
        errors["conditions"] = f"{label}: the default rule has no conditions."
    if errors:
        raise ValidationError({k: v for k, v in errors.items()})
    return {
        "name": name[:200],
        "conditions": conditions,
        "outcome": outcome,
        "target_kind": kind,
        "target_team": team,
        "target_partner": partner,
        "rationale": rationale,
        "is_default": is_default,
    }


def _renumber(version: RulebookVersion, ordered: list[RouteRule]) -> None:
    """Give rules positions 1..n in the given order without tripping the unique constraint, and
    audit every position that changed (bulk updates send no signals)."""
    before = dict(RouteRule.objects.filter(version=version).values_list("id", "position"))
    offset = 1_000_000
    RouteRule.objects.filter(version=version).update(position=F("position") + offset)
    for index, rule in enumerate(ordered, start=1):
        rule.position = index
    RouteRule.objects.bulk_update(ordered, ["position"])
    for rule in ordered:
        old = before.get(rule.pk)
        if old is not None and old != rule.position:
            audit.record(
                AuditEvent.Action.UPDATE,
                tenant=version.tenant,
                obj=rule,
                changes={"position": [old, rule.position]},
            )


@action
@transaction.atomic
def save_rule(
    version: RulebookVersion, data: dict, *, rule: RouteRule | None = None, acting: Acting
) -> RouteRule:
    """Create (appended before the default rule, or at `position`) or update a draft's rule."""
    version = lock_draft(version)
    ordered = list(RouteRule.objects.filter(version=version).order_by("position"))
    if rule is not None:
        # The caller's copy may be stale (positions move); edit the stored row.
        rule = next((r for r in ordered if r.pk == rule.pk), None)
        if rule is None:
            raise ValidationError("That rule belongs to another version.")
    position = rule.position if rule else None
    clean = clean_rule(version, data, label=rule_label(position, data.get("name")))
    if rule is None:
        rule = RouteRule(tenant=version.tenant, version=version, position=len(ordered) + 1)
    for key, value in clean.items():
        setattr(rule, key, value)
    is_new = rule.pk is None
    if is_new:
        rule.position = len(ordered) + 1
        rule.save()
        ordered = [r for r in ordered if not r.is_default] + [rule]
        ordered += [r for r in RouteRule.objects.filter(version=version, is_default=True)]
        wanted = data.get("position")
        if isinstance(wanted, int) and 1 <= wanted <= len(ordered):
            ordered.remove(rule)
            ordered.insert(wanted - 1, rule)
        _renumber(version, _dedupe(ordered))
    else:
        rule.save()
    rule.refresh_from_db()
    return rule


def _dedupe(rules: list[RouteRule]) -> list[RouteRule]:
    seen, out = set(), []
    for rule in rules:
        if rule.pk not in seen:
            seen.add(rule.pk)
            out.append(rule)
    return out


@action
@transaction.atomic
def delete_rule(rule: RouteRule, *, acting: Acting) -> None:
    version = lock_draft(rule.version)
    rule.delete()
    _renumber(version, list(RouteRule.objects.filter(version=version).order_by("position")))


@action
@transaction.atomic
def move_rule(rule: RouteRule, position: int, *, acting: Acting) -> RouteRule:
    version = lock_draft(rule.version)
    ordered = [r for r in RouteRule.objects.filter(version=version).order_by("position")]
    current = next(r for r in ordered if r.pk == rule.pk)
    ordered.remove(current)
    position = max(1, min(int(position), len(ordered) + 1))
    ordered.insert(position - 1, current)
    _renumber(version, ordered)
    current.refresh_from_db()
    return current


@action
@transaction.atomic
def replace_rules(
    version: RulebookVersion, rules: list[dict], *, acting: Acting
) -> list[RouteRule]:
    """All of a draft's rules at once, in the given order (the API's PUT)."""
    version = lock_draft(version)
    if not isinstance(rules, list):
        raise ValidationError({"rules": "Expected a list of rules."})
    errors, clean = {}, []
    for index, data in enumerate(rules, start=1):
        if not isinstance(data, dict):
            errors[f"rules[{index}]"] = "Expected an object."
            continue
        try:
            clean.append(clean_rule(version, data, label=rule_label(index, data.get("name"))))
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors[f"rules[{index}].{key}"] = messages
    if errors:
        raise ValidationError(errors)
    RouteRule.objects.filter(version=version).delete()
    created = [
        RouteRule(tenant=version.tenant, version=version, position=i, **data)
        for i, data in enumerate(clean, start=1)
    ]
    for rule in created:
        rule.save()
    return created
