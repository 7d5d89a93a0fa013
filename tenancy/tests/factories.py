from typing import cast

import factory

from tenancy.choices import PartnerTier, Role
from tenancy.models import Membership, Partner, Team, Tenant, User

PASSWORD = "correct-horse-battery"


class TenantFactory(factory.django.DjangoModelFactory[Tenant]):
    class Meta:
        model = Tenant

    name = factory.Sequence(lambda n: f"Manufacturer {n}")
    slug = factory.Sequence(lambda n: f"mfr-{n}")


class PartnerFactory(factory.django.DjangoModelFactory[Partner]):
    class Meta:
        model = Partner

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Distributor {n}")
    tier = PartnerTier.GOLD


class TeamFactory(factory.django.DjangoModelFactory[Team]):
    class Meta:
        model = Team

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(self, create, extracted, **kwargs):
        if create:
            cast(User, self).save()  # factory_boy hands post-generation hooks the built user


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    tenant = factory.SubFactory(TenantFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.REVOPS_ADMIN


def member(tenant, role, *, partner=None, team=None, email=None):
    """A user with one membership of `role` in `tenant`."""
    user = UserFactory.create(**({"email": email} if email else {}))
    MembershipFactory.create(tenant=tenant, user=user, role=role, partner=partner, team=team)
    return user
