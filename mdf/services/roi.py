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

Every figure comes from four queries whatever the number of activities: the funded activities,
then one grouped query per measure (sourced, influenced, leads), grouped by partner, campaign,
offer and day (and account, for influence). Every row of a group falls in the same activity, so
the groups (never single opportunities) are placed on their activity in Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncDate

from campaigns.models import Campaign, Offer
from mdf.choices import ClaimState
from mdf.models import FundRequest, MdfSettings
from pipeline.choices import Outcome
from pipeline.models import Lead, Opportunity, Touch
from tenancy.models import Partner, Tenant
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


def funded(*, include_approved: bool = False) -> QuerySet[FundRequest]:
    """The funded activities: requests whose claim is paid (or, with `include_approved`,
    approved and not yet paid too)."""
    states = [ClaimState.PAID, *([ClaimState.APPROVED] if include_approved else [])]
    return FundRequest.objects.filter(claim__state__in=states)


@dataclass(frozen=True)
class _Window:
    """A funded activity as the assignment reads it."""

    request_id: int
    partner_id: int
    starts_on: dt.date
    window_end: dt.date

    def holds(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.window_end


class _Activities:
    """Every funded activity of the tenant by partner and link (campaign, or offer without a
    campaign), to place a group of rows (partner, campaign, offer, day) on the earliest one whose
    window holds the day: the same for every quarter asked, so figures add up."""

    def __init__(self, rows: Iterable[dict[str, Any]]) -> None:
        self.by_link: dict[tuple[int, str, int | None], list[_Window]] = {}
        for row in rows:
            link = ("c", row["campaign_id"]) if row["campaign_id"] else ("o", row["offer_id"])
            if link[1] is None:
                continue  # linked to nothing: it sources nothing
            window = _Window(
                row["pk"],
                row["partner_id"],
                row["starts_on"],
                row["ends_on"] + dt.timedelta(days=TAIL_DAYS),
            )
            self.by_link.setdefault((row["partner_id"], *link), []).append(window)
        for windows in self.by_link.values():
            windows.sort(key=lambda w: (w.starts_on, w.request_id))

    def holding(
        self, partner_id: int | None, campaign_id: int | None, offer_id: int | None, day: dt.date
    ) -> list[_Window]:
        """The partner's activities a row naming this campaign and offer on `day` falls in."""
        found = []
        if campaign_id is not None:
            found += [
                w for w in self.by_link.get((partner_id or 0, "c", campaign_id), ()) if w.holds(day)
            ]
        if offer_id is not None:
            found += [
                w for w in self.by_link.get((partner_id or 0, "o", offer_id), ()) if w.holds(day)
            ]
        return found

    def of_partner(
        self, partner_id: int | None, campaign_id: int | None, offer_id: int | None, day: dt.date
    ) -> int | None:
        """The earliest of the partner's activities the row falls in."""
        found = self.holding(partner_id, campaign_id, offer_id, day)
        if not found:
            return None
        return min(found, key=lambda w: (w.starts_on, w.request_id)).request_id


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


def _sums(currency: str) -> dict[str, Any]:
    """Opportunities, their amount and the won amount (the tenant's currency), and how many are
    in another currency."""
    mine = Q(currency=currency)
    return {
        "n": Count("id", filter=mine),
        "pipeline": Sum("amount", filter=mine),
        "won": Sum("amount", filter=mine & Q(stage__outcome=Outcome.WON)),
        "other": Count("id", filter=~mine),
    }


def _day_bounds(tenant: Tenant, since: dt.date, until: dt.date) -> dict[str, dt.datetime]:
    zone = tenant.zone
    return {
        "gte": dt.datetime.combine(since, dt.time(), tzinfo=zone),
        "lt": dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=zone),
    }


FIELDS = (
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


def activity_results(
    tenant: Tenant,
    first: Quarter,
    last: Quarter,
    *,
    partner_ids: Iterable[int] | None = None,
    include_approved: bool = False,
) -> list[ActivityResult]:
    """The funded activities of the quarters `first` to `last` (their requests' budget quarter)
    with what each brought in: the funded activities, then one grouped query each for sourced
    opportunities, influenced opportunities and leads (grouped by partner, campaign, offer and
    day: every row of a group falls in the same activity, so a group is placed at once)."""
    rows = list(funded(include_approved=include_approved).values(*FIELDS))
    activities = _Activities(rows)
    wanted = None if partner_ids is None else set(partner_ids)
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
        if first.start <= row["quarter_start"] < last.following
        and (wanted is None or row["partner_id"] in wanted)
    }
    if not results:
        return []
    chosen = [row for row in rows if row["pk"] in results]
    since = min(row["starts_on"] for row in chosen)
    until = max(row["ends_on"] for row in chosen) + dt.timedelta(days=TAIL_DAYS)
    partners = {r.partner_id for r in results.values()}
    campaigns = {r.campaign_id for r in results.values() if r.campaign_id}
    offers = {r.offer_id for r in results.values() if r.offer_id and not r.campaign_id}
    through = Q(campaign_id__in=campaigns) | Q(offer_id__in=offers)
    currency, zone = tenant.currency, tenant.zone
    window = {"opened_on__gte": since, "opened_on__lte": until}

    # Sourced: the partner's own opportunities naming the activity's campaign (or offer).
    key = ("partner_id", "campaign_id", "offer_id", "opened_on")
    sourced = (
        Opportunity.objects.filter(through, partner_id__in=partners, **window)
        .values(*key)
        .annotate(**_sums(currency))
        .order_by()
    )
    for group in sourced:
        found = results.get(activities.of_partner(*(group[k] for k in key)) or 0)
        if found is not None:
            found.sourced_n += group["n"]
            found.other_currency += group["other"]
            found.sourced_pipeline += group["pipeline"] or ZERO
            found.sourced_won += group["won"] or ZERO

    # Influenced: opportunities on accounts a partner touched with the campaign in an activity's
    # window, opened in that window, unless a funded activity sourced them.
    bounds = _day_bounds(tenant, since, until)
    touches = Touch.objects.filter(
        through,
        actor_partner__isnull=False,
        account__isnull=False,
        occurred_at__gte=bounds["gte"],
        occurred_at__lt=bounds["lt"],
    )
    touched: dict[int, set[_Window]] = {}
    touch_key = ("account_id", "actor_partner_id", "campaign_id", "offer_id", "day")
    for account, partner, campaign, offer, day in (
        touches.annotate(day=TruncDate("occurred_at", tzinfo=zone))
        .values_list(*touch_key)
        .distinct()
        .order_by()
    ):
        for w in activities.holding(partner, campaign, offer, day):
            touched.setdefault(account, set()).add(w)
    if touched:
        on_account = ("account_id", "partner_id", "campaign_id", "offer_id", "opened_on")
        influenced = (
            Opportunity.objects.filter(account_id__in=touches.values("account_id"), **window)
            .values(*on_account)
            .annotate(**_sums(currency))
            .order_by()
        )
        for group in influenced:
            if activities.of_partner(*(group[k] for k in on_account[1:])) is not None:
                continue  # sourced by a funded activity
            day = group["opened_on"]
            holding = [w for w in touched.get(group["account_id"], ()) if w.holds(day)]
            if not holding:
                continue
            first_one = min(holding, key=lambda w: (w.starts_on, w.request_id))
            found = results.get(first_one.request_id)
            if found is not None:
                found.influenced_n += group["n"]
                found.other_currency += group["other"]
                found.influenced_pipeline += group["pipeline"] or ZERO
                found.influenced_won += group["won"] or ZERO

    # Leads the partner submitted through the campaign (or offer) in the window.
    lead_key = ("submitted_by_partner_id", "campaign_id", "offer_id", "day")
    leads = (
        Lead.objects.filter(
            through,
            submitted_by_partner_id__in=partners,
            created_at__gte=bounds["gte"],
            created_at__lt=bounds["lt"],
        )
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values(*lead_key)
        .annotate(n=Count("id"))
        .order_by()
    )
    for group in leads:
        found = results.get(activities.of_partner(*(group[k] for k in lead_key)) or 0)
        if found is not None:
            found.leads += group["n"]
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
