"""What campaigns' pages share: the rows each door shows, the public links of a publication, a
service's refusal in words, and the downloads (assets, logos) behind permission checks.

Rows start from `visible_to(request.membership)`: RevOps admins see every offer and campaign,
partner users the offers their partner may use today and the campaigns it runs, direct users the
offers open to direct sales and the campaigns direct sales run. The sales door also admits
RevOps admins; it shows them what direct sales see, so the door means the same to everyone."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.urls import reverse

from campaigns.choices import CampaignStatus
from campaigns.models import Campaign, CoBrandProfile, Offer, OfferPublication, tenant_today
from core.downloads import attachment
from core.embed import iframe_snippet
from core.views import row_or_404
from tenancy.choices import Door
from tenancy.models import Partner
from tenancy.requests import DoorRequest

__all__ = [
    "REFUSALS",
    "asset_file",
    "campaign_rows",
    "logo_response",
    "offer_rows",
    "public_links",
    "publications_of",
    "refusal",
    "today",
    "viewer_partner",
]

REFUSALS = (ValidationError, PermissionDenied)


def today(request: DoorRequest) -> datetime.date:
    return tenant_today(request.tenant)


def viewer_partner(request: DoorRequest) -> Partner | None:
    """Whose publications the page is about: the partner user's partner, else direct sales."""
    return request.membership.partner if request.door == Door.PORTAL else None


def offer_rows(request: DoorRequest) -> QuerySet[Offer]:
    rows = Offer.objects.visible_to(request.membership)
    if request.door == Door.SALES:
        rows = rows.available_to(None, today(request))
    return rows


def campaign_rows(request: DoorRequest) -> QuerySet[Campaign]:
    rows = Campaign.objects.visible_to(request.membership)
    if request.door == Door.SALES:
        rows = rows.filter(direct=True).exclude(status=CampaignStatus.DRAFT)
    return rows


def publications_of(request: DoorRequest, offers: list[Offer]) -> dict[int, OfferPublication]:
    """The viewer's side's publication of each offer (its partner's, or direct sales'), by offer
    id: one query for a page of offers."""
    rows = OfferPublication.objects.visible_to(request.membership).filter(offer__in=offers)
    partner = viewer_partner(request)
    rows = rows.filter(partner=partner) if partner else rows.filter(partner__isnull=True)
    return {row.offer_id: row for row in rows}


def public_links(request: DoorRequest, publication: OfferPublication, title: str) -> dict[str, str]:
    """The public landing page's and PDF's URLs, and the HTML a site pastes to embed the page."""
    kwargs = {"tenant_slug": request.tenant.slug, "key": publication.key}
    page = request.build_absolute_uri(reverse("public-offer-page", kwargs=kwargs))
    return {
        "page": page,
        "pdf": request.build_absolute_uri(reverse("public-offer-pdf", kwargs=kwargs)),
        "embed": iframe_snippet(page, title),
    }


def refusal(error: Exception) -> str:
    """A service's refusal in words, each field's messages after its name."""
    if isinstance(error, ValidationError):
        if not hasattr(error, "error_dict"):
            return " ".join(error.messages)
        parts = []
        for name, texts in error.message_dict.items():
            label = "" if name in ("__all__", "offer") else name.replace("_", " ").capitalize()
            parts.append(f"{label}: {' '.join(texts)}" if label else " ".join(texts))
        return " ".join(parts)
    if isinstance(error, PermissionDenied):
        return str(error) or "You may not do this."
    return str(error)


def asset_file(request: DoorRequest, pk: int, asset_id: int) -> FileResponse:
    """Download one of an offer's files: only through an offer the viewer can see."""
    offer = row_or_404(offer_rows(request), pk, "No such offer.")
    asset = row_or_404(offer.assets.exclude(file=""), asset_id, "No such file.")
    return attachment(asset.file, asset.filename or "asset")


def logo_response(profile: CoBrandProfile | None) -> FileResponse:
    """A partner's logo for its own pages and the console's preview. Its bytes were checked to be
    a PNG, JPEG, GIF or WebP image on upload, so it may be shown inline; the type is the one
    recorded then, never guessed by the browser."""
    if profile is None or not profile.logo:
        raise Http404("No logo.")
    response = FileResponse(
        profile.logo.open("rb"), content_type=profile.logo_content_type or "image/png"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["Cache-Control"] = "private, max-age=300"
    return response
