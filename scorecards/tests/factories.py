"""Factories for the scorecards' own rows (factory_boy).

Each helper of issue 17 keeps its additions in its own block below, so merges stay easy."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from pipeline.tests.factories import OpportunityFactory
from scorecards.models import MaturityAssessment, OpportunityFact
from tenancy.tests.factories import TenantFactory

# --- the maturity assessment (helper D) ---------------------------------------------------------


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
