"""The campaigns API as a CRM, a RevOps admin or a partner's portal would use it: who sees which
offer, campaign and co-branding profile, and bad input answered with 400 naming the field."""

from __future__ import annotations

import pytest

from campaigns.models import CoBrandProfile, Offer
from core.tenancy import tenant_scope
from tenancy.models import Partner
from tests.isolation_catalog import _campaign_rows

pytestmark = pytest.mark.django_db

OFFERS, CAMPAIGNS, PROFILES = "/api/v1/offers/", "/api/v1/campaigns/", "/api/v1/cobrand-profiles/"
ROI = {
    "name": "Downtime calculator",
    "kind": "roi_calculator",
    "status": "published",
    "product_lines": [{"code": "hydraulics"}],
    "roi_inputs": [
        {"key": "hours", "label": "Downtime hours avoided", "unit": "h", "default": 40},
        {"key": "rate", "label": "Cost per hour", "unit": "EUR", "default": 1500},
        {"key": "price", "label": "Price", "unit": "EUR", "default": 12000},
    ],
    "roi_formula": "hours * rate - price",
}


def names(response) -> set[str]:
    assert response.status_code == 200, response.json()
    return {row["name"] for row in response.json()["results"]}


def test_an_admin_creates_an_roi_offer_and_reads_it_back(world, api_as):
    created = api_as("admin").post(OFFERS, ROI, format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    with tenant_scope(world.tenant):
        line = Offer.objects.get(pk=data["id"]).product_line_links.get()
    assert data["product_lines"] == [line.product_line_id]
    assert data["routes"] == ["direct", "partner"] and data["version"] == 1


@pytest.mark.parametrize(
    "change, field, words",
    [
        ({"roi_formula": "hours * wage"}, "roi_formula", "'wage', which is not an input"),
        ({"roi_formula": "__import__('os')"}, "roi_formula", "may not call functions"),
        ({"roi_formula": "price / (hours - 40)"}, "roi_formula", "divides by zero"),
        ({"roi_inputs": [{"key": "Bad Key", "label": "x"}]}, "roi_inputs", "must start with"),
        ({"valid_from": "2026-06-01", "valid_until": "2026-01-01"}, "valid_until", "cannot end"),
        ({"partner_tiers": ["diamond"]}, "partner_tiers", "not a valid choice"),
        ({"routes": []}, "routes", ""),
        ({"copy": {"German": "Hallo"}}, "copy", "not a language code"),
        ({"product_lines": [{"code": "nope"}]}, "product_lines", "No product line"),
    ],
)
def test_bad_offers_are_400_naming_the_field(world, api_as, change, field, words):
    response = api_as("admin").post(OFFERS, {**ROI, **change}, format="json")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert words in str(body), body
    assert field in str(body)
    with tenant_scope(world.tenant):
        assert not Offer.objects.exists()


def registered_rival(world) -> None:
    """The world's partners are both Gold; the rival drops to Registered."""
    Partner.all_tenants.filter(pk=world.other_partner.pk).update(tier="registered")


def test_each_role_lists_the_offers_it_may_use(world, api_as):
    _campaign_rows(world)
    registered_rival(world)
    assert names(api_as("admin").get(OFFERS)) == {
        "Direct kit zzdirectonly",
        "Gold kit",
        "Shared kit",
        "Platinum kit zzdirectonly",
        "Draft kit zzdirectonly",
    }
    assert names(api_as("rep").get(OFFERS)) == {"Direct kit zzdirectonly", "Shared kit"}
    # The first partner is Gold, the rival Registered: the Gold kit is not the rival's to use.
    assert names(api_as("partner_rep").get(OFFERS)) == {"Gold kit", "Shared kit"}
    assert names(api_as("rival_partner_admin").get(OFFERS)) == {"Shared kit"}
    assert api_as("partner_admin").post(OFFERS, ROI, format="json").status_code == 403


def test_partners_see_the_campaigns_they_run_without_the_manufacturers_planning(world, api_as):
    _campaign_rows(world)
    registered_rival(world)
    assert names(api_as("partner_admin").get(CAMPAIGNS)) == {
        "Partner push zzfirstpartner",
        "Gold event",
        "Everyone webinar",
    }
    assert names(api_as("rival_partner_admin").get(CAMPAIGNS)) == {"Everyone webinar"}
    assert names(api_as("rep").get(CAMPAIGNS)) == {"Direct ABM zzdirectonly", "Everyone webinar"}
    row = api_as("partner_rep").get(CAMPAIGNS).json()["results"][0]
    assert not {"budget", "target_list", "partners", "partner_tiers"} & set(row)
    direct = api_as("rep").get(CAMPAIGNS + "?name=ABM").json()["results"][0]
    assert direct["budget"] == "98765.00" and direct["currency"] == "EUR"


def test_an_admin_creates_a_campaign_for_named_partners(world, api_as):
    rows = _campaign_rows(world)
    body = {
        "name": "Spring push",
        "kind": "partner_ad",
        "starts_on": "2026-03-01",
        "ends_on": "2026-04-30",
        "budget": "15000",
        "direct": False,
        "partner_mode": "named",
        "partners": [world.partner.pk],
        "offers": [{"external_id": "OFF-gold"}],
    }
    created = api_as("admin").post(CAMPAIGNS, body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["partners"] == [world.partner.pk]
    assert created.json()["offers"] == [rows["offer"]["a"][1].pk]
    # Switching away from named partners while they are still named is refused, not half-done.
    url = f"{CAMPAIGNS}{created.json()['id']}/"
    refused = api_as("admin").patch(url, {"partner_mode": "all"}, format="json")
    assert refused.status_code == 400
    assert "partner_mode is named" in refused.json()["fields"]["partners"][0]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"ends_on": "2026-02-01"}, "ends_on"),
        ({"partner_mode": "named"}, "partners"),
        ({"partner_mode": "tiers"}, "partner_tiers"),
        ({"direct": False}, "partner_mode"),
        ({"budget": "-5"}, "budget"),
        ({"kind": "billboard"}, "kind"),
        ({"partners": [987654]}, "partners"),
        ({"starts_on": "not a date"}, "starts_on"),
    ],
)
def test_bad_campaigns_are_400_naming_the_field(world, api_as, change, field):
    body = {"name": "C", "kind": "event", "starts_on": "2026-03-01", "ends_on": "2026-03-02"}
    response = api_as("admin").post(CAMPAIGNS, {**body, **change}, format="json")
    assert response.status_code == 400, response.json()
    assert any(key.startswith(field) for key in response.json()["fields"]), response.json()


def test_a_partner_never_sees_another_partners_cobranding(world, api_as):
    rows = _campaign_rows(world)
    mine, rivals = rows["cobrandprofile"]["a"]
    partner = api_as("partner_rep")
    listed = partner.get(PROFILES).json()["results"]
    assert [p["id"] for p in listed] == [mine.pk]
    assert "zzrivalleak" not in str(listed)
    assert partner.get(f"{PROFILES}{rivals.pk}/").status_code == 404
    assert api_as("rep").get(PROFILES).json()["results"] == []
    assert {p["id"] for p in api_as("admin").get(PROFILES).json()["results"]} == {
        mine.pk,
        rivals.pk,
    }


def test_a_partner_admin_keeps_its_profile_and_is_told_what_is_missing(world, api_as):
    _campaign_rows(world)
    partner_admin = api_as("partner_admin")
    mine = partner_admin.get(PROFILES).json()["results"][0]
    assert "a logo" in mine["missing"] and "a contact name" not in mine["missing"]
    url = f"{PROFILES}{mine['id']}/"
    refused = partner_admin.patch(url, {"primary_colour": "blue"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["fields"]["primary_colour"] == [
        "Give a colour as # and six hex digits, for example #1A73E8."
    ]
    saved = partner_admin.patch(url, {"primary_colour": "#00AA55"}, format="json")
    assert saved.status_code == 200 and saved.json()["primary_colour"] == "#00AA55"
    assert api_as("partner_rep").patch(url, {"contact_name": "Rep"}, format="json").status_code == (
        403
    )


def test_a_partner_admin_creates_only_its_own_profile(world, api_as):
    partner_admin = api_as("partner_admin")
    refused = partner_admin.post(
        PROFILES, {"partner": world.other_partner.pk, "contact_name": "X"}, format="json"
    )
    assert refused.status_code == 400 and "partner" in refused.json()["fields"]
    created = partner_admin.post(PROFILES, {"contact_name": "Pat"}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["partner"] == world.partner.pk
    again = partner_admin.post(PROFILES, {"contact_name": "Pat"}, format="json")
    assert again.status_code == 400  # one profile per partner, never a 500
    with tenant_scope(world.tenant):
        assert CoBrandProfile.objects.count() == 1


def test_a_campaigns_offers_must_suit_who_runs_it_through_the_api_too(world, api_as):
    with tenant_scope(world.tenant):
        offer = Offer.objects.create(
            tenant=world.tenant, name="Pump audit", kind="assessment", routes=["partner"]
        )
    body = {
        "name": "Spring push",
        "kind": "event",
        "starts_on": "2026-03-01",
        "ends_on": "2026-03-02",
        "offers": [offer.pk],
    }
    response = api_as("admin").post(CAMPAIGNS, body, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["offers"] == [
        "Offer “Pump audit” is not open to direct sales, which run this campaign."
    ]
    partners_run_it = {**body, "direct": False, "partner_mode": "all"}
    ok = api_as("admin").post(CAMPAIGNS, partners_run_it, format="json")
    assert ok.status_code == 201, ok.json()
    url = f"{CAMPAIGNS}{ok.json()['id']}/"
    changed = api_as("admin").patch(url, {"direct": True}, format="json")
    assert changed.status_code == 400
    assert "not open to direct sales" in str(changed.json()["fields"]["offers"])
