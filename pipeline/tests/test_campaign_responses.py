"""Campaign responses: who sees which (RevOps admins all, a partner its own, direct users the
manufacturer's own), who writes them through the API, and `record_response`, which stores a
response with its touch in one transaction."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from campaigns.models import CampaignOffer
from campaigns.tests.factories import CampaignFactory, OfferFactory
from core.acting import SystemActor
from core.models import WebhookDelivery, WebhookEndpoint
from core.tenancy import tenant_scope
from core.webhooks.emit import emit_events
from pipeline import services
from pipeline.models import CampaignResponse, Lead, Touch
from pipeline.tests.factories import CampaignResponseFactory

pytestmark = pytest.mark.django_db

RESPONSES = "/api/v1/campaign-responses/"
WHEN = datetime.datetime(2026, 11, 5, 15, tzinfo=datetime.UTC)
LANDING_PAGE = SystemActor("landing page")


@pytest.fixture
def kit(world) -> dict[str, Any]:
    """A campaign every route runs, with one offer; another offer not in it; a response on each
    partner's co-branded page, one of the manufacturer's own and one of the other tenant."""
    campaign = CampaignFactory.create(
        tenant=world.tenant, external_id="CAM-1", name="Spring webinar", partner_mode="all"
    )
    offer = OfferFactory.create(tenant=world.tenant, external_id="OFF-1", name="ROI check")
    other_offer = OfferFactory.create(tenant=world.tenant, name="Pilot kit")
    CampaignOffer.all_tenants.create(tenant=world.tenant, campaign=campaign, offer=offer)
    responses = {
        owner: CampaignResponseFactory.create(
            tenant=world.tenant, campaign=campaign, partner=partner, external_id=f"CR-{owner}"
        )
        for owner, partner in (
            ("partner", world.partner),
            ("rival", world.other_partner),
            ("direct", None),
        )
    }
    responses["foreign"] = CampaignResponseFactory.create(tenant=world.other_tenant)
    return {"campaign": campaign, "offer": offer, "other_offer": other_offer, **responses}


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("admin", {"partner", "rival", "direct"}),
        ("partner_admin", {"partner"}),
        ("partner_rep", {"partner"}),
        ("rival_partner_admin", {"rival"}),
        ("manager", {"direct"}),
        ("rep", {"direct"}),
    ],
)
def test_each_role_sees_its_own_responses_only(world, api_as, kit, persona, sees):
    api = api_as(persona)
    listed = {row["id"] for row in api.get(RESPONSES).json()["results"]}
    assert listed == {kit[owner].pk for owner in sees}
    for owner in {"partner", "rival", "direct", "foreign"} - sees:
        assert api.get(f"{RESPONSES}{kit[owner].pk}/").status_code == 404


def test_a_partner_admins_responses_are_its_own_partners(world, api_as, kit):
    api = api_as("partner_admin")
    body = {"campaign": {"external_id": "CAM-1"}, "kind": "event", "occurred_at": WHEN.isoformat()}
    response = api.post(RESPONSES, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["partner"] == world.partner.pk
    naming = api.post(RESPONSES, {**body, "partner": world.other_partner.pk}, format="json")
    assert naming.status_code == 403
    bulk = api.post(
        f"{RESPONSES}bulk/", {"records": [{**body, "external_id": "EV-1"}]}, format="json"
    )
    assert bulk.json()["summary"]["created"] == 1
    assert CampaignResponse.all_tenants.get(external_id="EV-1").partner == world.partner
    # The rival's response is not there to change.
    patched = api.patch(f"{RESPONSES}{kit['rival'].pk}/", {"kind": "email"}, format="json")
    assert patched.status_code == 404


@pytest.mark.parametrize("persona", ["partner_rep", "manager", "rep"])
def test_only_admins_and_partner_admins_write_responses(world, api_as, kit, persona):
    body = {"campaign": kit["campaign"].pk, "kind": "event", "occurred_at": WHEN.isoformat()}
    assert api_as(persona).post(RESPONSES, body, format="json").status_code == 403


def test_a_response_answers_a_campaign_or_an_offer_of_it(world, api_as, kit):
    api = api_as("admin")
    base = {"kind": "form", "occurred_at": WHEN.isoformat()}
    neither = api.post(RESPONSES, base, format="json")
    assert neither.status_code == 400
    assert neither.json()["fields"]["campaign"] == [
        "Name the campaign or the offer this response answers."
    ]
    mismatch = api.post(
        RESPONSES,
        {**base, "campaign": kit["campaign"].pk, "offer": kit["other_offer"].pk},
        format="json",
    )
    assert mismatch.status_code == 400
    assert mismatch.json()["fields"]["offer"] == [
        "The offer “Pilot kit” is not one of the offers of the campaign “Spring webinar”."
    ]
    foreign = api.post(RESPONSES, {**base, "campaign": kit["foreign"].campaign_id}, format="json")
    assert (
        foreign.status_code == 400 and "that you can see" in foreign.json()["fields"]["campaign"][0]
    )
    bad_roi = api.post(
        RESPONSES,
        {**base, "offer": kit["offer"].pk, "roi_inputs": {"hours": "forty"}},
        format="json",
    )
    assert bad_roi.status_code == 400
    assert bad_roi.json()["fields"]["roi_inputs"] == ["The ROI input “hours” must be a number."]
    offer_only = api.post(
        RESPONSES,
        {**base, "offer": kit["offer"].pk, "roi_inputs": {"hours": 40}, "roi_result": "48000"},
        format="json",
    )
    assert offer_only.status_code == 201, offer_only.json()
    assert offer_only.json()["roi_result"] == "48000.00"


def test_filters_by_campaign_partner_kind_and_time(world, api_as, kit):
    api = api_as("admin")
    later = CampaignResponseFactory.create(
        tenant=world.tenant,
        campaign=kit["campaign"],
        offer=kit["offer"],
        kind="webinar",
        occurred_at=WHEN,
    )

    def ids(query: str) -> set[int]:
        response = api.get(f"{RESPONSES}?{query}")
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids(f"partner={world.partner.pk}") == {kit["partner"].pk}
    assert ids("kind=webinar") == {later.pk}
    assert ids(f"offer={kit['offer'].pk}") == {later.pk}
    assert ids(f"campaign={kit['campaign'].pk}&direct=true") == {kit["direct"].pk, later.pk}
    assert ids("occurred_since=2026-11-05T00:00:00Z") == {later.pk}
    assert ids("occurred_before=2026-11-05T00:00:00Z") == {
        kit[o].pk for o in ("partner", "rival", "direct")
    }
    assert api.get(f"{RESPONSES}?kind=visit").status_code == 400


@pytest.mark.django_db(transaction=True)  # the sync feed hands out committed rows only
def test_responses_fire_webhooks_and_reach_the_sync_feed(world, api_as, kit):
    feed = api_as("admin").get(f"{RESPONSES}sync/").json()["results"]
    assert {r["id"] for r in feed} == {kit[o].pk for o in ("partner", "rival", "direct")}
    WebhookEndpoint.all_tenants.create(
        tenant=world.tenant, url="https://hooks.example.com/a", events=["campaign_response.*"]
    )
    emit_events("updated", [kit["partner"]])
    delivery = WebhookDelivery.all_tenants.get()
    assert delivery.event == "campaign_response.updated"
    assert delivery.payload["data"]["partner"] == world.partner.pk


# --- record_response ----------------------------------------------------------------------------


def a_lead(world) -> Lead:
    return Lead.all_tenants.create(
        tenant=world.tenant,
        source="web_form",
        first_name="Anna",
        email="anna@huber.example",
        account=world.customers["partner"],
    )


def test_record_response_stores_the_response_and_its_touch(world, kit):
    lead = a_lead(world)
    with tenant_scope(world.tenant):
        response = services.record_response(
            tenant=world.tenant,
            acting=LANDING_PAGE,
            campaign=kit["campaign"],
            offer=kit["offer"],
            partner=world.partner,
            kind="landing_page",
            occurred_at=WHEN,
            lead=lead,
            roi_inputs={"hours": 40, "rate": 1500},
            roi_result=Decimal("48000"),
        )
    response.refresh_from_db()
    assert response.account == world.customers["partner"] and response.email == lead.email
    touch = response.touch
    assert touch is not None
    assert (touch.channel, touch.route, touch.actor_partner) == (
        "form_fill",
        "partner",
        world.partner,
    )
    assert (touch.campaign, touch.offer, touch.lead) == (kit["campaign"], kit["offer"], lead)
    assert touch.account == world.customers["partner"] and touch.occurred_at == WHEN
    assert touch.subject == "Landing page: Spring webinar"
    lead.refresh_from_db()
    assert (lead.campaign, lead.offer) == (kit["campaign"], kit["offer"])


def test_a_direct_response_is_a_marketing_touch(world, kit):
    contact_account = world.customers["rep"]
    with tenant_scope(world.tenant):
        response = services.record_response(
            tenant=world.tenant,
            acting=world.membership("admin"),
            campaign=None,
            offer=kit["offer"],
            partner=None,
            kind="webinar",
            occurred_at=WHEN,
            account=contact_account,
        )
    touch = response.touch
    assert touch is not None
    assert (touch.channel, touch.route, touch.actor_partner) == ("event", "marketing", None)
    assert touch.actor_user == world.users["admin"]


def test_record_response_writes_nothing_when_any_part_fails(world, kit, monkeypatch):
    lead = a_lead(world)
    before = (CampaignResponse.all_tenants.count(), Touch.all_tenants.count())

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the lead could not be linked")

    monkeypatch.setattr(services, "_link_lead", broken)
    with tenant_scope(world.tenant), pytest.raises(RuntimeError):
        services.record_response(
            tenant=world.tenant,
            acting=LANDING_PAGE,
            campaign=kit["campaign"],
            offer=None,
            partner=None,
            kind="form",
            occurred_at=WHEN,
            lead=lead,
        )
    assert (CampaignResponse.all_tenants.count(), Touch.all_tenants.count()) == before


def test_record_response_refuses_what_the_api_refuses(world, kit):
    before = (CampaignResponse.all_tenants.count(), Touch.all_tenants.count())
    common: dict[str, Any] = {
        "tenant": world.tenant,
        "kind": "form",
        "occurred_at": WHEN,
        "account": world.customers["partner"],
    }
    with tenant_scope(world.tenant):
        with pytest.raises(ValidationError) as mismatch:
            services.record_response(
                acting=LANDING_PAGE,
                campaign=kit["campaign"],
                offer=kit["other_offer"],
                partner=None,
                **common,
            )
        assert "not one of the offers" in mismatch.value.message_dict["offer"][0]
        with pytest.raises(ValidationError):
            services.record_response(
                acting=LANDING_PAGE, campaign=None, offer=None, partner=None, **common
            )
        with pytest.raises(PermissionDenied):
            services.record_response(
                acting=world.membership("partner_admin"),
                campaign=kit["campaign"],
                offer=None,
                partner=world.other_partner,
                **common,
            )
        with pytest.raises(PermissionDenied):
            services.record_response(
                acting=world.membership("rep"),
                campaign=kit["campaign"],
                offer=None,
                partner=None,
                **common,
            )
        foreign = CampaignFactory.create(tenant=world.other_tenant)
        with pytest.raises(ValidationError):
            services.record_response(
                acting=LANDING_PAGE, campaign=foreign, offer=None, partner=None, **common
            )
    assert (CampaignResponse.all_tenants.count(), Touch.all_tenants.count()) == before


def test_a_response_with_nobody_to_touch_is_stored_alone(world, kit):
    with tenant_scope(world.tenant):
        response = services.record_response(
            tenant=world.tenant,
            acting=LANDING_PAGE,
            campaign=kit["campaign"],
            offer=None,
            partner=None,
            kind="email",
            occurred_at=WHEN,
            email="  someone@Example.COM ",
        )
    assert response.touch is None and response.email == "someone@example.com"
