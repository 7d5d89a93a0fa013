"""What would go wrong with a version: errors refuse publishing, warnings inform. The rules are
checked on their own (a default rule last, targets still active, conditions that contradict or
shadow each other) and, when asked, against today's accounts (rules that match nothing, accounts
that fall through to the default)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from accounts.models import Account
from guardrails.choices import TargetKind
from guardrails.conditions import (
    FIELDS,
    compile_condition,
    contradicts,
    implies,
    validate_conditions,
)
from guardrails.engine import CompiledRulebook, iter_account_facts
from guardrails.models import RouteRule, RulebookVersion
from guardrails.plain import rule_label
from tenancy.choices import PartnerStatus
from tenancy.models import Partner

__all__ = ["Finding", "LintReport", "lint"]


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
        where = f"{rule_label(rule.position, rule.name)}: " if rule else ""
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
                version.tenant, rule.conditions, rule_label=rule_label(rule.position, rule.name)
            )
        except ValidationError as exc:
            for message in exc.messages:
                code = "unknown_reference"
                if "archived territory" in message:
                    code = "deleted_territory"
                report.findings.append(Finding("error", code, message, rule.position, rule.name))
            continue
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
                    f"can never match: {rule_label(earlier.position, earlier.name)} comes first "
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
