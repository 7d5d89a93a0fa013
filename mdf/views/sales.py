"""The sales door's "Partner MDF activity": the partners' requests and claims direct sales may
read (`FundRequest.objects.visible_to`: partners in their territory, when the tenant allows it),
with the activity, its dates, state, partner, campaign and the amounts asked and approved. No
balances, ledger or proof: those are between the partner and RevOps."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from mdf.choices import RequestState
from mdf.models import FundClaim
from mdf.services.settings import settings_for
from mdf.views.common import filtered, label_activities, request_rows
from tenancy.requests import DoorRequest

__all__ = ["activity"]

PER_PAGE = 50


def activity(request: DoorRequest) -> HttpResponse:
    settings = settings_for(request.tenant)
    filters, rows, status = filtered(request, request_rows(request.membership))
    page = Paginator(rows.order_by("-starts_on", "-pk"), PER_PAGE).get_page(request.GET.get("page"))
    claims = {
        c.request_id: c
        for c in FundClaim.objects.visible_to(request.membership).filter(request__in=list(page))
    }
    label_activities(page, request.tenant)
    for row in page:
        row.shown_claim = claims.get(row.pk)
    chosen = request.GET.getlist("state")
    context = {
        "page": page,
        "filters": filters,
        "states": [(v, label, v in chosen) for v, label in RequestState.choices],
        "filtered": bool(request.GET.get("state") or request.GET.get("quarter")),
        "shown": settings.sales_see_activity,
        "currency": request.tenant.currency,
    }
    return render(request, "mdf/activity.html", context, status=status)
