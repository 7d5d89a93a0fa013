"""Campaign pages in every door: the list (filtered by type and status) and a campaign's page.

The console shows everything (budget, target list, offers, which partners run it); the sales
door the campaigns direct sales run, with their target list and offers; the portal the campaigns
the viewer's partner runs, without the budget, the target list or the other partners taking
part. Every door shows the sections higher apps register (`register_campaign_section`)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from accounts.views import filter_rows, paginate
from campaigns.filters import CampaignFilter
from campaigns.views import CAMPAIGN_SECTIONS
from campaigns.views.common import campaign_rows, offer_rows
from core.views import row_or_404
from tenancy.choices import Door
from tenancy.requests import DoorRequest

__all__ = ["campaign", "campaign_list"]


def campaign_list(request: DoorRequest) -> HttpResponse:
    rows = campaign_rows(request)
    if request.door != Door.PORTAL:
        rows = rows.select_related("target_list")
    filterset, rows, status = filter_rows(request, CampaignFilter, rows)
    context = {
        "filterset": filterset,
        "page": paginate(request, rows),
        "console": request.door == Door.CONSOLE,
    }
    return render(request, "campaigns/campaign_list.html", context, status=status)


def campaign(request: DoorRequest, pk: int) -> HttpResponse:
    row = row_or_404(campaign_rows(request), pk, "No such campaign.")
    console = request.door == Door.CONSOLE
    # Offers the viewer may open; the console's admins see every offer of the campaign.
    offers = offer_rows(request).filter(campaign_links__campaign=row).order_by("name")
    context = {
        "campaign": row,
        "console": console,
        "offers": offers,
        "partners": (
            [link.partner for link in row.partner_links.select_related("partner")]
            if console
            else []
        ),
        "sections": CAMPAIGN_SECTIONS.render(request, row),
    }
    return render(request, "campaigns/campaign_detail.html", context)
