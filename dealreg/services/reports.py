"""Deal registration's reports: the conflict rate by partner, team, territory or quarter.

Over the registrations a viewer may see (`DealRegistration.objects.visible_to`) submitted in a
period of days in the tenant's time zone, per group:

- submitted: how many were submitted;
- with conflict: how many met a conflict: `has_conflict`, any `RegistrationConflict` row (a
  closed registration's `has_conflict` is cleared; its conflict rows stay), or a party to an
  adjudication (the claim a later one contested, which holds no conflict row of its own);
- adjudicated: how many a person decided (an `AdjudicationParty` row);
- decided for the registrant: of those, how many the latest decision gave the claim or a share
  of the credit (`AdjudicationParty.prevails`);
- median days to decision: from submission to that adjudication.

One aggregate query per report, grouped by the dimension, with the conflict and adjudication as
correlated subqueries; the medians read the adjudicated registrations' two times in a second
query (a median is not an SQL aggregate on SQLite). A territory is the end customer's today, by
the rulebook's territory matcher (guardrails.engine.TerritoryMatcher: the most specific active
territory containing the account's country, region and postal code): the report groups by
location in SQL, then adds locations up by territory. Quarters are the tenant's fiscal quarters
(tenancy.quarters.fiscal_quarter): the query groups by local month, the months add up.

The console's conflict-rate page and its CSV call `conflict_rates()`; so can the scorecards.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncMonth

from dealreg.models import AdjudicationParty, DealRegistration, RegistrationConflict
from guardrails.engine import TerritoryMatcher
from guardrails.models import Territory
from pipeline.choices import Route
from tenancy.models import Membership, Tenant
from tenancy.quarters import fiscal_quarter, months_later, quarter_label

__all__ = [
    "MAX_PERIOD_DAYS",
    "Breakdown",
    "ConflictRateReport",
    "Period",
    "RateRow",
    "conflict_rates",
    "default_period",
    "quarter_label",
]

MAX_PERIOD_DAYS = 5 * 366  # twenty quarters: a report stays one cheap query


class Breakdown(models.TextChoices):
    PARTNER = "partner", "Partner"
    TEAM = "team", "Team"
    TERRITORY = "territory", "Territory"
    QUARTER = "quarter", "Quarter"


@dataclass(frozen=True)
class Period:
    """Days in the tenant's time zone, `start` to `end`, both included."""

    start: dt.date
    end: dt.date

    def bounds(self, zone: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
        """From the start of the first day to the start of the day after the last, local time."""
        first = dt.datetime.combine(self.start, dt.time(), tzinfo=zone)
        after = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        return first, after


def default_period(tenant: Tenant, today: dt.date) -> Period:
    """The last four fiscal quarters: the one holding `today` and the three before it."""
    start, following = fiscal_quarter(tenant, today)
    return Period(months_later(start, -9), following - dt.timedelta(days=1))


def _check(by: str, period: Period) -> None:
    errors: dict[str, str] = {}
    if by not in Breakdown.values:
        errors["by"] = f"Break down by one of {', '.join(Breakdown.values)}."
    if period.end < period.start:
        errors["end"] = "The period ends before it starts."
    elif (period.end - period.start).days >= MAX_PERIOD_DAYS:
        errors["end"] = "A period of at most five years."
    if errors:
        raise ValidationError(errors)


@dataclass
class RateRow:
    """One group of the report (or the total)."""

    key: Any
    label: str
    submitted: int = 0
    conflicted: int = 0
    adjudicated: int = 0
    for_registrant: int = 0
    days: list[float] = field(default_factory=list, repr=False)

    @property
    def rate(self) -> Decimal | None:
        """Percent of submitted registrations that met a conflict, one decimal."""
        if not self.submitted:
            return None
        share = Decimal(self.conflicted * 100) / Decimal(self.submitted)
        return share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def median_days(self) -> Decimal | None:
        if not self.days:
            return None
        return Decimal(str(statistics.median(self.days))).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    def add(self, counts: dict[str, int]) -> None:
        self.submitted += counts["submitted"]
        self.conflicted += counts["conflicted"]
        self.adjudicated += counts["adjudicated"]
        self.for_registrant += counts["for_registrant"]


@dataclass
class ConflictRateReport:
    by: str
    period: Period
    rows: list[RateRow]
    total: RateRow

    @property
    def dimension_label(self) -> str:
        return Breakdown(self.by).label


# How each breakdown groups (the fields of `.values()`) and names a group from those values.
_GROUPING: dict[str, tuple[str, ...]] = {
    Breakdown.PARTNER: ("route", "registrant_partner_id", "registrant_partner__name"),
    Breakdown.TEAM: ("route", "registrant_team_id", "registrant_team__name"),
    Breakdown.TERRITORY: (
        "end_customer__country",
        "end_customer__region",
        "end_customer__postal_code",
    ),
    Breakdown.QUARTER: ("month",),
}


def _partner_group(values: dict[str, Any]) -> tuple[Any, str]:
    if values["route"] == Route.DIRECT:
        return ("direct", None), "Direct route (no partner)"
    return ("partner", values["registrant_partner_id"]), values["registrant_partner__name"] or ""


def _team_group(values: dict[str, Any]) -> tuple[Any, str]:
    if values["route"] == Route.PARTNER:
        return ("partner", None), "Partner route (no team)"
    if values["registrant_team_id"] is None:
        return ("direct", None), "Direct, no team"
    return ("direct", values["registrant_team_id"]), values["registrant_team__name"]


def _territory_group(tenant: Tenant) -> Callable[[dict[str, Any]], tuple[Any, str]]:
    matcher = TerritoryMatcher.for_tenant()
    names = dict(Territory.objects.values_list("code", "name"))

    def group(values: dict[str, Any]) -> tuple[Any, str]:
        code = matcher.primary(
            values["end_customer__country"] or "",
            values["end_customer__region"] or "",
            values["end_customer__postal_code"] or "",
        )
        return code, names.get(code, code) if code else "No territory"

    return group


def _quarter_group(tenant: Tenant) -> Callable[[dict[str, Any]], tuple[Any, str]]:
    zone = tenant.zone

    def group(values: dict[str, Any]) -> tuple[Any, str]:
        month = values["month"]
        day = month.astimezone(zone).date() if isinstance(month, dt.datetime) else month
        start, _ = fiscal_quarter(tenant, day)
        return start, quarter_label(start)

    return group


def _annotated(membership: Membership, period: Period, by: str) -> QuerySet:
    tenant = membership.tenant
    first, after = period.bounds(tenant.zone)
    latest = AdjudicationParty.objects.filter(registration=OuterRef("pk")).order_by(
        "-adjudication__decided_at", "-pk"
    )
    rows = (
        DealRegistration.objects.visible_to(membership)
        .filter(submitted_at__gte=first, submitted_at__lt=after)
        .annotate(
            met=Exists(RegistrationConflict.objects.filter(registration=OuterRef("pk"))),
            prevailed=Subquery(latest.values("prevails")[:1]),
            adjudicated_at=Subquery(latest.values("adjudication__decided_at")[:1]),
        )
    )
    if by == Breakdown.QUARTER:
        rows = rows.annotate(month=TruncMonth("submitted_at", tzinfo=tenant.zone))
    return rows


def conflict_rates(membership: Membership, *, by: str, period: Period) -> ConflictRateReport:
    """The conflict rate of the registrations `membership` may see, submitted in `period`,
    broken down `by` partner, team, territory or quarter. A bad dimension or period is a
    ValidationError naming the field (`by`, `end`)."""
    _check(by, period)
    tenant = membership.tenant
    rows = _annotated(membership, period, by)
    fields = _GROUPING[by]
    group: Callable[[dict[str, Any]], tuple[Any, str]]
    if by == Breakdown.PARTNER:
        group = _partner_group
    elif by == Breakdown.TEAM:
        group = _team_group
    elif by == Breakdown.TERRITORY:
        group = _territory_group(tenant)
    else:
        group = _quarter_group(tenant)

    found: dict[Any, RateRow] = {}
    if by == Breakdown.QUARTER:  # every quarter of the period, the empty ones too
        start = fiscal_quarter(tenant, period.start)[0]
        while start <= period.end:
            found[start] = RateRow(start, quarter_label(start))
            start = months_later(start, 3)
    counts = (
        rows.values(*fields)
        .annotate(
            submitted=Count("pk"),
            conflicted=Count(
                "pk",
                filter=Q(has_conflict=True) | Q(met=True) | Q(adjudicated_at__isnull=False),
            ),
            adjudicated=Count("pk", filter=Q(adjudicated_at__isnull=False)),
            for_registrant=Count("pk", filter=Q(prevailed=True)),
        )
        .order_by()
    )
    for values in counts:
        key, label = group(values)
        found.setdefault(key, RateRow(key, label)).add(values)
    decided = rows.filter(adjudicated_at__isnull=False).values(
        *fields, "submitted_at", "adjudicated_at"
    )
    for values in decided:
        key, label = group(values)
        days = (values["adjudicated_at"] - values["submitted_at"]).total_seconds() / 86400
        found.setdefault(key, RateRow(key, label)).days.append(max(days, 0.0))

    total = RateRow(None, "All")
    for row in found.values():
        total.add(row.__dict__)
        total.days.extend(row.days)
    if by == Breakdown.QUARTER:
        ordered = sorted(found.values(), key=lambda r: r.key)
    else:
        ordered = sorted(found.values(), key=lambda r: (-r.submitted, r.label.casefold()))
    return ConflictRateReport(by=by, period=period, rows=ordered, total=total)
