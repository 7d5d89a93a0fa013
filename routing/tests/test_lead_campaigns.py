"""Leads name the campaign and the offer they answered, through the API and CSV imports (leads,
opportunities and touches alike): unknown or foreign ones are errors naming the field, or the
row and the column."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from campaigns.models import CampaignOffer
from campaigns.tests.factories import CampaignFactory, OfferFactory
from core.models import ImportJob
from pipeline.models import Lead, Opportunity, Touch

pytestmark = pytest.mark.django_db

LEADS = "/api/v1/leads/"


@pytest.fixture
def kit(world) -> dict[str, Any]:
    campaign = CampaignFactory.create(
        tenant=world.tenant, external_id="CAM-1", name="Spring webinar", partner_mode="all"
    )
    offer = OfferFactory.create(tenant=world.tenant, external_id="OFF-1", name="Pump check")
    other_offer = OfferFactory.create(tenant=world.tenant, external_id="OFF-2", name="Pilot kit")
    CampaignOffer.all_tenants.create(tenant=world.tenant, campaign=campaign, offer=offer)
    foreign = CampaignFactory.create(tenant=world.other_tenant, external_id="CAM-9")
    return {"campaign": campaign, "offer": offer, "other_offer": other_offer, "foreign": foreign}


def lead_body(**extra: Any) -> dict[str, Any]:
    return {"first_name": "Anna", "email": "anna@huber-bau.example", "company": "Huber", **extra}


def test_a_lead_names_its_campaign_and_offer_by_id_or_external_id(world, api_as, kit):
    api = api_as("partner_rep")
    response = api.post(
        LEADS,
        lead_body(campaign={"external_id": "CAM-1"}, offer=kit["offer"].pk),
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["campaign"] == kit["campaign"].pk
    lead = Lead.all_tenants.get(pk=response.json()["id"])
    assert lead.campaign == kit["campaign"] and lead.offer == kit["offer"]
    listed = api_as("admin").get(f"{LEADS}?campaign={kit['campaign'].pk}").json()["results"]
    assert [row["id"] for row in listed] == [lead.pk]
    assert api_as("admin").get(f"{LEADS}?offer={kit['other_offer'].pk}").json()["results"] == []


def test_a_lead_cannot_name_another_tenants_campaign_or_an_offer_outside_the_campaign(
    world, api_as, kit
):
    api = api_as("admin")
    foreign = api.post(LEADS, lead_body(campaign=kit["foreign"].pk), format="json")
    assert foreign.status_code == 400
    assert foreign.json()["fields"]["campaign"] == [
        f"No campaign with pk {kit['foreign'].pk!r} that you can see."
    ]
    by_key = api.post(LEADS, lead_body(campaign={"external_id": "CAM-9"}), format="json")
    assert by_key.status_code == 400
    mismatch = api.post(
        LEADS, lead_body(campaign=kit["campaign"].pk, offer=kit["other_offer"].pk), format="json"
    )
    assert mismatch.status_code == 400
    assert mismatch.json()["fields"]["offer"] == [
        "The offer “Pilot kit” is not one of the offers of the campaign “Spring webinar”."
    ]
    assert not Lead.all_tenants.exists()


# --- CSV imports -------------------------------------------------------------------------------


def check_file(client, resource: str, text: str) -> ImportJob:
    """Upload a file, keep the suggested mapping and run the check (a dry run)."""
    uploaded = client.post(
        "/console/alpha/imports/",
        {"resource": resource, "file": SimpleUploadedFile("export.csv", text.encode())},
    )
    found = re.search(r"/imports/(\d+)/", uploaded["Location"])
    assert found, uploaded
    job = ImportJob.all_tenants.get(pk=int(found.group(1)))
    mapping = {f"map-{i}": target for i, target in enumerate(job.mapping.values())}
    client.post(f"/console/alpha/imports/{job.pk}/", {**mapping, "action": "check"})
    job.refresh_from_db()
    return job


def run_file(client, job: ImportJob, capture) -> None:
    mapping = {f"map-{i}": target for i, target in enumerate(job.mapping.values())}
    with capture(execute=True):
        client.post(f"/console/alpha/imports/{job.pk}/", {**mapping, "action": "import"})


FILES = {
    "leads": (
        "External id,First name,Email,Company,Campaign ID,Offer\n"
        "L-1,Anna,anna@huber.example,Huber,CAM-1,OFF-1\n"
        "L-2,Ben,ben@huber.example,Huber,NO-SUCH,\n"
        "L-3,Cleo,cleo@huber.example,Huber,CAM-1,OFF-2\n"
        "L-4,Dan,dan@huber.example,Huber,CAM-9,\n"
    ),
    "opportunities": (
        "External id,Account,Name,Amount,Stage,Campaign ID,Offer\n"
        "O-1,ACC-rep,Fleet renewal,1000,propose,CAM-1,OFF-1\n"
        "O-2,ACC-rep,Ghost,10,propose,NO-SUCH,\n"
        "O-3,ACC-rep,Mismatch,10,propose,CAM-1,OFF-2\n"
        "O-4,ACC-rep,Foreign,10,propose,CAM-9,\n"
    ),
    "touches": (
        "External id,Account,Channel,Route,Occurred at,Campaign ID,Offer\n"
        "T-1,ACC-rep,email,marketing,2026-11-02T09:00:00Z,CAM-1,OFF-1\n"
        "T-2,ACC-rep,email,marketing,2026-11-02T09:00:00Z,NO-SUCH,\n"
        "T-3,ACC-rep,email,marketing,2026-11-02T09:00:00Z,CAM-1,OFF-2\n"
        "T-4,ACC-rep,email,marketing,2026-11-02T09:00:00Z,CAM-9,\n"
    ),
}
MODELS = {"leads": Lead, "opportunities": Opportunity, "touches": Touch}


@pytest.mark.parametrize("resource", sorted(FILES))
def test_imports_take_campaign_and_offer_columns_with_errors_by_row_and_column(
    world, login_as, kit, resource, django_capture_on_commit_callbacks
):
    admin = login_as("admin")
    job = check_file(admin, resource, FILES[resource])
    assert job.mapping["Campaign ID"] == "campaign" and job.mapping["Offer"] == "offer"
    assert job.counts == {"created": 1, "updated": 0, "unchanged": 0, "error": 3}, job.errors
    assert job.errors == [
        {
            "row": 3,
            "column": "Campaign ID",
            "message": "No campaign with external_id 'NO-SUCH' that you can see.",
        },
        {
            "row": 4,
            "column": "Offer",
            "message": "The offer “Pilot kit” is not one of the offers of the campaign "
            "“Spring webinar”.",
        },
        {
            "row": 5,
            "column": "Campaign ID",
            "message": "No campaign with external_id 'CAM-9' that you can see.",
        },
    ]
    run_file(admin, job, django_capture_on_commit_callbacks)
    model: Any = MODELS[resource]
    (row,) = model.all_tenants.filter(tenant=world.tenant, external_id__endswith="-1")
    assert row.campaign == kit["campaign"] and row.offer == kit["offer"]
    assert model.all_tenants.filter(tenant=world.tenant, campaign__isnull=False).count() == 1
