"""Every list endpoint (and sync feed) runs the same number of queries whatever the page size."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AccountDomain, AccountProductLine, ProductLine, TargetListMember
from accounts.tests.factories import (
    AccountFactory,
    ContactFactory,
    ProductFactory,
    ProductLineFactory,
    SegmentFactory,
    TargetListFactory,
    TierFactory,
)
from config.api_router import router
from core.webhooks import WebhookDelivery, WebhookEndpoint
from pipeline.models import OpportunityLine, Stage, StageChange
from pipeline.tests.factories import OpportunityFactory, StageFactory, TouchFactory
from tenancy.tests.factories import MembershipFactory, PartnerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def _account(world: Any, i: int) -> None:
    account = AccountFactory(
        tenant=world.tenant, tier=TierFactory(tenant=world.tenant), owner_user=world.users["rep"]
    )
    AccountDomain.all_tenants.create(
        tenant=world.tenant, account=account, domain=f"extra{i}.example"
    )
    line = ProductLine.all_tenants.filter(tenant=world.tenant).first()
    AccountProductLine.all_tenants.create(
        tenant=world.tenant, account=account, product_line=line, relation="interest"
    )


def _opportunity(world: Any, i: int) -> None:
    stages = list(Stage.all_tenants.filter(tenant=world.tenant).order_by("order")[:2])
    opportunity = OpportunityFactory(
        tenant=world.tenant, stage=stages[1], owner_user=world.users["rep"]
    )
    StageChange.all_tenants.create(
        tenant=world.tenant,
        opportunity=opportunity,
        from_stage=stages[0],
        to_stage=stages[1],
        changed_at=opportunity.created_at,
    )
    product = ProductFactory(tenant=world.tenant)
    OpportunityLine.all_tenants.create(
        tenant=world.tenant, opportunity=opportunity, product=product, quantity=1, list_price=10
    )


def _target_list(world: Any, i: int) -> None:
    target_list = TargetListFactory(tenant=world.tenant)
    for account in world.customers.values():
        TargetListMember.all_tenants.create(
            tenant=world.tenant, target_list=target_list, account=account
        )


def _webhook(world: Any, i: int) -> WebhookEndpoint:
    return WebhookEndpoint.all_tenants.create(
        tenant=world.tenant, url=f"https://hooks.example.com/{i}", events=["*"]
    )


def _webhook_delivery(world: Any, i: int) -> None:
    WebhookDelivery.all_tenants.create(
        tenant=world.tenant,
        endpoint=_webhook(world, i),
        event="contact.updated",
        payload={"event": "contact.updated", "data": {"id": i}},
    )


MAKERS: dict[str, Callable[[Any, int], Any]] = {
    "partner": lambda w, i: PartnerFactory(tenant=w.tenant),
    "team": lambda w, i: TeamFactory(tenant=w.tenant),
    "user": lambda w, i: MembershipFactory(
        tenant=w.tenant, user=UserFactory(), role="direct_rep", team=w.orgs["team"]
    ),
    "tier": lambda w, i: TierFactory(tenant=w.tenant),
    "segment": lambda w, i: SegmentFactory(tenant=w.tenant),
    "productline": lambda w, i: ProductLineFactory(tenant=w.tenant),
    "product": lambda w, i: ProductFactory(tenant=w.tenant),
    "account": _account,
    "contact": lambda w, i: ContactFactory(tenant=w.tenant, account=w.customers["rep"]),
    "targetlist": _target_list,
    "stage": lambda w, i: StageFactory(tenant=w.tenant),
    "opportunity": _opportunity,
    "webhook": _webhook,
    "webhookdelivery": _webhook_delivery,
    "touch": lambda w, i: TouchFactory(
        tenant=w.tenant, account=w.customers["rep"], actor_user=w.users["rep"]
    ),
}
LISTED = sorted(b for _, v, b in router.registry if hasattr(v, "list"))


def test_every_list_endpoint_has_a_row_maker():
    assert set(LISTED) <= set(MAKERS), f"add a maker for: {sorted(set(LISTED) - set(MAKERS))}"


def queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(captured)


@pytest.mark.parametrize("basename", LISTED)
def test_list_queries_do_not_grow_with_the_page(world, api_as, basename):
    for i in range(6):
        MAKERS[basename](world, i)
    client, url = api_as("admin"), reverse(f"{basename}-list")
    client.get(url)  # warm per-request lookups (token, membership) out of the comparison
    assert queries(client, f"{url}?page_size=1") == queries(client, f"{url}?page_size=100")


@pytest.mark.parametrize("basename", sorted(b for _, v, b in router.registry if hasattr(v, "sync")))
def test_sync_feed_queries_do_not_grow_with_the_page(world, api_as, basename):
    for i in range(6):
        MAKERS[basename](world, i)
    client, url = api_as("admin"), reverse(f"{basename}-sync")
    client.get(url)
    assert queries(client, f"{url}?page_size=1") == queries(client, f"{url}?page_size=100")
