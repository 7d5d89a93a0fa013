"""Touches and opportunities name the campaign and the offer they came from: by id or external id,
only ones the caller may see in their own tenant, and the offer one of the campaign's; the
bulk upsert, the sync feed, webhooks, the list filters and CSV imports carry them."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from campaigns.models import CampaignOffer
from campaigns.tests.factories import CampaignFactory, OfferFactory
from core.models import WebhookDelivery, WebhookEndpoint
from core.tenancy import tenant_scope
from core.webhooks.emit import emit_events
from pipeline.models import Opportunity, Touch
from pipeline.tests.factories import TouchFactory

pytestmark = pytest.mark.django_db

TOUCHES = "/api/v1/touches/"
OPPORTUNITIES = "/api/v1/opportunities/"


@pytest.fixture
def kit(world) -> dict[str, Any]:
    """A running campaign of every route with one offer, another offer not in it, and a campaign
    of the other tenant under the same external id."""
    campaign = CampaignFactory.create(
        tenant=world.tenant, external_id="CAM-1", name="Spring webinar", partner_mode="all"
    )
    offer = OfferFactory.create(tenant=world.tenant, external_id="OFF-1", name="Pump check")
    other_offer = OfferFactory.create(tenant=world.tenant, external_id="OFF-2", name="Pilot kit")
    CampaignOffer.all_tenants.create(tenant=world.tenant, campaign=campaign, offer=offer)
    foreign = CampaignFactory.create(tenant=world.other_tenant, external_id="CAM-1")
    return {"campaign": campaign, "offer": offer, "other_offer": other_offer, "foreign": foreign}


def touch_body(world, **extra: Any) -> dict[str, Any]:
    return {
        "account": world.customers["rep"].pk,
        "channel": "email",
        "route": "marketing",
        "occurred_at": "2026-11-02T09:00:00Z",
        **extra,
    }


def opportunity_body(world, **extra: Any) -> dict[str, Any]:
    return {
        "account": world.customers["rep"].pk,
        "name": "Campaign deal",
        "stage": "qualify",
        "amount": "1000",
        **extra,
    }


def test_a_touch_names_its_campaign_by_id_and_its_offer_by_external_id(world, api_as, kit):
    api = api_as("admin")
    response = api.post(
        TOUCHES,
        touch_body(world, campaign=kit["campaign"].pk, offer={"external_id": "OFF-1"}),
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["campaign"] == kit["campaign"].pk and body["offer"] == kit["offer"].pk
    touch = Touch.all_tenants.get(pk=body["id"])
    assert touch.campaign == kit["campaign"] and touch.offer == kit["offer"]

    # Filters: only the campaign's (and the offer's) touches.
    TouchFactory.create(tenant=world.tenant, account=world.customers["rep"])
    listed = api.get(f"{TOUCHES}?campaign={kit['campaign'].pk}").json()["results"]
    assert [row["id"] for row in listed] == [touch.pk]
    listed = api.get(f"{TOUCHES}?offer={kit['offer'].pk}").json()["results"]
    assert [row["id"] for row in listed] == [touch.pk]


def test_an_opportunity_names_its_campaign_by_external_id(world, api_as, kit):
    api = api_as("admin")
    response = api.post(
        OPPORTUNITIES,
        opportunity_body(world, campaign={"external_id": "CAM-1"}, offer=kit["offer"].pk),
        format="json",
    )
    assert response.status_code == 201, response.json()
    deal = Opportunity.all_tenants.get(pk=response.json()["id"])
    assert deal.campaign == kit["campaign"] and deal.offer == kit["offer"]
    listed = api.get(f"{OPPORTUNITIES}?campaign={kit['campaign'].pk}").json()["results"]
    assert [row["id"] for row in listed] == [deal.pk]
    # Cleared again with null.
    cleared = api.patch(f"{OPPORTUNITIES}{deal.pk}/", {"campaign": None}, format="json")
    assert cleared.status_code == 200 and cleared.json()["campaign"] is None


@pytest.mark.parametrize("url", [TOUCHES, OPPORTUNITIES])
def test_another_tenants_campaign_does_not_exist(world, api_as, kit, url):
    api = api_as("admin")
    make = touch_body if url == TOUCHES else opportunity_body
    before = Touch.all_tenants.count() + Opportunity.all_tenants.count()
    response = api.post(url, make(world, campaign=kit["foreign"].pk), format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["campaign"] == [
        f"No campaign with pk {kit['foreign'].pk!r} that you can see."
    ]
    assert Touch.all_tenants.count() + Opportunity.all_tenants.count() == before


def test_a_partner_names_only_campaigns_it_runs(world, api_as, kit):
    direct_only = CampaignFactory.create(tenant=world.tenant, external_id="CAM-direct")
    api = api_as("partner_admin")
    body = touch_body(world, account=world.customers["partner"].pk)
    refused = api.post(TOUCHES, {**body, "campaign": direct_only.pk}, format="json")
    assert refused.status_code == 400
    assert "that you can see" in refused.json()["fields"]["campaign"][0]
    accepted = api.post(TOUCHES, {**body, "campaign": {"external_id": "CAM-1"}}, format="json")
    assert accepted.status_code == 201, accepted.json()


@pytest.mark.parametrize("url", [TOUCHES, OPPORTUNITIES])
def test_an_offer_outside_the_campaign_is_refused_naming_both(world, api_as, kit, url):
    make = touch_body if url == TOUCHES else opportunity_body
    response = api_as("admin").post(
        url, make(world, campaign=kit["campaign"].pk, offer=kit["other_offer"].pk), format="json"
    )
    assert response.status_code == 400
    assert response.json()["fields"]["offer"] == [
        "The offer “Pilot kit” is not one of the offers of the campaign “Spring webinar”."
    ]


def test_a_patch_is_checked_against_the_stored_campaign(world, api_as, kit):
    api = api_as("admin")
    created = api.post(TOUCHES, touch_body(world, campaign=kit["campaign"].pk), format="json")
    url = f"{TOUCHES}{created.json()['id']}/"
    assert api.patch(url, {"offer": kit["other_offer"].pk}, format="json").status_code == 400
    assert api.patch(url, {"offer": kit["offer"].pk}, format="json").status_code == 200


def test_rows_stay_editable_when_their_offer_leaves_the_campaign(world, api_as, kit):
    """The pair is checked when it is set, not on every later edit of the row."""
    api = api_as("admin")
    created = api.post(
        TOUCHES,
        touch_body(world, campaign=kit["campaign"].pk, offer=kit["offer"].pk),
        format="json",
    )
    CampaignOffer.all_tenants.filter(campaign=kit["campaign"]).delete()
    url = f"{TOUCHES}{created.json()['id']}/"
    assert api.patch(url, {"subject": "Follow-up"}, format="json").status_code == 200


def test_the_model_rule_is_the_same_outside_the_api(world, kit):
    with tenant_scope(world.tenant):
        touch = Touch(
            tenant=world.tenant,
            account=world.customers["rep"],
            channel="email",
            route="marketing",
            occurred_at="2026-11-02T09:00:00Z",
            campaign=kit["campaign"],
            offer=kit["other_offer"],
        )
        with pytest.raises(ValidationError) as refused:
            touch.full_clean(exclude=["tenant"])
    assert "not one of the offers" in refused.value.message_dict["offer"][0]


def test_bulk_upserts_resolve_campaigns_by_external_id_once_per_batch(
    world, api_as, kit, django_assert_max_num_queries
):
    records = [
        {
            **touch_body(world),
            "external_id": f"T-{i}",
            "campaign": {"external_id": "CAM-1"},
            "offer": {"external_id": "OFF-1"},
        }
        for i in range(30)
    ]
    records.append(
        {**touch_body(world), "external_id": "T-bad", "campaign": {"external_id": "NOPE"}}
    )
    records.append(
        {
            **touch_body(world),
            "external_id": "T-mismatch",
            "campaign": {"external_id": "CAM-1"},
            "offer": {"external_id": "OFF-2"},
        }
    )
    api = api_as("admin")
    api.get("/api/v1/me/")  # the token's lookups out of the count
    with django_assert_max_num_queries(60):
        response = api.post(f"{TOUCHES}bulk/", {"records": records}, format="json")
    assert response.status_code == 200
    assert response.json()["summary"] == {"created": 30, "updated": 0, "unchanged": 0, "error": 2}
    errors = {r["external_id"]: r.get("errors") for r in response.json()["results"]}
    assert errors["T-bad"] == {
        "campaign": ["No campaign with external_id 'NOPE' that you can see."]
    }
    assert "not one of the offers" in errors["T-mismatch"]["offer"][0]
    assert Touch.all_tenants.filter(campaign=kit["campaign"], offer=kit["offer"]).count() == 30


@pytest.mark.django_db(transaction=True)  # the sync feed hands out committed rows only
def test_the_sync_feed_and_webhooks_carry_the_campaign_and_offer(world, api_as, kit):
    touch = TouchFactory.create(
        tenant=world.tenant,
        account=world.customers["rep"],
        campaign=kit["campaign"],
        offer=kit["offer"],
    )
    feed = api_as("admin").get(f"{TOUCHES}sync/").json()["results"]
    (row,) = [r["data"] for r in feed if r["id"] == touch.pk]
    assert row["campaign"] == kit["campaign"].pk and row["offer"] == kit["offer"].pk

    WebhookEndpoint.all_tenants.create(
        tenant=world.tenant, url="https://hooks.example.com/a", events=["touch.*"]
    )
    emit_events("updated", [touch])
    delivery = WebhookDelivery.all_tenants.get()
    assert delivery.payload["data"]["campaign"] == kit["campaign"].pk
    assert delivery.payload["data"]["offer"] == kit["offer"].pk


def test_deleting_a_campaign_clears_it_from_touches_and_hands_them_out_again(world, kit):
    touch = TouchFactory.create(
        tenant=world.tenant, account=world.customers["rep"], campaign=kit["campaign"]
    )
    version = touch.version
    kit["campaign"].delete()
    touch.refresh_from_db()
    assert touch.campaign is None and touch.version == version + 1
