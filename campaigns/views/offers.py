"""Offer pages in every door: the list, an offer's page, publishing and unpublishing its landing
page, and (console) its assets.

The console lists every offer with filters and manages assets and the direct landing page; the
portal lists the offers the viewer's partner may use today, each with its co-branded page, PDF
and embed snippet when published, a Publish button for partner admins when it may be published,
or exactly what stands in the way (`services.publish_readiness`); the sales door lists the offers
open to direct sales with the manufacturer's page when it is published for direct."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.views import filter_rows, paginate
from campaigns import services
from campaigns.choices import AssetKind
from campaigns.filters import OfferFilter
from campaigns.forms import AssetForm
from campaigns.models import Offer, OfferAsset, OfferPublication
from campaigns.selectors import unpublished_offers
from campaigns.views import OFFER_SECTIONS
from campaigns.views.common import (
    REFUSALS,
    offer_rows,
    public_links,
    publications_of,
    refusal,
    today,
    viewer_partner,
)
from core.views import row_or_404
from tenancy.choices import Door, Role
from tenancy.requests import DoorRequest

__all__ = [
    "asset_add",
    "asset_delete",
    "offer",
    "offer_list",
    "offer_publish",
    "publication_unpublish",
]

# The portal's offers by the state of the partner's landing page (?state=, the home queue's links).
STATES = (
    ("published", "Published"),
    ("ready", "Ready to publish"),
    ("waiting", "Waiting for your co-branding"),
)


def _may_publish(request: DoorRequest) -> bool:
    """Who sees the Publish and Unpublish buttons (the services decide again): RevOps admins in
    the console, partner admins in the portal."""
    if request.door == Door.CONSOLE:
        return request.membership.is_admin
    return request.door == Door.PORTAL and request.membership.role == Role.PARTNER_ADMIN


def _state(
    request: DoorRequest,
    offer: Offer,
    publication: OfferPublication | None,
    missing: list[str] | None = None,
) -> dict:
    """An offer's landing page for the viewer's side: its links when live, else what stands in
    the way of publishing it (nothing: it can be published). `missing`: what the viewer's
    partner's co-branding lacks, when the caller has it already."""
    if publication is not None and publication.is_active:
        return {
            "live": True,
            "publication": publication,
            **public_links(request, publication, offer.name),
        }
    partner = viewer_partner(request)
    if partner is not None:
        problems = services.publish_readiness(offer, partner, on=today(request), missing=missing)
    else:
        available, reason = services.offer_available_to(offer, None, on=today(request))
        problems = [] if available else [reason]
    return {"live": False, "publication": publication, "problems": problems}


def offer_list(request: DoorRequest) -> HttpResponse:
    if request.door == Door.CONSOLE:
        filterset, rows, status = filter_rows(request, OfferFilter, offer_rows(request))
        page = paginate(request, rows.order_by("name", "pk"))
        return render(
            request,
            "campaigns/offer_list.html",
            {"filterset": filterset, "page": page},
            status=status,
        )
    wanted = request.GET.get("state", "")
    rows = _in_state(request, offer_rows(request), wanted)
    page = paginate(request, rows.order_by("name", "pk"))
    offers = list(page)
    published = publications_of(request, offers)
    partner = viewer_partner(request)
    missing = services.cobrand_missing(partner) if partner is not None else None
    cards = [(o, _state(request, o, published.get(o.pk), missing)) for o in offers]
    context = {
        "page": page,
        "cards": cards,
        "state": wanted,
        "states": STATES,
        "may_publish": _may_publish(request),
    }
    return render(request, "campaigns/offers_to_use.html", context)


def _in_state(request: DoorRequest, rows: QuerySet[Offer], wanted: str) -> QuerySet[Offer]:
    """The portal's offers by the state of the partner's page (the home queue's links): live,
    ready to publish, or waiting for the co-branding profile. The offers a partner sees are
    those it may use today, so only the profile stands between them and publishing."""
    partner = viewer_partner(request)
    if partner is None or wanted not in ("published", "ready", "waiting"):
        return rows
    unpublished = unpublished_offers(request.membership, partner)
    if wanted == "published":
        return rows.exclude(pk__in=unpublished.values("pk"))
    complete = not services.cobrand_missing(partner)
    if complete != (wanted == "ready"):
        return rows.none()
    return rows.filter(pk__in=unpublished.values("pk"))


def offer(request: DoorRequest, pk: int) -> HttpResponse:
    row = row_or_404(offer_rows(request), pk, "No such offer.")
    assets = list(row.assets.order_by("kind", "title", "pk"))
    context: dict[str, Any] = {
        "offer": row,
        "files": [a for a in assets if a.kind != AssetKind.COPY],
        "copies": [a for a in assets if a.kind == AssetKind.COPY],
        "lines": [
            link.product_line for link in row.product_line_links.select_related("product_line")
        ],
        "may_publish": _may_publish(request),
        "sections": OFFER_SECTIONS.render(request, row),
    }
    if request.door == Door.CONSOLE:
        publications = list(row.publications.select_related("partner").order_by("-published_at"))
        direct = next((p for p in publications if p.partner_id is None), None)
        context |= {
            "state": _state(request, row, direct),
            "partner_publications": [
                (p, public_links(request, p, row.name)) for p in publications if p.partner_id
            ],
            "asset_form": AssetForm(),
        }
    else:
        context["state"] = _state(request, row, publications_of(request, [row]).get(row.pk))
    return render(request, "campaigns/offer_detail.html", context)


def _back(request: DoorRequest, offer_pk: int) -> HttpResponse:
    """Back to where the button was: the list (portal cards) or the offer's page."""
    if request.POST.get("back") == "list":
        return redirect(f"{request.door}:offers", request.tenant.slug)
    return redirect(f"{request.door}:offer", request.tenant.slug, offer_pk)


@require_POST
def offer_publish(request: DoorRequest, pk: int) -> HttpResponse:
    """Publish the offer's landing page: the partner's co-branded one in the portal, the
    direct sales' one in the console. A refusal lists everything in the way."""
    row = row_or_404(offer_rows(request), pk, "No such offer.")
    try:
        services.publish_offer(row, viewer_partner(request), acting=request.membership)
    except REFUSALS as error:
        messages.error(request, f"“{row.name}” was not published: {refusal(error)}")
    else:
        messages.success(request, f"“{row.name}” is published.")
    return _back(request, row.pk)


@require_POST
def publication_unpublish(request: DoorRequest, pk: int) -> HttpResponse:
    publication = row_or_404(
        OfferPublication.objects.visible_to(request.membership).select_related("offer"),
        pk,
        "No such landing page.",
    )
    try:
        services.unpublish_offer(publication, acting=request.membership)
    except REFUSALS as error:
        messages.error(request, f"Not unpublished: {refusal(error)}")
    else:
        messages.success(request, f"“{publication.offer.name}” is no longer published.")
    return _back(request, publication.offer_id)


@require_POST
def asset_add(request: DoorRequest, pk: int) -> HttpResponse:
    row = row_or_404(offer_rows(request), pk, "No such offer.")
    form = AssetForm(request.POST, request.FILES)
    if not form.is_valid():
        problems = "; ".join(
            f"{form.fields[name].label or name.capitalize()}: {' '.join(map(str, texts))}"
            for name, texts in form.errors.items()
        )
        messages.error(request, f"Nothing was added: {problems}")
        return redirect("console:offer", request.tenant.slug, row.pk)
    data = form.cleaned_data
    try:
        asset = services.add_asset(
            row,
            acting=request.membership,
            kind=data["kind"],
            title=data["title"],
            upload=data["file"],
            language=data["language"],
            text=data["text"],
        )
    except REFUSALS as error:
        messages.error(request, f"Nothing was added: {refusal(error)}")
    else:
        messages.success(request, f"“{asset.title}” is added.")
    return redirect("console:offer", request.tenant.slug, row.pk)


@require_POST
def asset_delete(request: DoorRequest, pk: int, asset_id: int) -> HttpResponse:
    row = row_or_404(offer_rows(request), pk, "No such offer.")
    asset = row_or_404(OfferAsset.objects.filter(offer=row), asset_id, "No such asset.")
    try:
        services.remove_asset(asset, acting=request.membership)
    except REFUSALS as error:
        messages.error(request, f"Not deleted: {refusal(error)}")
    else:
        messages.success(request, f"“{asset.title}” is deleted.")
    return redirect("console:offer", request.tenant.slug, row.pk)
