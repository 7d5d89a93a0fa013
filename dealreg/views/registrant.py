"""Deal registration's pages for registrants, in the portal and the sales door: the viewer's
registrations (filterable by state, as the home page's links ask), a registration's page (facts,
lines, timeline, conflicts in the words the viewer may read, running clocks) and the registrant's
actions: withdraw and request an extension. Sales managers review from the same page."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.views import row_or_404
from dealreg.forms import ReasonForm
from dealreg.services import registrations as regs
from dealreg.views.common import (
    REFUSALS,
    decision_context,
    detail_context,
    filtered,
    list_context,
    refusal,
    rows_for,
)
from tenancy.choices import Role
from tenancy.requests import DoorRequest

__all__ = ["registration", "registration_extension", "registration_withdraw", "registrations"]


def registrations(request: DoorRequest) -> HttpResponse:
    filters, rows, status = filtered(request, rows_for(request.membership))
    rows = rows.order_by("-created_at", "-pk")
    context = list_context(request, filters, rows)
    context["show_org"] = not request.membership.is_partner_user
    return render(request, "dealreg/list.html", context, status=status)


def registration(request: DoorRequest, pk: int) -> HttpResponse:
    reg = row_or_404(rows_for(request.membership), pk, "No such registration.")
    context = detail_context(request, reg)
    if request.membership.role == Role.DIRECT_MANAGER:
        # Sales managers review too (their home page sends them here).
        context |= decision_context(request, reg)
    return render(request, "dealreg/detail.html", context)


def _registrant_action(request: DoorRequest, pk: int, name: str) -> HttpResponse:
    reg = row_or_404(rows_for(request.membership), pk, "No such registration.")
    form = ReasonForm(request.POST)
    service = regs.withdraw if name == "withdraw" else regs.request_extension
    done = "withdrawn" if name == "withdraw" else "extension requested"
    if not form.is_valid():
        messages.error(request, "Say why, in up to 2000 characters.")
    else:
        try:
            service(reg, reason=form.cleaned_data["reason"], acting=request.membership)
        except REFUSALS as error:
            messages.error(request, f"Registration #{reg.pk}: {refusal(error)}")
        else:
            messages.success(request, f"Registration #{reg.pk}: {done}.")
    return redirect(f"{request.door}:dealreg", request.tenant.slug, reg.pk)


@require_POST
def registration_withdraw(request: DoorRequest, pk: int) -> HttpResponse:
    return _registrant_action(request, pk, "withdraw")


@require_POST
def registration_extension(request: DoorRequest, pk: int) -> HttpResponse:
    return _registrant_action(request, pk, "extension")
