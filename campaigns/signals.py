"""What the public offer pages are built from changed: their cached renderings are stale.

Every change to an offer, its assets and product lines, a co-branding profile, a publication, a
campaign and its links, and the partner, product line and tenant names a page shows, moves the
tenant's `PUBLIC_PAGES` generation (core.generations); the landing pages (routing.landing) cache
under it, so a change shows on the next view without anyone deleting cache keys."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from accounts.models import ProductLine
from campaigns.models import (
    Campaign,
    CampaignOffer,
    CampaignPartner,
    CoBrandProfile,
    Offer,
    OfferAsset,
    OfferProductLine,
    OfferPublication,
)
from core.generations import changed
from tenancy.models import Partner, Tenant

__all__ = ["PUBLIC_PAGES", "connect"]

PUBLIC_PAGES = "campaigns-public-pages"
SHOWN = (
    Offer,
    OfferAsset,
    OfferProductLine,
    CoBrandProfile,
    OfferPublication,
    Campaign,
    CampaignOffer,
    CampaignPartner,
    Partner,
    ProductLine,
)


def _shown_changed(sender: type, instance: Any, **kwargs: Any) -> None:
    changed(PUBLIC_PAGES, instance.tenant_id)


def _tenant_changed(sender: type, instance: Tenant, **kwargs: Any) -> None:
    changed(PUBLIC_PAGES, instance.pk)


def connect() -> None:
    for model in SHOWN:
        for signal in (post_save, post_delete):
            signal.connect(
                _shown_changed, sender=model, dispatch_uid=f"public-pages-{model.__name__}"
            )
    post_save.connect(_tenant_changed, sender=Tenant, dispatch_uid="public-pages-tenant")
