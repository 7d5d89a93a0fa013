"""The console's scorecard settings: how the tenant measures (influence lookback, time-decay
half-life, default attribution model), its exchange rates (added and removed row by row) and
what each partner tier needs (a metric at least a minimum). Saved through
scorecards.settings_services; a refusal is the page again with the message beside its field and
400, nothing saved. A change the facts are built with queues their rebuild, and so does
"Rebuild now"."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.metrics import metric
from core.views import row_or_404
from scorecards import rollup
from scorecards.forms import ExchangeRateForm, ScorecardSettingsForm, TierRequirementForm
from scorecards.models import ExchangeRate, TierRequirement
from scorecards.services import TIER_ORDER
from scorecards.settings_services import (
    add_exchange_rate,
    queue_rebuild,
    remove_exchange_rate,
    remove_tier_requirement,
    save_settings,
    save_tier_requirement,
)
from scorecards.views.common import figure
from tenancy.choices import PartnerTier
from tenancy.requests import DoorRequest

__all__ = [
    "rate_add",
    "rate_remove",
    "rebuild",
    "scorecard_settings",
    "tier_add",
    "tier_remove",
]

TEMPLATE = "scorecards/settings.html"


def _back(request: DoorRequest) -> HttpResponse:
    return redirect("console:scorecard-settings", request.tenant.slug)


def _page(request: DoorRequest, status: int = 200, **forms: BaseForm) -> HttpResponse:
    row = rollup.settings_of(request.tenant)
    order = {tier: i for i, tier in enumerate(reversed(TIER_ORDER))}
    names = dict(PartnerTier.choices)
    requirements = sorted(
        TierRequirement.objects.all(), key=lambda r: (order.get(r.tier, 99), r.metric)
    )
    tiers = []
    for requirement in requirements:
        item = metric(requirement.metric)
        tiers.append(
            (
                requirement,
                names.get(requirement.tier, requirement.tier),
                item.label if item else f"{requirement.metric} (no longer measured)",
                figure(requirement.minimum, item.unit, request.tenant.currency)
                if item
                else str(requirement.minimum),
            )
        )
    context: dict[str, Any] = {
        "form": forms.get("form") or ScorecardSettingsForm(instance=row),
        "rate_form": forms.get("rate_form") or ExchangeRateForm(),
        "tier_form": forms.get("tier_form") or TierRequirementForm(),
        "invalid": status == 400,
        "rates": ExchangeRate.objects.order_by("currency", "-valid_from"),
        "tiers": tiers,
        "refreshed_at": rollup.last_refreshed(request.tenant),
        "tenant_currency": request.tenant.currency,
    }
    return render(request, TEMPLATE, context, status=status)


def _refused(form: BaseForm, error: ValidationError) -> None:
    for name, problems in error.message_dict.items():
        form.add_error(name if name in form.fields else None, problems)


def _forbidden(request: DoorRequest, refusal: PermissionDenied) -> HttpResponse:
    messages.error(request, f"Nothing was saved: {refusal}")
    return _page(request, status=403)


def scorecard_settings(request: DoorRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request)
    form = ScorecardSettingsForm(request.POST, instance=rollup.settings_of(request.tenant))
    if not form.is_valid():
        return _page(request, 400, form=form)
    data = {name: form.cleaned_data[name] for name in form.Meta.fields}
    try:
        save_settings(request.tenant, data, acting=request.membership)
    except PermissionDenied as refusal:
        return _forbidden(request, refusal)
    except ValidationError as error:
        _refused(form, error)
        return _page(request, 400, form=form)
    messages.success(
        request,
        "Scorecard settings saved. A new lookback or half-life is applied as the figures are "
        "rebuilt.",
    )
    return _back(request)


@require_POST
def rate_add(request: DoorRequest) -> HttpResponse:
    form = ExchangeRateForm(request.POST)
    if not form.is_valid():
        return _page(request, 400, rate_form=form)
    try:
        row = add_exchange_rate(request.tenant, form.cleaned_data, acting=request.membership)
    except PermissionDenied as refusal:
        return _forbidden(request, refusal)
    except ValidationError as error:
        _refused(form, error)
        return _page(request, 400, rate_form=form)
    messages.success(
        request,
        f"Rate added: 1 {row.currency} = {row.rate.normalize():f} {request.tenant.currency} "
        f"from {row.valid_from:%d %b %Y}. The figures are being rebuilt with it.",
    )
    return _back(request)


@require_POST
def rate_remove(request: DoorRequest, pk: int) -> HttpResponse:
    row = row_or_404(ExchangeRate.objects.all(), pk, "No such exchange rate.")
    try:
        remove_exchange_rate(request.tenant, row, acting=request.membership)
    except PermissionDenied as refusal:
        return _forbidden(request, refusal)
    messages.success(
        request,
        f"The {row.currency} rate from {row.valid_from:%d %b %Y} was removed. The figures are "
        "being rebuilt without it.",
    )
    return _back(request)


@require_POST
def tier_add(request: DoorRequest) -> HttpResponse:
    form = TierRequirementForm(request.POST)
    if not form.is_valid():
        return _page(request, 400, tier_form=form)
    try:
        save_tier_requirement(request.tenant, form.cleaned_data, acting=request.membership)
    except PermissionDenied as refusal:
        return _forbidden(request, refusal)
    except ValidationError as error:
        _refused(form, error)
        return _page(request, 400, tier_form=form)
    messages.success(request, "Tier requirement saved.")
    return _back(request)


@require_POST
def tier_remove(request: DoorRequest, pk: int) -> HttpResponse:
    row = row_or_404(TierRequirement.objects.all(), pk, "No such tier requirement.")
    try:
        remove_tier_requirement(request.tenant, row, acting=request.membership)
    except PermissionDenied as refusal:
        return _forbidden(request, refusal)
    messages.success(request, "Tier requirement removed.")
    return _back(request)


@require_POST
def rebuild(request: DoorRequest) -> HttpResponse:
    if queue_rebuild(request.tenant.pk):
        messages.success(request, "The figures are being rebuilt from the raw tables.")
    else:
        messages.error(request, "The rebuild could not be queued; the nightly rebuild will run.")
    return _back(request)
