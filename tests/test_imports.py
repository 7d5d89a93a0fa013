"""CSV import in the console: a file a RevOps admin exports from a CRM or a spreadsheet."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Account, Contact
from core.models import ImportJob
from pipeline.models import Opportunity

pytestmark = pytest.mark.django_db

ACCOUNTS_CSV = (
    "Account ID;Company;Country;Region;Website;Tier;Named account\n"
    "SF-1;Kiesel Bau GmbH;DE;BY;www.kiesel-bau.de;strategic;yes\n"
    "SF-2;Nordhafen AB;XX;;nordhafen.se;;no\n"
    "SF-3;Lindenwerk AG;AT;AT-4;lindenwerk.at;platinum;maybe\n"
    "\n"
    "ACC-rep;Renamed By Import;DE;;;;\n"
)


def upload(client, resource: str, content: bytes, name: str = "export.csv"):
    return client.post(
        "/console/alpha/imports/", {"resource": resource, "file": SimpleUploadedFile(name, content)}
    )


def job_of(response) -> ImportJob:
    found = re.search(r"/imports/(\d+)/", response["Location"])
    assert found, response["Location"]
    return ImportJob.all_tenants.get(pk=int(found.group(1)))


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"PK\x03\x04 binary zip", "export.xlsx", "spreadsheet file, not CSV"),
        (
            "Name;Country\nM\u00fcller;DE\n".encode("latin-1"),
            "latin.csv",
            "not UTF-8 encoded (byte 0xfc on line 2)",
        ),
        (b"", "empty.csv", "The submitted file is empty"),
        (b"a,a\n1,2\n", "dupe.csv", "repeated: a"),
    ],
)
def test_unreadable_files_get_a_clear_message(world, login_as, content, name, message):
    response = upload(login_as("admin"), "accounts", content, name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportJob.all_tenants.exists()


def test_files_over_the_limit_are_refused(world, login_as, settings):
    settings.IMPORT_MAX_BYTES = 100
    response = upload(login_as("admin"), "accounts", b"external_id,name\n" + b"x,y\n" * 50)
    assert response.status_code == 400 and "the limit is" in response.content.decode()


def test_columns_are_mapped_then_dry_run_lists_every_error_by_row_and_column(world, login_as):
    admin = login_as("admin")
    job = job_of(upload(admin, "accounts", ACCOUNTS_CSV.encode()))
    assert job.mapping == {
        "Account ID": "external_id",
        "Company": "name",
        "Country": "country",
        "Region": "region",
        "Website": "domains",
        "Tier": "tier",
        "Named account": "named_account",
    }
    page = admin.post(f"/console/alpha/imports/{job.pk}/", {**mapping_form(job), "action": "check"})
    assert page.status_code == 200
    job.refresh_from_db()
    assert job.total_rows == 4
    assert job.counts == {"created": 1, "updated": 1, "unchanged": 0, "error": 2}
    problems = {(e["row"], e["column"]) for e in job.errors}
    assert problems == {(3, "Country"), (4, "Tier"), (4, "Named account")}
    assert not Account.all_tenants.filter(
        external_id__startswith="SF-"
    ).exists()  # dry run wrote nothing
    assert "Download all problems as CSV" in page.content.decode()
    errors_csv = admin.get(f"/console/alpha/imports/{job.pk}/errors.csv").content.decode()
    assert errors_csv.splitlines()[0] == "row,column,message" and ",Country," in errors_csv


def mapping_form(job: ImportJob) -> dict[str, str]:
    return {f"map-{i}": target for i, target in enumerate(job.mapping.values())}


def test_the_import_runs_in_the_background_and_reports(
    world, login_as, django_capture_on_commit_callbacks
):
    admin = login_as("admin")
    job = job_of(upload(admin, "accounts", ACCOUNTS_CSV.encode()))
    admin.post(f"/console/alpha/imports/{job.pk}/", {**mapping_form(job), "action": "check"})
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            f"/console/alpha/imports/{job.pk}/", {**mapping_form(job), "action": "import"}
        )
    assert response.status_code == 302
    progress = admin.get(f"/console/alpha/imports/{job.pk}/progress/").json()
    assert progress["status"] == "done" and progress["percent"] == 100
    assert progress["counts"] == {"created": 1, "updated": 1, "unchanged": 0, "error": 2}
    created = Account.all_tenants.get(tenant=world.tenant, external_id="SF-1")
    assert created.named_account and created.region == "DE-BY"
    assert (
        Account.all_tenants.get(tenant=world.tenant, external_id="ACC-rep").name
        == "Renamed By Import"
    )
    assert Account.all_tenants.get(
        tenant=world.other_tenant, external_id="ACC-rep"
    ).name.startswith("Beta")
    report = admin.get(f"/console/alpha/imports/{job.pk}/").content.decode()
    assert 'data-testid="report"' in report


def test_contacts_and_opportunities_link_by_external_id_and_email(
    world, login_as, django_capture_on_commit_callbacks
):
    admin = login_as("admin")
    contacts = "external_id,account,first name,last name,e-mail\nC-1,ACC-rep,Ada,Lovelace,ADA@Kiesel.example\n"
    opportunities = (
        "External id,Account,Name,Amount,Stage,Owner\n"
        f"O-1,ACC-rep,Fleet renewal,125000,propose,{world.users['rep'].email}\n"
        "O-2,NO-SUCH,Ghost,10,propose,\n"
    )
    for resource, text in (("contacts", contacts), ("opportunities", opportunities)):
        job = job_of(upload(admin, resource, text.encode()))
        admin.post(f"/console/alpha/imports/{job.pk}/", {**mapping_form(job), "action": "check"})
        with django_capture_on_commit_callbacks(execute=True):
            admin.post(
                f"/console/alpha/imports/{job.pk}/", {**mapping_form(job), "action": "import"}
            )
    contact = Contact.all_tenants.get(external_id="C-1")
    assert contact.email == "ada@kiesel.example" and contact.account == world.customers["rep"]
    deal = Opportunity.all_tenants.get(external_id="O-1")
    assert deal.owner_user == world.users["rep"] and deal.owner_team == world.orgs["team"]
    job = ImportJob.all_tenants.get(resource="opportunities")
    assert job.errors == [
        {
            "row": 3,
            "column": "Account",
            "message": "No account with external_id 'NO-SUCH' that you can see.",
        }
    ]


def test_an_import_needs_an_external_id_column(world, login_as):
    admin = login_as("admin")
    job = job_of(upload(admin, "accounts", b"Company,Country\nX,DE\n"))
    response = admin.post(
        f"/console/alpha/imports/{job.pk}/",
        {"map-0": "name", "map-1": "country", "action": "check"},
    )
    assert response.status_code == 400 and "External id" in response.content.decode()


ALL_ROWS_FAIL_CSV = (
    "Account ID;Company;Country\nSF-1;Kiesel Bau GmbH;XX\nSF-2;Nordhafen AB;YY\nSF-3;;DE\n"
)


def test_an_import_whose_check_found_no_valid_row_is_never_run(
    world, login_as, django_capture_on_commit_callbacks
):
    admin = login_as("admin")
    job = job_of(upload(admin, "accounts", ALL_ROWS_FAIL_CSV.encode()))
    page = admin.post(f"/console/alpha/imports/{job.pk}/", {**mapping_form(job), "action": "check"})
    text = page.content.decode()
    assert 'data-testid="start-import"' not in text  # nothing to offer
    assert "No row of this file can be imported" in text

    with django_capture_on_commit_callbacks(execute=True):
        refused = admin.post(
            f"/console/alpha/imports/{job.pk}/", {**mapping_form(job), "action": "import"}
        )
    assert refused.status_code == 400
    assert "The check found no row that can be imported" in refused.content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UPLOADED  # not queued, never "done"
    assert not Account.all_tenants.filter(external_id__startswith="SF-").exists()


def test_an_import_runs_only_after_a_check_of_its_mapping(world, login_as):
    admin = login_as("admin")
    job = job_of(upload(admin, "accounts", ACCOUNTS_CSV.encode()))
    unchecked = admin.post(
        f"/console/alpha/imports/{job.pk}/", {**mapping_form(job), "action": "import"}
    )
    assert unchecked.status_code == 400 and "Check the file first" in unchecked.content.decode()
    admin.post(f"/console/alpha/imports/{job.pk}/", {**mapping_form(job), "action": "check"})
    page = admin.get(f"/console/alpha/imports/{job.pk}/").content.decode()
    assert "Import 2 rows" in page  # the rows it will write, not all four
    assert "1 to create, 1 to update; 2 with errors will be skipped" in page


def test_an_import_reports_what_it_created_updated_and_left_alone(
    world, login_as, django_capture_on_commit_callbacks
):
    admin = login_as("admin")
    first = job_of(upload(admin, "accounts", ACCOUNTS_CSV.encode()))
    admin.post(f"/console/alpha/imports/{first.pk}/", {**mapping_form(first), "action": "check"})
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(
            f"/console/alpha/imports/{first.pk}/", {**mapping_form(first), "action": "import"}
        )
    done = admin.get(f"/console/alpha/imports/{first.pk}/").content.decode()
    assert "1 created, 1 updated, 0 unchanged, 2 with errors" in done

    # The same file again: every valid row is already stored, so there is nothing to run.
    again = job_of(upload(admin, "accounts", ACCOUNTS_CSV.encode()))
    page = admin.post(
        f"/console/alpha/imports/{again.pk}/", {**mapping_form(again), "action": "check"}
    )
    text = page.content.decode()
    assert 'data-testid="start-import"' not in text
    assert "Every valid row already matches what is stored" in text
    refused = admin.post(
        f"/console/alpha/imports/{again.pk}/", {**mapping_form(again), "action": "import"}
    )
    assert refused.status_code == 400
    again.refresh_from_db()
    assert again.status == ImportJob.Status.UPLOADED


def test_choice_cells_take_the_labels_the_pages_show_and_say_what_is_allowed(world, login_as):
    admin = login_as("admin")
    csv_text = (
        "Account ID;Company;Country;Employees;Lifecycle;Service needs\n"
        "SF-1;Kiesel Bau GmbH;DE;120;customer;Field service|RENTAL\n"
        "SF-2;Nordhafen AB;SE;1,000–4,999;Customer;local_parts\n"
        "SF-3;Lindenwerk AG;AT;lots;;Cleaning\n"
    )
    job = job_of(upload(admin, "accounts", csv_text.encode()))
    admin.post(f"/console/alpha/imports/{job.pk}/", {**mapping_form(job), "action": "check"})
    job.refresh_from_db()
    assert job.counts["created"] == 2 and job.counts["error"] == 1
    messages = {e["column"]: e["message"] for e in job.errors if e["row"] == 4}
    assert (
        messages["Employees"]
        == "'lots' is not one of: 1–49, 50–199, 200–499, 500–999, 1,000–4,999, 5,000+."
    )
    assert "Cleaning" in messages["Service needs"] and "Field service" in messages["Service needs"]
    page = admin.get(f"/console/alpha/imports/{job.pk}/").content.decode()
    assert 'data-testid="allowed-values"' in page and "1,000–4,999" in page


def test_tiers_and_segments_are_found_by_the_names_the_pages_show(
    world, login_as, django_capture_on_commit_callbacks
):
    admin = login_as("admin")
    csv_text = (
        "Account ID;Company;Country;Tier;Industry\n"
        "SF-1;Kiesel Bau GmbH;DE;Strategic;MINING\n"
        "SF-2;Nordhafen AB;SE;strategic;Bergbau\n"
    )
    job = job_of(upload(admin, "accounts", csv_text.encode()))
    admin.post(f"/console/alpha/imports/{job.pk}/", {**mapping_form(job), "action": "check"})
    job.refresh_from_db()
    assert job.counts["created"] == 1 and job.counts["error"] == 1
    # Only the tenant's own segments are offered: never the other tenant's names.
    assert job.errors == [
        {"row": 3, "column": "Industry", "message": "'Bergbau' is not one of: Mining."}
    ]
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(f"/console/alpha/imports/{job.pk}/", {**mapping_form(job), "action": "import"})
    created = Account.all_tenants.get(tenant=world.tenant, external_id="SF-1")
    assert created.tier is not None and created.segment is not None
    assert created.tier.key == "strategic" and created.segment.key == "mining"


def test_a_template_per_resource_maps_itself_when_uploaded(world, login_as):
    admin = login_as("admin")
    page = admin.get("/console/alpha/imports/").content.decode()
    assert "/console/alpha/imports/template/accounts.csv" in page
    template = admin.get("/console/alpha/imports/template/accounts.csv")
    assert template["Content-Type"].startswith("text/csv")
    header = template.content.decode().splitlines()[0]
    assert header.startswith("External id,Name,")
    job = job_of(upload(admin, "accounts", template.content + b"SF-9,Filled In\n"))
    assert all(job.mapping.values())  # every column found its field
    assert admin.get("/console/alpha/imports/template/nothing.csv").status_code == 404
