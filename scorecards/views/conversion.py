"""Offer conversion pages (scorecards/conversion.py): the console's "Offer conversion" (every
party, grouped by offer, campaign, route or partner), the portal's "Offer results" (the
partner's own) and the sales door's (direct sales'), each with its CSV; and the results block on
the campaign and offer pages. The service decides what each viewer may see; these only read
the filter bar and lay the rows out. A query string that is not valid is the page again with
the problem named and 400."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from campaigns.models import Campaign, Offer
from core.csvexport import table_response
from scorecards import conversion
from scorecards.conversion import FunnelRow, Period
from scorecards.forms import GROUPINGS, ConversionForm
from tenancy.choices import Door
from tenancy.requests import DoorRequest
from tenancy.sections import render_section

__all__ = ["campaign_results", "conversion_export", "conversion_page", "offer_results"]

TITLES = {
    Door.CONSOLE: "Offer conversion",
    Door.PORTAL: "Offer results",
    Door.SALES: "Offer results",
}


def _read(request: DoorRequest) -> ConversionForm:
    asked = QueryDict(mutable=True)
    for name, value in request.GET.items():
        if isinstance(value, str) and value.strip():
            asked[name] = value.strip()
    form = ConversionForm(asked, membership=request.membership, tenant=request.tenant)
    if form.is_valid():
        form.show()
    return form


def _rows(request: DoorRequest, form: ConversionForm) -> tuple[Period, list[FunnelRow]]:
    period = Period.of_quarter(form.cleaned_data["the_quarter"])
    rows = conversion.funnel(
        request.membership, period=period, by=form.dimensions, **form.narrowing
    )
    return period, rows


def conversion_page(request: DoorRequest) -> HttpResponse:
    form = _read(request)
    context: dict[str, Any] = {"form": form, "title": TITLES[request.door]}
    if not form.is_valid():
        return render(request, "scorecards/conversion.html", context, status=400)
    period, rows = _rows(request, form)
    params = {k: v for k, v in form.data.items() if v}
    context |= {
        "period": period,
        "rows": rows,
        "total": conversion.totals(rows),
        "dimensions": form.dimensions,
        "grouping": GROUPINGS[form.cleaned_data["group"]][0],
        "currency": request.tenant.currency,
        "export_url": reverse(f"{request.door}:conversion-export", args=[request.tenant.slug])
        + ("?" + urlencode(params) if params else ""),
    }
    return render(request, "scorecards/conversion.html", context)


def _cell(value: Any) -> Any:
    return "" if value is None else value


def conversion_export(request: DoorRequest) -> HttpResponse:
    form = _read(request)
    if not form.is_valid():
        context = {"form": form, "title": TITLES[request.door]}
        return render(request, "scorecards/conversion.html", context, status=400)
    _, rows = _rows(request, form)
    dims = form.dimensions
    names = {"offer": "Offer", "campaign": "Campaign", "route": "Route", "partner": "Partner"}
    header = [names[d] for d in dims] + [
        "Views",
        "Responses",
        "Response rate %",
        "Leads",
        "Opportunities created",
        "Lead to opportunity %",
        "Won",
        f"Won amount ({request.tenant.currency})",
        "Won without a converted amount",
        "Closed",
        "Win rate %",
    ]
    table = [
        [_dimension(row, d) for d in dims]
        + [
            _cell(row.views),
            row.responses,
            _cell(row.response_rate),
            row.leads,
            row.opportunities,
            _cell(row.lead_to_opportunity),
            row.won,
            row.won_amount,
            row.won_unpriced,
            row.closed,
            _cell(row.win_rate),
        ]
        for row in rows
    ]
    quarter = form.cleaned_data["the_quarter"]
    return table_response(
        header, table, f"offer-conversion-{request.tenant.slug}-{quarter.code}.csv"
    )


def _dimension(row: FunnelRow, dimension: str) -> str:
    """A group's name as the page and the CSV write it."""
    if dimension == "offer":
        return row.offer or "Without an offer"
    if dimension == "campaign":
        return row.campaign or "Without a campaign"
    if dimension == "route":
        return "Partner" if row.route == "partner" else "Direct"
    return row.partner or "Direct sales"


# --- the results block on the campaign and offer pages -----------------------------------------


def _results(
    request: DoorRequest,
    key: str,
    title: str,
    *,
    campaign: int | None = None,
    offer: int | None = None,
) -> str:
    """What the viewer may see of one campaign's or offer's funnel this quarter; RevOps admins
    also by route."""
    membership = request.membership
    period = conversion.current_period(request.tenant)
    rows = conversion.funnel(
        membership, period=period, by=("route",), campaign=campaign, offer=offer
    )
    total = conversion.totals(rows)
    link = reverse(f"{request.door}:conversion", args=[request.tenant.slug])
    group = "campaign" if campaign is not None else "offer"
    context = {
        "key": key,
        "title": title,
        "period": period,
        "total": total,
        "by_route": rows if membership.is_admin else [],
        "link": f"{link}?group={group}",
    }
    return render_section(request, "scorecards/_conversion_section.html", context)


def campaign_results(request: DoorRequest, campaign: Campaign) -> str:
    return _results(request, "campaign-results", "Results this quarter", campaign=campaign.pk)


def offer_results(request: DoorRequest, offer: Offer) -> str:
    return _results(request, "offer-results", "Results this quarter", offer=offer.pk)
