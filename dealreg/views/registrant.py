"""Deal registration's pages for registrants, in the portal and the sales door: the viewer's
registrations (filterable by state, as the home page's links ask), a registration's page (facts,
lines, timeline, conflicts in the words the viewer may read, running clocks) and the registrant's
actions: register a deal (with live hints: the matched customer, conflicts naming nobody, each
discount against its corridor), change a draft, answer a return for information, withdraw and
request an extension, and download the evidence. Sales managers review from the same page."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.models import ProductLine
from core.downloads import attachment
from core.storage import deleted_on_failure
from core.views import row_or_404
from dealreg.choices import RegState
from dealreg.forms import LineFormSet, ReasonForm, RegistrationForm, lines_of
from dealreg.models import DealRegistration, EvidenceFile
from dealreg.services import registrations as regs
from dealreg.services.drafts import LINE_KEYS, fields_the_rules_ask, save_draft
from dealreg.services.files import ALLOWED, MAX_FILES, add_evidence
from dealreg.services.state import TransitionRefused
from dealreg.views.common import (
    REFUSALS,
    decision_context,
    detail_context,
    filtered,
    list_context,
    refusal,
    rows_for,
)
from routing.normalize import normalize_country
from tenancy.choices import Role
from tenancy.requests import DoorRequest

__all__ = [
    "evidence_file",
    "register",
    "registration",
    "registration_check",
    "registration_edit",
    "registration_extension",
    "registration_withdraw",
    "registrations",
]


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


# --- registering, editing a draft, answering a return --------------------------------------------

EDITABLE_STATES = (RegState.DRAFT, RegState.RETURNED)
# Where a service's message about a field lands on the form.
FIELD_OF = {"end_customer": "end_customer_name"}


def register(request: DoorRequest) -> HttpResponse:
    """Register a deal: save it as a draft, or file it at once."""
    return _registration_form(request, None)


def registration_edit(request: DoorRequest, pk: int) -> HttpResponse:
    """Change a draft, or answer a return for information (only the fields the reviewer
    listed are open) and send it back for review."""
    reg = row_or_404(rows_for(request.membership), pk, "No such registration.")
    if reg.state not in EDITABLE_STATES:
        messages.error(
            request,
            f"Registration #{reg.pk} is {reg.get_state_display().lower()}; only drafts and "
            "registrations returned for information can be changed.",
        )
        return redirect(f"{request.door}:dealreg", request.tenant.slug, reg.pk)
    return _registration_form(request, reg)


def _forms(
    request: DoorRequest, reg: DealRegistration | None
) -> tuple[RegistrationForm, Any, list[str] | None]:
    editable = list(reg.editable_fields) if reg and reg.state == RegState.RETURNED else None
    data = request.POST if request.method == "POST" else None
    form = RegistrationForm(
        data,
        instance=reg,
        required_by_rules=fields_the_rules_ask(request.tenant),
        editable=editable,
        initial=None if reg else {"currency": request.tenant.currency},
    )
    lines_open = editable is None or "lines" in editable
    if not lines_open:
        return form, None, editable
    existing = list(reg.lines.order_by("pk")) if reg else []
    initial = [{name: getattr(line, name) for name in LINE_KEYS} for line in existing]
    initial = initial or [{"quantity": 1}]
    lines = LineFormSet(data, prefix="lines", initial=None if data else initial)
    return form, lines, editable


def _registration_form(request: DoorRequest, reg: DealRegistration | None) -> HttpResponse:
    form, lines, editable = _forms(request, reg)
    problems: list[str] = []
    if request.method == "POST":
        intent = request.POST.get("intent", "save")
        if form.is_valid() and (lines is None or lines.is_valid()):
            try:
                saved = _save(request, reg, form, lines, intent)
            except ValidationError as error:
                problems = _place(form, error)
            except (TransitionRefused, PermissionDenied) as error:
                messages.error(request, refusal(error))
            else:
                return redirect(f"{request.door}:dealreg", request.tenant.slug, saved.pk)
        if lines is not None and lines.non_form_errors():
            problems += list(lines.non_form_errors())
        if request.FILES:
            problems.append("Nothing was saved: choose the evidence files again.")
    context = {
        "reg": reg,
        "form": form,
        "lines": lines,
        "editable": editable,
        "fixed_lines": reg.lines.select_related("product_line") if reg and lines is None else (),
        "problems": problems,
        "check_url": reverse(f"{request.door}:dealreg-check", args=[request.tenant.slug]),
        "max_files": MAX_FILES,
        "allowed_files": ALLOWED,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "dealreg/form.html", context, status=status)


def _save(
    request: DoorRequest,
    reg: DealRegistration | None,
    form: RegistrationForm,
    lines: Any,
    intent: str,
) -> DealRegistration:
    """One transaction: the fields and lines, the evidence, then submit or resubmit if asked.
    A refusal anywhere leaves nothing behind, not even the files' bytes."""
    acting = request.membership
    with deleted_on_failure() as written, transaction.atomic():
        saved = save_draft(
            reg,
            form.changes(),
            lines=lines_of(lines) if lines is not None else None,
            acting=acting,
        )
        for upload in request.FILES.getlist("evidence"):
            try:
                written(add_evidence(saved, upload, acting=acting).file)
            except ValidationError as error:
                raise ValidationError(
                    {"evidence": f"“{upload.name}”: {' '.join(error.messages)}"}
                ) from None
        if intent == "submit" and saved.state == RegState.DRAFT:
            regs.submit(saved, acting=acting)
            done = "submitted for review"
        elif intent == "submit" and saved.state == RegState.RETURNED:
            regs.resubmit(saved, acting=acting)
            done = "answered and sent back for review"
        else:
            done = "saved" if reg else "saved as a draft"
    messages.success(request, f"Registration #{saved.pk}: {done}.")
    return saved


def _place(form: RegistrationForm, error: ValidationError) -> list[str]:
    """A service's field messages next to their fields; the rest listed above the form."""
    rest = []
    for name, texts in error.message_dict.items():
        field = FIELD_OF.get(name, name)
        if field in form.fields and not form.fields[field].disabled:
            form.add_error(field, texts)
        else:
            label = "Lines" if name.startswith("lines") else name.replace("_", " ").capitalize()
            rest.append(f"{label}: {' '.join(texts)}")
    return rest


@require_GET
def registration_check(request: DoorRequest) -> HttpResponse:
    """The live hints while typing: matched customer, conflicts (naming nobody), each discount
    against its corridor, the rules' criteria. Writes nothing; unreadable input is ignored."""
    data = request.GET
    lines = LineFormSet(data, prefix="lines")
    typed: list[tuple[ProductLine, Decimal]] = []
    if lines.management_form.is_valid():
        for line in lines.forms:
            if line.is_valid() and line.cleaned_data.get("product_line") is not None:
                discount = line.cleaned_data.get("requested_discount") or Decimal(0)
                typed.append((line.cleaned_data["product_line"], discount))
    account = None
    if data.get("registration", "").isdigit():
        reg = rows_for(request.membership).filter(pk=int(data["registration"])).first()
        account = reg.end_customer if reg is not None else None
    try:
        amount: Decimal | None = Decimal(data.get("estimated_amount") or "0")
    except InvalidOperation:
        amount = None
    if amount is not None and (not amount.is_finite() or amount <= 0):
        amount = None  # "NaN", "Infinity" and nothing typed: no amount to judge
    found = regs.check_before_filing(
        request.tenant,
        membership=request.membership,
        account=account,
        customer_name=data.get("end_customer_name", "")[:200],
        country=normalize_country(data.get("end_customer_country", "")[:100])[:2],
        website=data.get("end_customer_website", "")[:253],
        lines=typed,
        amount=amount,
    )
    names = {line.code: line.name for line, _ in typed}
    for verdict in found["discounts"]:
        verdict["name"] = names.get(verdict["product_line"], verdict["product_line"])
    return render(request, "dealreg/_check.html", {"check": found, "has_lines": bool(typed)})


def evidence_file(request: DoorRequest, pk: int, file_id: int) -> FileResponse:
    """Download one evidence file: only through a registration the viewer can see."""
    reg = row_or_404(rows_for(request.membership), pk, "No such registration.")
    row = row_or_404(EvidenceFile.objects.filter(registration=reg), file_id, "No such file.")
    return attachment(row.file, row.filename)
