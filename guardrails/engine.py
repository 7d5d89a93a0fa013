"""Evaluate a rulebook version: who serves an account (or a deal, or a hypothetical customer) and
why.

The version is compiled once (`CompiledRulebook.for_version`): every condition becomes a closure,
every rule a tuple of them, and the partner authorizations an index by territory. Subjects are
turned into `Facts` in bulk (`account_facts`), so deciding is a loop over closures with no query.
`explain` runs the same predicates and also records, condition by condition, why each rule before
the deciding one did not match.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.choices import EmployeeBand, RevenueBand
from accounts.models import (
    Account,
    AccountProductLine,
    ProductLine,
    TargetListMember,
)
from guardrails.choices import ExceptionKind, ExceptionStatus, Outcome, TargetKind
from guardrails.conditions import (
    BANDS,
    OWNER_KINDS,
    Predicate,
    compile_condition,
    validate_conditions,
)
from guardrails.models import (
    PartnerAuthorization,
    RouteRule,
    Rulebook,
    RulebookVersion,
    RuleException,
    TerritoryArea,
)
from guardrails.plain import condition_phrase, rule_names
from tenancy.choices import PartnerStatus, PartnerTier
from tenancy.models import Partner, Team, Tenant

__all__ = [
    "NO_DECISION",
    "CompiledRulebook",
    "ConditionResult",
    "Decision",
    "Explanation",
    "Facts",
    "FactsLoader",
    "RuleTrace",
    "TerritoryMatcher",
    "account_facts",
    "apply_exception",
    "deal_facts",
    "explain_account",
    "explain_hypothetical",
    "hypothetical_facts",
    "iter_account_facts",
    "normalise_postal",
    "target_label",
    "work_exception",
    "work_exceptions",
]

EMPLOYEE_RANK = {band: i for i, band in enumerate(BANDS["employee_band"])}
REVENUE_RANK = {band: i for i, band in enumerate(BANDS["revenue_band"])}
TIER_RANK = {tier: i for i, tier in enumerate(PartnerTier.values)}  # platinum first


@dataclass(slots=True)
class Facts:
    """What the rules can test about one subject: an account, one of its deals, or a hypothesis."""

    territories: frozenset = frozenset()  # territory codes
    country: str = ""
    region: str = ""
    segment: str = ""  # key
    tier: str = ""  # key
    employee_rank: int | None = None
    revenue_rank: int | None = None
    product_lines: frozenset = frozenset()  # codes
    service_share: float | None = None  # percent of product lines that are service-heavy
    deal_size: float | None = None
    service_needs: frozenset = frozenset()
    named_account: bool = False
    target_lists: frozenset = frozenset()  # ids
    owner_kind: str = "none"
    owner_partner: int | None = None
    owner_team: int | None = None
    account_id: int | None = None


def normalise_postal(code: str) -> str:
    return "".join(code.split()).upper()


class TerritoryMatcher:
    """Which active territories contain a location. Areas are indexed by country, so a lookup
    costs the handful of areas of one country."""

    def __init__(self, areas: Iterable[tuple[str, str, str, str, str]]) -> None:
        self._by_country: dict[str, list[tuple[str, str, str, str]]] = defaultdict(list)
        for code, country, region, postal_from, postal_to in areas:
            self._by_country[country].append(
                (code, region, normalise_postal(postal_from), normalise_postal(postal_to))
            )
        self._cache: dict[tuple[str, str, str], frozenset] = {}

    @classmethod
    def for_tenant(cls) -> TerritoryMatcher:
        rows = TerritoryArea.objects.filter(territory__archived_at__isnull=True).values_list(
            "territory__code", "country", "region", "postal_from", "postal_to"
        )
        return cls(rows)

    def codes_for(self, country: str, region: str, postal_code: str) -> frozenset:
        key = (country, region, postal_code)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = frozenset(self._match(country, region, postal_code))
        return hit

    def primary(self, country: str, region: str, postal_code: str) -> str:
        """The most specific territory containing the location: postal codes beat a region,
        a region beats a whole country; "" when none does."""
        matches = sorted(
            self._matching_areas(country, region, postal_code), key=lambda m: (-m[1], m[0])
        )
        return matches[0][0] if matches else ""

    def _match(self, country: str, region: str, postal_code: str) -> Iterator[str]:
        for code, _rank in self._matching_areas(country, region, postal_code):
            yield code

    def _matching_areas(
        self, country: str, region: str, postal_code: str
    ) -> Iterator[tuple[str, int]]:
        """(territory code, specificity) of every area containing the location."""
        postal = normalise_postal(postal_code)
        for code, area_region, low, high in self._by_country.get(country, ()):
            if area_region and area_region != region:
                continue
            if low:
                head = postal[: len(low)]
                if len(head) < len(low):
                    continue
                if high and not (low <= head <= high):
                    continue
                if not high and head != low:
                    continue
            yield code, (2 if low else 0) + (1 if area_region else 0)


# --- facts --------------------------------------------------------------------------------------

ACCOUNT_FIELDS = (
    "id",
    "country",
    "region",
    "postal_code",
    "segment__key",
    "tier__key",
    "employee_band",
    "revenue_band",
    "service_needs",
    "named_account",
    "owner_user_id",
    "owner_team_id",
    "owner_partner_id",
)


class FactsLoader:
    """Builds Facts for accounts in bulk: one query per related table per batch."""

    def __init__(self) -> None:
        self.matcher = TerritoryMatcher.for_tenant()
        lines = ProductLine.objects.values_list("id", "code", "service_heavy")
        self.line_code = {pk: code for pk, code, _ in lines}
        self.service_heavy = {code for _, code, heavy in lines if heavy}

    def share(self, codes: frozenset) -> float | None:
        if not codes:
            return None
        return 100.0 * len(codes & self.service_heavy) / len(codes)

    def build(self, rows: list[tuple], *, contiguous: bool = False) -> dict[int, Facts]:
        """Facts of these account rows (ACCOUNT_FIELDS). `contiguous`: the rows are every account
        between the first and last id, so related rows are fetched by id range (a long IN list
        costs more to build than to run)."""
        ids = [row[0] for row in rows]
        related = (
            {"account_id__gte": ids[0], "account_id__lte": ids[-1]}
            if contiguous and ids
            else {"account_id__in": ids}
        )
        lines: dict[int, set] = defaultdict(set)
        for account_id, line_id in AccountProductLine.objects.filter(**related).values_list(
            "account_id", "product_line_id"
        ):
            lines[account_id].add(self.line_code[line_id])
        lists: dict[int, set] = defaultdict(set)
        for account_id, list_id in TargetListMember.objects.filter(**related).values_list(
            "account_id", "target_list_id"
        ):
            lists[account_id].add(list_id)
        out = {}
        for (
            pk,
            country,
            region,
            postal,
            segment,
            tier,
            employees,
            revenue,
            needs,
            named,
            owner_user,
            owner_team,
            owner_partner,
        ) in rows:
            codes = frozenset(lines.get(pk, ()))
            out[pk] = Facts(
                territories=self.matcher.codes_for(country, region, postal),
                country=country,
                region=region,
                segment=segment or "",
                tier=tier or "",
                employee_rank=EMPLOYEE_RANK.get(employees),
                revenue_rank=REVENUE_RANK.get(revenue),
                product_lines=codes,
                service_share=self.share(codes),
                service_needs=frozenset(needs or ()),
                named_account=named,
                target_lists=frozenset(lists.get(pk, ())),
                owner_kind=_owner_kind(owner_user, owner_team, owner_partner),
                owner_partner=owner_partner,
                owner_team=owner_team,
                account_id=pk,
            )
        return out


def _owner_kind(user: int | None, team: int | None, partner: int | None) -> str:
    if partner:
        return "partner"
    if user or team:
        return "direct"
    return "none"


def iter_account_facts(
    account_ids: Iterable[int] | None = None, *, batch: int = 5000
) -> Iterator[dict[int, Facts]]:
    """Facts of the scope's accounts (or of `account_ids`), in batches keyed by account id."""
    loader = FactsLoader()
    query = Account.objects.order_by("id").values_list(*ACCOUNT_FIELDS)
    if account_ids is not None:
        ids = sorted(set(account_ids))
        for start in range(0, len(ids), batch):
            yield loader.build(list(query.filter(id__in=ids[start : start + batch])))
        return
    last = 0
    while True:
        rows = list(query.filter(id__gt=last)[:batch])
        if not rows:
            return
        yield loader.build(rows, contiguous=True)
        last = rows[-1][0]


def account_facts(account_ids: Iterable[int]) -> dict[int, Facts]:
    out: dict[int, Facts] = {}
    for chunk in iter_account_facts(account_ids):
        out.update(chunk)
    return out


def deal_facts(
    base: Facts, amount: Decimal | float | None, line_codes: Iterable[str], loader
) -> Facts:
    """An account's facts narrowed to one deal: its size and, when it has lines, its products."""
    codes = frozenset(line_codes)
    if codes:
        return replace(
            base,
            deal_size=None if amount is None else float(amount),
            product_lines=codes,
            service_share=loader.share(codes),
        )
    return replace(base, deal_size=None if amount is None else float(amount))


HYPOTHESIS_KEYS = {
    "country",
    "region",
    "postal_code",
    "segment",
    "tier",
    "employee_band",
    "revenue_band",
    "product_lines",
    "service_needs",
    "named_account",
    "target_lists",
    "owner",
    "deal_size",
}


def hypothetical_facts(tenant: Tenant, data: dict) -> Facts:
    """Facts for a customer described by attributes; a ValidationError names each bad one."""
    if not isinstance(data, dict):
        raise ValidationError("Attributes must be an object.")
    errors: dict[str, str] = {}
    unknown = set(data) - HYPOTHESIS_KEYS
    for key in sorted(unknown):
        errors[key] = f"Unknown attribute; expected one of {', '.join(sorted(HYPOTHESIS_KEYS))}."

    def text(key: str) -> str:
        value = data.get(key) or ""
        if not isinstance(value, str):
            errors[key] = "Must be text."
            return ""
        return value.strip()

    def listed(key: str) -> list:
        value = data.get(key) or []
        if not isinstance(value, list):
            errors[key] = "Must be a list."
            return []
        return value

    country, region = text("country").upper(), text("region").upper()
    postal = text("postal_code")
    # One path for checking codes: the condition validator.
    checks = {
        "country": ("country", [country] if country else []),
        "region": ("region", [region] if region else []),
        "segment": ("segment", [text("segment")] if data.get("segment") else []),
        "tier": ("tier", [text("tier")] if data.get("tier") else []),
        "product_lines": ("product_line", listed("product_lines")),
        "service_needs": ("service_need", listed("service_needs")),
        "target_lists": ("target_list", listed("target_lists")),
    }
    for key, (field_name, values) in checks.items():
        if not values or key in errors:
            continue
        op = "in" if field_name in ("country", "region", "segment", "tier") else "any"
        try:
            validate_conditions(
                tenant, [{"field": field_name, "op": op, "value": values}], rule_label=key
            )
        except ValidationError as exc:
            errors[key] = exc.messages[0].split(": ", 2)[-1]
    if region and country and not region.startswith(country + "-"):
        errors["region"] = f"Region {region} is not in country {country}."
    bands = {}
    for key, choices in (("employee_band", EmployeeBand), ("revenue_band", RevenueBand)):
        value = data.get(key) or ""
        if value and value not in choices.values:
            errors[key] = f"Unknown band {value!r}; expected one of {', '.join(choices.values)}."
        bands[key] = value
    owner = data.get("owner") or "none"
    if owner not in OWNER_KINDS:
        errors["owner"] = f"Expected one of {', '.join(OWNER_KINDS)}."
    deal_size = data.get("deal_size")
    if deal_size not in (None, ""):
        try:
            deal_size = float(Decimal(str(deal_size)))
            if deal_size < 0 or deal_size != deal_size or deal_size in (float("inf"),):
                raise ValueError
        except Exception:
            errors["deal_size"] = "Must be a number of zero or more."
            deal_size = None
    else:
        deal_size = None
    named = data.get("named_account", False)
    if not isinstance(named, bool):
        errors["named_account"] = "Must be true or false."
    if errors:
        raise ValidationError(errors)
    loader = FactsLoader()
    codes = frozenset(listed("product_lines"))
    return Facts(
        territories=loader.matcher.codes_for(country, region, postal),
        country=country,
        region=region,
        segment=text("segment"),
        tier=text("tier"),
        employee_rank=EMPLOYEE_RANK.get(bands["employee_band"]),
        revenue_rank=REVENUE_RANK.get(bands["revenue_band"]),
        product_lines=codes,
        service_share=loader.share(codes),
        deal_size=deal_size,
        service_needs=frozenset(listed("service_needs")),
        named_account=named,
        target_lists=frozenset(int(v) for v in listed("target_lists")),
        owner_kind=owner,
    )


# --- decisions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    rule_id: int | None
    rule_position: int | None
    rule_name: str
    outcome: str
    target_team_id: int | None
    target_partner_id: int | None
    eligible_partner_ids: tuple[int, ...]
    rationale: str
    exception_id: int | None = None

    @property
    def target_key(self) -> tuple:
        return (self.outcome, self.target_team_id, self.target_partner_id)


@dataclass(frozen=True)
class ConditionResult:
    text: str
    passed: bool
    reason: str


@dataclass(frozen=True)
class RuleTrace:
    rule_id: int
    position: int
    name: str
    matched: bool
    conditions: list[ConditionResult]


@dataclass
class Explanation:
    decision: Decision | None
    traces: list[RuleTrace] = field(default_factory=list)
    skipped_after: list[tuple[int, str]] = field(default_factory=list)  # (position, name)
    version_id: int | None = None
    version_number: int | None = None
    facts: Facts | None = None


@dataclass(frozen=True)
class _Rule:
    id: int
    position: int
    name: str
    predicates: tuple[Predicate, ...]
    outcome: str
    target_kind: str
    target_team_id: int | None
    target_partner_id: int | None
    rationale: str
    place_tests: tuple  # on territory, country and region
    other_tests: tuple


LOCATION_FIELDS = frozenset({"territory", "country", "region"})


class CompiledRulebook:
    """A version's rules as closures, and the authorizations to resolve partner targets."""

    def __init__(self, version: RulebookVersion, rules: list[RouteRule], today: dt.date) -> None:
        self.version = version
        self.today = today
        names = rule_names()
        self.names = names
        self.rules = [
            _Rule(
                id=r.pk,
                position=r.position,
                name=r.name,
                predicates=(preds := tuple(compile_condition(c, names) for c in r.conditions)),
                outcome=r.outcome,
                target_kind=r.target_kind,
                target_team_id=r.target_team_id,
                target_partner_id=r.target_partner_id,
                rationale=r.rationale,
                place_tests=tuple(p.test for p in preds if p.condition["field"] in LOCATION_FIELDS),
                other_tests=tuple(
                    p.test for p in preds if p.condition["field"] not in LOCATION_FIELDS
                ),
            )
            for r in rules
        ]
        self._authorized = _authorization_index(today)
        self._targets: dict[tuple, tuple[int, ...]] = {}
        # The rules whose location conditions hold at a place, in order. Rulebooks are organised
        # by geography, so at any one place most rules drop out once, not once per subject.
        self._by_place: dict[tuple, list[_Rule]] = {}

    @classmethod
    def for_version(
        cls, version: RulebookVersion, today: dt.date | None = None
    ) -> CompiledRulebook:
        rules = list(RouteRule.objects.filter(version=version).order_by("position"))
        return cls(version, rules, today or timezone.localdate())

    def rules_at(self, facts: Facts) -> list[_Rule]:
        place = (facts.country, facts.region, facts.territories)
        found = self._by_place.get(place)
        if found is None:
            found = self._by_place[place] = [
                r for r in self.rules if all(test(facts) for test in r.place_tests)
            ]
        return found

    def match(self, facts: Facts) -> _Rule | None:
        place = (facts.country, facts.region, facts.territories)
        for rule in self._by_place.get(place) or self.rules_at(facts):
            for test in rule.other_tests:
                if not test(facts):
                    break
            else:
                return rule
        return None

    def decide(self, facts: Facts) -> Decision:
        rule = self.match(facts)
        if rule is None:
            return NO_DECISION
        return self._decision(rule, facts)

    def _decision(self, rule: _Rule, facts: Facts) -> Decision:
        team, partner = rule.target_team_id, rule.target_partner_id
        eligible: tuple[int, ...] = ()
        kind = rule.target_kind
        if kind == TargetKind.AUTHORIZED:
            eligible = self.authorized_partners(facts)
            partner = eligible[0] if eligible else None
        elif kind == TargetKind.PARTNER and partner:
            eligible = (partner,)
        elif kind == TargetKind.ACCOUNT_OWNER:
            team, partner = facts.owner_team, facts.owner_partner
            eligible = (partner,) if partner else ()
        return Decision(
            rule.id, rule.position, rule.name, rule.outcome, team, partner, eligible, rule.rationale
        )

    def authorized_partners(self, facts: Facts) -> tuple[int, ...]:
        """Active partners authorized today for one of the subject's territories and (when it has
        product lines) one of its lines, best tier first."""
        key = (facts.territories, facts.product_lines)
        hit = self._targets.get(key)
        if hit is not None:
            return hit
        found: dict[int, tuple] = {}
        for territory in facts.territories:
            for partner_id, line, rank, name in self._authorized.get(territory, ()):
                if line is None or not facts.product_lines or line in facts.product_lines:
                    found[partner_id] = (rank, name, partner_id)
        hit = self._targets[key] = tuple(v[2] for v in sorted(found.values()))
        return hit

    def explain(self, facts: Facts) -> Explanation:
        traces, decision, skipped = [], NO_DECISION, []
        for rule in self.rules:
            if decision is not NO_DECISION:
                skipped.append((rule.position, rule.name))
                continue
            results = []
            for predicate in rule.predicates:
                passed = predicate.test(facts)
                results.append(
                    ConditionResult(
                        text=condition_phrase(predicate.condition, self.names),
                        passed=passed,
                        reason="" if passed else predicate.why_not(facts),
                    )
                )
            matched = all(r.passed for r in results)
            traces.append(RuleTrace(rule.id, rule.position, rule.name, matched, results))
            if matched:
                decision = self._decision(rule, facts)
        return Explanation(
            decision=None if decision is NO_DECISION else decision,
            traces=traces,
            skipped_after=skipped,
            version_id=self.version.pk,
            version_number=self.version.number,
            facts=facts,
        )


NO_DECISION = Decision(None, None, "", Outcome.DIRECT, None, None, (), "No rule matched.")


def _authorization_index(today: dt.date) -> dict[str, list[tuple]]:
    index: dict[str, list[tuple]] = defaultdict(list)
    rows = (
        PartnerAuthorization.objects.filter(
            valid_from__lte=today,
            partner__status=PartnerStatus.ACTIVE,
            territory__archived_at__isnull=True,
        )
        .exclude(valid_until__lt=today)
        .values_list(
            "territory__code", "partner_id", "product_line__code", "partner__tier", "partner__name"
        )
    )
    for territory, partner_id, line, tier, name in rows:
        index[territory].append((partner_id, line, TIER_RANK.get(tier, 99), name))
    return index


# --- explain for one account or hypothesis ------------------------------------------------------


def _version_or_active(version: RulebookVersion | None) -> RulebookVersion | None:
    if version is not None:
        return version
    rulebook = Rulebook.objects.select_related("active_version").first()
    return rulebook.active_version if rulebook else None


def work_exceptions(account_ids: Iterable[int] | None, today: dt.date) -> dict[int, RuleException]:
    """Approved, unexpired exceptions that let someone else work these accounts (all accounts
    when None), by account; the latest approval wins."""
    query = RuleException.objects.filter(
        kind=ExceptionKind.WORK_ACCOUNT, status=ExceptionStatus.APPROVED, ends_on__gte=today
    ).order_by("reviewed_at", "id")
    if account_ids is not None:
        query = query.filter(account_id__in=list(account_ids))
    return {e.account_id: e for e in query}


def work_exception(account_id: int, today: dt.date) -> RuleException | None:
    return work_exceptions([account_id], today).get(account_id)


def apply_exception(decision: Decision, exception: RuleException | None) -> Decision:
    if exception is None:
        return decision
    if exception.partner_id:
        outcome, team, partner = Outcome.PARTNER, None, exception.partner_id
    else:
        outcome, team, partner = Outcome.DIRECT, exception.team_id, None
    return replace(
        decision,
        outcome=outcome,
        target_team_id=team,
        target_partner_id=partner,
        eligible_partner_ids=(partner,) if partner else (),
        rationale=f"Exception #{exception.pk} approved until {exception.ends_on:%Y-%m-%d}.",
        exception_id=exception.pk,
    )


def explain_account(account: Account, *, version: RulebookVersion | None = None) -> Explanation:
    version = _version_or_active(version)
    facts = account_facts([account.pk])[account.pk]
    if version is None:
        return Explanation(decision=None, facts=facts)
    compiled = CompiledRulebook.for_version(version)
    explanation = compiled.explain(facts)
    if explanation.decision is not None:
        exception = work_exception(account.pk, compiled.today)
        explanation.decision = apply_exception(explanation.decision, exception)
    return explanation


def explain_hypothetical(
    tenant: Tenant, data: dict, *, version: RulebookVersion | None = None
) -> Explanation:
    facts = hypothetical_facts(tenant, data)
    version = _version_or_active(version)
    if version is None:
        return Explanation(decision=None, facts=facts)
    return CompiledRulebook.for_version(version).explain(facts)


def target_label(decision: Decision, *, for_partner: int | None = None) -> str:
    """Who the decision sends the subject to, in words; partners don't see other partners' names."""
    if decision.target_partner_id:
        if for_partner is not None and decision.target_partner_id != for_partner:
            return "another partner"
        partner = Partner.objects.filter(pk=decision.target_partner_id).first()
        return partner.name if partner else "a partner"
    if decision.target_team_id:
        if for_partner is not None:
            return "the direct team"
        team = Team.objects.filter(pk=decision.target_team_id).first()
        return team.name if team else "the direct team"
    nobody: dict[str, str] = {
        Outcome.DIRECT: "the direct team",
        Outcome.PARTNER: "no authorized partner",
        Outcome.OPEN: "either route, by deal registration",
    }
    return nobody.get(decision.outcome, "")
