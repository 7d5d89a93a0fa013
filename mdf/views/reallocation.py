"""The console's reallocation pages (mdf.services.reallocation): recommend for a quarter, read
each proposed line with the figures behind it, accept it (as proposed or with an edited amount)
or reject it with a note. Every refusal is a message on the page (302 back), never a 500;
nothing moves until a line is accepted."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.views import row_or_404
from mdf.choices import LineState
from mdf.models import Reallocation, ReallocationLine
from mdf.services.reallocation import TRAILING_QUARTERS, accept_line, recommend, reject_line
from mdf.services.state import money, quarter_name
from tenancy.quarters import Quarter, parse_quarter
from tenancy.requests import DoorRequest

__all__ = ["line_accept", "line_reject", "reallocation", "reallocation_recommend", "reallocations"]


def _words(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        return " ".join(" ".join(m) for m in error.message_dict.values())
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def reallocations(request: DoorRequest) -> HttpResponse:
    rows = (
        Reallocation.objects.visible_to(request.membership)
        .annotate(
            n=Count("lines"),
            proposed=Count("lines", filter=Q(lines__state=LineState.PROPOSED)),
            accepted=Count("lines", filter=Q(lines__state=LineState.ACCEPTED)),
        )
        .select_related("created_by")
        .order_by("-created_at")[:50]
    )
    listed = [(row, quarter_name(request.tenant, row.quarter_start)) for row in rows]
    context = {
        "rows": listed,
        "quarter": Quarter.of(request.tenant, timezone.localdate()).code,
        "trailing": TRAILING_QUARTERS,
    }
    return render(request, "mdf/reallocations.html", context)


@require_POST
def reallocation_recommend(request: DoorRequest) -> HttpResponse:
    text = str(request.POST.get("quarter", "")).strip()
    try:
        quarter = parse_quarter(request.tenant, text)
    except ValueError as error:
        messages.error(request, f"Nothing was recommended: quarter — {error}")
        return redirect("console:mdf-reallocations", request.tenant.slug)
    try:
        made = recommend(request.tenant, quarter, acting=request.membership)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, f"Nothing was recommended: {_words(error)}")
        return redirect("console:mdf-reallocations", request.tenant.slug)
    lines = made.lines.count()
    messages.success(
        request,
        f"{lines} move{'s' if lines != 1 else ''} proposed for {quarter.code}; nothing moves "
        "until you accept a line."
        if lines
        else f"No move to propose for {quarter.code}.",
    )
    return redirect("console:mdf-reallocation", request.tenant.slug, made.pk)


def reallocation(request: DoorRequest, pk: int) -> HttpResponse:
    row = row_or_404(
        Reallocation.objects.visible_to(request.membership), pk, "No such reallocation."
    )
    lines = list(
        ReallocationLine.objects.visible_to(request.membership)
        .filter(reallocation=row)
        .select_related("from_partner", "to_partner", "decided_by")
        .order_by("pk")
    )
    context = {
        "row": row,
        "quarter_name": quarter_name(request.tenant, row.quarter_start),
        "lines": lines,
        "currency": request.tenant.currency,
        "trailing": TRAILING_QUARTERS,
    }
    return render(request, "mdf/reallocation.html", context)


def _line(request: DoorRequest, pk: int) -> ReallocationLine:
    return row_or_404(
        ReallocationLine.objects.visible_to(request.membership).select_related("reallocation"),
        pk,
        "No such reallocation line.",
    )


@require_POST
def line_accept(request: DoorRequest, pk: int) -> HttpResponse:
    line = _line(request, pk)
    back = redirect("console:mdf-reallocation", request.tenant.slug, line.reallocation_id)
    typed = str(request.POST.get("amount", "")).strip().replace(",", "")
    amount = None
    if typed:
        try:
            amount = Decimal(typed)
        except InvalidOperation:
            messages.error(request, f"Line #{line.pk}: amount — “{typed}” is not an amount.")
            return back
        if not amount.is_finite() or abs(amount) >= Decimal("1e12"):
            messages.error(request, f"Line #{line.pk}: amount — “{typed}” is not an amount.")
            return back
    note = str(request.POST.get("note", ""))[:500]
    try:
        done = accept_line(line, amount=amount, note=note, acting=request.membership)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, f"Line #{line.pk} was not accepted: {_words(error)}")
        return back
    messages.success(
        request,
        f"Line #{done.pk}: {money(done.amount, request.tenant)} moved from "
        f"{done.from_partner.name} to {done.to_partner.name}.",
    )
    return back


@require_POST
def line_reject(request: DoorRequest, pk: int) -> HttpResponse:
    line = _line(request, pk)
    back = redirect("console:mdf-reallocation", request.tenant.slug, line.reallocation_id)
    note = str(request.POST.get("note", ""))[:500]
    try:
        reject_line(line, note=note, acting=request.membership)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, f"Line #{line.pk} was not rejected: {_words(error)}")
        return back
    messages.success(request, f"Line #{line.pk} rejected; nothing moved.")
    return back
