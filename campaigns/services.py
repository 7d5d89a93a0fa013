"""Every change to offers, assets, co-branding profiles and campaigns, and the rules across rows.

Rules about one row are the models' (`clean()` and field validators); these services run them
(`full_clean`) and add what spans rows: product lines, a campaign's offers and partners, files,
who may change what. Each service is atomic, so a refused write leaves nothing half-saved, and a
file written to storage before a failure is deleted again (`core.storage.deleted_on_failure`).
The API's serializers write the same nested parts through the `set_*` services below."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from accounts.models import ProductLine
from campaigns.choices import AssetKind
from campaigns.models import (
    Campaign,
    CampaignOffer,
    CampaignPartner,
    CoBrandProfile,
    Offer,
    OfferAsset,
    OfferProductLine,
    OfferPublication,
    PageViews,
    check_campaign_offers,
    check_campaign_partners,
    tenant_today,
)
from campaigns.validators import DOCUMENT_TYPES, IMAGE_TYPES, LANGUAGE, check_upload
from core.acting import action
from core.storage import deleted_on_failure
from core.tenancy import tenant_scope
from tenancy.acting import Acting
from tenancy.choices import PartnerStatus, Role
from tenancy.models import Membership, Partner, Tenant

__all__ = [
    "add_asset",
    "cobrand_missing",
    "count_view",
    "find_live_publication",
    "offer_available_to",
    "publish_offer",
    "publish_readiness",
    "remove_asset",
    "save_campaign",
    "save_cobrand_profile",
    "save_offer",
    "set_campaign_offers",
    "set_campaign_partners",
    "set_offer_product_lines",
    "unpublish_offer",
]

ASSET_FILE_TYPES = {AssetKind.DOCUMENT: DOCUMENT_TYPES, AssetKind.IMAGE: IMAGE_TYPES}
PROFILE_FIELDS = (
    "primary_colour",
    "secondary_colour",
    "contact_name",
    "contact_email",
    "contact_phone",
    "website",
    "service_area",
    "legal_line",
)


def _require_admin(acting: Acting, what: str) -> None:
    if isinstance(acting, Membership) and not acting.is_admin:
        raise PermissionDenied(f"Only RevOps admins {what}.")


def _assign(row: Any, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        if name in ("id", "pk", "tenant", "tenant_id", "version", "sync_seq"):
            raise ValueError(f"{name} is not set through a service")
        setattr(row, name, value)


# --- Offers ------------------------------------------------------------------------------------


@action
def set_offer_product_lines(offer: Offer, lines: Iterable[ProductLine], *, acting: Acting) -> None:
    """Make the offer's product lines exactly `lines`."""
    wanted = {line.pk for line in lines}
    offer.product_line_links.exclude(product_line_id__in=wanted).delete()
    have = set(offer.product_line_links.values_list("product_line_id", flat=True))
    for pk in sorted(wanted - have):
        OfferProductLine.objects.create(tenant_id=offer.tenant_id, offer=offer, product_line_id=pk)


@action
def save_offer(
    offer: Offer | None,
    *,
    tenant: Tenant,
    acting: Acting,
    product_lines: Iterable[ProductLine] | None = None,
    **fields: Any,
) -> Offer:
    """Create (offer None) or change an offer: its row rules (validity, routes and tiers, the ROI
    inputs and formula) are checked whole before anything is written."""
    _require_admin(acting, "manage offers")
    row = offer if offer is not None else Offer(tenant=tenant)
    _assign(row, fields)
    row.full_clean(exclude=["tenant"])
    with transaction.atomic():
        row.save()
        if product_lines is not None:
            set_offer_product_lines(row, product_lines, acting=acting)
    return row


def offer_available_to(
    offer: Offer, partner: Partner | None, *, on: datetime.date | None = None
) -> tuple[bool, str]:
    """Whether the direct route (partner None) or `partner` may use the offer on `on` (default:
    today in the tenant's zone): published, inside its validity, its route and tier allowed. The
    reason says which, for the page or the API to show. A suspended or inactive partner may use
    no offer."""
    if partner is not None and partner.status != PartnerStatus.ACTIVE:
        return False, f"{partner.name} is {partner.get_status_display().lower()}."
    return offer.availability(partner, on or tenant_today(offer.tenant))


@action
def add_asset(
    offer: Offer,
    *,
    acting: Acting,
    kind: str,
    title: str,
    upload: Any = None,
    language: str = "",
    text: str = "",
) -> OfferAsset:
    """Add a document, an image or a copy block to an offer. A file is judged by its bytes and
    size (campaigns.validators.check_upload); a copy block is text in one language."""
    _require_admin(acting, "add offer assets")
    asset = OfferAsset(tenant_id=offer.tenant_id, offer=offer, kind=kind, title=title)
    if kind == AssetKind.COPY:
        _copy_block(asset, language, text, upload)
    elif kind in ASSET_FILE_TYPES:
        try:
            asset.filename, asset.content_type, asset.size = check_upload(
                upload, accepted=ASSET_FILE_TYPES[AssetKind(kind)]
            )
        except ValidationError as exc:
            raise ValidationError({"file": exc.messages}) from None
    asset.full_clean(exclude=["tenant", "offer", "file"])
    with deleted_on_failure() as written, transaction.atomic():
        if upload is not None and kind != AssetKind.COPY:
            asset.file.save("asset", upload, save=False)
            written(asset.file)
        asset.save()
    return asset


@action
def remove_asset(asset: OfferAsset, *, acting: Acting) -> None:
    """Delete an asset; its stored file goes once the deletion is committed (a rolled-back
    deletion keeps the row and the file it points to)."""
    _require_admin(acting, "remove offer assets")
    name, storage = asset.file.name, asset.file.storage
    with transaction.atomic():
        asset.delete()
        if name:
            transaction.on_commit(lambda: storage.delete(name))


def _copy_block(asset: OfferAsset, language: str, text: str, upload: Any) -> None:
    errors = {}
    if upload is not None:
        errors["file"] = "A copy block is text; send a document or an image as another asset."
    if not LANGUAGE.match(language or ""):
        errors["language"] = "Give the copy's language as a code such as en, de or de-AT."
    if not (text or "").strip():
        errors["text"] = "A copy block needs its text."
    if errors:
        raise ValidationError(errors)
    asset.language, asset.text = language, text


# --- Co-branding -------------------------------------------------------------------------------


def _may_brand(partner: Partner, acting: Acting) -> None:
    if not isinstance(acting, Membership) or acting.is_admin:
        return
    if acting.role == Role.PARTNER_ADMIN and acting.partner_id == partner.pk:
        return
    raise PermissionDenied("Only your partner's admins and RevOps admins change its co-branding.")


@action
def save_cobrand_profile(
    partner: Partner, *, acting: Acting, logo: Any = None, **fields: Any
) -> CoBrandProfile:
    """Set a partner's co-branding (partial: only the fields given change). A logo must be a
    PNG, JPEG, GIF or WebP image within the size limit; colours are #RRGGBB."""
    _may_brand(partner, acting)
    unknown = sorted(set(fields) - set(PROFILE_FIELDS))
    if unknown:
        raise ValidationError({name: "This is not a co-branding field." for name in unknown})
    profile = CoBrandProfile.objects.filter(partner=partner).first() or CoBrandProfile(
        tenant_id=partner.tenant_id, partner=partner
    )
    _assign(profile, fields)
    if logo is not None:
        try:
            _, profile.logo_content_type, _ = check_upload(logo, accepted=IMAGE_TYPES)
        except ValidationError as exc:
            raise ValidationError({"logo": exc.messages}) from None
    profile.full_clean(exclude=["tenant", "partner", "logo"], validate_unique=False)
    old_logo = profile.logo.name if logo is not None and profile.logo else ""
    with deleted_on_failure() as written, transaction.atomic():
        if logo is not None:
            profile.logo.save("logo", logo, save=False)
            written(profile.logo)
        profile.save()
    if old_logo:
        # Only once the new logo is saved: a failed replacement keeps the old one.
        profile.logo.storage.delete(old_logo)
    return profile


def cobrand_missing(partner: Partner) -> list[str]:
    """What the partner's co-branding still lacks for publishing (everything, without one)."""
    profile = CoBrandProfile.objects.filter(partner=partner).first()
    if profile is None:
        return [words for _, words in CoBrandProfile.REQUIRED]
    return profile.missing()


def publish_readiness(
    offer: Offer,
    partner: Partner,
    *,
    on: datetime.date | None = None,
    missing: list[str] | None = None,
) -> list[str]:
    """Why the partner cannot publish its co-branded version of the offer yet; empty: it can.
    A list of offers passes the partner's `cobrand_missing` once as `missing`."""
    available, reason = offer_available_to(offer, partner, on=on)
    problems = [] if available else [reason]
    missing = cobrand_missing(partner) if missing is None else missing
    if missing:
        problems.append("Your co-branding profile still needs " + _joined(missing) + ".")
    return problems


def _may_publish(partner: Partner | None, acting: Acting) -> None:
    if partner is not None:
        _may_brand(partner, acting)
    elif isinstance(acting, Membership) and acting.is_partner_user:
        raise PermissionDenied("Partners publish their own co-branded pages only.")


@action
def publish_offer(
    offer: Offer, partner: Partner | None, *, acting: Acting, on: datetime.date | None = None
) -> OfferPublication:
    """Publish the offer's landing page for `partner` (co-branded; its partner admins or RevOps
    admins) or for direct sales (partner None, the manufacturer's branding). Refused, with every
    reason at once, while the offer is not available to that route and tier or the partner's
    co-branding profile is incomplete. Publishing again re-activates the same page and URL."""
    _may_publish(partner, acting)
    if partner is None:
        available, reason = offer_available_to(offer, None, on=on)
        problems = [] if available else [reason]
    else:
        problems = publish_readiness(offer, partner, on=on)
    if problems:
        raise ValidationError({"offer": problems})
    with transaction.atomic():
        row, created = OfferPublication.objects.select_for_update().get_or_create(
            tenant_id=offer.tenant_id, offer=offer, partner=partner
        )
        if not created and not row.is_active:
            row.is_active = True
            row.save(update_fields=["is_active", "updated_at"])
    return row


@action
def unpublish_offer(publication: OfferPublication, *, acting: Acting) -> OfferPublication:
    """Take a landing page down; its URL answers 404 until the offer is published again."""
    _may_publish(publication.partner, acting)
    if publication.is_active:
        publication.is_active = False
        publication.save(update_fields=["is_active", "updated_at"])
    return publication


def count_view(publication_id: int, *, tenant_id: int, on: datetime.date) -> None:
    """One more view of a landing page on `on`, counted in the database (an UPDATE ... + 1, so
    concurrent views are all counted; the first view of a day creates the row). Takes ids: the
    page may come from the cache, without its rows."""
    days = PageViews.objects.filter(publication_id=publication_id, day=on)
    if days.update(views=F("views") + 1):
        return
    try:
        with transaction.atomic():
            PageViews.objects.create(
                tenant_id=tenant_id, publication_id=publication_id, day=on, views=1
            )
    except IntegrityError:  # another view created it first
        days.update(views=F("views") + 1)


def find_live_publication(tenant_slug: str | None, key: str | None) -> OfferPublication | None:
    """The publication a public URL names, while it may be shown: published (not taken down),
    its offer still available to its partner (or to direct sales) today, the partner active.
    None for anything else, so a public page answers one 404 whatever part was wrong. The row
    comes with its tenant, offer and partner; query further inside `tenant_scope(row.tenant)`."""
    if not tenant_slug or not key or len(key) > 32 or len(tenant_slug) > 50:
        return None
    tenant = Tenant.objects.filter(slug=tenant_slug).first()
    if tenant is None:
        return None
    with tenant_scope(tenant):
        row = (
            OfferPublication.objects.live()
            .select_related("tenant", "offer__tenant", "partner")
            .filter(key=key)
            .first()
        )
        if row is None or not offer_available_to(row.offer, row.partner)[0]:
            return None
    return row


def _joined(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


# --- Campaigns ---------------------------------------------------------------------------------


@action
def set_campaign_offers(campaign: Campaign, offers: Iterable[Offer], *, acting: Acting) -> None:
    """Make the campaign's offers exactly `offers`."""
    wanted = {offer.pk for offer in offers}
    campaign.offer_links.exclude(offer_id__in=wanted).delete()
    have = set(campaign.offer_links.values_list("offer_id", flat=True))
    for pk in sorted(wanted - have):
        CampaignOffer.objects.create(tenant_id=campaign.tenant_id, campaign=campaign, offer_id=pk)


@action
def set_campaign_partners(
    campaign: Campaign, partners: Iterable[Partner], *, acting: Acting
) -> None:
    """Make the campaign's named partners exactly `partners`."""
    wanted = {partner.pk for partner in partners}
    campaign.partner_links.exclude(partner_id__in=wanted).delete()
    have = set(campaign.partner_links.values_list("partner_id", flat=True))
    for pk in sorted(wanted - have):
        CampaignPartner.objects.create(
            tenant_id=campaign.tenant_id, campaign=campaign, partner_id=pk
        )


@action
def save_campaign(
    campaign: Campaign | None,
    *,
    tenant: Tenant,
    acting: Acting,
    offers: Iterable[Offer] | None = None,
    partners: Iterable[Partner] | None = None,
    **fields: Any,
) -> Campaign:
    """Create (campaign None) or change a campaign with its offers and named partners, checked
    whole (dates, routes, partner mode against the partners named, each offer open to every
    route and tier that runs the campaign) before anything is written."""
    _require_admin(acting, "manage campaigns")
    row = campaign if campaign is not None else Campaign(tenant=tenant)
    _assign(row, fields)
    row.full_clean(exclude=["tenant", "target_list"])
    if row.target_list is not None and row.target_list.tenant_id != row.tenant_id:
        raise ValidationError({"target_list": "No such target list."})
    named = (
        list(partners)
        if partners is not None
        else list(Partner.objects.filter(pk__in=_named_ids(row)))
    )
    check_campaign_partners(row.partner_mode, named)
    offers = list(offers) if offers is not None else None  # read twice below
    check_campaign_offers(
        direct=row.direct,
        partner_mode=row.partner_mode,
        partner_tiers=row.partner_tiers,
        offers=offers if offers is not None else _linked_offers(row),
        partners=named,
    )
    with transaction.atomic():
        row.save()
        if offers is not None:
            set_campaign_offers(row, offers, acting=acting)
        if partners is not None:
            set_campaign_partners(row, named, acting=acting)
    return row


def _linked_offers(campaign: Campaign) -> list[Offer]:
    if campaign.pk is None:
        return []
    return list(Offer.objects.filter(campaign_links__campaign=campaign))


def _named_ids(campaign: Campaign) -> list[int]:
    if campaign.pk is None:
        return []
    return list(campaign.partner_links.values_list("partner_id", flat=True))
