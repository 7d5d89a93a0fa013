"""MDF's pages as their users meet them: a partner admin requests funds (a request above the
available funds refused beside its field), RevOps approves part of it with a reason, the partner
claims with proof (what is missing said plainly; a text file refused as an invoice), RevOps
approves the claim and records the payment; the balance and the ledger follow. Partner reps
read only; a rival partner never reaches another partner's request, claim, proof or ledger;
direct sales read activity without money pages; the home queues count what waits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.tenancy import tenant_scope
from mdf.choices import ClaimState, RequestState
from mdf.models import FundBalance, FundClaim, FundRequest, LedgerEntry, MdfBudget, ProofFile
from mdf.tests.factories import PDF, PNG, claim_in, fund, request_in
from tenancy.quarters import Quarter

pytestmark = pytest.mark.django_db


def _url(world, name: str, *args) -> str:
    return reverse(name, args=[world.tenant.slug, *args])


def _request_data(**changes) -> dict:
    today = timezone.localdate()
    data = {
        "activity_type": "event",
        "title": "Hydraulics open house",
        "description": "Demo day for fleet customers.",
        "starts_on": today.isoformat(),
        "ends_on": today.isoformat(),
        "total_cost": "6000",
        "partner_share": "2000",
        "amount_requested": "4000",
        "expected_leads": "25",
        "expected_pipeline": "80000",
        "intent": "submit",
    }
    return {**data, **changes}


def _balance(world, partner=None) -> FundBalance:
    with tenant_scope(world.tenant):
        start = Quarter.of(world.tenant, timezone.localdate()).start
        return FundBalance.objects.get(partner=partner or world.partner, quarter_start=start)


def test_a_request_and_its_claim_go_from_the_portal_through_the_console_to_payment(world, login_as):
    fund(world.tenant, world.partner, 5_000)
    partner, admin = login_as("partner_admin"), login_as("admin")

    # Asking for more than is available is refused beside the amount; the draft is kept.
    refused = partner.post(
        _url(world, "portal:mdf-request-new"),
        _request_data(total_cost="12000", amount_requested="9000"),
    )
    assert refused.status_code == 400
    errors = refused.context["form"].errors["amount_requested"]
    assert "only 5,000.00 EUR is available" in errors[0], errors

    with tenant_scope(world.tenant):
        fr = FundRequest.objects.get()  # kept as a draft; the form now changes it
    assert fr.state == RequestState.DRAFT
    edit = _url(world, "portal:mdf-request-edit", fr.pk)
    assert f'action="{edit}"' in refused.content.decode()
    filed = partner.post(edit, _request_data())
    assert filed.status_code == 302
    fr.refresh_from_db()
    assert fr.state == RequestState.SUBMITTED
    with tenant_scope(world.tenant):
        assert FundRequest.objects.count() == 1

    # RevOps finds it in the approvals queue and approves part of it, which needs a reason.
    queue = admin.get(_url(world, "console:mdf-approvals")).content.decode()
    assert f"Request #{fr.pk}" in queue
    review = _url(world, "console:mdf-request", fr.pk)
    no_reason = admin.post(
        review, {"form": "request", "request-decision": "approve", "request-amount": "3000"}
    )
    assert no_reason.status_code == 400
    assert no_reason.context["request_form"].errors["reason"] == [
        "Say why only part of the request is approved."
    ]
    approved = admin.post(
        review,
        {
            "form": "request",
            "request-decision": "approve",
            "request-amount": "3000",
            "request-reason": "Venue only",
        },
    )
    assert approved.status_code == 302
    assert (_balance(world).committed, _balance(world).available) == (3000, 2000)

    # The partner claims: the claim's fields, then proof; missing proof is named plainly.
    claim_url = _url(world, "portal:mdf-claim", fr.pk)
    too_much = partner.post(
        claim_url,
        {
            "intent": "save",
            "actual_cost": "5000",
            "amount_claimed": "3500",
            "leads_delivered": "12",
        },
    )
    assert too_much.status_code == 400
    assert (
        "more than the 3,000.00 EUR approved"
        in too_much.context["form"].errors["amount_claimed"][0]
    )
    saved = partner.post(
        claim_url,
        {
            "intent": "save",
            "actual_cost": "5000",
            "amount_claimed": "3000",
            "leads_delivered": "12",
            "results": "40 visitors",
        },
    )
    assert saved.status_code == 302
    page = partner.get(claim_url).content.decode()
    assert "Still missing: invoice, photos, attendee list." in page

    early = partner.post(claim_url, {"intent": "submit"})
    assert early.status_code == 400
    assert "Proof missing: invoice, photos, attendee list" in early.context["proof_problem"]

    text = SimpleUploadedFile("invoice.pdf", b"just some text")
    wrong = partner.post(claim_url, {"intent": "proof", "proof_type": "invoice", "file": text})
    assert wrong.status_code == 400
    assert "not accepted as invoice" in wrong.context["proof_form"].errors["file"][0]

    for kind, name, content in (
        ("invoice", "invoice.pdf", PDF),
        ("photos", "booth.png", PNG),
        ("attendee_list", "attendees.csv", b"name,email\nAda,ada@example.com\n"),
    ):
        added = partner.post(
            claim_url,
            {"intent": "proof", "proof_type": kind, "file": SimpleUploadedFile(name, content)},
        )
        assert added.status_code == 302, added.context and added.context["proof_form"].errors
    assert partner.post(claim_url, {"intent": "submit"}).status_code == 302
    with tenant_scope(world.tenant):
        claim = FundClaim.objects.get()
        proof = ProofFile.objects.filter(claim=claim, proof_type="invoice").get()
    assert claim.state == ClaimState.SUBMITTED

    # RevOps downloads the proof, approves the claim in part, then pays it from the queue.
    download = admin.get(_url(world, "console:mdf-proof", fr.pk, proof.pk))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    assert (
        admin.post(
            review,
            {
                "form": "claim",
                "claim-decision": "approve",
                "claim-amount": "2500",
                "claim-reason": "Catering not covered",
            },
        ).status_code
        == 302
    )
    payments = admin.get(_url(world, "console:mdf-payments")).content.decode()
    assert f"Claim on #{fr.pk}" in payments
    future = admin.post(
        review,
        {"form": "pay", "next": "payments", "pay-reference": "FIN-9", "pay-paid_on": "2999-01-01"},
    )
    assert future.status_code == 400
    assert future.context["pay_form"].errors["paid_on"] == ["The payment date is in the future."]
    paid = admin.post(
        review,
        {
            "form": "pay",
            "next": "payments",
            "pay-reference": "FIN-9",
            "pay-paid_on": timezone.localdate().isoformat(),
        },
    )
    assert paid.status_code == 302 and paid["Location"] == _url(world, "console:mdf-payments")
    again = admin.post(
        review,
        {"form": "pay", "pay-reference": "FIN-10", "pay-paid_on": timezone.localdate().isoformat()},
    )
    assert again.status_code == 400  # paid once: the form is gone, the refusal says so

    row = _balance(world)
    assert (row.committed, row.claimed, row.paid, row.available) == (0, 0, 2500, 2500)
    mine = partner.get(_url(world, "portal:mdf")).content.decode()
    assert "2,500.00 EUR" in mine and "Paid" in mine
    detail = partner.get(_url(world, "portal:mdf-request", fr.pk)).content.decode()
    assert "FIN-9" in detail and "Catering not covered" in detail
    assert "admin@alpha.test" not in detail  # the partner reads "RevOps", not who


def test_a_draft_is_changed_and_withdrawn_and_a_returned_request_answered(world, login_as):
    fund(world.tenant, world.partner, 5_000)
    partner, admin = login_as("partner_admin"), login_as("admin")
    saved = partner.post(_url(world, "portal:mdf-request-new"), _request_data(intent="save"))
    assert saved.status_code == 302
    with tenant_scope(world.tenant):
        fr = FundRequest.objects.get()
    assert fr.state == RequestState.DRAFT
    ends_early = partner.post(
        _url(world, "portal:mdf-request-edit", fr.pk),
        _request_data(intent="save", ends_on="2000-01-01"),
    )
    assert ends_early.status_code == 400
    assert ends_early.context["form"].errors["ends_on"] == ["The activity ends before it starts."]

    assert partner.post(_url(world, "portal:mdf-request-submit", fr.pk)).status_code == 302
    review = _url(world, "console:mdf-request", fr.pk)
    no_reason = admin.post(review, {"form": "request", "request-decision": "return"})
    assert no_reason.context["request_form"].errors["reason"]
    admin.post(
        review, {"form": "request", "request-decision": "return", "request-reason": "Which venue?"}
    )
    listed = partner.get(_url(world, "portal:mdf-requests") + "?state=returned")
    assert f"#{fr.pk}" in listed.content.decode() and "Answer due" in listed.content.decode()
    answered = partner.post(
        _url(world, "portal:mdf-request-edit", fr.pk), _request_data(description="Venue: Hall 4")
    )
    assert answered.status_code == 302
    fr.refresh_from_db()
    assert fr.state == RequestState.SUBMITTED

    partner.post(_url(world, "portal:mdf-request-withdraw", fr.pk), {"reason": "Cancelled"})
    fr.refresh_from_db()
    assert fr.state == RequestState.WITHDRAWN
    page = partner.get(_url(world, "portal:mdf-request", fr.pk)).content.decode()
    assert "Withdrawn" in page and "Cancelled" in page


def test_partner_reps_read_but_are_shown_no_buttons_and_refused_anyway(world, login_as):
    fund(world.tenant, world.partner, 5_000)
    fr = request_in(world.tenant, world.partner, "approved", amount=1_000)
    claim = claim_in(fr, "draft")
    rep = login_as("partner_rep")
    detail = rep.get(_url(world, "portal:mdf-request", fr.pk)).content.decode()
    assert 'data-testid="withdraw"' not in detail and "Claim the funds" not in detail
    listed = rep.get(_url(world, "portal:mdf-requests")).content.decode()
    assert 'data-testid="new-request"' not in listed
    claim_page = rep.get(_url(world, "portal:mdf-claim", fr.pk)).content.decode()
    assert 'data-testid="claim-form"' not in claim_page and "read MDF" in claim_page

    refused = rep.post(_url(world, "portal:mdf-request-new"), _request_data())
    assert refused.status_code == 400
    withdrawn = rep.post(_url(world, "portal:mdf-request-withdraw", fr.pk), follow=True)
    assert "Partner reps read MDF" in withdrawn.content.decode()
    submit = rep.post(_url(world, "portal:mdf-claim", fr.pk), {"intent": "submit"})
    assert submit.status_code == 400 and "Partner reps read MDF" in submit.content.decode()
    fr.refresh_from_db()
    claim.refresh_from_db()
    assert (fr.state, claim.state) == (RequestState.APPROVED, ClaimState.DRAFT)
    with tenant_scope(world.tenant):
        assert FundRequest.objects.count() == 1


def test_a_rival_partner_reaches_no_other_partners_request_claim_proof_or_ledger(world, login_as):
    fund(world.tenant, world.partner, 5_000)
    fund(world.tenant, world.other_partner, 7_000)
    fr = request_in(world.tenant, world.partner, "approved", amount=1_000)
    claim = claim_in(fr, "draft")
    with tenant_scope(world.tenant):
        proof = ProofFile.objects.filter(claim=claim).earliest("pk")
    rival = login_as("rival_partner_admin")
    for name, args, method in (
        ("portal:mdf-request", (fr.pk,), "get"),
        ("portal:mdf-request-edit", (fr.pk,), "get"),
        ("portal:mdf-claim", (fr.pk,), "get"),
        ("portal:mdf-proof", (fr.pk, proof.pk), "get"),
        ("portal:mdf-request-withdraw", (fr.pk,), "post"),
        ("portal:mdf-request-submit", (fr.pk,), "post"),
        ("portal:mdf-claim", (fr.pk,), "post"),
        ("portal:mdf-proof-remove", (fr.pk, proof.pk), "post"),
    ):
        response = getattr(rival, method)(_url(world, name, *args))
        assert response.status_code == 404, name
    ledger = rival.get(_url(world, "portal:mdf")).content.decode()
    assert "7,000.00 EUR" in ledger and "5,000.00" not in ledger and "zzfirstpartner" not in ledger
    listed = rival.get(_url(world, "portal:mdf-requests")).content.decode()
    assert "request-row" not in listed
    fr.refresh_from_db()
    assert fr.state == RequestState.APPROVED
    with tenant_scope(world.tenant):
        assert ProofFile.objects.filter(pk=proof.pk).exists()


def test_direct_sales_read_activity_without_money_or_proof(world, login_as):
    fund(world.tenant, world.partner, 5_000)
    request_in(world.tenant, world.partner, "submitted", amount=1_000, title="Roadshow Vienna")
    admin_view = login_as("admin").get(_url(world, "sales:mdf-activity"))
    assert admin_view.status_code == 200 and "Roadshow Vienna" in admin_view.content.decode()
    rep_view = login_as("rep").get(_url(world, "sales:mdf-activity"))
    assert rep_view.status_code == 200
    assert "Available" not in rep_view.content.decode()
    for name in ("mdf", "mdf-requests"):
        with pytest.raises(Exception):  # noqa: B017 - the portal's pages have no sales URL
            reverse(f"sales:{name}", args=[world.tenant.slug])


def test_the_console_sets_a_budget_allocates_and_refuses_beyond_it(world, login_as):
    admin = login_as("admin")
    url = _url(world, "console:mdf-budgets")
    assert "has no budget yet" in admin.get(url).content.decode()
    negative = admin.post(url, {"intent": "budget", "budget-amount": "-5"})
    assert negative.status_code == 400 and negative.context["budget_form"].errors["amount"]
    assert admin.post(url, {"intent": "budget", "budget-amount": "10000"}).status_code == 302
    too_much = admin.post(
        url,
        {"intent": "allocate", "allocate-partner": world.partner.pk, "allocate-amount": "12000"},
    )
    assert too_much.status_code == 400
    assert "Only 10,000.00 EUR" in too_much.context["allocation_form"].errors["amount"][0]
    assert (
        admin.post(
            url,
            {"intent": "allocate", "allocate-partner": world.partner.pk, "allocate-amount": "4000"},
        ).status_code
        == 302
    )
    below = admin.post(url, {"intent": "budget", "budget-amount": "1000"})
    assert "already allocated" in below.context["budget_form"].errors["amount"][0]
    quarter = Quarter.of(world.tenant, timezone.localdate())
    bad_period = admin.post(
        url,
        {
            "intent": "accrual",
            "accrual-partner": world.other_partner.pk,
            "accrual-rate": "5",
            "accrual-period_start": "2026-01-01",
            "accrual-period_end": "2026-12-31",
            "accrual-cap": "2000",
        },
    )
    assert bad_period.status_code == 302
    page = admin.get(url).content.decode()
    assert "Accrual" in page and "4,000.00 EUR" in page
    with tenant_scope(world.tenant):
        budget = MdfBudget.objects.get(quarter_start=quarter.start)
        assert budget.allocated_total == Decimal(4000)
    ledger = admin.get(_url(world, "console:mdf-ledger") + f"?partner={world.partner.pk}")
    assert ledger.status_code == 200 and "Allocated" in ledger.content.decode()
    bad = admin.get(_url(world, "console:mdf-ledger") + "?quarter=Q9")
    assert bad.status_code == 400


def test_the_settings_page_names_a_bad_activity_type_at_its_field(world, login_as):
    admin = login_as("admin")
    url = _url(world, "console:mdf-settings")
    form = admin.get(url).context["form"]
    data = {**{k: v for k, v in form.initial.items() if k != "sales_see_activity"}}
    bad = admin.post(url, {**data, "activity_types": "event | Event | receipts"})
    assert bad.status_code == 400
    assert "proof is a list of" in bad.context["form"].errors["activity_types"][0]
    good = admin.post(
        url, {**data, "activity_types": "webinar | Webinar | invoice", "claim_window_days": "30"}
    )
    assert good.status_code == 302
    from mdf.services.settings import settings_for

    with tenant_scope(world.tenant):
        saved = settings_for(world.tenant)
    assert saved.activity_label("webinar") == "Webinar" and saved.claim_window_days == 30
    assert saved.sales_see_activity is False


def test_the_home_pages_count_what_waits(world, login_as):
    fund(world.tenant, world.partner, 9_000)
    request_in(world.tenant, world.partner, "submitted", amount=1_000)
    approved = request_in(world.tenant, world.partner, "approved", amount=1_000)
    claim_in(approved, "approved")
    console = login_as("admin").get(_url(world, "console:home")).content.decode()
    assert "Fund requests to decide" in console and "MDF claims to pay" in console
    portal = login_as("partner_admin").get(_url(world, "portal:home")).content.decode()
    assert "MDF available" in portal and "8,000.00 EUR" in portal
    today = timezone.localdate()
    soon = request_in(  # ended 50 days ago: the 60-day claim window closes in 10 days
        world.tenant,
        world.partner,
        "approved",
        amount=500,
        starts_on=today - dt.timedelta(days=51),
        ends_on=today - dt.timedelta(days=50),
        quarter_start=Quarter.of(world.tenant, today).start,
    )
    portal = login_as("partner_admin").get(_url(world, "portal:home")).content.decode()
    assert "Approved MDF to claim within 14 days" in portal, soon
    rep_home = login_as("partner_rep").get(_url(world, "portal:home")).content.decode()
    assert "Approved MDF to claim" not in rep_home and "MDF available" in rep_home


def test_junk_input_is_a_4xx_never_a_500(world, login_as):
    fund(world.tenant, world.partner, 5_000)
    fr = request_in(world.tenant, world.partner, "submitted", amount=1_000)
    admin, partner = login_as("admin"), login_as("partner_admin")
    review = _url(world, "console:mdf-request", fr.pk)
    for data in (
        {"form": "request", "request-decision": "approve", "request-amount": "abc"},
        {"form": "request", "request-decision": "dance"},
        {"form": "claim", "claim-decision": "approve"},
        {"form": "pay", "pay-reference": "X", "pay-paid_on": "not a date"},
        {"form": "nonsense"},
    ):
        assert admin.post(review, data).status_code == 400, data
    for query in ("?state=nope", "?quarter=2026-Q7", "?page=zz", "?partner=abc&kind=x"):
        assert admin.get(_url(world, "console:mdf-approvals") + query).status_code < 500
        assert partner.get(_url(world, "portal:mdf-requests") + query).status_code < 500
        assert partner.get(_url(world, "portal:mdf") + query).status_code < 500
        assert admin.get(_url(world, "console:mdf-ledger") + query).status_code < 500
        assert admin.get(_url(world, "console:mdf-payments") + query).status_code < 500
    assert (
        partner.post(
            _url(world, "portal:mdf-request-new"), _request_data(quarter_start="someday")
        ).status_code
        == 400
    )
    assert admin.get(_url(world, "console:mdf-request", 10**12)).status_code == 404
    with tenant_scope(world.tenant):
        assert LedgerEntry.objects.filter(kind="committed").count() == 0
