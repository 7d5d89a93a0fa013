import factory

from accounts.models import Account, Contact, Product, ProductLine, Segment, TargetList, Tier
from tenancy.tests.factories import TenantFactory


class TierFactory(factory.django.DjangoModelFactory[Tier]):
    class Meta:
        model = Tier

    tenant = factory.SubFactory(TenantFactory)
    key = factory.Sequence(lambda n: f"tier-{n}")
    name = factory.Sequence(lambda n: f"Tier {n}")


class SegmentFactory(factory.django.DjangoModelFactory[Segment]):
    class Meta:
        model = Segment

    tenant = factory.SubFactory(TenantFactory)
    key = factory.Sequence(lambda n: f"segment-{n}")
    name = factory.Sequence(lambda n: f"Segment {n}")


class ProductLineFactory(factory.django.DjangoModelFactory[ProductLine]):
    class Meta:
        model = ProductLine

    tenant = factory.SubFactory(TenantFactory)
    code = factory.Sequence(lambda n: f"line-{n}")
    name = factory.Sequence(lambda n: f"Line {n}")


class ProductFactory(factory.django.DjangoModelFactory[Product]):
    class Meta:
        model = Product

    tenant = factory.SubFactory(TenantFactory)
    product_line = factory.SubFactory(ProductLineFactory, tenant=factory.SelfAttribute("..tenant"))
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    list_price = 1000
    currency = "EUR"


class AccountFactory(factory.django.DjangoModelFactory[Account]):
    class Meta:
        model = Account

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Customer {n}")
    country = "DE"
    region = "DE-BY"


class ContactFactory(factory.django.DjangoModelFactory[Contact]):
    class Meta:
        model = Contact

    tenant = factory.SubFactory(TenantFactory)
    account = factory.SubFactory(AccountFactory, tenant=factory.SelfAttribute("..tenant"))
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"contact{n}@customer.example")


class TargetListFactory(factory.django.DjangoModelFactory[TargetList]):
    class Meta:
        model = TargetList

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Target list {n}")
