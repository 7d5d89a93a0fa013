"""The console's MDF work: the approvals queue (submitted requests and claims, the soonest SLA
clock first, breached ones on top), a request's page with the decisions on it and its claim
(approve in full or in part, reject, return; each with its reason) and the payment, the
payments queue (approved claims to pay, oldest clock first), and proof downloads."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import DateTimeField, OuterRef, Subquery
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from campaigns.forms import place_errors
from core.views import row_or_404
from mdf.choices import ClaimState, ClockKind, ClockState
from mdf.filters import FundClaimFilterSet, FundRequestFilterSet
from mdf.forms import DecisionForm, PaymentForm
from mdf.models import FundClaim, FundRequest, MdfClock
from mdf.services import claims, requests
from mdf.views.common import (
    REFUSALS,
    applied,
    claim_of,
    label_activities,
    partner_options,
    refusal,
    request_context,
    request_rows,
)
from tenancy.requests import DoorRequest

__all__ = ["approvals", "payments", "request_review"]

PER_PAGE = 50
KINDS = {
    "requests": (ClockKind.DECIDE_REQUEST,),
    "claims": (ClockKind.DECIDE_CLAIM,),
}


def approvals(request: DoorRequest) -> HttpResponse:
    """Requests and claims waiting for a decision, by their decision clock: breached and due
    soonest first. `?kind=requests|claims` and `?partner=<id>` narrow it."""
    kind = request.GET.get("kind", "")
    filters = FundRequestFilterSet(
        {"partner": request.GET.get("partner", "")} if request.GET.get("partner") else None,
        queryset=request_rows(request.membership),
    )
    asked, status = applied(filters, request_rows(request.membership))
    clocks = (
        MdfClock.objects.visible_to(request.membership)
        .filter(
            kind__in=KINDS.get(kind, KINDS["requests"] + KINDS["claims"]),
            stopped_at__isnull=True,
            state__in=[ClockState.RUNNING, ClockState.BREACHED],
            request__in=asked,
        )
        .select_related("request", "request__partner", "claim")
        .order_by("due_at", "pk")
    )
    page = Paginator(clocks, PER_PAGE).get_page(request.GET.get("page"))
    label_activities([clock.request for clock in page], request.tenant)
    context = {
        "page": page,
        "kind": kind,
        "filters": filters,
        "partners": partner_options(request),
        "partner": request.GET.get("partner", ""),
        "now": timezone.now(),
        "currency": request.tenant.currency,
    }
    return render(request, "mdf/approvals.html", context, status=status)


def payments(request: DoorRequest) -> HttpResponse:
    """Approved claims to pay, the oldest payment clock first, each with its payment form."""
    due = MdfClock.objects.filter(kind=ClockKind.PAY_CLAIM, stopped_at__isnull=True).order_by(
        "due_at"
    )
    rows = FundClaim.objects.visible_to(request.membership).filter(state=ClaimState.APPROVED)
    filters = FundClaimFilterSet(
        {"partner": request.GET["partner"]} if request.GET.get("partner") else None,
        queryset=rows,
    )
    shown, status = applied(filters, rows)
    rows = (
        shown.annotate(
            pay_due=Subquery(
                due.filter(claim=OuterRef("pk")).values("due_at")[:1], output_field=DateTimeField()
            )
        )
        .select_related("request", "partner")
        .order_by("pay_due", "decided_at", "pk")
    )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "partners": partner_options(request),
        "partner": request.GET.get("partner", ""),
        "now": timezone.now(),
        "today": timezone.localdate(),
        "currency": request.tenant.currency,
    }
    return render(request, "mdf/payments.html", context, status=status)


def request_review(request: DoorRequest, pk: int) -> HttpResponse:
    """A request's page for RevOps: everything the partner sees, the proof to download, and the
    decisions (`form=request|claim|pay` in the POST). A refusal shows the form again with the
    service's message at its field (400); a decision goes back where it was asked from."""
    fund_request = row_or_404(request_rows(request.membership), pk, "No such request.")
    which = request.POST.get("form", "") if request.method == "POST" else ""
    forms: dict[str, Any] = {
        "request_form": DecisionForm(
            request.POST if which == "request" else None, prefix="request"
        ),
        "claim_form": DecisionForm(request.POST if which == "claim" else None, prefix="claim"),
        "pay_form": PaymentForm(
            request.POST if which == "pay" else None,
            initial={"paid_on": timezone.localdate()},
            prefix="pay",
        ),
    }
    problems: list[str] = []
    if which in ("request", "claim", "pay"):
        form = forms[f"{which}_form"]
        if form.is_valid():
            try:
                done = _decide(request, fund_request, which, form.cleaned_data)
            except ValidationError as error:
                problems = place_errors(form, error)
            except REFUSALS as error:
                problems = [refusal(error)]
            else:
                messages.success(request, done)
                back = request.POST.get("next", "")
                target = "console:mdf-payments" if back == "payments" else "console:mdf-approvals"
                return redirect(target, request.tenant.slug)
    elif request.method == "POST":
        problems = ["Choose a decision."]
    context = request_context(request, fund_request) | forms | {"problems": problems}
    status = 400 if request.method == "POST" else 200
    return render(request, "mdf/review.html", context, status=status)


def _decide(
    request: DoorRequest, fund_request: FundRequest, which: str, data: dict[str, Any]
) -> str:
    acting = request.membership
    if which == "pay":
        claim = claim_of(fund_request)
        if claim is None:
            raise ValidationError("This request has no claim to pay.")
        claims.pay_claim(claim, acting=acting, reference=data["reference"], paid_on=data["paid_on"])
        return f"The claim on request #{fund_request.pk} is paid ({data['reference']})."
    decision, reason, amount = data["decision"], data["reason"], data["amount"]
    approve: Any
    reject: Any
    back: Any
    if which == "request":
        row: Any = fund_request
        approve, reject, back = (
            requests.approve_request,
            requests.reject_request,
            requests.return_request,
        )
        noun = f"Request #{fund_request.pk}"
    else:
        row = claim_of(fund_request)
        if row is None:
            raise ValidationError("This request has no claim to decide.")
        approve, reject, back = claims.approve_claim, claims.reject_claim, claims.return_claim
        noun = f"The claim on request #{fund_request.pk}"
    if decision == "approve":
        approve(row, acting=acting, amount=amount, reason=reason)
        return f"{noun} is approved" + (
            " in part." if row.approved_amount is not None and _partial(row) else "."
        )
    if decision == "reject":
        reject(row, acting=acting, reason=reason)
        return f"{noun} is rejected."
    back(row, acting=acting, reason=reason)
    return f"{noun} is returned for information."


def _partial(row: Any) -> bool:
    asked = row.amount_requested if isinstance(row, FundRequest) else row.amount_claimed
    return bool(row.approved_amount < asked)
