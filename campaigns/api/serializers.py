"""The shapes of offers, campaigns and co-branding profiles in the API. Shape only: the row rules
are the models' (run by ModelValidatedSerializer), the links are written by the services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from rest_framework import serializers

from accounts.models import ProductLine, TargetList
from campaigns import services
from campaigns.choices import AssetKind, Route
from campaigns.models import (
    Campaign,
    CoBrandProfile,
    Offer,
    OfferAsset,
    OfferPublication,
    check_campaign_offers,
    check_campaign_partners,
)
from core.api.fields import InTenant
from core.api.serializers import SyncedModelSerializer, TenantModelSerializer
from tenancy.choices import PartnerTier
from tenancy.models import Partner

__all__ = [
    "AssetUploadSerializer",
    "CampaignSerializer",
    "CoBrandProfileSerializer",
    "LogoUploadSerializer",
    "OfferAssetSerializer",
    "OfferPublicationSerializer",
    "OfferPublishSerializer",
    "OfferSerializer",
]

EXTERNAL = ("external_id",)


class LinkList(serializers.ListField):
    """Rows linked through a link table (an offer's product lines, a campaign's offers), written
    as a whole list of ids or natural keys and shown as ids."""

    def __init__(
        self, model: type, links: str, column: str, natural_keys: tuple[str, ...], **kwargs: Any
    ) -> None:
        self.links, self.column = links, column
        kwargs.setdefault("max_length", 200)
        super().__init__(child=InTenant(model, natural_keys=natural_keys), **kwargs)

    def get_attribute(self, instance: Any) -> list[int]:
        return sorted(getattr(link, self.column) for link in getattr(instance, self.links).all())

    def to_representation(self, data: list[int]) -> list[int]:
        return data

    def to_internal_value(self, data: Any) -> list[Any]:
        rows = super().to_internal_value(data)
        return list({row.pk: row for row in rows}.values())  # each once


def _unique(values: list[str]) -> list[str]:
    return sorted(set(values))


class OfferSerializer(SyncedModelSerializer[Offer]):
    nested_fields = ("product_lines",)
    nested_prefetch = ("product_line_links",)

    copy = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text='Copy blocks by language, e.g. {"en": "...", "de": "..."}.',
    )
    routes = serializers.ListField(
        child=serializers.ChoiceField(Route.choices), min_length=1, max_length=2, required=False
    )
    partner_tiers = serializers.ListField(
        child=serializers.ChoiceField(PartnerTier.choices),
        max_length=len(PartnerTier.values),
        required=False,
        help_text="Partner tiers allowed to use the offer; empty: every tier.",
    )
    roi_inputs = serializers.ListField(
        child=serializers.DictField(),
        max_length=20,
        required=False,
        help_text="ROI calculators: [{key, label, unit, default}].",
    )
    product_lines = LinkList(
        ProductLine,
        "product_line_links",
        "product_line_id",
        ("external_id", "code"),
        required=False,
    )

    class Meta:
        model = Offer
        fields = [
            "id",
            "external_id",
            "version",
            "name",
            "kind",
            "status",
            "summary",
            "description",
            "copy",
            "routes",
            "partner_tiers",
            "valid_from",
            "valid_until",
            "product_lines",
            "roi_inputs",
            "roi_formula",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_routes(self, value: list[str]) -> list[str]:
        return _unique(value)

    def validate_partner_tiers(self, value: list[str]) -> list[str]:
        return _unique(value)

    def nested_differs(self, instance: Offer, nested: dict[str, Any]) -> bool:
        have = {link.product_line_id for link in instance.product_line_links.all()}
        return have != {line.pk for line in nested.get("product_lines", [])}

    def after_save(
        self, instance: Offer, nested: dict[str, Any], created: bool, before: Any = None
    ) -> None:
        if "product_lines" in nested:
            services.set_offer_product_lines(
                instance, nested["product_lines"], acting=self.membership
            )


class CampaignSerializer(SyncedModelSerializer[Campaign]):
    nested_fields = ("offers", "partners")
    nested_prefetch = ("offer_links", "partner_links")
    # The manufacturer's planning: which accounts, how much money, which other partners.
    direct_only_fields = ("budget", "target_list", "partners", "partner_tiers")

    target_list = InTenant(TargetList, natural_keys=EXTERNAL, required=False, allow_null=True)
    offers = LinkList(Offer, "offer_links", "offer_id", EXTERNAL, required=False)
    partners = LinkList(Partner, "partner_links", "partner_id", EXTERNAL, required=False)
    partner_tiers = serializers.ListField(
        child=serializers.ChoiceField(PartnerTier.choices),
        max_length=len(PartnerTier.values),
        required=False,
        help_text="With partner_mode tiers: the tiers whose partners run the campaign.",
    )
    currency = serializers.SerializerMethodField(help_text="The budget's currency: the tenant's.")

    class Meta:
        model = Campaign
        fields = [
            "id",
            "external_id",
            "version",
            "name",
            "kind",
            "status",
            "description",
            "starts_on",
            "ends_on",
            "budget",
            "currency",
            "target_list",
            "offers",
            "direct",
            "partner_mode",
            "partners",
            "partner_tiers",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_currency(self, instance: Campaign) -> str:
        tenant = self.context.get("tenant")
        return str(tenant.currency if tenant is not None else instance.tenant.currency)

    def validate_partner_tiers(self, value: list[str]) -> list[str]:
        return _unique(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        instance = self.instance if isinstance(self.instance, Campaign) else None
        mode = attrs.get("partner_mode", instance.partner_mode if instance else "none")
        if "partners" in attrs:
            partners = attrs["partners"]
        else:
            partners = list(instance.partner_links.all()) if instance else []
        try:
            check_campaign_partners(mode, partners)
            check_campaign_offers(
                direct=attrs.get("direct", instance.direct if instance else True),
                partner_mode=mode,
                partner_tiers=attrs.get(
                    "partner_tiers", instance.partner_tiers if instance else []
                ),
                offers=self._offers(attrs, instance),
                partners=self._partners(attrs, instance),
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return attrs

    @staticmethod
    def _offers(attrs: dict[str, Any], instance: Campaign | None) -> list[Offer]:
        if "offers" in attrs:
            return list(attrs["offers"])
        if instance is None:
            return []
        ids = [link.offer_id for link in instance.offer_links.all()]
        return list(Offer.objects.filter(pk__in=ids))

    @staticmethod
    def _partners(attrs: dict[str, Any], instance: Campaign | None) -> list[Partner]:
        if "partners" in attrs:
            return list(attrs["partners"])
        if instance is None:
            return []
        ids = [link.partner_id for link in instance.partner_links.all()]
        return list(Partner.objects.filter(pk__in=ids))

    def nested_differs(self, instance: Campaign, nested: dict[str, Any]) -> bool:
        current = {
            "offers": {link.offer_id for link in instance.offer_links.all()},
            "partners": {link.partner_id for link in instance.partner_links.all()},
        }
        return any(current[name] != {row.pk for row in rows} for name, rows in nested.items())

    def after_save(
        self, instance: Campaign, nested: dict[str, Any], created: bool, before: Any = None
    ) -> None:
        if "offers" in nested:
            services.set_campaign_offers(instance, nested["offers"], acting=self.membership)
        if "partners" in nested:
            services.set_campaign_partners(instance, nested["partners"], acting=self.membership)


class CoBrandProfileSerializer(TenantModelSerializer):
    """A partner's co-branding. Partner admins write their own partner's (the partner is theirs
    whatever they send); RevOps admins name the partner."""

    partner = InTenant(Partner, natural_keys=EXTERNAL, required=False)
    has_logo = serializers.SerializerMethodField()
    missing = serializers.SerializerMethodField(
        help_text="What the profile still lacks before co-branded offers can be published."
    )

    class Meta:
        model = CoBrandProfile
        fields = [
            "id",
            "partner",
            "has_logo",
            "primary_colour",
            "secondary_colour",
            "contact_name",
            "contact_email",
            "contact_phone",
            "website",
            "service_area",
            "legal_line",
            "missing",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_has_logo(self, instance: CoBrandProfile) -> bool:
        return bool(instance.logo)

    def get_missing(self, instance: CoBrandProfile) -> list[str]:
        return instance.missing()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        membership = self.membership
        own = membership.partner if membership is not None and membership.is_partner_user else None
        if own is not None and attrs.get("partner", own) != own:
            raise serializers.ValidationError(
                {"partner": ["You keep your own partner's co-branding only."]}
            )
        if self.instance is not None:
            attrs.pop("partner", None)  # a profile stays with its partner
        elif own is not None:
            attrs["partner"] = own  # before the uniqueness check below
        elif "partner" not in attrs:
            raise serializers.ValidationError({"partner": ["Name the partner."]})
        return super().validate(attrs)


# --- Files, PDFs and publications: the shapes of the offers' and profiles' extra actions ------


class OfferAssetSerializer(serializers.ModelSerializer):
    """An asset as listed: files by name, type and size with their download URL; copy blocks
    with their text (they have no file)."""

    download = serializers.SerializerMethodField(
        help_text="Where to download the file; null for a copy block."
    )

    class Meta:
        model = OfferAsset
        fields = [
            "id",
            "kind",
            "title",
            "filename",
            "content_type",
            "size",
            "language",
            "text",
            "created_at",
            "download",
        ]
        read_only_fields = fields

    def get_download(self, obj: OfferAsset) -> str | None:
        if not obj.file:
            return None
        return reverse("offer-asset", kwargs={"pk": obj.offer_id, "asset_id": obj.pk})


class AssetUploadSerializer(serializers.Serializer):
    """A new asset (multipart/form-data): a document (PDF or image) or an image with `file`, or
    a copy block with `language` and `text`."""

    kind = serializers.ChoiceField(AssetKind.choices)
    title = serializers.CharField(max_length=200)
    file = serializers.FileField(
        required=False, help_text="Documents and images: PDF, PNG, JPEG, GIF or WebP."
    )
    # Checked by the service (add_asset), which names every problem of a copy block at once.
    language = serializers.CharField(
        max_length=35,
        required=False,
        allow_blank=True,
        default="",
        help_text="Copy blocks: en, de, de-AT...",
    )
    text = serializers.CharField(
        max_length=20_000,
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        help_text="Copy blocks: the text.",
    )


class LogoUploadSerializer(serializers.Serializer):
    logo = serializers.FileField(help_text="PNG, JPEG, GIF or WebP (no SVG).")


class OfferPublishSerializer(serializers.Serializer):
    partner = InTenant(
        Partner,
        natural_keys=EXTERNAL,
        required=False,
        allow_null=True,
        help_text="The partner whose co-branded page it is (partner admins: their own, the "
        "default); null: the manufacturer's page for direct sales.",
    )


class OfferPublicationSerializer(serializers.ModelSerializer):
    """A published landing page with its public URLs (anyone holding them may open them)."""

    page_url = serializers.SerializerMethodField(help_text="The public landing page.")
    pdf_url = serializers.SerializerMethodField(help_text="The public co-branded PDF.")

    class Meta:
        model = OfferPublication
        fields = ["id", "offer", "partner", "is_active", "published_at", "page_url", "pdf_url"]
        read_only_fields = fields

    def _url(self, name: str, obj: OfferPublication) -> str:
        tenant = self.context.get("tenant") or obj.tenant
        path = reverse(name, kwargs={"tenant_slug": tenant.slug, "key": obj.key})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_page_url(self, obj: OfferPublication) -> str:
        return self._url("public-offer-page", obj)

    def get_pdf_url(self, obj: OfferPublication) -> str:
        return self._url("public-offer-pdf", obj)
