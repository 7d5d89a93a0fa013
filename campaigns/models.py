"""Offers (kits both routes use), their assets, each partner's co-branding profile, and campaigns.

The rules about one row live here (field validators and `clean()`), so the API's serializers and
any later console form refuse the same input with the same message. Who may see what is each
queryset's `visible_to()`; the rule "may this partner use this offer today" is written twice on
purpose, as a queryset filter (`OfferQuerySet.available_to`) and as a check with its reason
(`Offer.availability`), and a test holds them equal."""

from __future__ import annotations

import datetime
import secrets
import uuid
from decimal import Decimal
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import ProductLine, TargetList
from campaigns import roi
from campaigns.choices import (
    AssetKind,
    CampaignKind,
    CampaignStatus,
    OfferKind,
    OfferStatus,
    PartnerMode,
    Route,
)
from campaigns.validators import check_copy, validate_colour
from core.models import TenantOwned
from core.sync import Synced
from core.tenancy import TenantManager, TenantQuerySet
from tenancy.choices import PartnerTier
from tenancy.models import Membership, Partner, Tenant

__all__ = [
    "Campaign",
    "CampaignOffer",
    "CampaignPartner",
    "CoBrandProfile",
    "Offer",
    "OfferAsset",
    "OfferProductLine",
    "OfferPublication",
    "PageViews",
    "check_campaign_offers",
    "check_campaign_partners",
    "tenant_today",
]

validate_phone = RegexValidator(
    r"^\+?[0-9 ()./-]{5,40}$", "Give a phone number of digits, spaces and + ( ) - / . only."
)


def tenant_today(tenant: Tenant) -> datetime.date:
    """Today in the tenant's zone: an offer valid until the 31st is valid all of the 31st there."""
    return timezone.now().astimezone(tenant.zone).date()


def _external_id_unique(model: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["tenant", "external_id"],
        condition=~Q(external_id=""),
        name=f"{model}_tenant_external_id_uniq",
    )


def _sync_index(model: str) -> models.Index:
    return models.Index(fields=["tenant", "sync_seq", "id"], name=f"{model}_sync_feed")


def _json_has(field: str, value: str) -> Q:
    """A JSON list of strings holds `value`. JSON `contains` is not available on SQLite; the
    quoted value in the list's text is the same test on both databases (values are plain keys)."""
    return Q(**{f"{field}__icontains": f'"{value}"'})


def _check_choices(value: Any, choices: type[models.TextChoices], what: str) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(f"Give the {what} as a list.")
    unknown = sorted(set(value) - set(choices.values))
    if unknown:
        raise ValidationError(
            f"Unknown {what}: {', '.join(unknown)} (use {', '.join(choices.values)})."
        )


def validate_routes(value: Any) -> None:
    _check_choices(value, Route, "routes")


def validate_tiers(value: Any) -> None:
    _check_choices(value, PartnerTier, "partner tiers")


def _all_routes() -> list[str]:
    return [Route.DIRECT, Route.PARTNER]


# --- Offers -------------------------------------------------------------------------------------


class OfferQuerySet(TenantQuerySet):
    def available_to(self, partner: Partner | None, on: datetime.date) -> OfferQuerySet:
        """Published offers inside their validity on `on`, open to the direct route (partner
        None) or to this partner's route and tier. Mirrors `Offer.availability`."""
        rows = self.filter(status=OfferStatus.PUBLISHED)
        rows = rows.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on))
        rows = rows.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        if partner is None:
            return rows.filter(_json_has("routes", Route.DIRECT))
        return rows.filter(_json_has("routes", Route.PARTNER)).filter(
            Q(partner_tiers=[]) | _json_has("partner_tiers", partner.tier)
        )

    def visible_to(self, membership: Membership) -> OfferQuerySet:
        # RevOps admins manage every offer; everyone else sees what they may use today.
        if membership.is_admin:
            return self
        return self.available_to(
            membership.partner if membership.is_partner_user else None,
            tenant_today(membership.tenant),
        )


class Offer(Synced):
    """A kit both routes can use: an assessment, a pilot, an ROI calculator..."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=OfferKind.choices)
    status = models.CharField(max_length=20, choices=OfferStatus.choices, default=OfferStatus.DRAFT)
    summary = models.CharField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    copy = models.JSONField(
        default=dict,
        blank=True,
        validators=[check_copy],
        help_text='Copy blocks by language, e.g. {"en": "...", "de": "..."}.',
    )
    routes = models.JSONField(
        default=_all_routes, validators=[validate_routes], help_text="Who may use the offer."
    )
    partner_tiers = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_tiers],
        help_text="Partner tiers allowed to use it; empty: every tier.",
    )
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    roi_inputs = models.JSONField(
        default=list,
        blank=True,
        help_text="ROI calculators: the visitor's inputs, [{key, label, unit, default}].",
    )
    roi_formula = models.CharField(
        max_length=roi.MAX_FORMULA_LENGTH,
        blank=True,
        help_text="ROI calculators: arithmetic over the input keys, e.g. hours * rate - price.",
    )

    objects: ClassVar = TenantManager.from_queryset(OfferQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["name", "id"]
        constraints = [_external_id_unique("offer")]
        indexes = [
            _sync_index("offer"),
            models.Index(fields=["tenant", "status", "valid_until"], name="offer_tenant_status"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = "The offer cannot end before it starts."
        if isinstance(self.routes, list) and not self.routes:
            errors["routes"] = "Allow at least one route: direct, partner or both."
        elif (
            self.partner_tiers
            and isinstance(self.routes, list)
            and Route.PARTNER not in self.routes
        ):
            errors["partner_tiers"] = "Partner tiers apply only when partners may use the offer."
        errors.update(self._roi_errors())
        if errors:
            raise ValidationError(errors)

    def _roi_errors(self) -> dict[str, Any]:
        if self.kind != OfferKind.ROI_CALCULATOR:
            if self.roi_inputs or self.roi_formula:
                return {"roi_formula": "Only ROI calculator offers have inputs and a formula."}
            return {}
        try:
            inputs = roi.check_inputs(self.roi_inputs)
        except ValidationError as exc:
            return {"roi_inputs": exc.messages}
        if not inputs:
            return {"roi_inputs": "An ROI calculator needs at least one input."}
        try:
            roi.check_formula(self.roi_formula, inputs)
        except ValidationError as exc:
            return {"roi_formula": exc.messages}
        return {}

    def availability(self, partner: Partner | None, on: datetime.date) -> tuple[bool, str]:
        """Whether the direct route (partner None) or `partner` may use the offer on `on`, and
        if not, why, in words the person asking understands."""
        if self.status != OfferStatus.PUBLISHED:
            return False, f"This offer is {self.get_status_display().lower()}, not published."
        if self.valid_from and on < self.valid_from:
            return False, f"This offer is valid from {self.valid_from:%Y-%m-%d}."
        if self.valid_until and on > self.valid_until:
            return False, f"This offer ended on {self.valid_until:%Y-%m-%d}."
        if partner is None:
            if Route.DIRECT not in self.routes:
                return False, "This offer is for partners only."
            return True, "Available to direct sales."
        if Route.PARTNER not in self.routes:
            return False, "This offer is for direct sales only."
        if self.partner_tiers and partner.tier not in self.partner_tiers:
            tiers = ", ".join(PartnerTier(t).label for t in self.partner_tiers)
            return (
                False,
                f"This offer is for {tiers} partners; you are {partner.get_tier_display()}.",
            )
        return True, "Available to your partner organisation."


class OfferProductLine(TenantOwned):
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="product_line_links")
    product_line = models.ForeignKey(ProductLine, on_delete=models.CASCADE, related_name="+")

    class Meta:
        base_manager_name = "all_tenants"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "offer", "product_line"], name="offerproductline_uniq"
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "product_line"], name="offerproductline_line"),
        ]

    def __str__(self) -> str:
        return f"{self.product_line_id} for offer {self.offer_id}"


def _asset_path(instance: OfferAsset, filename: str) -> str:
    # Never the uploaded name: a stored path names nothing and cannot be guessed.
    return f"campaigns/{instance.tenant_id}/assets/{uuid.uuid4().hex}"


class OfferAssetQuerySet(TenantQuerySet):
    def visible_to(self, membership: Membership) -> OfferAssetQuerySet:
        return self.filter(offer__in=Offer.objects.visible_to(membership))


class OfferAsset(TenantOwned):
    """A document, image or copy block of an offer. Files are stored through Django's storage
    API and served only by permission-checked views, never as a public media URL."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="assets")
    kind = models.CharField(max_length=20, choices=AssetKind.choices)
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to=_asset_path, max_length=200, blank=True)
    filename = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    language = models.CharField(max_length=5, blank=True, help_text="Copy blocks: en, de-AT...")
    text = models.TextField(blank=True, help_text="Copy blocks: the text.")

    objects: ClassVar = TenantManager.from_queryset(OfferAssetQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["offer", "title", "id"]
        indexes = [models.Index(fields=["tenant", "offer"], name="offerasset_offer")]

    def __str__(self) -> str:
        return self.title


# --- Co-branding --------------------------------------------------------------------------------


def _logo_path(instance: CoBrandProfile, filename: str) -> str:
    return f"campaigns/{instance.tenant_id}/logos/{uuid.uuid4().hex}"


class CoBrandProfileQuerySet(TenantQuerySet):
    def visible_to(self, membership: Membership) -> CoBrandProfileQuerySet:
        # A partner's branding is its own: competing partners never see each other's.
        if membership.is_admin:
            return self
        if membership.is_partner_user:
            return self.filter(partner_id=membership.partner_id)
        return self.none()


class CoBrandProfile(TenantOwned):
    """How a partner's co-branded pages and PDFs look: set once by its partner admins."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    logo = models.FileField(upload_to=_logo_path, max_length=200, blank=True)
    logo_content_type = models.CharField(max_length=100, blank=True)
    primary_colour = models.CharField(max_length=7, blank=True, validators=[validate_colour])
    secondary_colour = models.CharField(max_length=7, blank=True, validators=[validate_colour])
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(max_length=254, blank=True)
    contact_phone = models.CharField(max_length=40, blank=True, validators=[validate_phone])
    website = models.URLField(max_length=300, blank=True)
    service_area = models.CharField(max_length=1000, blank=True)
    legal_line = models.CharField(max_length=500, blank=True)

    objects: ClassVar = TenantManager.from_queryset(CoBrandProfileQuerySet)()

    # What publishing needs, in the words a partner admin reads on their profile page.
    REQUIRED: ClassVar[tuple[tuple[str, str], ...]] = (
        ("logo", "a logo"),
        ("primary_colour", "a primary colour"),
        ("contact_name", "a contact name"),
        ("contact", "a contact email or phone number"),
        ("service_area", "the area you serve"),
        ("legal_line", "a legal line (company name and registration)"),
    )

    class Meta:
        base_manager_name = "all_tenants"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "partner"], name="cobrandprofile_partner_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"Co-branding of partner {self.partner_id}"

    def missing(self) -> list[str]:
        """What the profile still lacks before the partner can publish co-branded offers."""
        present = {
            "logo": bool(self.logo),
            "primary_colour": bool(self.primary_colour),
            "contact_name": bool(self.contact_name.strip()),
            "contact": bool(self.contact_email or self.contact_phone),
            "service_area": bool(self.service_area.strip()),
            "legal_line": bool(self.legal_line.strip()),
        }
        return [words for key, words in self.REQUIRED if not present[key]]


# --- Publications: an offer's public landing page, per partner or for direct sales ------------


def _public_key() -> str:
    # In the public URL: random, so a page cannot be found by counting.
    return secrets.token_urlsafe(12)


class OfferPublicationQuerySet(TenantQuerySet):
    def visible_to(self, membership: Membership) -> OfferPublicationQuerySet:
        # A partner's pages are its own; direct users see the manufacturer's pages.
        if membership.is_admin:
            return self
        if membership.is_partner_user:
            return self.filter(partner_id=membership.partner_id)
        return self.filter(partner__isnull=True)

    def live(self) -> OfferPublicationQuerySet:
        return self.filter(is_active=True)


class OfferPublication(TenantOwned):
    """An offer published as a public landing page (and PDF): co-branded for one partner, or with
    the manufacturer's branding for direct sales (partner None). Publishing checks that the offer
    is available to that route and tier and that the partner's co-branding profile is complete
    (campaigns.services.publish_offer); the page itself checks availability again on every view,
    so an offer that ends or is retired stops showing without anyone unpublishing it."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="publications")
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=32, default=_public_key, help_text="In the public URL.")
    is_active = models.BooleanField(default=True)
    published_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar = TenantManager.from_queryset(OfferPublicationQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="offerpublication_key"),
            models.UniqueConstraint(
                fields=["tenant", "offer", "partner"],
                condition=Q(partner__isnull=False),
                name="offerpublication_partner_uniq",
            ),
            models.UniqueConstraint(
                fields=["tenant", "offer"],
                condition=Q(partner__isnull=True),
                name="offerpublication_direct_uniq",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "partner", "offer"], name="offerpublication_partner"),
        ]

    def __str__(self) -> str:
        return f"Offer {self.offer_id} for {self.partner_id or 'direct sales'}"


class PageViewsQuerySet(TenantQuerySet):
    def visible_to(self, membership: Membership) -> PageViewsQuerySet:
        return self.filter(publication__in=OfferPublication.objects.visible_to(membership))


class PageViews(TenantOwned):
    """How often a landing page was viewed on a day: the first step of an offer's conversion.
    One row per page and day, counted up in the database (campaigns.services.count_view)."""

    publication = models.ForeignKey(
        OfferPublication, on_delete=models.CASCADE, related_name="view_days"
    )
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)

    objects: ClassVar = TenantManager.from_queryset(PageViewsQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "publication", "day"], name="pageviews_publication_day"
            )
        ]
        indexes = [models.Index(fields=["tenant", "day"], name="pageviews_day")]

    def __str__(self) -> str:
        return f"{self.views} views of publication {self.publication_id} on {self.day}"


# --- Campaigns ----------------------------------------------------------------------------------


class CampaignQuerySet(TenantQuerySet):
    def visible_to(self, membership: Membership) -> CampaignQuerySet:
        if membership.is_admin:
            return self
        partner = membership.partner if membership.is_partner_user else None
        return self.exclude(status=CampaignStatus.DRAFT).run_by(partner)

    def run_by(self, partner: Partner | None) -> CampaignQuerySet:
        """Campaigns direct sales run (partner None), or this partner takes part in: named, by
        its tier, or all partners."""
        if partner is None:
            return self.filter(direct=True)
        named = CampaignPartner.objects.filter(partner_id=partner.pk).values("campaign_id")
        return self.filter(
            Q(partner_mode=PartnerMode.ALL)
            | (Q(partner_mode=PartnerMode.TIERS) & _json_has("partner_tiers", partner.tier))
            | Q(partner_mode=PartnerMode.NAMED, pk__in=named)
        )

    def running_on(self, day: datetime.date) -> CampaignQuerySet:
        return self.filter(status=CampaignStatus.ACTIVE, starts_on__lte=day, ends_on__gte=day)


class Campaign(Synced):
    """A campaign: its type, dates, budget, one target list shared by every route, the offers it
    uses, and which routes run it (direct, and none, named, some tiers or all partners)."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=CampaignKind.choices)
    status = models.CharField(
        max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    description = models.TextField(blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField()
    budget = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
        help_text="In the tenant's currency.",
    )
    target_list = models.ForeignKey(
        TargetList, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    direct = models.BooleanField(default=True, help_text="Direct sales run the campaign.")
    partner_mode = models.CharField(
        max_length=10, choices=PartnerMode.choices, default=PartnerMode.NONE
    )
    partner_tiers = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_tiers],
        help_text="With partner_mode tiers: the tiers whose partners run it.",
    )

    objects: ClassVar = TenantManager.from_queryset(CampaignQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-starts_on", "name", "id"]
        constraints = [_external_id_unique("campaign")]
        indexes = [
            _sync_index("campaign"),
            models.Index(fields=["tenant", "status", "starts_on"], name="campaign_tenant_status"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "The campaign cannot end before it starts."
        if self.partner_mode == PartnerMode.TIERS and not self.partner_tiers:
            errors["partner_tiers"] = "Name the partner tiers that run the campaign."
        elif self.partner_mode != PartnerMode.TIERS and self.partner_tiers:
            errors["partner_tiers"] = "Partner tiers apply only when partner_mode is tiers."
        if not self.direct and self.partner_mode == PartnerMode.NONE:
            errors["partner_mode"] = (
                "Someone must run the campaign: direct sales, partners or both."
            )
        if errors:
            raise ValidationError(errors)


def check_campaign_partners(mode: str, partners: list[Partner]) -> None:
    """The named partners of a campaign agree with its partner mode (a rule about how rows
    link, checked by the services and the API serializer alike)."""
    if mode == PartnerMode.NAMED and not partners:
        raise ValidationError({"partners": "Name at least one partner, or choose another mode."})
    if mode != PartnerMode.NAMED and partners:
        raise ValidationError({"partners": "Partners are named only when partner_mode is named."})


def _route_problems(
    offer: Offer, direct: bool, mode: str, tiers: list[str], partners: list[Partner]
) -> list[str]:
    name = f"Offer \u201c{offer.name}\u201d"
    problems = []
    if direct and Route.DIRECT not in offer.routes:
        problems.append(f"{name} is not open to direct sales, which run this campaign.")
    if mode == PartnerMode.NONE:
        return problems
    if Route.PARTNER not in offer.routes:
        return [*problems, f"{name} is not open to partners, who run this campaign."]
    allowed = set(offer.partner_tiers or PartnerTier.values)
    if mode == PartnerMode.ALL and allowed != set(PartnerTier.values):
        labels = [PartnerTier(t).label for t in PartnerTier.values if t in allowed]
        said = ", ".join(labels[:-1]) + " and " + labels[-1] if len(labels) > 1 else labels[0]
        problems.append(
            f"{name} is open to {said} partners only, and all partners run this campaign."
        )
    elif mode == PartnerMode.TIERS:
        problems += [
            f"{name} is not open to {PartnerTier(tier).label} partners, who run this campaign."
            for tier in tiers
            if tier not in allowed
        ]
    elif mode == PartnerMode.NAMED:
        problems += [
            f"{name} is not open to {p.name} ({p.get_tier_display()}), who runs this campaign."
            for p in partners
            if p.tier not in allowed
        ]
    return problems


def check_campaign_offers(
    *,
    direct: bool,
    partner_mode: str,
    partner_tiers: list[str],
    offers: list[Offer],
    partners: list[Partner],
) -> None:
    """Every offer of a campaign is usable on each route that runs it: open to direct sales when
    they run it, to partners when partners do, and to each tier (or named partner's tier) that
    runs it. All problems at once, each naming the offer and the route or tier."""
    tiers = partner_tiers if isinstance(partner_tiers, list) else []
    problems = [
        problem
        for offer in offers
        for problem in _route_problems(offer, direct, partner_mode, tiers, partners)
    ]
    if problems:
        raise ValidationError({"offers": problems})


class CampaignOffer(TenantOwned):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="offer_links")
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="campaign_links")

    class Meta:
        base_manager_name = "all_tenants"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "campaign", "offer"], name="campaignoffer_uniq"
            )
        ]
        indexes = [models.Index(fields=["tenant", "offer"], name="campaignoffer_offer")]

    def __str__(self) -> str:
        return f"Offer {self.offer_id} in campaign {self.campaign_id}"


class CampaignPartner(TenantOwned):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="partner_links")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")

    class Meta:
        base_manager_name = "all_tenants"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "campaign", "partner"], name="campaignpartner_uniq"
            )
        ]
        indexes = [models.Index(fields=["tenant", "partner"], name="campaignpartner_partner")]

    def __str__(self) -> str:
        return f"Partner {self.partner_id} in campaign {self.campaign_id}"
