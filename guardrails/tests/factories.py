import datetime as dt
from decimal import Decimal

import factory

from guardrails.choices import Outcome, VersionStatus
from guardrails.models import (
    PartnerAuthorization,
    PricingCorridor,
    RouteRule,
    Rulebook,
    RulebookVersion,
    Territory,
    TerritoryArea,
)
from tenancy.tests.factories import TenantFactory


class TerritoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Territory

    tenant = factory.SubFactory(TenantFactory)
    code = factory.Sequence(lambda n: f"territory-{n}")
    name = factory.Sequence(lambda n: f"Territory {n}")


class TerritoryAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TerritoryArea

    territory = factory.SubFactory(TerritoryFactory)
    tenant = factory.SelfAttribute("territory.tenant")
    country = "DE"


class PartnerAuthorizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerAuthorization

    tenant = factory.SelfAttribute("partner.tenant")
    territory = factory.SubFactory(TerritoryFactory, tenant=factory.SelfAttribute("..tenant"))
    valid_from = dt.date(2020, 1, 1)


class RulebookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rulebook
        django_get_or_create = ("tenant",)

    tenant = factory.SubFactory(TenantFactory)


class RulebookVersionFactory(factory.django.DjangoModelFactory):
    """A draft; publish it with guardrails.services.publish()."""

    class Meta:
        model = RulebookVersion

    rulebook = factory.SubFactory(RulebookFactory)
    tenant = factory.SelfAttribute("rulebook.tenant")
    number = factory.Sequence(lambda n: n + 1)
    status = VersionStatus.DRAFT


class RouteRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RouteRule

    version = factory.SubFactory(RulebookVersionFactory)
    tenant = factory.SelfAttribute("version.tenant")
    position = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Rule {n}")
    conditions = factory.LazyFunction(list)
    outcome = Outcome.DIRECT
    rationale = "Served directly."


class PricingCorridorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PricingCorridor

    tenant = factory.SelfAttribute("version.tenant")
    route = "direct"
    min_discount = Decimal(0)
    max_discount = Decimal(15)
