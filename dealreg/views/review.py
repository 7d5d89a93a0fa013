"""Deal registration's review pages: the console's review queue, soonest SLA clock first, and
the review page with the whole conflict picture and approve, reject and return for information.
The decision is also posted from a sales manager's registration page in the sales door."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import DateTimeField, F, OuterRef, Subquery
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.views import row_or_404
from dealreg.choices import OPEN_STATES, ClockState
from dealreg.forms import DecisionForm
from dealreg.models import RegistrationClock
from dealreg.services import registrations as regs
from dealreg.services.state import settings_for
from dealreg.views.common import (
    REFUSALS,
    REVIEW_KINDS,
    decision_context,
    detail_context,
    filtered,
    list_context,
    refusal,
    rows_for,
)
from tenancy.requests import DoorRequest

__all__ = ["review", "review_decide", "review_queue"]


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
    rows = rows_for(request.membership).annotate(
        review_due=Subquery(due, output_field=DateTimeField())
    )
    if not request.GET.getlist("state"):
        rows = rows.filter(state__in=OPEN_STATES)
    filters, rows, status = filtered(request, rows)
    rows = rows.order_by(F("review_due").asc(nulls_last=True), "submitted_at", "pk")
    context = list_context(request, filters, rows)
    context["show_org"] = True
    return render(request, "dealreg/queue.html", context, status=status)


def review(request: DoorRequest, pk: int) -> HttpResponse:
    reg = row_or_404(rows_for(request.membership), pk, "No such registration.")
    context = detail_context(request, reg) | decision_context(request, reg)
    return render(request, "dealreg/review.html", context)


@require_POST
def review_decide(request: DoorRequest, pk: int) -> HttpResponse:
    reg = row_or_404(rows_for(request.membership), pk, "No such registration.")
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
            regs.approve(reg, discounts=_discounts(request), note=data["text"], acting=acting)
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
        messages.error(request, f"Registration #{reg.pk}: {refusal(error)}")
        return back
    messages.success(request, f"Registration #{reg.pk}: {done}.")
    if request.door == "console":
        return redirect("console:dealreg-review", request.tenant.slug)
    return back


def _discounts(request: DoorRequest) -> dict[str, str]:
    """The discounts the reviewer typed, by product line code (`discount-<code>`); the service
    checks each (0 to the requested discount)."""
    prefix = "discount-"
    typed = {
        name.removeprefix(prefix): str(request.POST.get(name, "")).strip()
        for name in request.POST
        if name.startswith(prefix)
    }
    return {code: value for code, value in typed.items() if value}
