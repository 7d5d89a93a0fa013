"""The maturity questionnaire: three questions per capability of the Channel-Balanced Demand
Maturity Matrix, each answered with a level from 1 (ad hoc) to 4 (operationalized), every level's
statement written out so two people answering alone land on the same level.

A capability's questionnaire score is the mean of its three answers (two decimals); its level is
the highest level the mean reaches (2.67 is level 2: "defined", not yet "managed")."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from scorecards.choices import Capability, MaturityLevel

__all__ = [
    "CAPABILITY_INTRO",
    "QUESTIONS",
    "Question",
    "by_capability",
    "level_of_mean",
    "mean_of",
    "question",
]


@dataclass(frozen=True)
class Question:
    key: str  # "<capability>.<topic>", what `MaturityAssessment.answers` is keyed by
    capability: str
    text: str
    levels: tuple[str, str, str, str]  # the statement for levels 1, 2, 3 and 4


# What "ad hoc" and "operationalized" mean for each capability (the matrix's From and To).
CAPABILITY_INTRO: dict[str, tuple[str, str]] = {
    Capability.GOVERNANCE: (
        "Unwritten rules",
        "Published guardrails, pricing corridors, exception workflow",
    ),
    Capability.ENABLEMENT: ("Generic MDF", "Through-partner kits, incentives, shared dashboards"),
    Capability.LEAD_OPS: (
        "Manual routing",
        "Automated enrich/dedupe + SLAs + deal registration",
    ),
    Capability.ATTRIBUTION: ("Last touch", "Sourced & influenced, channel-neutral scorecards"),
    Capability.OFFERS: ("Feature promos", "Assessment/pilot/ROI offers shared across routes"),
    Capability.BRAND_PRICING: ("Inconsistent", "Unified messaging + price integrity"),
}


def _q(key: str, text: str, *levels: str) -> Question:
    capability = key.split(".", 1)[0]
    assert len(levels) == 4, key
    return Question(key, capability, text, (levels[0], levels[1], levels[2], levels[3]))


QUESTIONS: tuple[Question, ...] = (
    # --- route-to-market governance ----------------------------------------------------------
    _q(
        "governance.rules",
        "How are the rules deciding which route serves an account written down?",
        "They are not: whoever knows the customer takes the deal, and disputes go to whoever "
        "shouts loudest.",
        "A rules document exists (territory, segment, tier), but it is not versioned and "
        "partners rarely see it.",
        "A published, versioned rulebook decides the route; partners and reps can look up why an "
        "account is theirs.",
        "The rulebook is the system: leads and registrations are routed by it automatically, "
        "changes are simulated before they are published and every change is audited.",
    ),
    _q(
        "governance.exceptions",
        "What happens when someone needs to work outside the rules?",
        "They just do it; nobody records it.",
        "They ask a manager by email; the answer is not kept with the account.",
        "Exceptions are requested in one workflow and decided with a reason, by an owner.",
        "Exceptions are requested and reviewed within an agreed time, expire by themselves, and "
        "how many are granted is reviewed every quarter.",
    ),
    _q(
        "governance.conflicts",
        "How are conflicts between routes (two partners, or a partner and a rep) settled?",
        "Case by case, by whoever is senior; the losing side learns it from the customer.",
        "A written tie-break exists but is applied by hand and slowly.",
        "Conflicts are detected at registration and decided by the published tie-break, both "
        "sides told why.",
        "Conflicts are decided within an SLA, the decisions are precedents others can search, "
        "and the conflict rate is a KPI reviewed every quarter.",
    ),
    # --- partner enablement ------------------------------------------------------------------
    _q(
        "enablement.kits",
        "What do partners get to market the products themselves?",
        "Brochures and a logo file on request.",
        "A shared folder of generic campaign material.",
        "Ready-made offers partners can co-brand and publish themselves.",
        "Through-partner kits with co-branded landing pages, PDFs and lead capture that feed "
        "routing directly, published by most partners.",
    ),
    _q(
        "enablement.funds",
        "How are market development funds (MDF) given and justified?",
        "Given as a discount or a lump sum, with no claim or proof.",
        "A yearly budget per partner, claimed with invoices by email.",
        "Requested before the activity, approved against a budget and claimed with proof in one "
        "system.",
        "Budgets, requests, claims and payments run through one ledger, ROI is measured per "
        "activity and unused funds are reallocated every quarter.",
    ),
    _q(
        "enablement.dashboards",
        "What do partners see of their own performance?",
        "Nothing until a yearly business review.",
        "A spreadsheet sent by the channel manager now and then.",
        "Their own scorecard in the portal, with their tier standing.",
        "The same channel-neutral scorecard as the direct team, with what they need for the "
        "next tier and the manufacturer's own SLA beside theirs.",
    ),
    # --- lead operations ---------------------------------------------------------------------
    _q(
        "lead_ops.routing",
        "How does an incoming lead reach a partner or a rep?",
        "Someone forwards it by email when they get to it.",
        "A coordinator assigns leads by hand from a shared inbox, daily.",
        "Most leads are routed by rules within minutes; some still need a person.",
        "Leads are enriched, deduplicated and routed by the rulebook in seconds; a person only "
        "sees the ones no rule could place.",
    ),
    _q(
        "lead_ops.sla",
        "Are there response times (SLAs) on leads, and are they kept?",
        "No response times; nobody knows how fast leads are worked.",
        "Response times are agreed, but nobody measures them.",
        "Timers run on every lead, with reminders and breaches reported.",
        "Timers run on both sides, breaches escalate and recall the lead, and SLA attainment is "
        "on every party's scorecard.",
    ),
    _q(
        "lead_ops.registration",
        "How do partners and reps claim a deal?",
        "They do not: whoever closes it first has it.",
        "Partners email a registration form; reps do not register.",
        "Partners register deals in the portal and are protected for a period.",
        "Everyone, partners and direct reps alike, registers under the same rules and clocks, "
        "with conflicts found automatically.",
    ),
    # --- attribution and KPIs ----------------------------------------------------------------
    _q(
        "attribution.source",
        "How is it decided who sourced an opportunity?",
        "It is not recorded, or only the last touch before the order counts.",
        "A source field is filled in by hand, often left empty.",
        "Sourcing is derived from registrations and first touches for almost every opportunity.",
        "Sourced and influenced pipeline are both recorded for every opportunity and every "
        "route, and the rules are published.",
    ),
    _q(
        "attribution.models",
        "How is credit shared among the routes that worked a deal?",
        "All credit goes to the last touch.",
        "First or last touch, chosen per report.",
        "Several attribution models are available and compared.",
        "A default multi-touch model is agreed with partners and sales, and collaboration "
        "(co-selling) is credited, not penalised.",
    ),
    _q(
        "attribution.scorecards",
        "How are direct and partner performance compared?",
        "With different reports and different definitions.",
        "In one spreadsheet each quarter, assembled by hand.",
        "On one scorecard with the same definitions for both routes.",
        "Channel-neutral scorecards update continuously, drive tiers and incentives, and their "
        "definitions are versioned.",
    ),
    # --- offer strategy ----------------------------------------------------------------------
    _q(
        "offers.kind",
        "What do campaigns offer the customer?",
        "Product features and price promotions.",
        "Content downloads (brochures, white papers).",
        "Value offers: assessments, pilots or ROI calculators.",
        "A portfolio of assessment, pilot and ROI offers tied to each segment's needs and "
        "refreshed from their conversion.",
    ),
    _q(
        "offers.shared",
        "Do partners and the direct team run the same offers?",
        "No: each runs its own promotions.",
        "Partners may reuse direct campaigns, unbranded.",
        "Most offers are open to both routes, co-branded per partner.",
        "Every offer is designed for both routes from the start, with shared landing pages and "
        "one conversion funnel.",
    ),
    _q(
        "offers.conversion",
        "How is an offer's success measured?",
        "It is not; we count leads at best.",
        "Responses per campaign are counted.",
        "Conversion from response to opportunity is measured per offer.",
        "Conversion to pipeline and won revenue is measured per offer, route and partner, and "
        "weak offers are retired every quarter.",
    ),
    # --- brand and pricing -------------------------------------------------------------------
    _q(
        "brand_pricing.messaging",
        "How consistent is the brand the customer meets, whichever route sells?",
        "Every partner presents the products its own way.",
        "Brand guidelines exist and are sent to partners.",
        "Partners use co-branded templates with the approved messaging.",
        "Every partner-facing asset is generated from one source, co-branded, and kept current "
        "when the messaging changes.",
    ),
    _q(
        "brand_pricing.corridors",
        "How are discounts bounded?",
        "Each seller discounts as they see fit.",
        "A price list and a maximum discount exist on paper.",
        "Pricing corridors per product line and route are published and checked on quotes.",
        "Corridors cover every product line and route, are checked on every deal and "
        "registration, and going beyond them needs an approved exception.",
    ),
    _q(
        "brand_pricing.leakage",
        "Do you know how much revenue is given away beyond the corridors?",
        "No.",
        "Roughly, from finance at year end.",
        "Discount leakage is measured per deal.",
        "Leakage is measured per deal and route, reviewed every quarter and trending down.",
    ),
)

_BY_KEY = {q.key: q for q in QUESTIONS}
assert {q.capability for q in QUESTIONS} == set(Capability.values)
assert all(sum(q.capability == c for q in QUESTIONS) == 3 for c in Capability.values)


def question(key: str) -> Question | None:
    return _BY_KEY.get(key)


def by_capability() -> list[tuple[str, str, list[Question]]]:
    """(capability key, its label, its questions) in the matrix's order."""
    return [
        (key, str(label), [q for q in QUESTIONS if q.capability == key])
        for key, label in Capability.choices
    ]


def level_of_mean(mean: Decimal) -> int:
    """The level a mean of answers reaches: its whole part (1 to 4)."""
    return max(MaturityLevel.AD_HOC, min(MaturityLevel.OPERATIONALIZED, int(mean)))


def mean_of(answers: list[int]) -> Decimal:
    return (Decimal(sum(answers)) / Decimal(len(answers))).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
