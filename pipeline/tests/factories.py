import datetime

import factory

from accounts.tests.factories import AccountFactory
from campaigns.tests.factories import CampaignFactory
from pipeline.models import CampaignResponse, Opportunity, Stage, Touch
from tenancy.tests.factories import TenantFactory


class StageFactory(factory.django.DjangoModelFactory[Stage]):
    class Meta:
        model = Stage

    tenant = factory.SubFactory(TenantFactory)
    key = factory.Sequence(lambda n: f"stage-{n}")
    name = factory.Sequence(lambda n: f"Stage {n}")
    order = factory.Sequence(int)
    probability = 20


class OpportunityFactory(factory.django.DjangoModelFactory[Opportunity]):
    class Meta:
        model = Opportunity

    tenant = factory.SubFactory(TenantFactory)
    account = factory.SubFactory(AccountFactory, tenant=factory.SelfAttribute("..tenant"))
    name = factory.Sequence(lambda n: f"Deal {n}")
    amount = 50000
    currency = "EUR"
    stage = factory.SubFactory(StageFactory, tenant=factory.SelfAttribute("..tenant"))
    opened_on = datetime.date(2026, 10, 1)


class TouchFactory(factory.django.DjangoModelFactory[Touch]):
    class Meta:
        model = Touch

    tenant = factory.SubFactory(TenantFactory)
    account = factory.SubFactory(AccountFactory, tenant=factory.SelfAttribute("..tenant"))
    channel = "call"
    route = "direct"
    occurred_at = factory.LazyFunction(
        lambda: datetime.datetime(2026, 11, 1, 10, tzinfo=datetime.UTC)
    )


class CampaignResponseFactory(factory.django.DjangoModelFactory[CampaignResponse]):
    """A landing-page response to a campaign of the manufacturer's own (pass `partner=` for a
    partner's co-branded page)."""

    class Meta:
        model = CampaignResponse

    tenant = factory.SubFactory(TenantFactory)
    campaign = factory.SubFactory(CampaignFactory, tenant=factory.SelfAttribute("..tenant"))
    kind = "landing_page"
    occurred_at = factory.LazyFunction(
        lambda: datetime.datetime(2026, 11, 2, 10, tzinfo=datetime.UTC)
    )
    email = factory.Sequence(lambda n: f"visitor{n}@customer.example")
