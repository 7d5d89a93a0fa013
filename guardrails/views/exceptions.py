"""Exception pages. In the console, the review queue (pending first, oldest first, escalated ones
marked) and the page where a RevOps admin approves or denies a request with a comment. In the sales
and portal doors, the requester's side: "Request an exception" and the list of one's exceptions
with status, the reviewer's comment and a withdraw button.

Rows start from `RuleException.objects.visible_to(membership)`: a partner's users see their
partner's requests only, a rep their own, a manager the direct side's. An account a partner named
by id without being able to see it is shown as "Account #<id>", never by name.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Exists, F, IntegerField, OuterRef, QuerySet, Value, When
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import Account
from core.views import row_or_404
from guardrails.choices import ExceptionKind, ExceptionStatus
from guardrails.forms_people import (
    ExceptionFilterForm,
    ExceptionRequestForm,
    ReviewForm,
    attach_errors,
)
from guardrails.models import AccountRoute, RuleException
from guardrails.services.exception_requests import (
    MAX_DAYS,
    can_request,
    request_exception,
    review_exception,
    withdraw_exception,
)
from guardrails.services.pricing import check_discount
from pipeline.models import Opportunity
from tenancy.models import Membership
from tenancy.requests import DoorRequest

__all__ = [
    "exception_new",
    "exception_review",
    "exception_withdraw",
    "my_exceptions",
    "queue",
    "with_visibility",
]

PER_PAGE = 50


def with_visibility(rows: QuerySet, membership: Membership) -> QuerySet:
    """Mark whether the viewer may see each exception's account and opportunity (a partner may
    have named an account it does not see)."""
    accounts = Account.objects.visible_to(membership).filter(pk=OuterRef("account_id"))
    opportunities = Opportunity.objects.visible_to(membership).filter(pk=OuterRef("opportunity_id"))
    return rows.annotate(
        account_visible=Exists(accounts), opportunity_visible=Exists(opportunities)
    )


def _filtered(request: DoorRequest, rows: QuerySet) -> tuple[ExceptionFilterForm, QuerySet, int]:
    form = ExceptionFilterForm(request.GET or None)
    if not form.is_bound:
        return form, rows, 200
    if not form.is_valid():
        return form, rows.none(), 400
    for name in ("status", "kind"):
        if form.cleaned_data.get(name):
            rows = rows.filter(**{name: form.cleaned_data[name]})
    if form.cleaned_data.get("account"):
        rows = rows.filter(account_id=form.cleaned_data["account"])
    return form, rows, 200


def _rows(membership: Membership) -> QuerySet:
    return with_visibility(
        RuleException.objects.visible_to(membership).select_related(
            "account", "opportunity", "product_line", "requested_by", "partner", "team"
        ),
        membership,
    )


# --- the console: review queue and review --------------------------------------------------------


def queue(request: DoorRequest) -> HttpResponse:
    """Pending requests first (oldest first, the most overdue on top), then the rest, newest
    first."""
    rows = _rows(request.membership).annotate(
        pending_rank=Case(
            When(status=ExceptionStatus.PENDING, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        pending_since=Case(When(status=ExceptionStatus.PENDING, then=F("created_at"))),
    )
    form, rows, status = _filtered(request, rows)
    rows = rows.order_by("pending_rank", "pending_since", "-created_at", "-pk")
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    pending = RuleException.objects.visible_to(request.membership).filter(
        status=ExceptionStatus.PENDING
    )
    context = {
        "page": page,
        "filters": form,
        "filtered": form.is_bound and any(form.data.get(k) for k in form.fields),
        "pending_count": pending.count(),
        "escalated_count": pending.filter(escalated_at__isnull=False).count(),
    }
    return render(request, "guardrails/exceptions/queue.html", context, status=status)


def _exception(request: DoorRequest, pk: int) -> RuleException:
    return row_or_404(_rows(request.membership), pk, "No such exception.")


def _discount_context(exc: RuleException) -> dict[str, Any]:
    """For a discount request: the corridor its opportunity's route falls in, when there is one."""
    if (
        exc.kind != ExceptionKind.DISCOUNT
        or exc.opportunity is None
        or exc.product_line is None
        or exc.requested_discount is None
    ):
        return {}
    try:
        verdict = check_discount(
            exc.tenant,
            product_line=exc.product_line,
            route=exc.opportunity.route,
            discount_pct=exc.requested_discount,
            opportunity=exc.opportunity,
            account=exc.account,
        )
    except (ValidationError, ValueError, TypeError):
        return {}
    return {"verdict": verdict}


def exception_review(request: DoorRequest, pk: int) -> HttpResponse:
    exc = _exception(request, pk)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            done = review_exception(
                exc,
                acting=request.membership,
                approve=approve,
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                # No longer pending (another admin was quicker) or ended: say so and show it.
                messages.error(request, " ".join(error.messages))
                return redirect("console:exception", request.tenant.slug, exc.pk)
            leftover = attach_errors(form, error)  # a denial without a comment
            if leftover:
                form.add_error(None, leftover)
        else:
            verb = "approved" if approve else "denied"
            messages.success(request, f"Exception #{done.pk} {verb}.")
            return redirect("console:exceptions", request.tenant.slug)
    route = (
        AccountRoute.objects.visible_to(request.membership)
        .filter(account_id=exc.account_id)
        .select_related("rule", "target_team", "target_partner")
        .first()
    )
    others = (
        RuleException.objects.visible_to(request.membership)
        .filter(account_id=exc.account_id)
        .exclude(pk=exc.pk)
        .select_related("partner", "team")
        .order_by("-created_at")[:10]
    )
    status = 400 if request.method == "POST" else 200
    overdue_hours = int((timezone.now() - exc.created_at).total_seconds() // 3600)
    context = {
        "exc": exc,
        "form": form,
        "route": route,
        "others": others,
        "age_hours": overdue_hours,
        **_discount_context(exc),
    }
    return render(request, "guardrails/exceptions/review.html", context, status=status)


# --- sales and portal: request, list, withdraw ---------------------------------------------------


def my_exceptions(request: DoorRequest) -> HttpResponse:
    membership = request.membership
    form, rows, status = _filtered(request, _rows(membership))
    rows = rows.order_by("-created_at", "-pk")
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": form,
        "filtered": form.is_bound and any(form.data.get(k) for k in form.fields),
        "can_request": can_request(membership),
        "show_org": not membership.is_partner_user,
    }
    return render(request, "guardrails/exceptions/my_exceptions.html", context, status=status)


def exception_new(request: DoorRequest) -> HttpResponse:
    """The request form; `?account=` (and `?opportunity=`, `?kind=`) prefill it from the account
    page."""
    membership = request.membership
    initial: dict[str, Any] = {"kind": ExceptionKind.WORK_ACCOUNT}
    for name in ("account", "opportunity"):
        value = request.GET.get(name, "")
        if value.isdigit() and len(value) < 19:
            initial[name] = int(value)
    if request.GET.get("kind") in ExceptionKind.values:
        initial["kind"] = request.GET["kind"]
    form = ExceptionRequestForm(request.POST or None, initial=initial, membership=membership)
    allowed = can_request(membership)
    if request.method == "POST" and allowed and form.is_valid():
        data = form.cleaned_data
        try:
            exc = request_exception(
                acting=membership,
                kind=data["kind"],
                account=data["account"],
                opportunity=data.get("opportunity"),
                product_line=data.get("product_line"),
                requested_discount=data.get("requested_discount"),
                ends_on=data["ends_on"],
                justification=data["justification"],
            )
        except ValidationError as error:
            leftover = attach_errors(form, error)
            if leftover:
                form.add_error(None, leftover)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Exception #{exc.pk} requested. A RevOps admin reviews it; "
                "you will see the decision here.",
            )
            return redirect(f"{request.door}:exceptions", request.tenant.slug)
    elif request.method == "POST" and not allowed:
        form.add_error(
            None, "RevOps admins review exceptions in the console; they don't request them."
        )
    today = timezone.localdate()
    context = {
        "form": form,
        "allowed": allowed,
        "account": form.shown_account,
        "is_partner": membership.is_partner_user,
        "latest_end": today + dt.timedelta(days=MAX_DAYS),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "guardrails/exceptions/request.html", context, status=status)


@require_POST
def exception_withdraw(request: DoorRequest, pk: int) -> HttpResponse:
    exc = _exception(request, pk)
    try:
        withdraw_exception(exc, acting=request.membership)
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, f"Exception #{exc.pk} was not withdrawn: {text}")
    else:
        messages.success(request, f"Exception #{exc.pk} withdrawn.")
    return redirect(reverse(f"{request.door}:exceptions", args=[request.tenant.slug]))
