"""Registering a deal through the pages, as a partner and as a direct rep: the live checks, a
draft, submitting, answering a return (only the fields asked), evidence files, and refusals that
leave nothing behind."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import ProductLine
from accounts.tests.factories import AccountFactory
from core.tenancy import tenant_scope
from dealreg.models import DealRegistration, EvidenceFile
from dealreg.services import registrations as regs
from dealreg.tests.helpers import draft, rulebook

pytestmark = pytest.mark.django_db


def _url(world, name: str, *args) -> str:
    return reverse(name, args=[world.tenant.slug, *args])


def _hydraulics(world) -> ProductLine:
    with tenant_scope(world.tenant):
        return ProductLine.objects.get(code="hydraulics")


def _post(world, *, customer="Steelworks Linz", discount="10", intent="submit", **extra):
    data = {
        "title": "Two presses",
        "end_customer_name": customer,
        "end_customer_country": "Austria",
        "currency": "EUR",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product_line": str(_hydraulics(world).pk),
        "lines-0-quantity": "2",
        "lines-0-amount": "80000",
        "lines-0-requested_discount": discount,
        "intent": intent,
    }
    data.update(extra)
    return data


def _mine(world, title="Two presses") -> DealRegistration:
    with tenant_scope(world.tenant):
        return DealRegistration.objects.get(title=title)


@pytest.mark.parametrize(("persona", "door"), [("partner_rep", "portal"), ("rep", "sales")])
def test_a_registrant_files_a_deal_from_the_form(world, login_as, persona, door):
    rulebook(world)
    client = login_as(persona)
    assert client.get(_url(world, f"{door}:dealreg-new")).status_code == 200
    response = client.post(_url(world, f"{door}:dealreg-new"), _post(world))
    reg = _mine(world)
    assert response.status_code == 302
    assert response["Location"] == _url(world, f"{door}:dealreg", reg.pk)
    assert reg.state == "submitted" and reg.estimated_amount == Decimal("80000")
    assert reg.end_customer is not None and reg.end_customer.country == "AT"
    assert reg.route == ("partner" if door == "portal" else "direct")
    page = client.get(response["Location"]).content.decode()
    assert "Submitted for review" in page or "submitted for review" in page


def test_an_incomplete_submission_saves_nothing_and_names_the_fields(world, login_as):
    rulebook(world)
    client = login_as("partner_rep")
    data = _post(world, customer="", title="")
    response = client.post(_url(world, "portal:dealreg-new"), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "This field is required." in body and "Nothing was saved" in body
    with tenant_scope(world.tenant):
        assert not DealRegistration.objects.exists()


def test_a_draft_is_saved_then_completed_and_submitted(world, login_as):
    rulebook(world)
    client = login_as("rep")
    data = _post(world, intent="save")
    data["lines-TOTAL_FORMS"] = "1"
    data["lines-0-product_line"] = ""
    data["lines-0-quantity"] = "1"  # the line as offered: no line
    data["lines-0-amount"] = ""
    data["lines-0-requested_discount"] = ""
    response = client.post(_url(world, "sales:dealreg-new"), data)
    reg = _mine(world)
    assert response.status_code == 302 and reg.state == "draft"
    # Submitting without a line: refused by the service, the draft unchanged.
    data["intent"] = "submit"
    refused = client.post(_url(world, "sales:dealreg-edit", reg.pk), data)
    assert refused.status_code == 400
    assert "Add at least one product line" in refused.content.decode()
    reg.refresh_from_db()
    assert reg.state == "draft"
    done = client.post(_url(world, "sales:dealreg-edit", reg.pk), _post(world))
    assert done.status_code == 302
    reg.refresh_from_db()
    with tenant_scope(world.tenant):
        assert reg.state == "submitted" and reg.lines.count() == 1


def test_a_line_without_its_product_is_refused_on_its_field(world, login_as):
    rulebook(world)
    data = _post(world)
    data["lines-0-product_line"] = ""
    response = login_as("partner_rep").post(_url(world, "portal:dealreg-new"), data)
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    with tenant_scope(world.tenant):
        assert not DealRegistration.objects.exists()


def test_the_same_product_line_twice_is_refused(world, login_as):
    rulebook(world)
    data = _post(world)
    data.update(
        {
            "lines-TOTAL_FORMS": "2",
            "lines-1-product_line": data["lines-0-product_line"],
            "lines-1-amount": "10",
        }
    )
    response = login_as("partner_rep").post(_url(world, "portal:dealreg-new"), data)
    assert response.status_code == 400
    assert "each product line once" in response.content.decode()


def test_the_live_check_names_the_match_and_the_corridor_but_nobody_else(world, login_as):
    rulebook(world)
    account = AccountFactory(tenant=world.tenant, name="Acme", country="AT")
    draft_then = draft(world, "rival_partner_admin", account, amount="765431")
    with tenant_scope(world.tenant):
        regs.submit(draft_then, acting=world.membership("rival_partner_admin"))
    client = login_as("partner_rep")
    hints = client.get(
        _url(world, "portal:dealreg-check"), _post(world, customer="ACME GmbH", discount="30")
    )
    body = hints.content.decode()
    assert hints.status_code == 200
    assert "Acme" in body  # the match is named
    assert "already registered by another route" in body
    assert "Hydraulics</b>, 30 %: 15.00 points above the maximum" in body
    assert world.orgs["other_partner"].name not in body and "765431" not in body
    # Unreadable input is ignored, never a 500.
    unreadable = {"lines-TOTAL_FORMS": "x", "estimated_amount": "1e999999", "registration": "9"}
    assert client.get(_url(world, "portal:dealreg-check"), unreadable).status_code == 200


def test_a_return_opens_only_the_fields_asked_and_is_answered(world, login_as):
    rulebook(world)
    account = AccountFactory(tenant=world.tenant, name="Return Works")
    reg = draft(world, "partner_rep", account)
    with tenant_scope(world.tenant):
        regs.submit(reg, acting=world.membership("partner_rep"))
        regs.return_for_info(
            reg, fields=["competitor"], note="Who else bids?", acting=world.membership("admin")
        )
    client = login_as("partner_rep")
    page = client.get(_url(world, "portal:dealreg-edit", reg.pk)).content.decode()
    assert "Who else bids?" in page
    data = {"title": "A new title", "competitor": "Bosch Rexroth", "intent": "submit"}
    response = client.post(_url(world, "portal:dealreg-edit", reg.pk), data)
    assert response.status_code == 302
    reg.refresh_from_db()
    # The title was not open: the disabled field keeps its value, the competitor changed.
    assert reg.title == "Press line for partner_rep" and reg.competitor == "Bosch Rexroth"
    assert reg.state == "under_review" or reg.state == "submitted"


def test_evidence_is_kept_and_served_only_to_those_who_see_the_registration(world, login_as):
    rulebook(world)
    client = login_as("partner_rep")
    pdf = SimpleUploadedFile("quote.pdf", b"%PDF-1.4 quote", content_type="application/pdf")
    client.post(_url(world, "portal:dealreg-new"), _post(world, evidence=pdf))
    reg = _mine(world)
    with tenant_scope(world.tenant):
        stored = EvidenceFile.objects.get(registration=reg)
    url = _url(world, "portal:dealreg-file", reg.pk, stored.pk)
    download = client.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 quote"
    assert "attachment" in download["Content-Disposition"]
    assert login_as("rival_partner_admin").get(url).status_code == 404


def test_a_refused_file_leaves_no_registration_and_no_bytes(world, login_as, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    rulebook(world)
    client = login_as("rep")
    good = SimpleUploadedFile("quote.pdf", b"%PDF-1.4 quote")
    bad = SimpleUploadedFile("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00")
    response = client.post(_url(world, "sales:dealreg-new"), _post(world, evidence=[good, bad]))
    assert response.status_code == 400
    body = response.content.decode()
    assert "tool.exe" in body and "not accepted" in body
    with tenant_scope(world.tenant):
        assert not DealRegistration.objects.exists()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_submitted_registration_is_not_edited(world, login_as):
    rulebook(world)
    reg = draft(world, "rep", AccountFactory(tenant=world.tenant))
    with tenant_scope(world.tenant):
        regs.submit(reg, acting=world.membership("rep"))
    client = login_as("rep")
    response = client.post(_url(world, "sales:dealreg-edit", reg.pk), _post(world))
    assert response.status_code == 302
    reg.refresh_from_db()
    assert reg.title != "Two presses"


def test_the_reviewer_approves_each_lines_discount_and_the_exception_is_granted(world, login_as):
    rulebook(world)
    client = login_as("partner_rep")
    data = _post(world, discount="25")
    data["lines-0-exception_justification"] = "A low-cost import is on the table."
    client.post(_url(world, "portal:dealreg-new"), data)
    reg = _mine(world)
    admin = login_as("admin")
    review = admin.get(_url(world, "console:dealreg", reg.pk)).content.decode()
    # First step: no discount to fill in yet.
    assert 'data-testid="approved-discounts"' not in review
    admin.post(_url(world, "console:dealreg-decide", reg.pk), {"decision": "approve"})
    review = admin.get(_url(world, "console:dealreg", reg.pk)).content.decode()
    assert 'name="discount-hydraulics"' in review and 'value="25.00"' in review
    assert "A low-cost import is on the table." in review
    # Above what was asked: refused, naming the line.
    admin.post(
        _url(world, "console:dealreg-decide", reg.pk),
        {"decision": "approve", "discount-hydraulics": "40"},
    )
    page = admin.get(_url(world, "console:dealreg", reg.pk)).content.decode()
    assert "Approved discount on hydraulics: Between 0 and 25" in page
    reg.refresh_from_db()
    assert reg.state != "approved"
    admin.post(
        _url(world, "console:dealreg-decide", reg.pk),
        {"decision": "approve", "discount-hydraulics": "20"},
    )
    reg.refresh_from_db()
    with tenant_scope(world.tenant):
        from guardrails.models import RuleException

        assert reg.state == "approved" and reg.lines.get().approved_discount == Decimal("20.00")
        granted = RuleException.objects.get(opportunity=reg.opportunity)
        assert granted.status == "approved" and granted.requested_discount == Decimal("20.00")
        assert granted.partner == reg.registrant_partner
    timeline = client.get(_url(world, "portal:dealreg", reg.pk)).content.decode()
    assert "Discount exception" in timeline and "20.00 %" in timeline
