"""Each capability scored from live data: one measure per capability (a percentage), its level by
fixed thresholds, the inputs kept as evidence, and recommendations naming the figures and the
console page where each is acted on. docs/maturity.md states every formula and threshold.

Every measure is computed for one fiscal quarter, "as of" its end (or now, for the quarter still
running): rows are counted by when they happened in the quarter; the rulebook is the version in
force at that moment. Partners' co-branding profiles keep no history, so their completeness is
always today's. Each measure costs a few grouped queries, whatever the size of the tenant."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from accounts.models import ProductLine
from campaigns.models import Offer
from campaigns.selectors import complete_profiles
from dealreg.choices import ClockSide, ClockState, ConflictStatus
from dealreg.models import RegistrationClock, RegistrationConflict
from guardrails.choices import ExceptionStatus
from guardrails.models import DiscountLeakage, PricingCorridor, RulebookVersion, RuleException
from mdf.choices import RequestState
from mdf.models import FundRequest
from pipeline.models import CampaignResponse, Lead
from routing.choices import EventKind
from routing.models import LeadEvent
from scorecards.choices import Capability, MaturityLevel, SourcedBy
from scorecards.models import OpportunityFact
from tenancy.choices import PartnerStatus
from tenancy.models import Partner, Tenant
from tenancy.quarters import Quarter

__all__ = [
    "LEAKAGE_CAP",
    "MEASURES",
    "THRESHOLDS",
    "Measure",
    "Window",
    "level_for",
    "measure_all",
]

# Level 4, 3 and 2 start at these values of the measure (percent); below the last: level 1.
THRESHOLDS: dict[str, tuple[Decimal, Decimal, Decimal]] = {
    Capability.GOVERNANCE: (Decimal(90), Decimal(70), Decimal(0)),
    Capability.ENABLEMENT: (Decimal(75), Decimal(50), Decimal(25)),
    Capability.LEAD_OPS: (Decimal(80), Decimal(50), Decimal(20)),
    Capability.ATTRIBUTION: (Decimal(90), Decimal(75), Decimal(50)),
    Capability.OFFERS: (Decimal(30), Decimal(15), Decimal(5)),
    Capability.BRAND_PRICING: (Decimal(90), Decimal(60), Decimal(25)),
}
# Brand and pricing: leakage above this share of the quarter's opened pipeline costs a level.
LEAKAGE_CAP = Decimal(1)
HUNDRED = Decimal(100)
MOST_NAMED = 5  # product lines named in a recommendation at most


@dataclass(frozen=True)
class Window:
    """The quarter measured: its moments in the tenant's zone and the moment it is measured at
    (its end, or now while it runs)."""

    tenant: Tenant
    quarter: Quarter
    start: dt.datetime
    end: dt.datetime
    asof: dt.datetime

    @classmethod
    def of(cls, tenant: Tenant, quarter: Quarter, now: dt.datetime | None = None) -> Window:
        start, end = quarter.moments(tenant.zone)
        now = now or timezone.now()
        return cls(tenant, quarter, start, end, min(end, now))

    @property
    def moments(self) -> tuple[dt.datetime, dt.datetime]:
        return self.start, self.end


@dataclass
class Measure:
    value: Decimal | None
    level: int | None
    evidence: dict[str, Any] = field(default_factory=dict)
    recommendations: list[dict[str, Any]] = field(default_factory=list)


def pct(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def level_for(capability: str, value: Decimal | None) -> int | None:
    if value is None:
        return None
    four, three, two = THRESHOLDS[capability]
    if value >= four:
        return MaturityLevel.OPERATIONALIZED
    if value >= three:
        return MaturityLevel.MANAGED
    if value >= two:
        return MaturityLevel.DEFINED
    return MaturityLevel.AD_HOC


def _text(value: Decimal | None) -> str:
    return "—" if value is None else f"{value.quantize(Decimal('0.1'))} %"


def _money(amount: Decimal | None, currency: str) -> str:
    return f"{currency} {(amount or Decimal(0)):,.0f}"


def recommend(text: str, page: str, label: str, *args: Any) -> dict[str, Any]:
    """A recommendation: what to do (with the figures) and the console page (URL name, and its
    arguments after the tenant's slug) where it is done."""
    return {"text": text, "page": page, "args": list(args), "label": label}


def version_in_force(window: Window) -> RulebookVersion | None:
    """The published rulebook version in force at the window's moment."""
    return (
        RulebookVersion.objects.published()
        .filter(published_at__lte=window.asof)
        .filter(Q(effective_at__isnull=True) | Q(effective_at__lte=window.asof))
        .order_by("-effective_at", "-published_at", "-number")
        .first()
    )


# --- route-to-market governance -----------------------------------------------------------------


def governance(window: Window) -> Measure:
    """A published rulebook in force, then the mean of: conflicts raised in the quarter that were
    decided, the manufacturer's registration clocks that ended in the quarter without a breach,
    exceptions requested in the quarter that were reviewed."""
    start, end = window.moments
    version = version_in_force(window)
    conflicts = RegistrationConflict.objects.filter(
        created_at__gte=start, created_at__lt=end
    ).aggregate(
        raised=Count("pk"),
        decided=Count("pk", filter=Q(status=ConflictStatus.RESOLVED)),
    )
    clocks = RegistrationClock.objects.filter(side=ClockSide.VENDOR).aggregate(
        met=Count("pk", filter=Q(state=ClockState.MET, stopped_at__gte=start, stopped_at__lt=end)),
        breached=Count(
            "pk",
            filter=Q(state=ClockState.BREACHED, breached_at__gte=start, breached_at__lt=end),
        ),
    )
    exceptions = RuleException.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(
        requested=Count("pk"),
        pending=Count("pk", filter=Q(status=ExceptionStatus.PENDING)),
    )
    ended = clocks["met"] + clocks["breached"]
    reviewed = exceptions["requested"] - exceptions["pending"]
    parts = {
        "conflicts_decided_pct": pct(conflicts["decided"], conflicts["raised"]),
        "clocks_met_pct": pct(clocks["met"], ended),
        "exceptions_reviewed_pct": pct(reviewed, exceptions["requested"]),
    }
    present = [v for v in parts.values() if v is not None]
    value = (sum(present, Decimal(0)) / len(present)).quantize(Decimal("0.01")) if present else None
    if version is None:
        value, level = Decimal(0), int(MaturityLevel.AD_HOC)
    else:
        level = level_for(Capability.GOVERNANCE, value) or int(MaturityLevel.DEFINED)
    evidence = {
        "version": version.number if version else None,
        "conflicts_raised": conflicts["raised"],
        "conflicts_decided": conflicts["decided"],
        "vendor_clocks_met": clocks["met"],
        "vendor_clocks_breached": clocks["breached"],
        "exceptions_requested": exceptions["requested"],
        "exceptions_pending": exceptions["pending"],
        **{k: None if v is None else str(v) for k, v in parts.items()},
    }
    recs = []
    if version is None:
        recs.append(
            recommend(
                "No published rulebook version was in force at "
                f"{timezone.localtime(window.asof, window.tenant.zone):%Y-%m-%d}: publish the "
                "route-to-market rules (territory, segment, tier) so routing and deal "
                "registration follow them.",
                "rulebook",
                "Rulebook",
            )
        )
    open_conflicts = conflicts["raised"] - conflicts["decided"]
    if open_conflicts:
        recs.append(
            recommend(
                f"Decide the {open_conflicts} of {conflicts['raised']} registration conflicts "
                f"raised this quarter that are still open ({_text(parts['conflicts_decided_pct'])}"
                " decided).",
                "dealreg-conflicts",
                "Conflicts to adjudicate",
            )
        )
    if clocks["breached"]:
        recs.append(
            recommend(
                f"{clocks['breached']} of {ended} manufacturer review clocks on deal "
                f"registrations were breached this quarter ({_text(parts['clocks_met_pct'])} "
                "met): review registrations before their clocks run out.",
                "dealreg-review",
                "Deal registrations",
            )
        )
    if exceptions["pending"]:
        recs.append(
            recommend(
                f"Review the {exceptions['pending']} of {exceptions['requested']} rule "
                "exceptions requested this quarter that are still pending.",
                "exceptions",
                "Exceptions",
            )
        )
    return Measure(value, level, evidence, recs)


# --- partner enablement -------------------------------------------------------------------------


def enablement(window: Window) -> Measure:
    """The mean of: active partners with a complete co-branding profile (the check publishing an
    offer makes, today's profiles), and active partners that requested MDF from the quarter's
    budget (a request submitted, whatever became of it)."""
    active = Partner.objects.filter(status=PartnerStatus.ACTIVE)
    counts = active.aggregate(
        partners=Count("pk"),
        complete=Count(
            "pk", filter=Q(pk__in=complete_profiles().values("partner_id")), distinct=True
        ),
        funded=Count(
            "pk",
            filter=Q(
                pk__in=FundRequest.objects.filter(quarter_start=window.quarter.start)
                .exclude(state__in=(RequestState.DRAFT, RequestState.WITHDRAWN))
                .filter(submitted_at__isnull=False)
                .values("partner_id")
            ),
            distinct=True,
        ),
    )
    partners = counts["partners"]
    complete_pct = pct(counts["complete"], partners)
    funded_pct = pct(counts["funded"], partners)
    value: Decimal | None = None
    if partners:
        value = ((complete_pct or Decimal(0)) + (funded_pct or Decimal(0))) / 2
    evidence = {
        "active_partners": partners,
        "complete_profiles": counts["complete"],
        "partners_with_mdf": counts["funded"],
        "complete_pct": None if complete_pct is None else str(complete_pct),
        "mdf_pct": None if funded_pct is None else str(funded_pct),
    }
    recs = []
    if not partners:
        recs.append(
            recommend(
                "No active partner: add the distributors you sell through.",
                "partners",
                "Partners",
            )
        )
    lacking = partners - counts["complete"]
    if partners and lacking:
        recs.append(
            recommend(
                f"{lacking} of {partners} active partners have no complete co-branding profile "
                f"({_text(complete_pct)} complete), so they cannot publish shared offers: ask "
                "them to finish it.",
                "cobrand-profiles",
                "Co-branding",
            )
        )
    unfunded = partners - counts["funded"]
    if partners and unfunded:
        recs.append(
            recommend(
                f"{unfunded} of {partners} active partners requested no MDF from the "
                f"{window.quarter.code} budget ({_text(funded_pct)} did): allocate funds and "
                "promote the through-partner kits.",
                "mdf-budgets",
                "MDF budgets",
            )
        )
    return Measure(value, level_for(Capability.ENABLEMENT, value), evidence, recs)


# --- lead operations ----------------------------------------------------------------------------


def lead_ops(window: Window) -> Measure:
    """Leads assigned in the quarter (to a partner or direct sales) that were routed automatically
    (a stored routing decision, never reassigned by hand) and first touched within their SLA,
    as a share of all leads assigned in the quarter."""
    start, end = window.moments
    reassigned = LeadEvent.objects.filter(lead=OuterRef("pk"), kind=EventKind.REASSIGNED)
    automatic = Q(decision__has_key="outcome", by_hand=False)
    counts = (
        Lead.objects.filter(
            assigned_at__gte=start, assigned_at__lt=end, route__in=("direct", "partner")
        )
        .annotate(by_hand=Exists(reassigned))
        .aggregate(
            assigned=Count("pk"),
            automatic=Count("pk", filter=automatic),
            in_sla=Count("pk", filter=Q(sla_met=True)),
            missed=Count("pk", filter=Q(sla_met=False)),
            both=Count("pk", filter=automatic & Q(sla_met=True)),
        )
    )
    value = pct(counts["both"], counts["assigned"])
    evidence = {
        "leads_assigned": counts["assigned"],
        "routed_automatically": counts["automatic"],
        "first_touch_in_sla": counts["in_sla"],
        "sla_missed": counts["missed"],
        "automatic_and_in_sla": counts["both"],
    }
    recs = []
    if not counts["assigned"]:
        recs.append(
            recommend(
                "No lead was assigned this quarter: connect your web forms and lead sources so "
                "leads are captured and routed.",
                "lead-forms",
                "Lead forms",
            )
        )
    by_hand = counts["assigned"] - counts["automatic"]
    if by_hand:
        recs.append(
            recommend(
                f"{by_hand} of {counts['assigned']} leads assigned this quarter were placed by "
                f"hand ({_text(pct(by_hand, counts['assigned']))}): add routing rules for them.",
                "rulebook",
                "Rulebook",
            )
        )
    if counts["missed"]:
        recs.append(
            recommend(
                f"{counts['missed']} lead{'s' if counts['missed'] != 1 else ''} missed their "
                "first-touch SLA this quarter "
                f"({counts['in_sla']} met it): look at who breaches most and at their "
                "capacity.",
                "sla-monitor",
                "SLA monitor",
            )
        )
    return Measure(value, level_for(Capability.LEAD_OPS, value), evidence, recs)


# --- attribution and KPIs -----------------------------------------------------------------------


def attribution(window: Window, currency: str) -> Measure:
    """Of the pipeline opened in the quarter (the scorecards' facts, in the tenant's currency),
    the share with a recorded source (`sourced_by` not unknown); by count when no opportunity
    has an amount."""
    unknown = Q(sourced_by=SourcedBy.UNKNOWN)
    sums = OpportunityFact.objects.filter(created_quarter=window.quarter.start).aggregate(
        opened=Count("pk"),
        unrecorded=Count("pk", filter=unknown),
        total=Sum("amount"),
        unrecorded_amount=Sum("amount", filter=unknown),
    )
    amount = sums["total"] or Decimal(0)
    unrecorded_amount = sums["unrecorded_amount"] or Decimal(0)
    if amount:
        value = pct(amount - unrecorded_amount, amount)
    else:
        value = pct(sums["opened"] - sums["unrecorded"], sums["opened"])
    evidence = {
        "opportunities_opened": sums["opened"],
        "without_source": sums["unrecorded"],
        "pipeline": str(amount.quantize(Decimal("0.01"))),
        "pipeline_without_source": str(unrecorded_amount.quantize(Decimal("0.01"))),
    }
    recs = []
    if sums["unrecorded"]:
        recs.append(
            recommend(
                f"{sums['unrecorded']} of {sums['opened']} opportunities opened this quarter "
                f"({_money(unrecorded_amount, currency)} of {_money(amount, currency)}) have no "
                "recorded source: set their source, link their deal registration or log the "
                "touch that started them.",
                "opportunities",
                "Opportunities",
            )
        )
    if not sums["opened"]:
        recs.append(
            recommend(
                "No opportunity opened this quarter is in the scorecards yet: sync the CRM and "
                "rebuild the figures.",
                "scorecard-settings",
                "Scorecard settings",
            )
        )
    return Measure(value, level_for(Capability.ATTRIBUTION, value), evidence, recs)


# --- offer strategy -----------------------------------------------------------------------------


def shared_offer_ids() -> list[int]:
    """Offers open to both routes (their `routes` name direct and partner)."""
    return [
        pk
        for pk, routes in Offer.objects.values_list("pk", "routes")
        if {"direct", "partner"} <= set(routes or [])
    ]


def offers(window: Window) -> Measure:
    """Leads received and opportunities opened in the quarter that name an offer shared across
    routes, as a share of all of them. Offer conversion (opportunities naming any offer per
    campaign response in the quarter) is kept as evidence."""
    start, end = window.moments
    shared = shared_offer_ids()
    leads = Lead.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(
        n=Count("pk"), shared=Count("pk", filter=Q(offer_id__in=shared))
    )
    opportunities = OpportunityFact.objects.filter(created_quarter=window.quarter.start).aggregate(
        n=Count("pk"),
        shared=Count("pk", filter=Q(offer_id__in=shared)),
        any_offer=Count("pk", filter=Q(offer__isnull=False)),
    )
    responses = CampaignResponse.objects.filter(occurred_at__gte=start, occurred_at__lt=end).count()
    whole = leads["n"] + opportunities["n"]
    value = pct(leads["shared"] + opportunities["shared"], whole)
    conversion = pct(opportunities["any_offer"], responses)
    evidence = {
        "shared_offers": len(shared),
        "leads": leads["n"],
        "leads_from_shared_offers": leads["shared"],
        "opportunities": opportunities["n"],
        "opportunities_from_shared_offers": opportunities["shared"],
        "campaign_responses": responses,
        "offer_conversion_pct": None if conversion is None else str(conversion),
    }
    recs = []
    if not shared:
        recs.append(
            recommend(
                "No offer is open to both routes: make your assessment, pilot and ROI offers "
                "available to partners and direct sales alike.",
                "offers",
                "Offers",
            )
        )
    elif whole and (value or 0) < THRESHOLDS[Capability.OFFERS][0]:
        recs.append(
            recommend(
                f"Only {leads['shared'] + opportunities['shared']} of {whole} leads and "
                f"opportunities this quarter came from the {len(shared)} shared offers "
                f"({_text(value)}): run them in more campaigns on both routes.",
                "campaigns",
                "Campaigns",
            )
        )
    if responses and conversion is not None and conversion < 10:
        recs.append(
            recommend(
                f"{responses} campaign responses this quarter turned into "
                f"{opportunities['any_offer']} opportunities naming an offer "
                f"({_text(conversion)}): see which offers convert and retire the weak ones.",
                "conversion",
                "Offer conversion",
            )
        )
    return Measure(value, level_for(Capability.OFFERS, value), evidence, recs)


# --- brand and pricing --------------------------------------------------------------------------


def brand_pricing(window: Window, currency: str) -> Measure:
    """The share of product lines with a pricing corridor in the rulebook version in force; a
    level lower when discount leakage recorded in the quarter passes 1 % of the pipeline opened
    in it."""
    start, end = window.moments
    version = version_in_force(window)
    lines = dict(ProductLine.objects.values_list("pk", "name"))
    covered: set[int] = set()
    if version is not None:
        covered = set(
            PricingCorridor.objects.filter(version=version)
            .values_list("product_line_id", flat=True)
            .distinct()
        )
    covered &= set(lines)
    leakage = DiscountLeakage.objects.filter(recorded_at__gte=start, recorded_at__lt=end).aggregate(
        total=Sum("amount"), n=Count("pk")
    )
    pipeline = OpportunityFact.objects.filter(created_quarter=window.quarter.start).aggregate(
        total=Sum("amount")
    )["total"] or Decimal(0)
    leaked = leakage["total"] or Decimal(0)
    leakage_pct = pct(leaked, pipeline)
    value = pct(len(covered), len(lines))
    level = level_for(Capability.BRAND_PRICING, value)
    capped = False
    if level is not None and leakage_pct is not None and leakage_pct > LEAKAGE_CAP:
        capped = level > MaturityLevel.AD_HOC
        level = max(int(MaturityLevel.AD_HOC), level - 1)
    uncovered = sorted(name for pk, name in lines.items() if pk not in covered)
    evidence = {
        "version": version.number if version else None,
        "product_lines": len(lines),
        "covered": len(covered),
        "leakage": str(leaked.quantize(Decimal("0.01"))),
        "leakage_deals": leakage["n"],
        "pipeline": str(pipeline.quantize(Decimal("0.01"))),
        "leakage_pct": None if leakage_pct is None else str(leakage_pct),
        "lowered_by_leakage": capped,
    }
    recs = []
    if uncovered:
        named = ", ".join(uncovered[:MOST_NAMED])
        more = len(uncovered) - MOST_NAMED
        recs.append(
            recommend(
                f"{len(uncovered)} of {len(lines)} product lines have no pricing corridor in "
                f"the rulebook in force ({named}{f' and {more} more' if more > 0 else ''}): "
                "add corridors in a new draft and publish it.",
                "rulebook",
                "Rulebook",
            )
        )
    if leaked:
        recs.append(
            recommend(
                f"{_money(leaked, currency)} of revenue was given away beyond the corridors on "
                f"{leakage['n']} deal lines this quarter ({_text(leakage_pct)} of the pipeline "
                "opened): require an approved exception before such discounts.",
                "scorecard-drilldown",
                "Discount leakage",
                "discount_leakage",
            )
        )
    return Measure(value, level, evidence, recs)


MEASURES: dict[str, Callable[[Window], Measure]] = {
    Capability.GOVERNANCE: governance,
    Capability.ENABLEMENT: enablement,
    Capability.LEAD_OPS: lead_ops,
    Capability.ATTRIBUTION: lambda w: attribution(w, w.tenant.currency),
    Capability.OFFERS: offers,
    Capability.BRAND_PRICING: lambda w: brand_pricing(w, w.tenant.currency),
}


def measure_all(
    tenant: Tenant, quarter: Quarter, now: dt.datetime | None = None
) -> dict[str, Measure]:
    """Every capability's measure for the quarter (in the tenant's scope)."""
    window = Window.of(tenant, quarter, now)
    return {key: MEASURES[key](window) for key in Capability.values}
