"""Campaigns' API: offers and campaigns (RevOps admins write them, with bulk upsert and the sync
feed; partner users read the offers their partner may use today and the campaigns they run;
direct users the direct ones) and co-branding profiles (each partner sees and writes only its
own; RevOps admins all).

Around an offer: its assets (`assets/`: list, and upload for admins; `assets/{id}/`: download
for whoever sees the offer, delete for admins), its co-branded PDF (`pdf/`), and its public
landing pages (`publications/`, `publish/`, `unpublish/`). Around a profile: its logo (`logo/`).
Files are checked and stored by the services; downloads go through `core.downloads.attachment`,
never a public media URL."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from campaigns import services
from campaigns.api.serializers import (
    AssetUploadSerializer,
    CampaignSerializer,
    CoBrandProfileSerializer,
    LogoUploadSerializer,
    OfferAssetSerializer,
    OfferPublicationSerializer,
    OfferPublishSerializer,
    OfferSerializer,
)
from campaigns.filters import CampaignFilterSet, CoBrandProfileFilterSet, OfferFilterSet
from campaigns.models import Campaign, CoBrandProfile, Offer, OfferAsset, OfferPublication
from campaigns.pdf import cached_offer_pdf, pdf_response
from core.api.errors import Conflict
from core.api.fields import is_id
from core.api.sync import SyncActionsMixin
from core.api.views import TenantModelViewSet
from core.downloads import attachment
from core.views import row_or_404
from tenancy.choices import Role
from tenancy.models import Partner
from tenancy.requests import TenantAPIRequest

__all__ = ["CampaignViewSet", "CoBrandProfileViewSet", "OfferViewSet"]

ADMINS = frozenset({Role.REVOPS_ADMIN})
BRANDERS = frozenset({Role.REVOPS_ADMIN, Role.PARTNER_ADMIN})
# Who may ask to publish: the service decides whose page (partner admins their own partner's,
# direct users the manufacturer's, admins any) and says why it refuses.
EVERYONE = frozenset(Role.values)
BINARY = {(200, "application/octet-stream"): OpenApiTypes.BINARY}
LOGO_SUFFIX = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
}


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

    # --- assets --------------------------------------------------------------------------------

    @extend_schema(methods=["GET"], request=None, responses={200: OfferAssetSerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": AssetUploadSerializer},
        responses={201: OfferAssetSerializer},
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser])
    def assets(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        """The offer's documents, images and copy blocks; admins upload one (a file is judged by
        its bytes: PDF, PNG, JPEG, GIF or WebP, within the size limit)."""
        offer = self.get_object()
        if request.method == "POST":
            body = AssetUploadSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            data = body.validated_data
            added = services.add_asset(
                offer,
                acting=request.membership,
                kind=data["kind"],
                title=data["title"],
                upload=data.get("file"),
                language=data["language"],
                text=data["text"],
            )
            return Response(OfferAssetSerializer(added).data, status=status.HTTP_201_CREATED)
        rows = OfferAsset.objects.visible_to(request.membership).filter(offer=offer)
        return Response(OfferAssetSerializer(rows, many=True).data)

    @extend_schema(methods=["GET"], request=None, responses=BINARY)
    @extend_schema(methods=["DELETE"], request=None, responses={204: None})
    @action(detail=True, methods=["get", "delete"], url_path=r"assets/(?P<asset_id>[0-9]{1,18})")
    def asset(self, request: TenantAPIRequest, pk: str | None = None, asset_id: str = "") -> Any:
        """Download one asset's file (whoever sees the offer), or delete the asset (admins)."""
        offer = self.get_object()
        rows = OfferAsset.objects.visible_to(request.membership).filter(offer=offer)
        row = row_or_404(rows, int(asset_id), "No such asset.")
        if request.method == "DELETE":
            services.remove_asset(row, acting=request.membership)
            return Response(status=status.HTTP_204_NO_CONTENT)
        if not row.file:
            raise exceptions.NotFound("A copy block has no file: its text is in the asset list.")
        return attachment(row.file, row.filename or "asset")

    # --- the co-branded PDF --------------------------------------------------------------------

    @extend_schema(
        request=None,
        parameters=[
            OpenApiParameter(
                "partner",
                int,
                description="Co-branded for this partner (partner users: their own, also the "
                "default; RevOps admins: any). Absent: the manufacturer's branding.",
            )
        ],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"])
    def pdf(self, request: TenantAPIRequest, pk: str | None = None) -> HttpResponse:
        """The offer as a PDF, co-branded for a partner or with the manufacturer's branding.
        409 with the reason when that partner (or direct sales) may not use the offer today."""
        offer = self.get_object()
        partner = self._pdf_partner(request)
        available, reason = services.offer_available_to(offer, partner)
        if not available:
            raise Conflict(reason)
        pdf = cached_offer_pdf(offer, partner)
        return pdf_response(offer, partner, pdf, cache_control="private, no-cache")

    @staticmethod
    def _pdf_partner(request: TenantAPIRequest) -> Partner | None:
        membership = request.membership
        raw = request.query_params.get("partner", "")
        if raw == "":
            return membership.partner if membership.is_partner_user else None
        if not is_id(raw):
            raise exceptions.ValidationError({"partner": ["Give the partner's id."]})
        if not (membership.is_admin or membership.is_partner_user):
            raise exceptions.PermissionDenied(
                "Direct sales use the manufacturer's branding: leave out partner."
            )
        # Partner users see their own partner only: another's is 404, as if it did not exist.
        return row_or_404(Partner.objects.visible_to(membership), int(raw), "No such partner.")

    # --- public landing pages ------------------------------------------------------------------

    @extend_schema(request=None, responses={200: OfferPublicationSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def publications(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        """The offer's landing pages the caller may see (partners: their own), live or taken
        down, with their public URLs."""
        offer = self.get_object()
        rows = OfferPublication.objects.visible_to(request.membership).filter(offer=offer)
        return Response(
            OfferPublicationSerializer(
                rows.order_by("pk"), many=True, context=self.get_serializer_context()
            ).data
        )

    @extend_schema(request=OfferPublishSerializer, responses={200: OfferPublicationSerializer})
    @action(detail=True, methods=["post"], write_roles=EVERYONE)
    def publish(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        """Publish the offer's landing page and PDF for a partner (co-branded) or for direct
        sales. 400 listing everything in the way: the offer not available to that partner's
        route or tier, each part the partner's co-branding profile still lacks."""
        offer = self.get_object()
        row = services.publish_offer(
            offer, self._publication_partner(request), acting=request.membership
        )
        return Response(OfferPublicationSerializer(row, context=self.get_serializer_context()).data)

    @extend_schema(request=OfferPublishSerializer, responses={200: OfferPublicationSerializer})
    @action(detail=True, methods=["post"], write_roles=EVERYONE)
    def unpublish(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        """Take the page down: its URLs answer 404 until the offer is published again."""
        offer = self.get_object()
        partner = self._publication_partner(request)
        rows = OfferPublication.objects.visible_to(request.membership).filter(
            offer=offer, partner=partner
        )
        row = rows.first()
        if row is None:
            raise exceptions.NotFound("This offer has no page for that partner.")
        row = services.unpublish_offer(row, acting=request.membership)
        return Response(OfferPublicationSerializer(row, context=self.get_serializer_context()).data)

    def _publication_partner(self, request: TenantAPIRequest) -> Partner | None:
        body = OfferPublishSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        if "partner" in body.validated_data:
            return body.validated_data["partner"]
        membership = request.membership
        return membership.partner if membership.is_partner_user else None


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

    @extend_schema(methods=["GET"], request=None, responses=BINARY)
    @extend_schema(
        methods=["PUT"],
        request={"multipart/form-data": LogoUploadSerializer},
        responses={200: CoBrandProfileSerializer},
    )
    @action(detail=True, methods=["get", "put"], parser_classes=[MultiPartParser])
    def logo(self, request: TenantAPIRequest, pk: str | None = None) -> Any:
        """Download the partner's logo, or replace it (PNG, JPEG, GIF or WebP; no SVG). A
        refused logo keeps the old one."""
        profile = self.get_object()
        if request.method == "PUT":
            upload = request.FILES.get("logo")
            if upload is None:
                raise exceptions.ValidationError(
                    {"logo": ["Send the logo as a file (multipart/form-data, field logo)."]}
                )
            profile = services.save_cobrand_profile(
                profile.partner, acting=request.membership, logo=upload
            )
            return Response(
                CoBrandProfileSerializer(profile, context=self.get_serializer_context()).data
            )
        if not profile.logo:
            raise exceptions.NotFound("This profile has no logo yet.")
        return attachment(profile.logo, "logo" + LOGO_SUFFIX.get(profile.logo_content_type, ""))
