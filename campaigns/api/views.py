"""Campaigns' API: offers and campaigns (RevOps admins write them, with bulk upsert and the sync
feed; partner users read the offers their partner may use today and the campaigns they run;
direct users the direct ones) and co-branding profiles (each partner sees and writes only its
own; RevOps admins all)."""

from __future__ import annotations

from django.db.models import QuerySet

from campaigns.api.serializers import CampaignSerializer, CoBrandProfileSerializer, OfferSerializer
from campaigns.filters import CampaignFilterSet, CoBrandProfileFilterSet, OfferFilterSet
from campaigns.models import Campaign, CoBrandProfile, Offer
from core.api.sync import SyncActionsMixin
from core.api.views import TenantModelViewSet
from tenancy.choices import Role

__all__ = ["CampaignViewSet", "CoBrandProfileViewSet", "OfferViewSet"]

ADMINS = frozenset({Role.REVOPS_ADMIN})
BRANDERS = frozenset({Role.REVOPS_ADMIN, Role.PARTNER_ADMIN})


class OfferViewSet(SyncActionsMixin, TenantModelViewSet):
    """Offers: kits both routes use. Partner users see the published offers their partner's
    route and tier may use today; direct users those open to direct sales; admins all."""

    model = Offer
    queryset = Offer.objects.none()
    serializer_class = OfferSerializer
    filterset_class = OfferFilterSet
    write_roles = ADMINS
    sync_roles = ADMINS

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.prefetch_related("product_line_links")


class CampaignViewSet(SyncActionsMixin, TenantModelViewSet):
    """Campaigns. Partner users see the running campaigns their partner takes part in (named,
    by tier, or all partners), without budget, target list or the other partners; direct users
    the running campaigns direct sales run; admins all."""

    model = Campaign
    queryset = Campaign.objects.none()
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilterSet
    write_roles = ADMINS
    sync_roles = ADMINS

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.prefetch_related("offer_links", "partner_links")


class CoBrandProfileViewSet(TenantModelViewSet):
    """Co-branding profiles: a partner's logo, colours, contact details, service area and legal
    line. Partner admins keep their own partner's; RevOps admins see and keep every partner's."""

    model = CoBrandProfile
    queryset = CoBrandProfile.objects.none()
    serializer_class = CoBrandProfileSerializer
    filterset_class = CoBrandProfileFilterSet
    write_roles = BRANDERS
