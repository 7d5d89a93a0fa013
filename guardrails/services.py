"""The rulebook's life cycle and what it decides.

Drafts are edited (`save_rule`, `save_corridor`, `save_criteria`…), linted, simulated and
published; a published version never changes again (`VersionLocked`). Publishing checks lint in
the same transaction that flips the status, so a version with errors is never half-published.

What the active version decides is stored: `AccountRoute` per account and `DiscountLeakage` per
discounted opportunity line. Both are recomputed in the background when a version becomes active,
and by a sweep over the accounts and opportunities whose change sequence moved since the last
sweep (`sweep_changes`), so bulk CRM writes that send no signals are caught too.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from accounts.models import Account, ProductLine, Tier
from core import audit
from core.models import AuditEvent
from core.sync import safe_horizon
from guardrails.choices import (
    ExceptionKind,
    ExceptionStatus,
    Outcome,
    RequiredField,
    SimulationStatus,
    TargetKind,
    VersionStatus,
)
from guardrails.conditions import FIELDS, contradicts, implies, validate_conditions
from guardrails.engine import (
    NO_DECISION,
    CompiledRulebook,
    Decision,
    FactsLoader,
    apply_exception,
    deal_facts,
    iter_account_facts,
    work_exceptions,
)
from guardrails.models import (
    AccountRoute,
    DiscountLeakage,
    PricingCorridor,
    RegistrationCriteria,
    RouteRule,
    Rulebook,
    RulebookVersion,
    RuleException,
    SimulatedMove,
    Simulation,
)
from pipeline.choices import Outcome as StageOutcome
from pipeline.choices import Route
from pipeline.models import Opportunity, OpportunityLine
from tenancy.choices import PartnerStatus, PartnerTier
from tenancy.models import Partner, Team

__all__ = [
    "CorridorVerdict",
    "Finding",
    "LintReport",
    "PublishRefused",
    "VersionLocked",
    "activate_due_versions",
    "active_version",
    "check_discount",
    "check_registration",
    "create_draft",
    "delete_corridor",
    "delete_draft",
    "delete_rule",
    "get_rulebook",
    "lint",
    "move_rule",
    "publish",
    "recompute_routes",
    "record_leakage",
    "replace_rules",
    "run_simulation",
    "save_corridor",
    "save_criteria",
    "save_rule",
    "start_simulation",
    "sweep_changes",
    "update_draft",
]


class VersionLocked(ValidationError):
    """A published version was asked to change."""

    def __init__(self, version: RulebookVersion) -> None:
        super().__init__(
            f"Version {version.number} is {version.get_status_display().lower()} and cannot "
            "change; copy it into a new draft instead.",
            code="version_locked",
        )


class PublishRefused(ValidationError):
    def __init__(self, report: LintReport) -> None:
        self.report = report
        super().__init__(
            [ValidationError(f.message, code=f.code) for f in report.errors], code="lint_errors"
        )


# --- the rulebook and its versions --------------------------------------------------------------


def get_rulebook(tenant: Any) -> Rulebook:
    rulebook = Rulebook.objects.filter(tenant=tenant).first()
    if rulebook is None:
        rulebook, _ = Rulebook.objects.get_or_create(tenant=tenant)
    return rulebook


def active_version(tenant: Any) -> RulebookVersion | None:
    rulebook = Rulebook.objects.select_related("active_version").filter(tenant=tenant).first()
    return rulebook.active_version if rulebook else None


def assert_editable(version: RulebookVersion) -> None:
    if version.status != VersionStatus.DRAFT:
        raise VersionLocked(version)


@transaction.atomic
def create_draft(
    tenant: Any, *, user: Any, copy_from: RulebookVersion | None = None, summary: str = ""
) -> RulebookVersion:
    """A new draft: a copy of `copy_from`, or of the active version, or empty with a default rule.
    Copying an earlier version and publishing the copy is how a rulebook is rolled back."""
    rulebook = Rulebook.objects.select_for_update().get(pk=get_rulebook(tenant).pk)
    source = copy_from or rulebook.active_version
    number = (RulebookVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    draft = RulebookVersion.objects.create(
        tenant=tenant,
        rulebook=rulebook,
        number=number,
        summary=summary or (f"Copy of version {source.number}" if source else "First rulebook"),
        based_on=source,
        created_by=user,
    )
    if source is None:
        RouteRule.objects.create(
            tenant=tenant,
            version=draft,
            position=1,
            name="Default",
            outcome=Outcome.DIRECT,
            rationale="Accounts no other rule covers are served by the direct team.",
            is_default=True,
        )
        RegistrationCriteria.objects.create(tenant=tenant, version=draft)
        return draft
    for rule in RouteRule.objects.filter(version=source):
        rule.pk, rule.version = None, draft
        rule.save()
    for corridor in PricingCorridor.objects.filter(version=source):
        corridor.pk, corridor.version = None, draft
        corridor.save()
    criteria = RegistrationCriteria.objects.filter(version=source).first()
    if criteria is not None:
        criteria.pk, criteria.version = None, draft
        criteria.save()
    else:
        RegistrationCriteria.objects.create(tenant=tenant, version=draft)
    return draft


def update_draft(version: RulebookVersion, *, summary: str) -> RulebookVersion:
    assert_editable(version)
    version.summary = (summary or "").strip()[:300]
    version.save(update_fields=["summary", "updated_at"])
    return version


@transaction.atomic
def delete_draft(version: RulebookVersion) -> None:
    assert_editable(version)
    version.delete()


# --- rules --------------------------------------------------------------------------------------

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


def _ref(model: type, value: Any, label: str, errors: dict) -> Any:
    if value in (None, ""):
        return None
    if isinstance(value, model):
        return value
    pk = str(value)
    found = model.objects.filter(pk=int(pk)).first() if pk.isdigit() and len(pk) < 19 else None
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


def _rule_label(position: int | None, name: Any) -> str:
    shown = str(name or "").strip() or "unnamed"
    return f"Rule {position} “{shown}”" if position else f"Rule “{shown}”"


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


@transaction.atomic
def save_rule(version: RulebookVersion, data: dict, *, rule: RouteRule | None = None) -> RouteRule:
    """Create (appended before the default rule, or at `position`) or update a draft's rule."""
    version = _lock_draft(version)
    ordered = list(RouteRule.objects.filter(version=version).order_by("position"))
    if rule is not None:
        # The caller's copy may be stale (positions move); edit the stored row.
        rule = next((r for r in ordered if r.pk == rule.pk), None)
        if rule is None:
            raise ValidationError("That rule belongs to another version.")
    position = rule.position if rule else None
    clean = clean_rule(version, data, label=_rule_label(position, data.get("name")))
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


def _lock_draft(version: RulebookVersion) -> RulebookVersion:
    locked = RulebookVersion.objects.select_for_update().get(pk=version.pk)
    assert_editable(locked)
    return locked


@transaction.atomic
def delete_rule(rule: RouteRule) -> None:
    version = _lock_draft(rule.version)
    rule.delete()
    _renumber(version, list(RouteRule.objects.filter(version=version).order_by("position")))


@transaction.atomic
def move_rule(rule: RouteRule, position: int) -> RouteRule:
    version = _lock_draft(rule.version)
    ordered = [r for r in RouteRule.objects.filter(version=version).order_by("position")]
    current = next(r for r in ordered if r.pk == rule.pk)
    ordered.remove(current)
    position = max(1, min(int(position), len(ordered) + 1))
    ordered.insert(position - 1, current)
    _renumber(version, ordered)
    current.refresh_from_db()
    return current


@transaction.atomic
def replace_rules(version: RulebookVersion, rules: list[dict]) -> list[RouteRule]:
    """All of a draft's rules at once, in the given order (the API's PUT)."""
    version = _lock_draft(version)
    if not isinstance(rules, list):
        raise ValidationError({"rules": "Expected a list of rules."})
    errors, clean = {}, []
    for index, data in enumerate(rules, start=1):
        if not isinstance(data, dict):
            errors[f"rules[{index}]"] = "Expected an object."
            continue
        try:
            clean.append(clean_rule(version, data, label=_rule_label(index, data.get("name"))))
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


# --- corridors and criteria ---------------------------------------------------------------------


@transaction.atomic
def save_corridor(
    version: RulebookVersion, data: dict, *, corridor: PricingCorridor | None = None
) -> PricingCorridor:
    version = _lock_draft(version)
    errors: dict[str, str] = {}
    line = data.get("product_line")
    if not isinstance(line, ProductLine):
        found = (
            ProductLine.objects.filter(Q(code=str(line)) | Q(pk=int(line))).first()
            if str(line).isdigit() and len(str(line)) < 19
            else ProductLine.objects.filter(code=str(line or "")).first()
        )
        if found is None:
            errors["product_line"] = f"Unknown product line {line!r}."
        line = found
    route = data.get("route")
    if route not in Route.values:
        errors["route"] = f"Expected one of {', '.join(Route.values)}."
    tier = data.get("tier")
    if tier not in (None, "") and not isinstance(tier, Tier):
        found = Tier.objects.filter(key=str(tier)).first()
        if found is None:
            errors["tier"] = f"Unknown tier {tier!r}."
        tier = found
    tier = tier or None
    partner_tier = data.get("partner_tier") or ""
    if partner_tier and partner_tier not in PartnerTier.values:
        errors["partner_tier"] = f"Expected one of {', '.join(PartnerTier.values)}."
    if partner_tier and route != Route.PARTNER:
        errors["partner_tier"] = "A partner tier only applies to the partner route."
    bounds = {}
    for key in ("min_discount", "max_discount"):
        try:
            bounds[key] = Decimal(str(data.get(key))).quantize(Decimal("0.01"))
            if not Decimal(0) <= bounds[key] <= Decimal(100):
                raise ValueError
        except Exception:
            errors[key] = "A percentage between 0 and 100."
    if not errors and bounds["min_discount"] > bounds["max_discount"]:
        errors["max_discount"] = "The maximum discount is below the minimum."
    if not errors:
        clash = PricingCorridor.objects.filter(
            version=version, product_line=line, route=route, tier=tier, partner_tier=partner_tier
        )
        if corridor is not None:
            clash = clash.exclude(pk=corridor.pk)
        if clash.exists():
            errors["__all__"] = "A corridor for this product line, route and tiers already exists."
    if errors:
        raise ValidationError(errors)
    corridor = corridor or PricingCorridor(tenant=version.tenant, version=version)
    if corridor.version_id != version.pk:
        raise ValidationError("That corridor belongs to another version.")
    corridor.product_line, corridor.route, corridor.tier = line, route, tier
    corridor.partner_tier = partner_tier
    corridor.min_discount, corridor.max_discount = bounds["min_discount"], bounds["max_discount"]
    corridor.save()
    return corridor


@transaction.atomic
def delete_corridor(corridor: PricingCorridor) -> None:
    _lock_draft(corridor.version)
    corridor.delete()


CRITERIA_NUMBERS = {
    "min_amount": (Decimal, Decimal(0), Decimal("1e14")),
    "protection_days": (int, 1, 3650),
    "max_extensions": (int, 0, 20),
    "extension_days": (int, 0, 3650),
}


@transaction.atomic
def save_criteria(version: RulebookVersion, data: dict) -> RegistrationCriteria:
    version = _lock_draft(version)
    criteria = RegistrationCriteria.objects.filter(version=version).first() or (
        RegistrationCriteria(tenant=version.tenant, version=version)
    )
    errors: dict[str, str] = {}
    for key, (kind, low, high) in CRITERIA_NUMBERS.items():
        if key not in data:
            continue
        try:
            value = kind(str(data[key]))
            if not low <= value <= high:
                raise ValueError
            setattr(criteria, key, value)
        except Exception:
            errors[key] = f"A number from {low} to {high}."
    if "eligible_product_lines" in data:
        lines = data["eligible_product_lines"] or []
        known = set(ProductLine.objects.values_list("code", flat=True))
        if not isinstance(lines, list) or not all(isinstance(c, str) for c in lines):
            errors["eligible_product_lines"] = "A list of product line codes."
        elif unknown := sorted(set(lines) - known):
            errors["eligible_product_lines"] = f"Unknown product line(s) {', '.join(unknown)}."
        else:
            criteria.eligible_product_lines = sorted(set(lines))
    if "required_fields" in data:
        wanted = data["required_fields"] or []
        if not isinstance(wanted, list) or set(map(str, wanted)) - set(RequiredField.values):
            errors["required_fields"] = f"Choose from {', '.join(RequiredField.values)}."
        else:
            criteria.required_fields = sorted(set(wanted))
    if "min_partner_tier" in data:
        tier = data["min_partner_tier"] or ""
        if tier and tier not in PartnerTier.values:
            errors["min_partner_tier"] = f"Expected one of {', '.join(PartnerTier.values)}."
        criteria.min_partner_tier = tier
    for key in ("require_authorization", "exclude_named_accounts"):
        if key in data:
            if not isinstance(data[key], bool):
                errors[key] = "True or false."
            else:
                setattr(criteria, key, data[key])
    if errors:
        raise ValidationError(errors)
    criteria.save()
    return criteria


# --- lint ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    severity: str  # "error" | "warning"
    code: str
    message: str
    rule_position: int | None = None
    rule_name: str = ""


@dataclass
class LintReport:
    findings: list[Finding] = field(default_factory=list)
    fallthrough_count: int = 0
    fallthrough_sample: list[tuple[int, str]] = field(default_factory=list)
    accounts_checked: int = 0

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


def lint(version: RulebookVersion, *, check_accounts: bool = True) -> LintReport:
    """What would go wrong with this version: errors refuse publishing, warnings inform."""
    report = LintReport()
    rules = list(
        RouteRule.objects.filter(version=version)
        .select_related("target_team", "target_partner")
        .order_by("position")
    )

    def add(severity: str, code: str, message: str, rule: RouteRule | None = None) -> None:
        where = f"{_rule_label(rule.position, rule.name)}: " if rule else ""
        report.findings.append(
            Finding(
                severity,
                code,
                where + message,
                rule.position if rule else None,
                rule.name if rule else "",
            )
        )

    defaults = [r for r in rules if r.is_default]
    if not defaults:
        add("error", "no_default", "The rulebook needs a default rule (no conditions, last).")
    elif len(defaults) > 1:
        for rule in defaults[1:]:
            add("error", "second_default", "only one rule can be the default.", rule)
    elif rules[-1] is not defaults[0]:
        add("error", "default_not_last", "the default rule must come last.", defaults[0])

    compiled = {}
    for rule in rules:
        _lint_targets(rule, add)
        try:
            validate_conditions(
                version.tenant, rule.conditions, rule_label=_rule_label(rule.position, rule.name)
            )
        except ValidationError as exc:
            for message in exc.messages:
                code = "unknown_reference"
                if "archived territory" in message:
                    code = "deleted_territory"
                report.findings.append(Finding("error", code, message, rule.position, rule.name))
            continue
        from guardrails.conditions import compile_condition

        compiled[rule.pk] = [compile_condition(c).domain for c in rule.conditions]
        domains = compiled[rule.pk]
        for i, a in enumerate(domains):
            for b in domains[i + 1 :]:
                if contradicts(a, b):
                    add(
                        "error",
                        "contradiction",
                        f"its conditions on {FIELDS[a.field].label.lower()} contradict each "
                        "other, so it can never match.",
                        rule,
                    )

    for j, later in enumerate(rules):
        if later.pk not in compiled:
            continue
        for earlier in rules[:j]:
            if earlier.pk not in compiled or earlier.is_default:
                continue
            if _shadows(compiled[earlier.pk], compiled[later.pk]):
                add(
                    "error" if not later.is_default else "warning",
                    "shadowed",
                    f"can never match: {_rule_label(earlier.position, earlier.name)} comes first "
                    "and matches every account it would.",
                    later,
                )
                break
    if check_accounts and not report.errors:
        _lint_against_accounts(version, rules, report, add)
    return report


def _lint_targets(rule: RouteRule, add) -> None:
    partner = rule.target_partner
    if (
        rule.target_kind == TargetKind.PARTNER
        and partner
        and partner.status != PartnerStatus.ACTIVE
    ):
        add(
            "error", "inactive_partner", f"targets {partner.name}, which is {partner.status}.", rule
        )
    for condition in rule.conditions:
        if condition["field"] == "owner_partner":
            inactive = Partner.objects.filter(pk__in=condition["value"]).exclude(
                status=PartnerStatus.ACTIVE
            )
            for p in inactive:
                add(
                    "warning", "inactive_partner", f"refers to {p.name}, which is {p.status}.", rule
                )


def _shadows(earlier: list, later: list) -> bool:
    """Every condition of the earlier rule is implied by some condition of the later one."""
    return all(any(implies(b, a) for b in later) for a in earlier)


def _lint_against_accounts(version, rules, report: LintReport, add) -> None:
    compiled = CompiledRulebook.for_version(version)
    hits: Counter = Counter()
    sample: list[int] = []
    total = 0
    for chunk in iter_account_facts():
        for account_id, facts in chunk.items():
            total += 1
            rule = compiled.match(facts)
            if rule is None:
                continue
            hits[rule.id] += 1
            if rule.position == rules[-1].position and rules[-1].is_default:
                report.fallthrough_count += 1
                if len(sample) < 20:
                    sample.append(account_id)
    report.accounts_checked = total
    names = dict(Account.objects.filter(pk__in=sample).values_list("id", "name"))
    report.fallthrough_sample = [(pk, names.get(pk, "")) for pk in sample]
    if report.fallthrough_count:
        add(
            "warning",
            "falls_through",
            f"{report.fallthrough_count} of {total} accounts match no rule but the default.",
        )
    if total:
        for rule in rules:
            # A deal-size condition only holds for deals and leads, never for an account alone.
            deal_only = any(c["field"] == "deal_size" for c in rule.conditions)
            if not rule.is_default and not deal_only and not hits[rule.pk]:
                add("warning", "matches_nothing", "matches none of today's accounts.", rule)


# --- publishing ---------------------------------------------------------------------------------


@transaction.atomic
def publish(
    version: RulebookVersion, *, user: Any, effective_at: dt.datetime | None = None
) -> RulebookVersion:
    """Publish a draft, in force now or from `effective_at`. Refused (PublishRefused) with the lint
    errors, and nothing changes, when the version has any."""
    rulebook = Rulebook.objects.select_for_update().get(pk=version.rulebook_id)
    version = _lock_draft(version)
    report = lint(version, check_accounts=False)
    if not report.ok:
        raise PublishRefused(report)
    if not RegistrationCriteria.objects.filter(version=version).exists():
        RegistrationCriteria.objects.create(tenant=version.tenant, version=version)
    now = timezone.now()
    if effective_at is not None and timezone.is_naive(effective_at):
        raise ValidationError({"effective_at": "Give a date and time with its time zone."})
    version.effective_at = max(effective_at or now, now)
    version.published_at, version.published_by = now, user
    version.status = VersionStatus.SCHEDULED
    version.save()
    if version.effective_at <= now:
        _activate(rulebook, version)
    return version


def _activate(rulebook: Rulebook, version: RulebookVersion) -> None:
    previous = rulebook.active_version
    if previous is not None and previous.pk != version.pk:
        previous.status = VersionStatus.RETIRED
        previous.save(update_fields=["status", "updated_at"])
    version.status = VersionStatus.ACTIVE
    version.save(update_fields=["status", "updated_at"])
    rulebook.active_version = version
    rulebook.save(update_fields=["active_version", "updated_at"])
    from guardrails.tasks import recompute_tenant

    recompute_tenant.delay_on_commit(tenant_id=rulebook.tenant_id)


@transaction.atomic
def activate_due_versions(tenant: Any, *, now: dt.datetime | None = None) -> RulebookVersion | None:
    """Put the latest scheduled version whose time has come in force; earlier due ones retire
    without ever having been active."""
    now = now or timezone.now()
    due = list(
        RulebookVersion.objects.filter(status=VersionStatus.SCHEDULED, effective_at__lte=now)
        .select_for_update()
        .order_by("effective_at", "number")
    )
    if not due:
        return None
    rulebook = Rulebook.objects.select_for_update().get(pk=due[-1].rulebook_id)
    for skipped in due[:-1]:
        skipped.status = VersionStatus.RETIRED
        skipped.save(update_fields=["status", "updated_at"])
    _activate(rulebook, due[-1])
    return due[-1]


# --- stored decisions ---------------------------------------------------------------------------


def recompute_routes(tenant: Any, account_ids: Iterable[int] | None = None) -> int:
    """Store what the active version decides for the tenant's accounts (or the given ones)."""
    version = active_version(tenant)
    if version is None:
        return 0
    compiled = CompiledRulebook.for_version(version)
    ids = None if account_ids is None else sorted(set(account_ids))
    exceptions = work_exceptions(ids, compiled.today)
    now = timezone.now()
    written = 0
    for chunk in iter_account_facts(ids):
        rows = []
        for account_id, facts in chunk.items():
            decision = apply_exception(compiled.decide(facts), exceptions.get(account_id))
            rows.append(_route_row(tenant, version, account_id, decision, now))
        AccountRoute.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["tenant", "account"],
            update_fields=[
                "version",
                "rule",
                "outcome",
                "target_team",
                "target_partner",
                "eligible_partners",
                "rationale",
                "exception",
                "decided_at",
                "updated_at",
            ],
        )
        written += len(rows)
    return written


def _route_row(tenant, version, account_id: int, decision: Decision, now) -> AccountRoute:
    return AccountRoute(
        tenant_id=tenant.pk,
        account_id=account_id,
        version=version,
        rule_id=decision.rule_id,
        outcome=decision.outcome,
        target_team_id=decision.target_team_id,
        target_partner_id=decision.target_partner_id,
        eligible_partners=list(decision.eligible_partner_ids),
        rationale=decision.rationale,
        exception_id=decision.exception_id,
        decided_at=now,
        created_at=now,
        updated_at=now,
    )


def sweep_changes(tenant: Any) -> tuple[int, int]:
    """Recompute decisions and leakage for accounts and opportunities changed since the last
    sweep, and for accounts whose exception has just expired. Safe to run at any time."""
    rulebook = get_rulebook(tenant)
    if rulebook.active_version_id is None:
        return (0, 0)
    horizon = safe_horizon()
    accounts = list(
        Account.objects.filter(
            sync_seq__gt=rulebook.accounts_swept_seq, sync_seq__lt=horizon
        ).values_list("id", "sync_seq")
    )
    opportunities = list(
        Opportunity.objects.filter(
            sync_seq__gt=rulebook.opportunities_swept_seq, sync_seq__lt=horizon
        ).values_list("id", "sync_seq")
    )
    expired = AccountRoute.objects.filter(
        exception__isnull=False, exception__ends_on__lt=timezone.localdate()
    ).values_list("account_id", flat=True)
    account_ids = {pk for pk, _ in accounts} | set(expired)
    routed = recompute_routes(tenant, account_ids) if account_ids else 0
    leaked = record_leakage(tenant, [pk for pk, _ in opportunities]) if opportunities else 0
    marks = {}
    if accounts:
        marks["accounts_swept_seq"] = max(seq for _, seq in accounts)
    if opportunities:
        marks["opportunities_swept_seq"] = max(seq for _, seq in opportunities)
    if marks:
        # Never move a mark backwards if a concurrent sweep got further.
        for name, value in marks.items():
            Rulebook.objects.filter(pk=rulebook.pk, **{f"{name}__lt": value}).update(
                **{name: value}
            )
    return (routed, leaked)


# --- pricing corridors and leakage --------------------------------------------------------------


@dataclass(frozen=True)
class CorridorVerdict:
    inside: bool
    corridor: PricingCorridor | None
    min_discount: Decimal | None
    max_discount: Decimal | None
    outside_by: Decimal  # percentage points: above the maximum (+) or below the minimum (-)
    exception: RuleException | None = None

    @property
    def message(self) -> str:
        if self.corridor is None:
            return "No pricing corridor covers this product line and route."
        if self.exception is not None:
            return (
                f"Allowed by exception #{self.exception.pk} up to "
                f"{self.exception.requested_discount}% until {self.exception.ends_on:%Y-%m-%d}."
            )
        if self.inside:
            return f"Inside the corridor ({self.min_discount}–{self.max_discount}%)."
        side = "above the maximum" if self.outside_by > 0 else "below the minimum"
        return f"{abs(self.outside_by)} points {side} of the corridor ({self.min_discount}–{self.max_discount}%)."


class CorridorIndex:
    """A version's corridors by (product line, route); the most specific match wins: tier and
    partner tier both set, then partner tier, then tier, then neither."""

    def __init__(self, version: RulebookVersion | None) -> None:
        self.by_key: dict[tuple, list[PricingCorridor]] = defaultdict(list)
        if version is None:
            return
        for corridor in PricingCorridor.objects.filter(version=version).select_related("tier"):
            self.by_key[(corridor.product_line_id, corridor.route)].append(corridor)

    def find(self, line_id: int, route: str, tier_id: int | None, partner_tier: str):
        best, best_score = None, -1
        for corridor in self.by_key.get((line_id, route), ()):
            if corridor.tier_id not in (None, tier_id):
                continue
            if corridor.partner_tier not in ("", partner_tier):
                continue
            score = (2 if corridor.partner_tier else 0) + (1 if corridor.tier_id else 0)
            if score > best_score:
                best, best_score = corridor, score
        return best


def _discount_exception(opportunity_id, line_id, today) -> dict[tuple, RuleException]:
    query = RuleException.objects.filter(
        kind=ExceptionKind.DISCOUNT, status=ExceptionStatus.APPROVED, ends_on__gte=today
    )
    if opportunity_id is not None:
        query = query.filter(opportunity_id__in=opportunity_id)
    if line_id is not None:
        query = query.filter(product_line_id=line_id)
    return {(e.opportunity_id, e.product_line_id): e for e in query.order_by("reviewed_at", "id")}


def verdict(
    corridor: PricingCorridor | None, discount: Decimal, exception: RuleException | None
) -> CorridorVerdict:
    if corridor is None:
        return CorridorVerdict(True, None, None, None, Decimal(0))
    low, high = corridor.min_discount, corridor.max_discount
    outside = discount - high if discount > high else (discount - low if discount < low else 0)
    outside = Decimal(outside).quantize(Decimal("0.01"))
    if outside > 0 and exception is not None and discount <= exception.requested_discount:
        return CorridorVerdict(True, corridor, low, high, outside, exception)
    return CorridorVerdict(outside == 0, corridor, low, high, outside)


def check_discount(
    tenant: Any,
    *,
    product_line: ProductLine,
    route: str,
    discount_pct: Decimal,
    tier: Tier | None = None,
    partner_tier: str = "",
    opportunity: Opportunity | None = None,
    account: Account | None = None,
    version: RulebookVersion | None = None,
) -> CorridorVerdict:
    """Is this discount inside its corridor, and by how much is it outside? An approved, unexpired
    discount exception for the opportunity and product line allows up to its discount."""
    version = version or active_version(tenant)
    if account is not None and tier is None:
        tier = account.tier
    if opportunity is not None:
        route = route or opportunity.route
        if tier is None:
            tier = opportunity.account.tier
        if not partner_tier and opportunity.partner_id:
            partner_tier = opportunity.partner.tier
    corridor = CorridorIndex(version).find(
        product_line.pk, route, tier.pk if tier else None, partner_tier
    )
    exception = None
    if opportunity is not None:
        found = _discount_exception([opportunity.pk], product_line.pk, timezone.localdate())
        exception = found.get((opportunity.pk, product_line.pk))
    return verdict(corridor, Decimal(discount_pct), exception)


def record_leakage(tenant: Any, opportunity_ids: Iterable[int] | None = None) -> int:
    """Record (or clear) leakage for the lines of the given opportunities (or all): discounts
    above the corridor without an approved exception, as revenue given away."""
    version = active_version(tenant)
    index = CorridorIndex(version)
    ids = None if opportunity_ids is None else sorted(set(opportunity_ids))
    lines = OpportunityLine.objects.exclude(opportunity__stage__outcome=StageOutcome.LOST)
    stale = DiscountLeakage.objects.all()
    if ids is not None:
        lines = lines.filter(opportunity_id__in=ids)
        stale = stale.filter(opportunity_id__in=ids)
    rows = lines.values_list(
        "id",
        "opportunity_id",
        "product__product_line_id",
        "quantity",
        "list_price",
        "discount_pct",
        "opportunity__route",
        "opportunity__account__tier_id",
        "opportunity__partner__tier",
        "opportunity__currency",
    )
    exceptions = _discount_exception(ids, None, timezone.localdate())
    now = timezone.now()
    found = []
    for line_id, opp_id, pl_id, qty, price, discount, route, tier_id, ptier, currency in rows:
        corridor = index.find(pl_id, route, tier_id, ptier or "")
        result = verdict(corridor, discount, exceptions.get((opp_id, pl_id)))
        if result.inside or result.outside_by <= 0:
            continue
        amount = (qty * price * result.outside_by / Decimal(100)).quantize(Decimal("0.01"))
        found.append(
            DiscountLeakage(
                tenant_id=tenant.pk,
                opportunity_id=opp_id,
                line_id=line_id,
                version=version,
                corridor=corridor,
                route=route,
                discount_pct=discount,
                max_discount=corridor.max_discount,
                amount=amount,
                currency=currency,
                recorded_at=now,
            )
        )
    with transaction.atomic():
        stale.delete()
        DiscountLeakage.objects.bulk_create(found, batch_size=2000)
    return len(found)


# --- deal-registration criteria -----------------------------------------------------------------

TIER_ORDER = {tier: i for i, tier in enumerate(PartnerTier.values)}  # platinum = 0


def check_registration(
    version: RulebookVersion,
    *,
    partner: Partner,
    account: Account,
    amount: Decimal,
    product_lines: Iterable[ProductLine],
    provided_fields: Iterable[str],
) -> list[str]:
    """Why a registration fails the criteria of `version` (the one in force when it was
    submitted); empty when it meets them."""
    criteria = RegistrationCriteria.objects.filter(version=version).first()
    if criteria is None:
        return []
    reasons = []
    lines = list(product_lines)
    if Decimal(amount) < criteria.min_amount:
        reasons.append(f"The amount is below the minimum of {criteria.min_amount:,.2f}.")
    if criteria.eligible_product_lines:
        ineligible = [pl.name for pl in lines if pl.code not in criteria.eligible_product_lines]
        if ineligible:
            reasons.append(f"Not eligible for registration: {', '.join(ineligible)}.")
    missing = [
        RequiredField(f).label for f in criteria.required_fields if f not in set(provided_fields)
    ]
    if missing:
        reasons.append(f"Missing required information: {', '.join(missing)}.")
    if criteria.min_partner_tier and TIER_ORDER.get(partner.tier, 99) > TIER_ORDER.get(
        criteria.min_partner_tier, 99
    ):
        reasons.append(
            f"Registrations need partner tier {PartnerTier(criteria.min_partner_tier).label} or above."
        )
    if criteria.exclude_named_accounts and account.named_account:
        exception = work_exceptions([account.pk], timezone.localdate()).get(account.pk)
        if exception is None or exception.partner_id != partner.pk:
            reasons.append("This is a named account reserved for the direct team.")
    if criteria.require_authorization:
        compiled = CompiledRulebook.for_version(version)
        facts = next(iter(iter_account_facts([account.pk])), {}).get(account.pk)
        if facts is not None:
            codes = frozenset(pl.code for pl in lines) or facts.product_lines
            authorized = compiled.authorized_partners(
                deal_facts(facts, amount, codes, FactsLoader())
            )
            if partner.pk not in authorized:
                reasons.append("The partner is not authorized for this territory and product line.")
    return reasons


# --- simulation ---------------------------------------------------------------------------------


def start_simulation(version: RulebookVersion, *, user: Any) -> Simulation:
    simulation = Simulation.objects.create(
        tenant=version.tenant, version=version, requested_by=user
    )
    from guardrails.tasks import simulate

    simulate.delay_on_commit(tenant_id=version.tenant_id, simulation_id=simulation.pk)
    return simulation


def _target_text(decision: Decision, partners: dict, teams: dict) -> str:
    if decision.target_partner_id:
        return partners.get(decision.target_partner_id, "")
    if decision.target_team_id:
        return teams.get(decision.target_team_id, "")
    return ""


def run_simulation(simulation_id: int) -> Simulation | None:
    """Compare what the simulated version and the active one decide for every account and every
    open opportunity. Idempotent: a finished simulation is left alone; a rerun starts over.

    `summary` keys: accounts, moved_accounts, open_opportunities, open_pipeline (total open
    amount), flows (list of {from, to, accounts, open_pipeline, opportunities}, e.g. direct→partner),
    by_partner and by_team ({name: {gained_accounts, lost_accounts, gained_pipeline,
    lost_pipeline}}), seconds, active_version (number or null)."""
    simulation = Simulation.objects.select_related("version").filter(pk=simulation_id).first()
    if simulation is None or simulation.status == SimulationStatus.DONE:
        return simulation
    try:
        return _simulate(simulation)
    except Exception as exc:
        Simulation.objects.filter(pk=simulation.pk).update(
            status=SimulationStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise


def _simulate(simulation: Simulation) -> Simulation:
    started = time.monotonic()
    tenant = simulation.tenant
    Simulation.objects.filter(pk=simulation.pk).update(
        status=SimulationStatus.RUNNING, started_at=timezone.now(), processed=0, error=""
    )
    SimulatedMove.objects.filter(simulation=simulation).delete()
    current_version = active_version(tenant)
    draft = CompiledRulebook.for_version(simulation.version)
    current = CompiledRulebook.for_version(current_version) if current_version else None
    total = Account.objects.count()
    Simulation.objects.filter(pk=simulation.pk).update(total=total)
    open_deals = _open_deals()
    partners = dict(Partner.objects.values_list("id", "name"))
    teams = dict(Team.objects.values_list("id", "name"))
    loader = FactsLoader()
    flows: dict[tuple, dict] = defaultdict(
        lambda: {"accounts": 0, "open_pipeline": Decimal(0), "opportunities": 0}
    )
    by_partner: dict[str, dict] = defaultdict(_side_counts)
    by_team: dict[str, dict] = defaultdict(_side_counts)
    moves, processed, moved = [], 0, 0
    pipeline_total, deals_total = Decimal(0), 0
    for chunk in iter_account_facts():
        for account_id, facts in chunk.items():
            before = current.decide(facts) if current else NO_DECISION
            after = draft.decide(facts)
            deals = open_deals.get(account_id, ())
            moved_amount, moved_count = Decimal(0), 0
            for amount, codes in deals:
                pipeline_total += amount
                deals_total += 1
                deal = deal_facts(facts, amount, codes, loader)
                b = current.decide(deal) if current else NO_DECISION
                a = draft.decide(deal)
                if b.target_key != a.target_key:
                    moved_amount += amount
                    moved_count += 1
                    flow = flows[(b.outcome, a.outcome)]
                    flow["open_pipeline"] += amount
                    flow["opportunities"] += 1
            if before.target_key != after.target_key or moved_count:
                moved += 1
                if before.target_key != after.target_key:
                    flows[(before.outcome, after.outcome)]["accounts"] += 1
                _tally(by_partner, by_team, before, after, moved_amount, partners, teams)
                moves.append(
                    SimulatedMove(
                        tenant_id=tenant.pk,
                        simulation_id=simulation.pk,
                        account_id=account_id,
                        from_outcome=before.outcome,
                        to_outcome=after.outcome,
                        from_target=_target_text(before, partners, teams),
                        to_target=_target_text(after, partners, teams),
                        from_rule=before.rule_name[:200],
                        to_rule=after.rule_name[:200],
                        open_pipeline=moved_amount,
                        open_opportunities=moved_count,
                    )
                )
            processed += 1
        if len(moves) >= 2000:
            SimulatedMove.objects.bulk_create(moves)
            moves = []
        Simulation.objects.filter(pk=simulation.pk).update(processed=processed)
    SimulatedMove.objects.bulk_create(moves)
    summary = {
        "accounts": processed,
        "moved_accounts": moved,
        "open_opportunities": deals_total,
        "open_pipeline": str(pipeline_total),
        "flows": [
            {
                "from": src,
                "to": dst,
                "accounts": v["accounts"],
                "open_pipeline": str(v["open_pipeline"]),
                "opportunities": v["opportunities"],
            }
            for (src, dst), v in sorted(flows.items())
            if src != dst or v["accounts"] or v["opportunities"]
        ],
        "by_partner": _jsonable_sides(by_partner),
        "by_team": _jsonable_sides(by_team),
        "seconds": round(time.monotonic() - started, 2),
        "active_version": current_version.number if current_version else None,
    }
    Simulation.objects.filter(pk=simulation.pk).update(
        status=SimulationStatus.DONE,
        processed=processed,
        summary=summary,
        finished_at=timezone.now(),
    )
    simulation.refresh_from_db()
    return simulation


def _side_counts() -> dict:
    return {
        "gained_accounts": 0,
        "lost_accounts": 0,
        "gained_pipeline": Decimal(0),
        "lost_pipeline": Decimal(0),
    }


def _tally(by_partner, by_team, before: Decision, after: Decision, amount, partners, teams) -> None:
    for decision, sign in ((before, "lost"), (after, "gained")):
        other = after if sign == "lost" else before
        if decision.target_partner_id and decision.target_partner_id != other.target_partner_id:
            side = by_partner[partners.get(decision.target_partner_id, "?")]
            side[f"{sign}_accounts"] += 1
            side[f"{sign}_pipeline"] += amount
        if decision.target_team_id and decision.target_team_id != other.target_team_id:
            side = by_team[teams.get(decision.target_team_id, "?")]
            side[f"{sign}_accounts"] += 1
            side[f"{sign}_pipeline"] += amount


def _jsonable_sides(sides: dict) -> dict:
    return {
        name: {k: str(v) if isinstance(v, Decimal) else v for k, v in counts.items()}
        for name, counts in sorted(sides.items())
    }


def _open_deals() -> dict[int, list[tuple[Decimal, frozenset]]]:
    """Open opportunities by account: (amount, product line codes of its lines)."""
    codes = dict(ProductLine.objects.values_list("id", "code"))
    lines: dict[int, set] = defaultdict(set)
    for opp_id, line_id in OpportunityLine.objects.filter(
        opportunity__stage__outcome=StageOutcome.OPEN
    ).values_list("opportunity_id", "product__product_line_id"):
        lines[opp_id].add(codes[line_id])
    deals: dict[int, list] = defaultdict(list)
    for opp_id, account_id, amount in Opportunity.objects.filter(
        stage__outcome=StageOutcome.OPEN
    ).values_list("id", "account_id", "amount"):
        deals[account_id].append((amount, frozenset(lines.get(opp_id, ()))))
    return deals
