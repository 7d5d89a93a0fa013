"""Deal registration's pages, thin callers of dealreg/services.

Portal and sales: the viewer's registrations (filterable by state, as the home page's links ask)
and a registration's page: facts, lines, timeline, conflicts in the words the viewer may read,
running clocks, and the registrant's withdraw and extension request. Console: the review queue,
soonest SLA clock first, and the review page with the whole conflict picture and approve, reject
and return for information.

Rows start from `DealRegistration.objects.visible_to(membership)`; another party's registration
is a 404. Every action calls its service with `acting=request.membership`; a transition the state
does not allow, missing input or a role that may not act is a message on the page, never a 500.
Registrants read a conflict's `reason` (naming nobody) and see "reviewer" for the manufacturer's
people in the timeline, as the API shows them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import DateTimeField, F, OuterRef, QuerySet, Subquery
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.views import row_or_404
from dealreg.choices import (
    OPEN_STATES,
    Action,
    ClockKind,
    ClockState,
    RegState,
    allowed_actions,
)
from dealreg.filters import DealRegistrationFilterSet
from dealreg.forms import DecisionForm, ReasonForm
from dealreg.models import (
    DealRegistration,
    RegistrationClock,
    RegistrationConflict,
    RegistrationEvent,
    sees_whole_tenant,
)
from dealreg.services import registrations as regs
from dealreg.services.state import TransitionRefused, settings_for
from tenancy.choices import Role
from tenancy.models import Membership
from tenancy.requests import DoorRequest

__all__ = ["registration", "registrations", "review", "review_decide", "review_queue"]

PER_PAGE = 50
REVIEW_KINDS = (ClockKind.REVIEW, ClockKind.STEP)


def _rows(membership: Membership) -> QuerySet[DealRegistration]:
    return DealRegistration.objects.visible_to(membership).select_related(
        "end_customer", "registrant_partner", "registrant_team", "registrant_user"
    )


def _filtered(request: DoorRequest, rows: QuerySet) -> tuple[Any, QuerySet, int]:
    filters = DealRegistrationFilterSet(request.GET or None, queryset=rows)
    if not filters.is_bound:
        return filters, rows, 200
    if not filters.is_valid():
        return filters, rows.none(), 400
    return filters, filters.qs, 200


def _list_context(request: DoorRequest, filters: Any, rows: QuerySet) -> dict[str, Any]:
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    chosen = request.GET.getlist("state")
    return {
        "page": page,
        "filters": filters,
        "states": [(value, label, value in chosen) for value, label in RegState.choices],
        "now": timezone.now(),
        "filtered": bool(request.GET.get("state") or request.GET.get("has_conflict")),
    }


def _sees_everything(membership: Membership) -> bool:
    return sees_whole_tenant(membership)


def _detail_context(request: DoorRequest, registration: DealRegistration) -> dict[str, Any]:
    membership = request.membership
    everything = _sees_everything(membership)
    events = list(RegistrationEvent.objects.filter(registration=registration).order_by("at", "pk"))
    labels = dict(Action.choices)
    for event in events:
        event.label = labels.get(event.action, event.action)  # type: ignore[attr-defined]
        event.shown_actor = event.actor_shown_to(membership)  # type: ignore[attr-defined]
    conflicts = RegistrationConflict.objects.filter(registration=registration).select_related(
        *(
            ("product_line", "other_partner", "other_team", "other_registration")
            if everything
            else ("product_line",)
        )
    )
    clocks = RegistrationClock.objects.filter(
        registration=registration, state__in=[ClockState.RUNNING, ClockState.BREACHED]
    ).order_by("due_at", "pk")
    return {
        "reg": registration,
        "lines": registration.lines.select_related("product_line").order_by("pk"),
        "events": events,
        "conflicts": conflicts,
        "clocks": clocks,
        "everything": everything,
        "allowed": allowed_actions(registration.state),
        "now": timezone.now(),
    }


def _refusal(error: Exception) -> str:
    if isinstance(error, TransitionRefused):
        return error.detail
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


REFUSALS = (TransitionRefused, ValidationError, PermissionDenied)


# --- portal and sales: the registrant's side -----------------------------------------------------


def registrations(request: DoorRequest) -> HttpResponse:
    filters, rows, status = _filtered(request, _rows(request.membership))
    rows = rows.order_by("-created_at", "-pk")
    context = _list_context(request, filters, rows)
    context["show_org"] = not request.membership.is_partner_user
    return render(request, "dealreg/list.html", context, status=status)


def registration(request: DoorRequest, pk: int) -> HttpResponse:
    reg = row_or_404(_rows(request.membership), pk, "No such registration.")
    context = _detail_context(request, reg)
    if request.membership.role == Role.DIRECT_MANAGER:
        # Sales managers review too (their home page sends them here).
        context |= _decision_context(request, reg)
    return render(request, "dealreg/detail.html", context)


def _registrant_action(request: DoorRequest, pk: int, name: str) -> HttpResponse:
    reg = row_or_404(_rows(request.membership), pk, "No such registration.")
    form = ReasonForm(request.POST)
    service = regs.withdraw if name == "withdraw" else regs.request_extension
    done = "withdrawn" if name == "withdraw" else "extension requested"
    if not form.is_valid():
        messages.error(request, "Say why, in up to 2000 characters.")
    else:
        try:
            service(reg, reason=form.cleaned_data["reason"], acting=request.membership)
        except REFUSALS as error:
            messages.error(request, f"Registration #{reg.pk}: {_refusal(error)}")
        else:
            messages.success(request, f"Registration #{reg.pk}: {done}.")
    return redirect(f"{request.door}:dealreg", request.tenant.slug, reg.pk)


@require_POST
def registration_withdraw(request: DoorRequest, pk: int) -> HttpResponse:
    return _registrant_action(request, pk, "withdraw")


@require_POST
def registration_extension(request: DoorRequest, pk: int) -> HttpResponse:
    return _registrant_action(request, pk, "extension")


# --- the console: review queue and review ------------------------------------------------------


def review_queue(request: DoorRequest) -> HttpResponse:
    """Registrations waiting (open states unless a state is asked for), the soonest-due review
    clock first (breached ones, due earliest, on top); those without a running clock last."""
    due = (
        RegistrationClock.objects.filter(
            registration=OuterRef("pk"),
            kind__in=REVIEW_KINDS,
            stopped_at__isnull=True,
            state__in=[ClockState.RUNNING, ClockState.BREACHED],
        )
        .order_by("due_at")
        .values("due_at")[:1]
    )
    rows = _rows(request.membership).annotate(
        review_due=Subquery(due, output_field=DateTimeField())
    )
    if not request.GET.getlist("state"):
        rows = rows.filter(state__in=OPEN_STATES)
    filters, rows, status = _filtered(request, rows)
    rows = rows.order_by(F("review_due").asc(nulls_last=True), "submitted_at", "pk")
    context = _list_context(request, filters, rows)
    context["show_org"] = True
    return render(request, "dealreg/queue.html", context, status=status)


def review(request: DoorRequest, pk: int) -> HttpResponse:
    reg = row_or_404(_rows(request.membership), pk, "No such registration.")
    context = _detail_context(request, reg) | _decision_context(request, reg)
    return render(request, "dealreg/review.html", context)


def _decision_context(request: DoorRequest, reg: DealRegistration) -> dict[str, Any]:
    return {
        "form": DecisionForm(reasons=settings_for(request.tenant).rejection_reasons),
        "decide_url": reverse(f"{request.door}:dealreg-decide", args=[request.tenant.slug, reg.pk]),
    }


@require_POST
def review_decide(request: DoorRequest, pk: int) -> HttpResponse:
    reg = row_or_404(_rows(request.membership), pk, "No such registration.")
    form = DecisionForm(request.POST, reasons=settings_for(request.tenant).rejection_reasons)
    back = redirect(f"{request.door}:dealreg", request.tenant.slug, reg.pk)
    if not form.is_valid():
        problems = "; ".join(
            f"{form.fields[name].label or name}: {' '.join(str(e) for e in errors)}"
            for name, errors in form.errors.items()
        )
        messages.error(request, f"Nothing was decided: {problems}")
        return back
    data, acting = form.cleaned_data, request.membership
    try:
        if data["decision"] == "approve":
            regs.approve(reg, note=data["text"], acting=acting)
            done = "approval recorded"
        elif data["decision"] == "reject":
            regs.reject(reg, reason=data["reason"], text=data["text"], acting=acting)
            done = "rejected"
        elif data["decision"] in ("approve_extension", "deny_extension"):
            approve = data["decision"] == "approve_extension"
            regs.decide_extension(reg, approve=approve, note=data["text"], acting=acting)
            done = "extension approved" if approve else "extension denied"
        else:
            regs.return_for_info(reg, fields=data["ask_fields"], note=data["text"], acting=acting)
            done = "returned for information"
    except REFUSALS as error:
        messages.error(request, f"Registration #{reg.pk}: {_refusal(error)}")
        return back
    messages.success(request, f"Registration #{reg.pk}: {done}.")
    if request.door == "console":
        return redirect("console:dealreg-review", request.tenant.slug)
    return back
