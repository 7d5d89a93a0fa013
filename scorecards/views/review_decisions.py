"""Decisions of the governance review: record one in the console's workspace (pre-filled from
the review item it answers: a target-list suggestion, an MDF line, an overlap), edit, apply and
delete it there; close it (done, or dropped with why) from any door's "My review decisions".

Thin callers of `scorecards.review.decisions`: its refusals (a frozen review, no owner, a payload
that no longer fits) land on the form's fields or as a message, never as a 500."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from campaigns.forms import place_errors
from core.views import row_or_404
from scorecards.choices import DecisionKind, DecisionStatus
from scorecards.forms import CloseDecisionForm, ReviewDecisionForm
from scorecards.models import ReviewDecision
from scorecards.review import decisions
from scorecards.review.period import quarter_of
from scorecards.views.review import _review
from tenancy.quarters import Quarter
from tenancy.requests import DoorRequest

__all__ = [
    "decision_apply",
    "decision_close",
    "decision_delete",
    "decision_edit",
    "decision_new",
    "my_decisions",
]

# What a review item's "Record a decision" link may pre-fill into the payload, by kind.
PAYLOAD_PARAMS: dict[str, tuple[str, ...]] = {
    DecisionKind.TARGET_ADD: ("target_list", "account", "reason"),
    DecisionKind.TARGET_DROP: ("target_list", "account"),
    DecisionKind.MDF_MOVE: ("line", "amount"),
    DecisionKind.OVERLAP: ("flag",),
}


def _decision(request: DoorRequest, pk: int) -> ReviewDecision:
    rows = ReviewDecision.objects.visible_to(request.membership).select_related(
        "review", "owner__user", "partner", "team"
    )
    return row_or_404(rows, pk, "No such decision.")


def _workspace(request: DoorRequest, review_id: int) -> HttpResponse:
    return redirect("console:governance-review", request.tenant.slug, review_id)


def _prefill(params: Any) -> dict[str, Any]:
    """The form's initial values from a review item's link (only known keys; ids as digits)."""
    kind = params.get("kind", DecisionKind.GENERAL)
    if kind not in DecisionKind.values:
        kind = DecisionKind.GENERAL
    initial: dict[str, Any] = {"kind": kind}
    for key in ("title", "detail", "source"):
        if params.get(key):
            initial[key] = params[key][:5000]
    for key in ("partner", "team"):
        if params.get(key, "").isdigit():
            initial[key] = int(params[key])
    payload = {}
    for key in PAYLOAD_PARAMS.get(kind, ()):
        value = params.get(key, "")
        if value:
            payload[key] = int(value) if value.isdigit() and key != "amount" else value[:200]
    initial["payload"] = payload
    return initial


def decision_new(request: DoorRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    if review.is_frozen:
        try:
            review.refuse_if_frozen("review")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return _workspace(request, review.pk)
    form = ReviewDecisionForm(
        request.POST or None, membership=request.membership, initial=_prefill(request.GET)
    )
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            decisions.create_decision(review, acting=request.membership, **form.cleaned_data)
        except ValidationError as error:
            problems = place_errors(form, error)  # type: ignore[arg-type]
        else:
            messages.success(request, f"Decision recorded: {form.cleaned_data['title']}.")
            return _workspace(request, review.pk)
    context = {"review": review, "quarter": quarter_of(review), "form": form, "problems": problems}
    return render(request, "scorecards/review/decision_form.html", context)


def decision_edit(request: DoorRequest, pk: int) -> HttpResponse:
    decision = _decision(request, pk)
    review = decision.review
    form = ReviewDecisionForm(
        request.POST or None, instance=decision, membership=request.membership
    )
    problems: list[str] = []
    if request.method == "POST":
        # The row as it was: a refused change must not leave the form's edits on the instance.
        fresh = ReviewDecision.objects.get(pk=decision.pk)
        if form.is_valid():
            changed = {name: form.cleaned_data[name] for name in form.changed_data}
            try:
                decisions.update_decision(fresh, acting=request.membership, **changed)
            except ValidationError as error:
                problems = place_errors(form, error)  # type: ignore[arg-type]
            else:
                messages.success(request, "Decision saved.")
                return _back(request, _workspace(request, review.pk))
    context = {
        "review": review,
        "quarter": quarter_of(review),
        "form": form,
        "problems": problems,
        "decision": decision,
    }
    return render(request, "scorecards/review/decision_form.html", context)


def _back(request: DoorRequest, fallback: HttpResponse) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return fallback


@require_POST
def decision_close(request: DoorRequest, pk: int) -> HttpResponse:
    decision = _decision(request, pk)
    door = request.resolver_match.namespace if request.resolver_match else "console"
    form = CloseDecisionForm(request.POST)
    if form.is_valid():
        try:
            decisions.close_decision(
                decision,
                acting=request.membership,
                status=form.cleaned_data["status"],
                outcome=form.cleaned_data["outcome"],
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, _words(error))
        else:
            messages.success(request, f"Decision closed: {decision.title}.")
    else:
        messages.error(request, "Choose done or dropped.")
    return _back(request, redirect(f"{door}:governance-decisions", request.tenant.slug))


@require_POST
def decision_apply(request: DoorRequest, pk: int) -> HttpResponse:
    decision = _decision(request, pk)
    try:
        applied = decisions.apply_decision(
            decision, acting=request.membership, amount=request.POST.get("amount") or None
        )
    except ValidationError as error:
        messages.error(request, _words(error))
    else:
        messages.success(request, f"Applied: {applied.outcome}")
    return _back(request, _workspace(request, decision.review_id))


@require_POST
def decision_delete(request: DoorRequest, pk: int) -> HttpResponse:
    decision = _decision(request, pk)
    try:
        decisions.delete_decision(decision, acting=request.membership)
    except ValidationError as error:
        messages.error(request, _words(error))
    else:
        messages.success(request, f"Decision deleted: {decision.title}.")
    return _back(request, _workspace(request, decision.review_id))


def _words(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or "You may not do that."


def my_decisions(request: DoorRequest) -> HttpResponse:
    """The decisions the viewer owns, in every door: open first (by due date), then closed."""
    rows = (
        ReviewDecision.objects.visible_to(request.membership)
        .filter(owner__user_id=request.user.pk)
        .select_related("review", "partner", "team")
        .annotate(
            closed=Case(
                When(status=DecisionStatus.OPEN, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("closed", "due_on", "id")
    )
    today = timezone.localdate()
    shown = [
        {
            "decision": d,
            "quarter": Quarter.of(request.tenant, d.review.quarter_start),
            "overdue": d.is_open and d.due_on < today,
        }
        for d in rows[:200]
    ]
    context = {"rows": shown, "close_form": CloseDecisionForm()}
    return render(request, "scorecards/review/my_decisions.html", context)
