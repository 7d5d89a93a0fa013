"""MDF ROI: what funded activities brought in (leads, pipeline, won revenue) per unit paid, by
partner, activity type, campaign and quarter (docs/mdf.md, "ROI").

- A **funded activity** is a fund request whose claim is paid (with `include_approved`, also
  one whose claim is approved and not yet paid). What it cost the manufacturer ("paid") is the
  claim's approved amount, which is what the payment entry in the ledger moves.
- Its **window** runs from the activity's first day to `TAIL_DAYS` (90) days after its last
  (the tenant's local days, both ends included).
- **Sourced**: opportunities of the request's partner naming the request's campaign (or its
  offer, for a request without a campaign), opened in the window.
- **Influenced**: other opportunities (not sourced by any funded activity) opened in the window
  on an account the partner touched with the campaign (or offer) in the window.
- **Leads**: leads the partner submitted naming the campaign (or offer) in the window: the rule
  of `mdf.services.claims.linked_leads`, counted to the end of the window.

Each opportunity and lead counts for one activity at most: the earliest-starting funded activity
whose rule holds it (then the lowest id), chosen among all the tenant's funded activities, so
figures of adjacent quarters add up. Amounts are summed in the tenant's currency; opportunities
in another currency are counted apart (`other_currency`), never converted here (MDF sits below
the scorecards, which hold the exchange rates).

Every figure comes from a few grouped queries (one per measure, each opportunity or lead placed
with a correlated subquery), never from a loop over opportunities.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import TruncDate

from mdf.choices import ClaimState
from mdf.models import FundRequest, MdfSettings
from pipeline.choices import Outcome
from pipeline.models import Lead, Opportunity, Touch
from tenancy.models import Tenant
from tenancy.quarters import Quarter

__all__ = [
    "BY_CHOICES",
    "TAIL_DAYS",
    "ActivityResult",
    "RoiReport",
    "RoiRow",
    "activity_results",
    "funded",
    "partner_roi",
    "roi_report",
]

TAIL_DAYS = 90
ZERO = Decimal("0.00")
BY_CHOICES = {
    "partner": "Partner",
    "activity_type": "Activity type",
    "campaign": "Campaign",
    "quarter": "Quarter",
}


class PlusDays(Func):
    """A date column plus a fixed number of days, as a date on both databases."""

    output_field = DateField()

    def __init__(self, expression: Any, days: int) -> None:
        super().__init__(expression)
        self.days = int(days)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template=f"date(%(expressions)s, '+{self.days} days')", **extra
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # date + integer is a date in PostgreSQL
        return self.as_sql(
            compiler, connection, template=f"(%(expressions)s + {self.days})", **extra
        )


def funded(*, include_approved: bool = False) -> QuerySet[FundRequest]:
    """The funded activities: requests whose claim is paid (or, with `include_approved`, approved),
    with their window's last day (`window_end`) and what links results to them."""
    states = [ClaimState.PAID, *([ClaimState.APPROVED] if include_approved else [])]
    return FundRequest.objects.filter(claim__state__in=states).annotate(
        window_end=PlusDays(F("ends_on"), TAIL_DAYS),
        # The campaign links; the offer only for a request without a campaign (NULL never matches).
        link_campaign=F("campaign_id"),
        link_offer=Case(
            When(campaign__isnull=True, then=F("offer_id")),
            default=None,
            output_field=IntegerField(),
        ),
    )


def _linked(row: str = "") -> Q:
    """Requests (the inner query) whose campaign or offer is the outer row's."""
    return Q(link_campaign=OuterRef(f"{row}campaign_id")) | Q(link_offer=OuterRef(f"{row}offer_id"))


def _holding(day: str) -> Q:
    """Requests whose window holds the outer row's `day` (a date)."""
    return Q(starts_on__lte=OuterRef(day), window_end__gte=OuterRef(day))


def _first(rows: QuerySet) -> Subquery:
    return Subquery(rows.order_by("starts_on", "pk").values("pk")[:1])


@dataclass
class ActivityResult:
    """One funded activity's figures."""

    request_id: int
    partner_id: int
    activity_type: str
    campaign_id: int | None
    offer_id: int | None
    quarter_start: dt.date
    paid: Decimal
    leads: int = 0
    sourced_n: int = 0
    sourced_pipeline: Decimal = ZERO
    sourced_won: Decimal = ZERO
    influenced_n: int = 0
    influenced_pipeline: Decimal = ZERO
    influenced_won: Decimal = ZERO
    other_currency: int = 0


def _sums(rows: QuerySet, currency: str) -> dict[int, dict[str, Any]]:
    """Per activity: opportunities, their amount and the won amount (tenant's currency), and
    how many are in another currency."""
    mine = Q(currency=currency)
    grouped = (
        rows.values("activity")
        .annotate(
            n=Count("id", filter=mine),
            pipeline=Sum("amount", filter=mine),
            won=Sum("amount", filter=mine & Q(stage__outcome=Outcome.WON)),
            other=Count("id", filter=~mine),
        )
        .order_by()
    )
    return {row["activity"]: row for row in grouped}


def activity_results(
    tenant: Tenant,
    first: Quarter,
    last: Quarter,
    *,
    partner_ids: Iterable[int] | None = None,
    include_approved: bool = False,
) -> list[ActivityResult]:
    """The funded activities of the quarters `first` to `last` (their requests' budget quarter)
    with what each brought in. Four grouped queries whatever the number of activities."""
    everything = funded(include_approved=include_approved)
    chosen = everything.filter(quarter_start__gte=first.start, quarter_start__lt=last.following)
    if partner_ids is not None:
        chosen = chosen.filter(partner_id__in=list(partner_ids))
    rows = list(
        chosen.values(
            "pk",
            "partner_id",
            "activity_type",
            "campaign_id",
            "offer_id",
            "quarter_start",
            "claim__approved_amount",
            "starts_on",
            "ends_on",
        )
    )
    if not rows:
        return []
    results = {
        row["pk"]: ActivityResult(
            request_id=row["pk"],
            partner_id=row["partner_id"],
            activity_type=row["activity_type"],
            campaign_id=row["campaign_id"],
            offer_id=row["offer_id"],
            quarter_start=row["quarter_start"],
            paid=row["claim__approved_amount"] or ZERO,
        )
        for row in rows
    }
    since = min(row["starts_on"] for row in rows)
    until = max(row["ends_on"] for row in rows) + dt.timedelta(days=TAIL_DAYS)
    partners = {r.partner_id for r in results.values()}
    campaigns = {r.campaign_id for r in results.values() if r.campaign_id}
    offers = {r.offer_id for r in results.values() if r.offer_id and not r.campaign_id}
    through = Q(campaign_id__in=campaigns) | Q(offer_id__in=offers)
    zone = tenant.zone
    currency = tenant.currency

    # Sourced: the partner's own opportunities naming the activity's campaign (or offer).
    sourcing = _first(
        everything.filter(_linked(), _holding("opened_on"), partner_id=OuterRef("partner_id"))
    )
    sourced = Opportunity.objects.filter(
        through, partner_id__in=partners, opened_on__gte=since, opened_on__lte=until
    ).annotate(activity=sourcing)
    for key, row in _sums(sourced.filter(activity__in=list(results)), currency).items():
        result = results[key]
        result.sourced_n, result.other_currency = row["n"], row["other"]
        result.sourced_pipeline = row["pipeline"] or ZERO
        result.sourced_won = row["won"] or ZERO

    # Influenced: opportunities on accounts the partner touched with the campaign in the window,
    # unless a funded activity sourced them.
    touches = Touch.objects.annotate(day=TruncDate("occurred_at", tzinfo=zone))
    touched = touches.filter(
        Q(campaign_id=OuterRef("link_campaign")) | Q(offer_id=OuterRef("link_offer")),
        account_id=OuterRef(OuterRef("account_id")),
        actor_partner_id=OuterRef("partner_id"),
        day__gte=OuterRef("starts_on"),
        day__lte=OuterRef("window_end"),
    )
    accounts = Touch.objects.filter(
        through,
        actor_partner_id__in=partners,
        account__isnull=False,
        occurred_at__gte=dt.datetime.combine(since, dt.time(), tzinfo=zone),
        occurred_at__lt=dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=zone),
    ).values("account_id")
    influenced = (
        Opportunity.objects.filter(
            account_id__in=accounts, opened_on__gte=since, opened_on__lte=until
        )
        .annotate(sourced_by=sourcing)
        .filter(sourced_by__isnull=True)
        .annotate(activity=_first(everything.filter(_holding("opened_on"), Exists(touched))))
    )
    for key, row in _sums(influenced.filter(activity__in=list(results)), currency).items():
        result = results[key]
        result.influenced_n = row["n"]
        result.other_currency += row["other"]
        result.influenced_pipeline = row["pipeline"] or ZERO
        result.influenced_won = row["won"] or ZERO

    # Leads the partner submitted through the campaign (or offer) in the window.
    leads = (
        Lead.objects.filter(
            through,
            submitted_by_partner_id__in=partners,
            created_at__gte=dt.datetime.combine(since, dt.time(), tzinfo=zone),
            created_at__lt=dt.datetime.combine(
                until + dt.timedelta(days=1), dt.time(), tzinfo=zone
            ),
        )
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .annotate(
            activity=_first(
                everything.filter(
                    _linked(), _holding("day"), partner_id=OuterRef("submitted_by_partner_id")
                )
            )
        )
        .filter(activity__in=list(results))
        .values("activity")
        .annotate(n=Count("id"))
        .order_by()
    )
    for counted in leads:
        results[counted["activity"]].leads = counted["n"]
    return sorted(results.values(), key=lambda r: (r.quarter_start, r.request_id))


# --- rows of a table ---------------------------------------------------------------------------


def _ratio(
    part: Decimal | int, whole: Decimal, scale: int = 1, places: str = "0.01"
) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * scale / whole).quantize(Decimal(places))


@dataclass
class RoiRow:
    """The sum of some funded activities and its ratios (None when nothing was paid)."""

    key: Any
    label: str
    activities: int = 0
    paid: Decimal = ZERO
    leads: int = 0
    sourced_n: int = 0
    sourced_pipeline: Decimal = ZERO
    sourced_won: Decimal = ZERO
    influenced_n: int = 0
    influenced_pipeline: Decimal = ZERO
    influenced_won: Decimal = ZERO
    other_currency: int = 0

    def add(self, result: ActivityResult) -> None:
        self.activities += 1
        for name in (
            "paid",
            "leads",
            "sourced_n",
            "sourced_pipeline",
            "sourced_won",
            "influenced_n",
            "influenced_pipeline",
            "influenced_won",
            "other_currency",
        ):
            setattr(self, name, getattr(self, name) + getattr(result, name))

    @property
    def pipeline(self) -> Decimal:
        return self.sourced_pipeline + self.influenced_pipeline

    @property
    def won(self) -> Decimal:
        return self.sourced_won + self.influenced_won

    @property
    def roi(self) -> Decimal | None:
        """Won revenue (sourced and influenced) per unit paid."""
        return _ratio(self.won, self.paid)

    @property
    def pipeline_per_paid(self) -> Decimal | None:
        return _ratio(self.pipeline, self.paid)

    @property
    def leads_per_1000(self) -> Decimal | None:
        return _ratio(self.leads, self.paid, 1000, "0.1")

    def as_dict(self) -> dict[str, str | int | None]:
        """Figures for JSON (amounts as strings)."""

        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "activities": self.activities,
            "paid": text(self.paid),
            "leads": self.leads,
            "pipeline": text(self.pipeline),
            "won": text(self.won),
            "roi": text(self.roi),
            "pipeline_per_paid": text(self.pipeline_per_paid),
            "leads_per_1000": text(self.leads_per_1000),
        }


@dataclass
class RoiReport:
    by: str
    first: Quarter
    last: Quarter
    include_approved: bool
    rows: list[RoiRow]
    total: RoiRow
    results: list[ActivityResult] = field(default_factory=list)

    @property
    def dimension_label(self) -> str:
        return BY_CHOICES[self.by]


def _labels(tenant: Tenant, by: str, results: list[ActivityResult]) -> dict[Any, str]:
    from campaigns.models import Campaign, Offer
    from tenancy.models import Partner

    if by == "partner":
        ids = {r.partner_id for r in results}
        return dict(Partner.objects.filter(pk__in=ids).values_list("pk", "name"))
    if by == "activity_type":
        types = MdfSettings.objects.filter(tenant=tenant).first()
        codes = {r.activity_type for r in results}
        return {c: types.activity_label(c) if types else c for c in codes}
    if by == "campaign":
        campaigns = {r.campaign_id for r in results if r.campaign_id}
        offers = {r.offer_id for r in results if r.offer_id and not r.campaign_id}
        found: dict[Any, str] = {
            ("campaign", pk): name
            for pk, name in Campaign.objects.filter(pk__in=campaigns).values_list("pk", "name")
        }
        found.update(
            {
                ("offer", pk): f"Offer: {name}"
                for pk, name in Offer.objects.filter(pk__in=offers).values_list("pk", "name")
            }
        )
        found[None] = "Without a campaign or offer"
        return found
    return {
        r.quarter_start: Quarter.of(tenant, r.quarter_start).code.replace("-", " ") for r in results
    }


def _key(by: str, result: ActivityResult) -> Any:
    if by == "partner":
        return result.partner_id
    if by == "activity_type":
        return result.activity_type
    if by == "campaign":
        if result.campaign_id:
            return ("campaign", result.campaign_id)
        return ("offer", result.offer_id) if result.offer_id else None
    return result.quarter_start


def group(tenant: Tenant, by: str, results: list[ActivityResult]) -> tuple[list[RoiRow], RoiRow]:
    """The activities summed per `by` value, best ROI first (no ROI last), and their total."""
    labels = _labels(tenant, by, results)
    rows: dict[Any, RoiRow] = {}
    total = RoiRow(key=None, label="All")
    for result in results:
        key = _key(by, result)
        if key not in rows:
            rows[key] = RoiRow(key=key, label=labels.get(key, str(key)))
        rows[key].add(result)
        total.add(result)
    if by == "quarter":
        ordered = sorted(rows.values(), key=lambda r: r.key)
    else:
        ordered = sorted(
            rows.values(), key=lambda r: (r.roi is None, -(r.roi or 0), r.label.lower())
        )
    return ordered, total


def roi_report(
    tenant: Tenant,
    *,
    by: str,
    first: Quarter,
    last: Quarter,
    include_approved: bool = False,
    partner_ids: Iterable[int] | None = None,
) -> RoiReport:
    """The ROI table of the quarters `first` to `last`, by partner, activity type, campaign or
    quarter; ValueError naming `by` when it is none of those."""
    if by not in BY_CHOICES:
        raise ValueError(f"“{by}” is not a breakdown; use {', '.join(BY_CHOICES)}.")
    results = activity_results(
        tenant, first, last, partner_ids=partner_ids, include_approved=include_approved
    )
    rows, total = group(tenant, by, results)
    return RoiReport(by, first, last, include_approved, rows, total, results)


def partner_roi(
    tenant: Tenant,
    first: Quarter,
    last: Quarter,
    *,
    partner_ids: Iterable[int] | None = None,
    include_approved: bool = False,
) -> dict[int, RoiRow]:
    """Each partner's row over the quarters (partners without a funded activity left out)."""
    results = activity_results(
        tenant, first, last, partner_ids=partner_ids, include_approved=include_approved
    )
    found: dict[int, RoiRow] = {}
    for result in results:
        found.setdefault(result.partner_id, RoiRow(key=result.partner_id, label="")).add(result)
    return found
