"""The console's money pages: the ledger across partners (filtered by partner, quarter and kind)
with each partner's balance in the quarter; the budgets per quarter with their allocations (set
the budget, allocate a fixed amount, set an accrual); and the tenant's MDF settings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render

from campaigns.forms import place_errors
from mdf.choices import EntryKind
from mdf.filters import LedgerEntryFilterSet
from mdf.forms import AccrualForm, AllocationForm, BudgetForm, SettingsForm
from mdf.models import Allocation, FundBalance, LedgerEntry, MdfBudget
from mdf.services import budgets
from mdf.services.settings import settings_for, update_settings
from mdf.views.common import REFUSALS, applied, partner_options, quarter_asked, refusal
from tenancy.choices import PartnerStatus
from tenancy.models import Partner
from tenancy.quarters import Quarter
from tenancy.requests import DoorRequest

__all__ = ["budget_page", "ledger", "mdf_settings"]

PER_PAGE = 50


def ledger(request: DoorRequest) -> HttpResponse:
    """Every entry the viewer may see, newest first, and the partners' balances in the quarter
    (the filter's, else the current one)."""
    quarter, problem = quarter_asked(request)
    rows = LedgerEntry.objects.visible_to(request.membership).select_related("partner")
    filters = LedgerEntryFilterSet(request.GET or None, queryset=rows)
    status = 400 if problem else 200
    shown, found = applied(filters, rows)
    status = max(status, found)
    page = Paginator(shown.order_by("-at", "-pk"), PER_PAGE).get_page(request.GET.get("page"))
    balances = FundBalance.objects.visible_to(request.membership).filter(
        quarter_start=quarter.start
    )
    if request.GET.get("partner", "").isdigit():
        balances = balances.filter(partner_id=int(request.GET["partner"]))
    chosen = request.GET.getlist("kind")
    context = {
        "page": page,
        "filters": filters,
        "balances": balances.select_related("partner").order_by("partner__name"),
        "quarter": quarter,
        "problem": problem,
        "partners": partner_options(request),
        "partner": request.GET.get("partner", ""),
        "kinds": [(v, label, v in chosen) for v, label in EntryKind.choices],
        "filtered": bool(request.GET),
        "currency": request.tenant.currency,
    }
    return render(request, "mdf/ledger.html", context, status=status)


def budget_page(request: DoorRequest) -> HttpResponse:
    """One quarter's budget and its allocations; POST `intent=budget|allocate|accrual`."""
    quarter, problem = quarter_asked(request)
    budget = MdfBudget.objects.filter(quarter_start=quarter.start).first()
    active = (
        Partner.objects.visible_to(request.membership)
        .filter(status=PartnerStatus.ACTIVE)
        .order_by("name")
    )
    intent = request.POST.get("intent", "") if request.method == "POST" else ""
    data = request.POST if request.method == "POST" else None
    forms: dict[str, Any] = {
        "budget_form": BudgetForm(
            data if intent == "budget" else None,
            initial={"amount": budget.amount, "notes": budget.notes} if budget else {},
            prefix="budget",
        ),
        "allocation_form": AllocationForm(
            data if intent == "allocate" else None, partners=active, prefix="allocate"
        ),
        "accrual_form": AccrualForm(
            data if intent == "accrual" else None,
            partners=active,
            initial={"period_start": quarter.start, "period_end": quarter.last_day},
            prefix="accrual",
        ),
    }
    problems: list[str] = []
    if intent in ("budget", "allocate", "accrual"):
        form = forms[
            {"budget": "budget_form", "allocate": "allocation_form", "accrual": "accrual_form"}[
                intent
            ]
        ]
        if form.is_valid():
            try:
                done = _change_budget(request, quarter, budget, intent, form.cleaned_data)
            except ValidationError as error:
                problems = place_errors(form, error)
            except REFUSALS as error:
                problems = [refusal(error)]
            else:
                messages.success(request, done)
                return redirect(f"{request.path}?quarter={quarter.code}")
    elif request.method == "POST":
        problems = ["Say what to change."]
    allocations = (
        Allocation.objects.visible_to(request.membership)
        .filter(budget=budget)
        .select_related("partner")
        .order_by("partner__name", "kind")
        if budget
        else Allocation.objects.none()
    )
    context = forms | {
        "budget": budget,
        "quarter": quarter,
        "previous": quarter.previous,
        "next": quarter.shifted(1),
        "problem": problem,
        "problems": problems,
        "allocations": allocations,
        "budgets": [
            Quarter.of(request.tenant, start)
            for start in MdfBudget.objects.order_by("-quarter_start").values_list(
                "quarter_start", flat=True
            )[:8]
        ],
        "currency": request.tenant.currency,
    }
    status = 400 if request.method == "POST" or problem else 200
    return render(request, "mdf/budgets.html", context, status=status)


def _change_budget(
    request: DoorRequest, quarter: Any, budget: MdfBudget | None, intent: str, data: dict[str, Any]
) -> str:
    acting = request.membership
    if intent == "budget":
        budgets.set_budget(
            request.tenant, quarter, data["amount"], acting=acting, notes=data["notes"]
        )
        return f"The {quarter.label} budget is set."
    if budget is None:
        raise ValidationError({"partner": f"Set the {quarter.label} budget first."})
    if intent == "allocate":
        budgets.allocate(
            budget, data["partner"], data["amount"], acting=acting, reason=data["reason"]
        )
        return f"{data['partner'].name}'s allocation is set."
    budgets.set_accrual(
        budget,
        data["partner"],
        rate=data["rate"],
        period_start=data["period_start"],
        period_end=data["period_end"],
        cap=data["cap"],
        acting=acting,
    )
    return f"{data['partner'].name}'s accrual is set."


def mdf_settings(request: DoorRequest) -> HttpResponse:
    settings = settings_for(request.tenant)
    form = SettingsForm(
        request.POST if request.method == "POST" else None,
        initial=SettingsForm.initial_of(settings),
    )
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            update_settings(request.tenant, acting=request.membership, **form.cleaned_data)
        except ValidationError as error:
            problems = place_errors(form, error)
        except REFUSALS as error:
            problems = [refusal(error)]
        else:
            messages.success(request, "The MDF settings are saved.")
            return redirect("console:mdf-settings", request.tenant.slug)
    status = 400 if request.method == "POST" else 200
    return render(request, "mdf/settings.html", {"form": form, "problems": problems}, status=status)
