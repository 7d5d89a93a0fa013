"""Offer conversion: how an offer's or a campaign's landing-page views became responses, leads,
opportunities and won deals, per offer, campaign, route and partner, for a period.

Each measure is one grouped query (values().annotate()) over its own rows, and every row is
given one *party* the same way: a partner (its id) or direct sales (none). Who may see which
rows is decided in one place, `_visible`, on that party: a partner user its own partner's rows
only (so no figure, total included, holds another partner's), a direct user the direct rows,
RevOps admins every row. How each measure is counted (and why views have no campaign) is in
docs/metrics.md, "Offer conversion".

- views: `campaigns.PageViews` of the landing pages (`OfferPublication`) viewed in the period;
  the page's partner is the party. A page belongs to an offer, not a campaign, so views are
  counted by offer only: grouped or filtered by campaign they are unknown (None, shown "—").
- responses: `pipeline.CampaignResponse` that occurred in the period; its partner is the party.
- leads: leads naming a campaign or an offer that arrived (`created_at`) in the period; the
  party is the partner that submitted it (a co-branded page's lead), else the partner it was
  assigned to, else direct sales.
- opportunities: opportunities naming a campaign or an offer opened in the period; the party is
  the opportunity's partner when its route is partner, else direct sales.
- won, closed: of those opportunities, the ones closed (won, or won or lost) in the period; the
  won amount is read from the scorecards' facts (`OpportunityFact.amount`, converted to the
  tenant's currency as every scorecard figure is); a won deal without a fact or a rate yet is
  counted in `won_unpriced`, never as zero money.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Expression,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from campaigns.models import Campaign, Offer, PageViews
from pipeline.choices import Outcome, Route
from pipeline.models import CampaignResponse, Lead, Opportunity
from scorecards.models import OpportunityFact
from tenancy.models import Membership, Partner, Tenant
from tenancy.quarters import Quarter

__all__ = [
    "DIMENSIONS",
    "FunnelRow",
    "Period",
    "current_period",
    "funnel",
    "of_party",
    "rate",
    "totals",
]

DIMENSIONS = ("offer", "campaign", "route", "partner")
DIRECT, PARTNER = str(Route.DIRECT), str(Route.PARTNER)
COUNTS = ("views", "responses", "leads", "opportunities", "won", "closed", "won_unpriced")


@dataclass(frozen=True)
class Period:
    """Days from `start` up to, not including, `end`, in the tenant's calendar."""

    start: dt.date
    end: dt.date
    label: str = ""

    @classmethod
    def of_quarter(cls, quarter: Quarter) -> Period:
        return cls(quarter.start, quarter.following, quarter.label)

    def moments(self, tenant: Tenant) -> tuple[dt.datetime, dt.datetime]:
        """The period's bounds as moments in the tenant's zone (for timestamps)."""
        zone = tenant.zone
        return (
            timezone.make_aware(dt.datetime.combine(self.start, dt.time.min), zone),
            timezone.make_aware(dt.datetime.combine(self.end, dt.time.min), zone),
        )


def current_period(tenant: Tenant, today: dt.date | None = None) -> Period:
    """The tenant's current fiscal quarter: what the pages show until another is picked."""
    today = today or timezone.now().astimezone(tenant.zone).date()
    return Period.of_quarter(Quarter.of(tenant, today))


def rate(part: int | None, whole: int | None) -> Decimal | None:
    """`part` of `whole` in percent, to one decimal; None when there is no whole to divide."""
    if part is None or not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


@dataclass
class FunnelRow:
    """One group's funnel. A dimension not grouped by is None, as is a measure unknown for the
    group (views grouped or filtered by campaign); `route` is "direct" or "partner"."""

    offer_id: int | None = None
    campaign_id: int | None = None
    route: str | None = None
    partner_id: int | None = None
    offer: str = ""
    campaign: str = ""
    partner: str = ""
    views: int | None = 0
    responses: int = 0
    leads: int = 0
    opportunities: int = 0
    won: int = 0
    closed: int = 0
    won_amount: Decimal = Decimal("0.00")
    won_unpriced: int = 0
    keys: tuple[Any, ...] = field(default=(), repr=False)

    @property
    def response_rate(self) -> Decimal | None:
        return rate(self.responses, self.views)

    @property
    def lead_to_opportunity(self) -> Decimal | None:
        return rate(self.opportunities, self.leads)

    @property
    def win_rate(self) -> Decimal | None:
        return rate(self.won, self.closed)


# --- the party of each measure's rows, and who may see it (the one place) ---------------------


def _route_of(partner: str) -> Case:
    return Case(
        When(**{f"{partner}__isnull": False}, then=Value(PARTNER)),
        default=Value(DIRECT),
        output_field=CharField(),
    )


def _opportunity_party(prefix: str = "") -> Case:
    # A direct opportunity is direct sales' even when a partner is named on it (an assist).
    return Case(
        When(**{f"{prefix}route": Route.PARTNER}, then=F(f"{prefix}partner_id")),
        default=Value(None),
        output_field=IntegerField(),
    )


def _visible(rows: QuerySet, membership: Membership) -> QuerySet:
    """The rows of `membership`'s party: a partner user's own partner, a direct user's direct
    sales, every party for RevOps admins. Every measure passes through here."""
    if membership.is_admin:
        return rows
    if membership.is_partner_user:
        return rows.filter(conv_partner=membership.partner_id)
    return rows.filter(conv_partner__isnull=True)


PARTIES: dict[type, Any] = {
    CampaignResponse: lambda: F("partner_id"),
    Lead: lambda: Coalesce("submitted_by_partner_id", "assigned_partner_id"),
    Opportunity: lambda: _opportunity_party(),
}


def of_party(rows: QuerySet, membership: Membership) -> QuerySet:
    """Campaign responses, leads or opportunities of `membership`'s party, by the same party rule
    and the same visibility as the funnel (`conv_partner` annotated: the party's partner id)."""
    return _visible(rows.annotate(conv_partner=PARTIES[rows.model]()), membership)


@dataclass(frozen=True)
class _Measure:
    name: str
    offer: str | None  # the field naming the offer (None: the measure has no such dimension)
    campaign: str | None
    party: Expression | F
    values: Mapping[str, Any]  # the aggregates, by FunnelRow field


def _measures(tenant: Tenant, period: Period) -> list[tuple[_Measure, QuerySet]]:
    since, until = period.moments(tenant)
    linked = Q(campaign__isnull=False) | Q(offer__isnull=False)
    won = Q(stage__outcome=Outcome.WON, closed_on__gte=period.start, closed_on__lt=period.end)
    closed = Q(
        stage__outcome__in=[Outcome.WON, Outcome.LOST],
        closed_on__gte=period.start,
        closed_on__lt=period.end,
    )
    opened = Q(opened_on__gte=period.start, opened_on__lt=period.end)
    fact_linked = Q(opportunity__campaign__isnull=False) | Q(opportunity__offer__isnull=False)
    return [
        (
            _Measure(
                "views",
                "publication__offer_id",
                None,
                F("publication__partner_id"),
                {"views": Sum("views")},
            ),
            PageViews.objects.filter(day__gte=period.start, day__lt=period.end),
        ),
        (
            _Measure(
                "responses", "offer_id", "campaign_id", F("partner_id"), {"responses": Count("pk")}
            ),
            CampaignResponse.objects.filter(occurred_at__gte=since, occurred_at__lt=until),
        ),
        (
            _Measure(
                "leads",
                "offer_id",
                "campaign_id",
                Coalesce("submitted_by_partner_id", "assigned_partner_id"),
                {"leads": Count("pk")},
            ),
            Lead.objects.filter(linked, created_at__gte=since, created_at__lt=until),
        ),
        (
            _Measure(
                "opportunities",
                "offer_id",
                "campaign_id",
                _opportunity_party(),
                {
                    "opportunities": Count("pk", filter=opened),
                    "won": Count("pk", filter=won),
                    "closed": Count("pk", filter=closed),
                },
            ),
            Opportunity.objects.filter(linked).filter(opened | closed),
        ),
        (
            _Measure(
                "won_amount",
                "opportunity__offer_id",
                "opportunity__campaign_id",
                _opportunity_party("opportunity__"),
                {
                    "won_amount": Sum("amount"),
                    "won_priced": Count("pk", filter=Q(amount__isnull=False)),
                },
            ),
            OpportunityFact.objects.filter(fact_linked).filter(
                opportunity__stage__outcome=Outcome.WON,
                opportunity__closed_on__gte=period.start,
                opportunity__closed_on__lt=period.end,
            ),
        ),
    ]


def _grouped(
    measure: _Measure,
    rows: QuerySet,
    membership: Membership,
    by: tuple[str, ...],
    narrow: Mapping[str, Any],
) -> Iterable[dict[str, Any]] | None:
    """The measure's aggregates per group; None when it cannot be split or narrowed as asked."""
    paths = {"offer": measure.offer, "campaign": measure.campaign}
    if any(paths.get(d, "") is None for d in (*by, *narrow)):
        return None
    rows = rows.annotate(conv_partner=measure.party)
    rows = _visible(rows, membership).annotate(conv_route=_route_of("conv_partner"))
    for name, path in paths.items():
        if path is not None:
            rows = rows.annotate(**{f"conv_{name}": F(path)})
    rows = rows.filter(**{f"conv_{name}": value for name, value in narrow.items()})
    return rows.values(*(f"conv_{d}" for d in by)).annotate(**measure.values).order_by()


def funnel(
    membership: Membership,
    *,
    period: Period | None = None,
    by: Iterable[str] = ("offer",),
    route: str | None = None,
    partner: int | None = None,
    campaign: int | None = None,
    offer: int | None = None,
) -> list[FunnelRow]:
    """The conversion funnel of what `membership` may see in `period` (default: the current
    fiscal quarter), one row per group of `by` (a subset of DIMENSIONS), narrowed to a route,
    partner, campaign or offer if given. Rows are in the order of their names."""
    by = tuple(d for d in DIMENSIONS if d in set(by))
    if not by:
        raise ValueError(f"Group by at least one of {', '.join(DIMENSIONS)}.")
    tenant = membership.tenant
    period = period or current_period(tenant)
    narrow = {
        name: value
        for name, value in (
            ("route", route),
            ("partner", partner),
            ("campaign", campaign),
            ("offer", offer),
        )
        if value not in (None, "")
    }
    found: dict[tuple[Any, ...], FunnelRow] = {}
    priced: dict[tuple[Any, ...], int] = {}
    views_known = True
    for measure, rows in _measures(tenant, period):
        grouped = _grouped(measure, rows, membership, by, narrow)
        if grouped is None:
            views_known = False  # only views lack a dimension (the campaign)
            continue
        for group in grouped:
            key = tuple(group[f"conv_{d}"] for d in by)
            row = found.setdefault(key, _new_row(by, key))
            for name in measure.values:
                if name == "won_priced":
                    priced[key] = group[name]
                elif name == "won_amount":
                    row.won_amount = Decimal(group[name] or 0).quantize(Decimal("0.01"))
                else:
                    setattr(row, name, group[name] or 0)
    for key, row in found.items():
        row.won_unpriced = max(row.won - priced.get(key, 0), 0)
        if not views_known:
            row.views = None
    _name(found.values())
    return sorted(found.values(), key=_order)


def _new_row(by: tuple[str, ...], key: tuple[Any, ...]) -> FunnelRow:
    row = FunnelRow(keys=key)
    for dimension, value in zip(by, key, strict=True):
        setattr(row, "route" if dimension == "route" else f"{dimension}_id", value)
    return row


def _name(rows: Iterable[FunnelRow]) -> None:
    """Each row's offer, campaign and partner by name: a query per kind named."""
    rows = list(rows)
    offers = {r.offer_id for r in rows if r.offer_id}
    campaigns = {r.campaign_id for r in rows if r.campaign_id}
    partners = {r.partner_id for r in rows if r.partner_id}
    offer_names = (
        dict(Offer.objects.filter(pk__in=offers).values_list("pk", "name")) if offers else {}
    )
    campaign_names = (
        dict(Campaign.objects.filter(pk__in=campaigns).values_list("pk", "name"))
        if campaigns
        else {}
    )
    partner_names = (
        dict(Partner.objects.filter(pk__in=partners).values_list("pk", "name")) if partners else {}
    )
    for row in rows:
        row.offer = offer_names.get(row.offer_id, "") if row.offer_id else ""
        row.campaign = campaign_names.get(row.campaign_id, "") if row.campaign_id else ""
        row.partner = partner_names.get(row.partner_id, "") if row.partner_id else ""


def _order(row: FunnelRow) -> tuple[Any, ...]:
    # Named groups first by name; "no offer" / "no campaign" / direct sales after them.
    return (
        row.offer == "" and row.offer_id is None,
        row.offer.casefold(),
        row.campaign == "" and row.campaign_id is None,
        row.campaign.casefold(),
        row.route or "",
        row.partner.casefold(),
        row.keys,
    )


def totals(rows: Iterable[FunnelRow]) -> FunnelRow:
    """The rows summed (only ever rows the viewer was given, so a partner's total is its own)."""
    total = FunnelRow()
    rows = list(rows)
    for f in fields(FunnelRow):
        if f.name in COUNTS:
            values = [getattr(r, f.name) for r in rows]
            setattr(total, f.name, None if None in values else sum(values))
    total.won_amount = sum((r.won_amount for r in rows), Decimal("0.00"))
    return total
