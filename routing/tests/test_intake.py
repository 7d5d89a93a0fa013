"""Intake: every channel validates the same way, stores the lead first, and hands it to
processing when the storing transaction commits, so every new lead ends up routed."""

from __future__ import annotations

import re
import time

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import ImportJob
from pipeline.models import Lead
from routing import public
from routing.api import submit
from routing.tests.factories import LeadFormFactory, publish_rulebook

pytestmark = pytest.mark.django_db


@pytest.fixture
def routing_on(world):
    publish_rulebook(
        world.tenant, admin=world.users["admin"], team=world.orgs["team"], partner=world.partner
    )
    return world


def test_submit_lead_stores_then_routes_after_commit(
    routing_on, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        lead = submit.submit_lead(
            routing_on.tenant,
            {"email": "ida@werk.example", "country": "AT", "source": "campaign"},
            acting=routing_on.membership("rep"),
            source="sales",
            source_detail="Trade fair",
        )
        # Stored in the caller's transaction; nothing is processed before it commits.
        lead.refresh_from_db()
        assert lead.status == "new" and lead.processed_at is None
    assert (lead.source, lead.source_detail) == ("sales", "Trade fair")
    assert lead.submitted_by_user == routing_on.users["rep"]
    lead.refresh_from_db()
    assert lead.status == "routed" and lead.assigned_partner == routing_on.partner


def test_submit_lead_refuses_what_the_api_refuses(world):
    with pytest.raises(ValidationError) as refused:
        submit.submit_lead(
            world.tenant,
            {"email": "nope", "phone": "x", "status": "accepted"},
            acting=public.PUBLIC_FORM,
            source="web_form",
        )
    assert set(refused.value.message_dict) == {"status"}
    with pytest.raises(ValidationError) as refused:
        submit.submit_lead(
            world.tenant,
            {"email": "nope", "phone": "x"},
            acting=public.PUBLIC_FORM,
            source="web_form",
        )
    assert set(refused.value.message_dict) == {"email", "phone"}
    assert not Lead.all_tenants.exists()


def test_a_partner_user_submitting_in_the_portal_gets_a_portal_lead(
    routing_on, django_capture_on_commit_callbacks
):
    membership = routing_on.membership("partner_rep")
    with django_capture_on_commit_callbacks(execute=True):
        lead = submit.submit_lead_as(
            {"email": "kurt@linz.example", "country": "AT"}, acting=membership
        )
    lead.refresh_from_db()
    assert lead.source == "portal" and lead.submitted_by_partner == routing_on.partner
    assert lead.status == "routed"
    manager = routing_on.membership("manager")
    assert submit.submit_lead_as({"phone": "+49 89 123456"}, acting=manager).source == "sales"


def test_a_json_post_to_a_public_form_is_routed(
    routing_on, django_capture_on_commit_callbacks, client
):
    form = LeadFormFactory.create(tenant=routing_on.tenant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/f/alpha/{form.key}/",
            {"email": "web@site.example", "country": "DE", public.TOKEN_FIELD: _aged(form)},
            content_type="application/json",
        )
    assert response.status_code == 201
    lead = Lead.all_tenants.get()
    assert lead.source == "web_form" and lead.status == "routed"
    assert lead.assigned_team == routing_on.orgs["team"]


def _aged(form) -> str:
    return public.issue_token(form, issued_at=time.time() - 30)


# --- CSV import ---------------------------------------------------------------------------

LEADS_CSV = (
    "Lead ID;First name;Last name;E-Mail;Company;Country;Product interest;Estimated amount;Campaign\n"
    "T-1;Eva;Maier;eva@alpen.example;Alpen Bau;AT;hydraulics;25000;Bauma 2026\n"
    "T-2;Max;Nord;;;DE;;;Bauma 2026\n"
    "T-3;Ida;Ost;ida@ost.example;Ost AG;DE;turbines;-5;Bauma 2026\n"
    ";Leo;West;leo@west.example;West AG;DE;;;Bauma 2026\n"
    "T-5;Uwe;Süd;uwe@sued.example;Süd KG;Deutschland;hydraulics|HYDRAULICS;;Bauma 2026\n"
)


def upload(client, content: bytes):
    response = client.post(
        "/console/alpha/imports/",
        {"resource": "leads", "file": SimpleUploadedFile("bauma.csv", content)},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    found = re.search(r"/imports/(\d+)/", response["Location"])
    assert found is not None
    return ImportJob.all_tenants.get(pk=int(found.group(1)))


def mapping_form(job: ImportJob) -> dict[str, str]:
    return {f"map-{i}": target for i, target in enumerate(job.mapping.values())}


def test_a_lead_csv_is_mapped_and_its_dry_run_names_every_error_by_row_and_column(world, login_as):
    admin = login_as("admin")
    job = upload(admin, LEADS_CSV.encode())
    assert job.mapping == {
        "Lead ID": "external_id",
        "First name": "first_name",
        "Last name": "last_name",
        "E-Mail": "email",
        "Company": "company",
        "Country": "country",
        "Product interest": "product_interest",
        "Estimated amount": "estimated_amount",
        "Campaign": "source_detail",
    }
    page = admin.post(f"/console/alpha/imports/{job.pk}/", {**mapping_form(job), "action": "check"})
    assert page.status_code == 200
    job.refresh_from_db()
    assert job.counts == {"created": 3, "updated": 0, "unchanged": 0, "error": 2}
    problems = {(e["row"], e["column"]) for e in job.errors}
    assert problems == {
        (3, "E-Mail"),  # nobody to get back to
        (4, "Product interest"),
        (4, "Estimated amount"),
    }  # row 5 has no lead id: the import gives it one
    message = next(e["message"] for e in job.errors if e["column"] == "Product interest")
    assert "turbines" in message and "hydraulics" in message
    assert not Lead.all_tenants.exists()  # a dry run writes nothing


def test_an_imported_lead_file_is_stored_and_every_new_lead_routed(
    routing_on, login_as, django_capture_on_commit_callbacks
):
    admin = login_as("admin")
    job = upload(admin, LEADS_CSV.encode())
    admin.post(f"/console/alpha/imports/{job.pk}/", {**mapping_form(job), "action": "check"})
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            f"/console/alpha/imports/{job.pk}/", {**mapping_form(job), "action": "import"}
        )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "done"
    assert job.counts == {"created": 3, "updated": 0, "unchanged": 0, "error": 2}
    leads = {lead.external_id: lead for lead in Lead.all_tenants.all()}
    assert set(leads) == {"T-1", f"csv-{job.pk}-5", "T-5"}
    assert leads[f"csv-{job.pk}-5"].email == "leo@west.example"
    eva, uwe = leads["T-1"], leads["T-5"]
    assert eva.source == "csv" and eva.source_detail == "Bauma 2026"
    assert eva.submitted_by_user == routing_on.users["admin"]
    assert eva.status == "routed" and eva.assigned_partner == routing_on.partner
    assert uwe.product_interest == ["hydraulics"] and uwe.country == "Deutschland"
    assert uwe.status == "routed" and uwe.country_code == "DE"
    assert uwe.assigned_team == routing_on.orgs["team"]
