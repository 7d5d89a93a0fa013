"""The portal's MDF pages: "My MDF" (the partner's balance by quarter and the quarter's ledger),
its fund requests with their deadlines, the request form (draft, change, submit), a request's
page with its timeline, withdrawing, and the claim page (the claim's fields, proof per required
type with what is missing said plainly, submitting). Partner admins act; partner reps read: the
buttons are not shown to them and the services refuse them anyway."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from campaigns.forms import place_errors
from campaigns.models import Campaign, Offer
from core.views import row_or_404
from mdf.choices import ClaimState, RequestState
from mdf.forms import ClaimForm, ProofForm, RequestForm, WithdrawForm
from mdf.models import FundBalance, FundClaim, FundRequest, LedgerEntry, ProofFile
from mdf.services import claims, requests
from mdf.services.settings import settings_for
from mdf.views.common import (
    REFUSALS,
    claim_of,
    filtered,
    label_activities,
    may_file,
    quarter_asked,
    refusal,
    request_context,
    request_rows,
    with_clocks,
)
from tenancy.quarters import Quarter
from tenancy.requests import DoorRequest

__all__ = [
    "claim_page",
    "my_mdf",
    "proof_remove",
    "request_detail",
    "request_edit",
    "request_list",
    "request_new",
    "request_submit",
    "request_withdraw",
]

PER_PAGE = 50
EDITABLE = (RequestState.DRAFT, RequestState.RETURNED)


def my_mdf(request: DoorRequest) -> HttpResponse:
    """The partner's balance in each quarter it has funds in, and one quarter's ledger."""
    membership = request.membership
    quarter, problem = quarter_asked(request)
    balances = list(FundBalance.objects.visible_to(membership).order_by("-quarter_start"))
    for row in balances:
        row.quarter = Quarter.of(request.tenant, row.quarter_start)
    shown = next((b for b in balances if b.quarter_start == quarter.start), None)
    entries = LedgerEntry.objects.visible_to(membership).filter(quarter_start=quarter.start)
    page = Paginator(
        entries.select_related("request", "claim").order_by("-at", "-pk"), PER_PAGE
    ).get_page(request.GET.get("page"))
    context = {
        "balances": balances,
        "shown": shown,
        "quarter": quarter,
        "problem": problem,
        "page": page,
        "currency": request.tenant.currency,
    }
    return render(request, "mdf/my_mdf.html", context, status=400 if problem else 200)


def request_list(request: DoorRequest) -> HttpResponse:
    membership = request.membership
    rows = with_clocks(request_rows(membership))
    filters, rows, status = filtered(request, rows)
    page = Paginator(rows.order_by("-created_at", "-pk"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    label_activities(page, request.tenant)
    chosen = request.GET.getlist("state")
    context = {
        "page": page,
        "filters": filters,
        "states": [(v, label, v in chosen) for v, label in RequestState.choices],
        "filtered": bool(request.GET.get("state") or request.GET.get("quarter")),
        "now": timezone.now(),
        "can_file": may_file(membership, membership.partner_id or 0),
        "currency": request.tenant.currency,
    }
    return render(request, "mdf/request_list.html", context, status=status)


def request_detail(request: DoorRequest, pk: int) -> HttpResponse:
    fund_request = row_or_404(request_rows(request.membership), pk, "No such request.")
    return render(request, "mdf/request_detail.html", request_context(request, fund_request))


def _request_form(request: DoorRequest, fund_request: FundRequest | None) -> HttpResponse:
    membership = request.membership
    settings = settings_for(request.tenant)
    initial: dict[str, Any] = {}
    if fund_request is not None:
        initial = {name: getattr(fund_request, name) for name in requests.EDITABLE}
    form = RequestForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        tenant=request.tenant,
        settings=settings,
        campaigns=Campaign.objects.visible_to(membership).order_by("name"),
        offers=Offer.objects.visible_to(membership).order_by("name"),
    )
    can_file = may_file(membership, membership.partner_id or 0)
    problems: list[str] = []
    if request.method == "POST" and not can_file:
        problems = ["Partner reps read MDF; your partner admin files and changes requests."]
    elif request.method == "POST" and form.is_valid():
        try:
            saved = _save_request(request, fund_request, form)
        except NotSubmitted as refused:
            # The draft is kept: the form now changes it rather than filing another one.
            fund_request = refused.saved
            problems = place_errors(form, refused.error)
        except ValidationError as error:
            problems = place_errors(form, error)
        except REFUSALS as error:
            problems = [refusal(error)]
        else:
            return redirect("portal:mdf-request", request.tenant.slug, saved.pk)
    context = {
        "fr": fund_request,
        "form": form,
        "problems": problems,
        "can_file": can_file,
        "editable": fund_request is None or fund_request.state in EDITABLE,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "mdf/request_form.html", context, status=status)


class NotSubmitted(Exception):
    """The fields were saved but submitting was refused: the saved draft and why."""

    def __init__(self, saved: FundRequest, error: ValidationError) -> None:
        super().__init__(str(error))
        self.saved, self.error = saved, error


def _save_request(
    request: DoorRequest, fund_request: FundRequest | None, form: RequestForm
) -> FundRequest:
    """Save the fields, then submit if asked. A refused submission keeps the saved draft and
    says why beside the field it is about."""
    acting = request.membership
    if fund_request is None:
        partner = acting.partner
        if partner is None:
            raise PermissionDenied("Only a partner's people file its requests.")
        saved = requests.create_request(request.tenant, partner, form.changes(), acting=acting)
    else:
        saved = requests.update_request(fund_request, form.changes(), acting=acting)
    if request.POST.get("intent") == "submit":
        try:
            requests.submit_request(saved, acting=acting)
        except ValidationError as error:
            messages.warning(request, f"Request #{saved.pk} is saved as a draft, not submitted.")
            raise NotSubmitted(saved, error) from None
        messages.success(request, f"Request #{saved.pk} is submitted for approval.")
    else:
        messages.success(request, f"Request #{saved.pk} is saved.")
    return saved


def request_new(request: DoorRequest) -> HttpResponse:
    return _request_form(request, None)


def request_edit(request: DoorRequest, pk: int) -> HttpResponse:
    fund_request = row_or_404(request_rows(request.membership), pk, "No such request.")
    return _request_form(request, fund_request)


@require_POST
def request_submit(request: DoorRequest, pk: int) -> HttpResponse:
    fund_request = row_or_404(request_rows(request.membership), pk, "No such request.")
    try:
        requests.submit_request(fund_request, acting=request.membership)
    except REFUSALS as error:
        messages.error(request, f"Request #{fund_request.pk}: {refusal(error)}")
    else:
        messages.success(request, f"Request #{fund_request.pk} is submitted for approval.")
    return redirect("portal:mdf-request", request.tenant.slug, fund_request.pk)


@require_POST
def request_withdraw(request: DoorRequest, pk: int) -> HttpResponse:
    fund_request = row_or_404(request_rows(request.membership), pk, "No such request.")
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        requests.withdraw_request(fund_request, acting=request.membership, reason=reason)
    except REFUSALS as error:
        messages.error(request, f"Request #{fund_request.pk}: {refusal(error)}")
    else:
        messages.success(request, f"Request #{fund_request.pk} is withdrawn.")
    return redirect("portal:mdf-request", request.tenant.slug, fund_request.pk)


# --- the claim ---------------------------------------------------------------------------------


def claim_page(request: DoorRequest, pk: int) -> HttpResponse:
    """The claim of an approved request: its fields (saved as a draft), proof uploads per type,
    and submitting; each refusal beside the field or the proof it is about (400)."""
    fund_request = row_or_404(request_rows(request.membership), pk, "No such request.")
    claim = claim_of(fund_request)
    intent = request.POST.get("intent", "save") if request.method == "POST" else ""
    initial = {n: getattr(claim, n) for n in claims.CLAIM_FIELDS} if claim else {}
    form = ClaimForm(request.POST if intent == "save" else None, initial=initial)
    proof_form = ProofForm(
        request.POST if intent == "proof" else None,
        request.FILES if intent == "proof" else None,
    )
    problems: list[str] = []
    proof_problem = ""
    if request.method == "POST":
        done, problems, proof_problem = _claim_post(request, fund_request, claim, form, proof_form)
        if done:
            return redirect("portal:mdf-claim", request.tenant.slug, fund_request.pk)
        claim = claim_of(fund_request)
    context = request_context(request, fund_request) | {
        "form": form,
        "proof_form": proof_form,
        "problems": problems,
        "proof_problem": proof_problem,
        "claim_open": claim is None or claim.state in (ClaimState.DRAFT, ClaimState.RETURNED),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "mdf/claim.html", context, status=status)


def _claim_post(
    request: DoorRequest,
    fund_request: FundRequest,
    claim: FundClaim | None,
    form: ClaimForm,
    proof_form: ProofForm,
) -> tuple[bool, list[str], str]:
    """(done, problems above the form, the proof's problem)."""
    acting = request.membership
    intent = request.POST.get("intent", "save")
    if not may_file(acting, fund_request.partner_id):
        return False, ["Partner reps read MDF; your partner admin files the claim."], ""
    try:
        if intent == "proof":
            if claim is None:
                return False, [], "Save the claim first; proof is added to a saved claim."
            if not proof_form.is_valid():
                return False, [], ""
            data = proof_form.cleaned_data
            proof = claims.add_proof(claim, data["proof_type"], data["file"], acting=acting)
            messages.success(request, f"{proof.get_proof_type_display()}: {proof.filename} added.")
            return True, [], ""
        if intent == "submit":
            if claim is None:
                return False, ["Save the claim before submitting it."], ""
            claims.submit_claim(claim, acting=acting)
            messages.success(request, "The claim is submitted; RevOps will decide it.")
            return True, [], ""
        if not form.is_valid():
            return False, [], ""
        if claim is None:
            claims.create_claim(fund_request, form.cleaned_data, acting=acting)
        else:
            claims.update_claim(claim, form.cleaned_data, acting=acting)
        messages.success(request, "The claim is saved as a draft. Add the proof, then submit it.")
        return True, [], ""
    except ValidationError as error:
        if intent == "proof":
            _place_proof(proof_form, error)
            return False, [], "" if proof_form.errors else refusal(error)
        if intent == "submit" and hasattr(error, "error_dict") and "proofs" in error.message_dict:
            return False, [], " ".join(error.message_dict["proofs"])
        return False, place_errors(form, error) if form.is_bound else [refusal(error)], ""
    except REFUSALS as error:
        return False, [refusal(error)], ""


def _place_proof(form: ProofForm, error: ValidationError) -> None:
    for name, texts in getattr(error, "message_dict", {"file": error.messages}).items():
        form.add_error(name if name in form.fields else "file", texts)


@require_POST
def proof_remove(request: DoorRequest, pk: int, proof_id: int) -> HttpResponse:
    fund_request = row_or_404(request_rows(request.membership), pk, "No such request.")
    proofs = ProofFile.objects.visible_to(request.membership).filter(claim__request=fund_request)
    proof = row_or_404(proofs, proof_id, "No such file.")
    try:
        claims.remove_proof(proof, acting=request.membership)
    except REFUSALS as error:
        messages.error(request, refusal(error))
    else:
        messages.success(request, f"{proof.filename} is removed.")
    return redirect("portal:mdf-claim", request.tenant.slug, fund_request.pk)
