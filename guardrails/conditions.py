"""The condition language of route rules: what a condition may test, how it is validated, and the
predicate it compiles to.

A condition is stored as `{"field": ..., "op": ..., "value": ...}` in `RouteRule.conditions`.
Each field has a *kind* that fixes its operators and the shape of its value:

- `scalar`: the subject has one value (country, segment…); ops `in` / `not_in` a list.
- `multi`: the subject has a set (territories, product lines…); ops `any` / `all` / `none` of a list
  (territory uses `in` / `not_in`, meaning any / none).
- `band`: an ordered band (employees, revenue); op `between` `{"min": band|null, "max": band|null}`.
- `amount`: a number (deal size); op `between` `{"min": number|null, "max": number|null}`.
- `share`: a percentage (service-heavy share of the product mix); ops `at_least` / `at_most`.
- `flag`: a yes/no (named account); op `is` true|false. `owner`: op `is` none|direct|partner.

Every condition compiles once into a `Predicate`, a closure over the `Facts` of a subject, plus
what explain and lint need: a reason it failed, and the set of values it admits (`Domain`), from
which lint decides whether one rule shadows another or a rule contradicts itself.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import pycountry
from django.core.exceptions import ValidationError

from accounts.choices import EmployeeBand, RevenueBand, ServiceNeed
from tenancy.models import Tenant

__all__ = [
    "BANDS",
    "FIELDS",
    "MAX_CONDITIONS",
    "OWNER_KINDS",
    "Domain",
    "FieldSpec",
    "Predicate",
    "compile_condition",
    "validate_conditions",
]

BANDS: dict[str, list[str]] = {
    "employee_band": list(EmployeeBand.values),
    "revenue_band": list(RevenueBand.values),
}
OWNER_KINDS = ("none", "direct", "partner")
# A rule has at most this many conditions (console and API alike: `validate_conditions`).
MAX_CONDITIONS = 30


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: str
    ops: tuple[str, ...]
    help: str = ""


_SPECS = [
    FieldSpec("territory", "Territory", "multi", ("in", "not_in"), "Territory codes"),
    FieldSpec("country", "Country", "scalar", ("in", "not_in"), "ISO 3166-1 codes, e.g. DE"),
    FieldSpec("region", "Region", "scalar", ("in", "not_in"), "ISO 3166-2 codes, e.g. DE-BY"),
    FieldSpec("segment", "Segment", "scalar", ("in", "not_in"), "Segment keys"),
    FieldSpec("tier", "Strategic tier", "scalar", ("in", "not_in"), "Tier keys"),
    FieldSpec("employee_band", "Employees", "band", ("between",)),
    FieldSpec("revenue_band", "Annual revenue", "band", ("between",)),
    FieldSpec("product_line", "Product lines", "multi", ("any", "all", "none"), "Line codes"),
    FieldSpec(
        "product_mix",
        "Service-heavy share of product mix",
        "share",
        ("at_least", "at_most"),
        "Percent of the product lines that are service-heavy",
    ),
    FieldSpec("deal_size", "Deal size", "amount", ("between",)),
    FieldSpec("service_need", "Service needs", "multi", ("any", "none")),
    FieldSpec("named_account", "Named account", "flag", ("is",)),
    FieldSpec("target_list", "Target list", "multi", ("any", "none"), "Target list ids"),
    FieldSpec("owner", "Current owner", "owner", ("is",)),
    FieldSpec("owner_partner", "Owning partner", "scalar", ("in", "not_in"), "Partner ids"),
    FieldSpec("owner_team", "Owning team", "scalar", ("in", "not_in"), "Team ids"),
]
FIELDS: dict[str, FieldSpec] = {spec.name: spec for spec in _SPECS}

# The Facts attribute each field reads.
FACT_OF = {
    "territory": "territories",
    "country": "country",
    "region": "region",
    "segment": "segment",
    "tier": "tier",
    "employee_band": "employee_rank",
    "revenue_band": "revenue_rank",
    "product_line": "product_lines",
    "product_mix": "service_share",
    "deal_size": "deal_size",
    "service_need": "service_needs",
    "named_account": "named_account",
    "target_list": "target_lists",
    "owner": "owner_kind",
    "owner_partner": "owner_partner",
    "owner_team": "owner_team",
}


# --- validation ---------------------------------------------------------------------------------


class _Refs:
    """The tenant's reference data a condition may name, loaded once per validation."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self._cache: dict[str, set] = {}

    def known(self, field: str) -> set:
        if field not in self._cache:
            self._cache[field] = self._load(field)
        return self._cache[field]

    def _load(self, field: str) -> set:
        from accounts.models import ProductLine, Segment, TargetList, Tier
        from guardrails.models import Territory
        from tenancy.models import Partner, Team

        loaders: dict[str, Callable[[], Iterable]] = {
            "territory": lambda: Territory.objects.filter(archived_at__isnull=True).values_list(
                "code", flat=True
            ),
            "segment": lambda: Segment.objects.values_list("key", flat=True),
            "tier": lambda: Tier.objects.values_list("key", flat=True),
            "product_line": lambda: ProductLine.objects.values_list("code", flat=True),
            "target_list": lambda: TargetList.objects.values_list("id", flat=True),
            "owner_partner": lambda: Partner.objects.values_list("id", flat=True),
            "owner_team": lambda: Team.objects.values_list("id", flat=True),
            "service_need": lambda: ServiceNeed.values,
        }
        return set(loaders[field]())


def _country_ok(code: str) -> bool:
    return len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None


def _region_ok(code: str) -> bool:
    return pycountry.subdivisions.get(code=code) is not None


def _as_list(value: Any, field: str) -> list:
    if not isinstance(value, list) or not value:
        raise ValueError("needs a non-empty list of values")
    if field in ("target_list", "owner_partner", "owner_team"):
        out = []
        for v in value:
            if isinstance(v, bool) or not isinstance(v, int | str) or not str(v).isdigit():
                raise ValueError(f"{v!r} is not an id")
            out.append(int(v))
        return sorted(set(out))
    if not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError("values must be non-empty text")
    values = [v.strip() for v in value]
    if field in ("country", "region"):
        values = [v.upper() for v in values]
    return sorted(set(values))


def _check_references(field: str, values: list, refs: _Refs) -> None:
    if field == "country":
        bad = [v for v in values if not _country_ok(v)]
        label = "unknown country code"
    elif field == "region":
        bad = [v for v in values if not _region_ok(v)]
        label = "unknown region code (ISO 3166-2, e.g. DE-BY)"
    else:
        known = refs.known(field)
        bad = [v for v in values if v not in known]
        label = {
            "territory": "unknown or archived territory",
            "owner_partner": "unknown partner",
            "owner_team": "unknown team",
            "target_list": "unknown target list",
        }.get(field, f"unknown {FIELDS[field].label.lower()}")
    if bad:
        raise ValueError(f"{label} {', '.join(repr(b) for b in bad)}")


def _number(value: Any, what: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a number")
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValueError(f"{what} must be a number, not {value!r}") from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"{what} must be zero or more")
    return number


def _normalise(condition: Any, refs: _Refs) -> dict:
    if not isinstance(condition, dict):
        raise ValueError("must be an object with field, op and value")
    unknown_keys = set(condition) - {"field", "op", "value"}
    if unknown_keys:
        raise ValueError(f"unknown key(s) {', '.join(sorted(unknown_keys))}")
    field = condition.get("field")
    spec = FIELDS.get(field) if isinstance(field, str) else None
    if spec is None or not isinstance(field, str):
        raise ValueError(f"unknown field {field!r}; expected one of {', '.join(FIELDS)}")
    op = condition.get("op")
    if op not in spec.ops:
        raise ValueError(f"operator {op!r} does not apply; use {' or '.join(spec.ops)}")
    value = condition.get("value")
    if spec.kind in ("scalar", "multi"):
        value = _as_list(value, field)
        _check_references(field, value, refs)
    elif spec.kind == "band":
        if not isinstance(value, dict) or set(value) - {"min", "max"}:
            raise ValueError('needs {"min": band, "max": band}')
        bands = BANDS[field]
        low, high = value.get("min") or None, value.get("max") or None
        for bound in (low, high):
            if bound is not None and bound not in bands:
                raise ValueError(f"unknown band {bound!r}; expected one of {', '.join(bands)}")
        if low is None and high is None:
            raise ValueError("needs a minimum, a maximum or both")
        if low is not None and high is not None and bands.index(low) > bands.index(high):
            raise ValueError(f"impossible range: minimum {low} is above maximum {high}")
        value = {"min": low, "max": high}
    elif spec.kind == "amount":
        if not isinstance(value, dict) or set(value) - {"min", "max"}:
            raise ValueError('needs {"min": number, "max": number}')
        low, high = _number(value.get("min"), "minimum"), _number(value.get("max"), "maximum")
        if low is None and high is None:
            raise ValueError("needs a minimum, a maximum or both")
        if low is not None and high is not None and low > high:
            raise ValueError(f"impossible range: minimum {low} is above maximum {high}")
        value = {
            "min": None if low is None else str(low),
            "max": None if high is None else str(high),
        }
    elif spec.kind == "share":
        share = _number(value, "the percentage")
        if share is None or share > 100:
            raise ValueError("needs a percentage between 0 and 100")
        value = float(share)
    elif spec.kind == "flag":
        if not isinstance(value, bool):
            raise ValueError("needs true or false")
    elif spec.kind == "owner" and value not in OWNER_KINDS:
        raise ValueError(f"needs one of {', '.join(OWNER_KINDS)}")
    return {"field": field, "op": op, "value": value}


def validate_conditions(tenant: Tenant, conditions: Any, *, rule_label: str) -> list[dict]:
    """The conditions, normalised; or a ValidationError naming the rule and each bad condition."""
    if conditions in (None, ""):
        return []
    if not isinstance(conditions, list):
        raise ValidationError(f"{rule_label}: conditions must be a list.")
    if len(conditions) > MAX_CONDITIONS:
        raise ValidationError(
            f"{rule_label}: a rule has at most {MAX_CONDITIONS} conditions.",
            code="too_many_conditions",
        )
    refs = _Refs(tenant)
    errors, clean = [], []
    for number, condition in enumerate(conditions, start=1):
        field = condition.get("field") if isinstance(condition, dict) else None
        where = f"{rule_label}, condition {number}" + (f" ({field})" if field else "")
        try:
            clean.append(_normalise(condition, refs))
        except ValueError as exc:
            errors.append(ValidationError(f"{where}: {exc}.", code="invalid_condition"))
    if errors:
        raise ValidationError(errors)
    return clean


# --- compilation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Domain:
    """The values a condition admits, for lint. `values` with `positive` (in / any) or not
    (not_in / none); `low`/`high` for ranges; `exact` for flag and owner. `all_of` for `all`."""

    field: str
    positive: bool = True
    values: frozenset = frozenset()
    low: float | None = None
    high: float | None = None
    exact: Any = None
    all_of: bool = False


@dataclass(frozen=True)
class Predicate:
    condition: dict
    test: Callable[[Any], bool]
    why_not: Callable[[Any], str]
    domain: Domain


def _names(values: Iterable, names: dict | None, field: str) -> str:
    """Stored values as people read them; `names` is keyed by (field, value)."""
    shown = [str(names.get((field, v), v)) if names else str(v) for v in values]
    return ", ".join(shown)


def compile_condition(condition: dict, names: dict | None = None) -> Predicate:
    """A validated condition as a predicate. `names` maps (field, stored value) to the display
    name used in the reasons explain shows."""
    field, op, value = condition["field"], condition["op"], condition["value"]
    kind = FIELDS[field].kind
    attr = FACT_OF[field]
    label = FIELDS[field].label.lower()
    builder = _BUILDERS[kind]
    return builder(condition, field, op, value, attr, label, names or {})


def _scalar(condition, field, op, value, attr, label, names) -> Predicate:
    allowed = frozenset(value)
    positive = op == "in"

    if positive:

        def test(f, attr=attr, allowed=allowed):
            return getattr(f, attr) in allowed

    else:

        def test(f, attr=attr, allowed=allowed):
            return getattr(f, attr) not in allowed

    def why_not(f):
        actual = getattr(f, attr)
        shown = names.get((field, actual), actual) if actual not in (None, "") else "not set"
        wanted = "one of" if positive else "none of"
        return f"{label} is {shown}, not {wanted} {_names(value, names, field)}"

    return Predicate(condition, test, why_not, Domain(field, positive, allowed))


def _multi(condition, field, op, value, attr, label, names) -> Predicate:
    wanted = frozenset(value)
    if op in ("in", "any"):

        def test(f, attr=attr, wanted=wanted):
            return not wanted.isdisjoint(getattr(f, attr))

        domain = Domain(field, True, wanted)
    elif op == "all":

        def test(f, attr=attr, wanted=wanted):
            return wanted <= getattr(f, attr)

        domain = Domain(field, True, wanted, all_of=True)
    else:

        def test(f, attr=attr, wanted=wanted):
            return wanted.isdisjoint(getattr(f, attr))

        domain = Domain(field, False, wanted)

    def why_not(f):
        actual = getattr(f, attr)
        have = _names(sorted(actual, key=str), names, field) if actual else "none"
        if op in ("in", "any"):
            return f"{label}: has {have}, none of {_names(value, names, field)}"
        if op == "all":
            missing = sorted(wanted - actual, key=str)
            return f"{label}: lacks {_names(missing, names, field)}"
        return f"{label}: has {_names(sorted(wanted & actual, key=str), names, field)}, which is excluded"

    return Predicate(condition, test, why_not, domain)


def _band(condition, field, op, value, attr, label, names) -> Predicate:
    bands = BANDS[field]
    low = bands.index(value["min"]) if value["min"] else None
    high = bands.index(value["max"]) if value["max"] else None
    lo, hi = (-1 if low is None else low), (len(bands) if high is None else high)

    def test(f, attr=attr, lo=lo, hi=hi):
        rank = getattr(f, attr)
        return rank is not None and lo <= rank <= hi

    def why_not(f):
        rank = getattr(f, attr)
        if rank is None:
            return f"{label}: not known"
        return f"{label}: {bands[rank]} is outside {value['min'] or '…'}–{value['max'] or '…'}"

    return Predicate(condition, test, why_not, Domain(field, low=lo, high=hi))


def _amount(condition, field, op, value, attr, label, names) -> Predicate:
    low = Decimal(value["min"]) if value["min"] is not None else None
    high = Decimal(value["max"]) if value["max"] is not None else None
    lo = float(low) if low is not None else float("-inf")
    hi = float(high) if high is not None else float("inf")

    def test(f, attr=attr, lo=lo, hi=hi):
        amount = getattr(f, attr)
        return amount is not None and lo <= amount <= hi

    def why_not(f):
        amount = getattr(f, attr)
        if amount is None:
            return f"{label}: no deal in question"
        return f"{label}: {amount:,.0f} is outside {value['min'] or '…'}–{value['max'] or '…'}"

    return Predicate(condition, test, why_not, Domain(field, low=lo, high=hi))


def _share(condition, field, op, value, attr, label, names) -> Predicate:
    threshold = float(value)
    lo, hi = (threshold, 100.0) if op == "at_least" else (0.0, threshold)

    def test(f, attr=attr, lo=lo, hi=hi):
        share = getattr(f, attr)
        return share is not None and lo <= share <= hi

    def why_not(f):
        share = getattr(f, attr)
        if share is None:
            return f"{label}: no product lines known"
        side = "below" if op == "at_least" else "above"
        return f"{label}: {share:.0f}% is {side} {threshold:.0f}%"

    return Predicate(condition, test, why_not, Domain(field, low=lo, high=hi))


def _exact(condition, field, op, value, attr, label, names) -> Predicate:
    def test(f, attr=attr, value=value):
        return getattr(f, attr) == value

    def why_not(f):
        actual = getattr(f, attr)
        shown = {True: "yes", False: "no"}.get(actual, actual)
        wanted = {True: "yes", False: "no"}.get(value, value)
        return f"{label} is {shown}, not {wanted}"

    return Predicate(condition, test, why_not, Domain(field, exact=value))


_BUILDERS = {
    "scalar": _scalar,
    "multi": _multi,
    "band": _band,
    "amount": _amount,
    "share": _share,
    "flag": _exact,
    "owner": _exact,
}


# --- reasoning about domains (lint) -------------------------------------------------------------


def _range(domain: Domain) -> tuple[float, float]:
    """A range domain's bounds; an open end is infinite."""
    low = domain.low if domain.low is not None else -math.inf
    high = domain.high if domain.high is not None else math.inf
    return low, high


def implies(a: Domain, b: Domain) -> bool:
    """Every subject admitted by `a` is admitted by `b` (same field)."""
    if a.field != b.field:
        return False
    if a.exact is not None or b.exact is not None:
        return a.exact == b.exact
    if a.low is not None or b.low is not None:
        (a_low, a_high), (b_low, b_high) = _range(a), _range(b)
        return b_low <= a_low and a_high <= b_high
    kind = FIELDS[a.field].kind
    if kind == "scalar":
        if a.positive and b.positive:
            return a.values <= b.values
        if a.positive and not b.positive:
            return a.values.isdisjoint(b.values)
        if not a.positive and not b.positive:
            return b.values <= a.values
        return False
    # multi: any / all / none
    if b.positive and not b.all_of:  # b: any of B
        if a.positive and not a.all_of:
            return a.values <= b.values
        if a.all_of:
            return not a.values.isdisjoint(b.values)
        return False
    if b.all_of:
        return a.all_of and b.values <= a.values
    # b: none of B
    return not a.positive and b.values <= a.values


def contradicts(a: Domain, b: Domain) -> bool:
    """No subject can satisfy both (same field)."""
    if a.field != b.field:
        return False
    if a.exact is not None or b.exact is not None:
        return a.exact != b.exact
    if a.low is not None or b.low is not None:
        (a_low, a_high), (b_low, b_high) = _range(a), _range(b)
        return max(a_low, b_low) > min(a_high, b_high)
    kind = FIELDS[a.field].kind
    if kind == "scalar":
        if a.positive and b.positive:
            return a.values.isdisjoint(b.values)
        if a.positive != b.positive:
            pos, neg = (a, b) if a.positive else (b, a)
            return pos.values <= neg.values
        return False
    # multi
    for pos, neg in ((a, b), (b, a)):
        if pos.positive and not neg.positive:
            if pos.all_of and not pos.values.isdisjoint(neg.values):
                return True
            if not pos.all_of and pos.values <= neg.values:
                return True
    return False
