"""Factories and test data of the scorecards' own rows (factory_boy): the governance review's
and the maturity assessment's."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.utils import timezone

from pipeline.tests.factories import OpportunityFactory
from scorecards.choices import DecisionKind, JobStatus, ReviewStatus
from scorecards.models import GovernanceReview, MaturityAssessment, OpportunityFact, ReviewDecision
from tenancy.tests.factories import MembershipFactory, TenantFactory

# --- governance reviews and their decisions --------------------------------------------------


class GovernanceReviewFactory(factory.django.DjangoModelFactory[GovernanceReview]):
    """A review row as preparation leaves it (`data` given by the test, in the documented
    shape); `signed_off()` for a frozen one."""

    class Meta:
        model = GovernanceReview

    tenant = factory.SubFactory(TenantFactory)
    quarter_start = dt.date(2026, 7, 1)
    status = ReviewStatus.OPEN
    job_status = JobStatus.DONE
    data = factory.LazyAttribute(lambda o: review_data(o.quarter_start))


class ReviewDecisionFactory(factory.django.DjangoModelFactory[ReviewDecision]):
    class Meta:
        model = ReviewDecision

    tenant = factory.SubFactory(TenantFactory)
    review = factory.SubFactory(GovernanceReviewFactory, tenant=factory.SelfAttribute("..tenant"))
    kind = DecisionKind.GENERAL
    title = factory.Sequence(lambda n: f"Decision {n}")
    owner = factory.SubFactory(MembershipFactory, tenant=factory.SelfAttribute("..tenant"))
    due_on = dt.date(2026, 12, 15)


def figures(sourced: str = "0.00", won: str = "0.00") -> dict[str, Any]:
    return {"sourced_pipeline": sourced, "won_revenue": won, "win_rate_count": None}


def partner_row(partner: Any, sourced: str, won: str = "0.00") -> dict[str, Any]:
    """One partner's row of the `parties` section (docs/governance.md's shape)."""
    return {
        "id": partner.pk,
        "name": partner.name,
        "tier": partner.tier,
        "tier_label": partner.get_tier_display(),
        "figures": figures(sourced, won),
        "previous": figures("1.00"),
        "tier_standing": {"next_tier": "platinum", "missing": ["Won revenue 50000.00 more"]},
        "overlap_accounts": 2,
        "conflicts": 1,
        "conflicts_prevailed": 1,
        "sla": {
            "lead_ops": {"clocks": 4, "breached": 1},
            "dealreg": {"clocks": 2, "breached": 0},
            "mdf": {"clocks": 1, "breached": 0},
        },
        "mdf": {"funded": "10000.00", "paid": "1000.00", "available": "9000.00", "roi": "4.0"},
    }


def team_row(team: Any, sourced: str) -> dict[str, Any]:
    return {
        "id": team.pk,
        "name": team.name,
        "figures": figures(sourced),
        "previous": figures("2.00"),
        "overlap_accounts": 1,
        "conflicts": 0,
        "sla": {"lead_ops": {"clocks": 3, "breached": 2}, "dealreg": {"clocks": 0, "breached": 0}},
    }


def review_data(
    quarter_start: dt.date,
    *,
    partners: list[dict[str, Any]] | None = None,
    teams: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A prepared review's `data` built by hand, in the shape the sections produce."""
    metrics = [
        {"key": "sourced_pipeline", "label": "Sourced pipeline", "unit": "money"},
        {"key": "won_revenue", "label": "Won revenue", "unit": "money"},
        {"key": "win_rate_count", "label": "Win rate", "unit": "percent"},
    ]
    return {
        "quarter": {
            "code": f"{quarter_start.year}-Q{(quarter_start.month - 1) // 3 + 1}",
            "label": "A quarter",
            "start": quarter_start.isoformat(),
            "last_day": quarter_start.isoformat(),
        },
        "currency": "EUR",
        "prepared_at": "2026-10-01T08:00:00+00:00",
        "seconds": 0.5,
        "sections": {
            "headline": {
                "metrics": metrics,
                "routes": {
                    "direct": figures("777111.00"),
                    "partner": figures("888222.00"),
                    "tenant": figures("1665333.00"),
                },
                "previous": {
                    "direct": figures("600000.00"),
                    "partner": figures("700000.00"),
                    "tenant": figures("1300000.00"),
                },
            },
            "parties": {"partners": partners or [], "teams": teams or []},
            "overlap": {"totals": {}, "count": 0, "items": []},
        },
    }


# --- the maturity assessment --------------------------------------------------------------------


class OpportunityFactFactory(factory.django.DjangoModelFactory[OpportunityFact]):
    """A rollup row as the refresh would write it: opened on `opened_on`, in the quarter
    `created_quarter`, sourced by the opportunity's own source unless told otherwise."""

    class Meta:
        model = OpportunityFact

    tenant = factory.SubFactory(TenantFactory)
    opportunity = factory.SubFactory(OpportunityFactory, tenant=factory.SelfAttribute("..tenant"))
    account = factory.SelfAttribute("opportunity.account")
    stage = factory.SelfAttribute("opportunity.stage")
    opened_on = dt.date(2026, 7, 10)
    created_quarter = dt.date(2026, 7, 1)
    outcome = "open"
    amount = 1000
    currency = "EUR"
    route = "direct"
    sourced_route = "direct"
    sourced_by = "opportunity"
    refreshed_at = factory.LazyFunction(timezone.now)


class MaturityAssessmentFactory(factory.django.DjangoModelFactory[MaturityAssessment]):
    class Meta:
        model = MaturityAssessment

    tenant = factory.SubFactory(TenantFactory)
    quarter_start = dt.date(2026, 1, 1)
    answers = factory.LazyFunction(dict)
