"""Demo offers, co-branding and campaigns, so every campaigns page has something to show.

Per tenant: offers of every kind (an ROI calculator with its inputs and formula, one for top-tier
partners only, one for direct sales only, an expired one and a draft), a copy block on each; the
co-branding of the partners by tier (the first and third complete, with a small PNG logo in their
colour, the second incomplete, the others none yet), their co-branded pages of every offer they may use and
the manufacturer's pages for direct sales; a campaign of every type with offers, the routes that
run it and a target list. Everything goes through the services, acting as the demo seeding, and
is found again by its external id (DEMO-OFF-n, DEMO-CAM-n), so seeding twice adds nothing.
Dates are relative to the day of seeding."""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile

from accounts.models import ProductLine, TargetList
from campaigns import services
from campaigns.choices import AssetKind, CampaignKind, CampaignStatus, OfferKind, OfferStatus
from campaigns.models import Campaign, CoBrandProfile, Offer, tenant_today
from core.acting import SystemActor
from core.tenancy import tenant_scope
from tenancy.choices import PartnerTier
from tenancy.models import Partner, Tenant

__all__ = ["seed"]

SLUGS = ("acme", "globex")
ACTING = SystemActor("demo seeding")

ROI_INPUTS = [
    {"key": "hours", "label": "Downtime hours avoided a year", "unit": "h", "default": 60},
    {"key": "rate", "label": "Cost of an hour of downtime", "unit": "", "default": 1800},
    {"key": "price", "label": "Price of the service plan", "unit": "", "default": 24000},
]

# (number, name, kind, summary, extra fields; valid dates as days from today)
OFFERS: list[tuple[int, str, str, str, dict[str, Any]]] = [
    (1, "Fleet health assessment", OfferKind.ASSESSMENT, "A two-day check of every machine.", {}),
    (
        2,
        "Uptime ROI calculator",
        OfferKind.ROI_CALCULATOR,
        "What avoided downtime is worth to you.",
        {"roi_inputs": ROI_INPUTS, "roi_formula": "hours * rate - price"},
    ),
    (
        3,
        "90-day pilot",
        OfferKind.PILOT,
        "One machine on site for three months.",
        {"routes": ["partner"], "partner_tiers": ["platinum", "gold"]},
    ),
    (
        4,
        "Operator training days",
        OfferKind.TRAINING,
        "Hands-on training.",
        {"routes": ["partner"]},
    ),
    (
        5,
        "Service contract starter",
        OfferKind.SERVICE_CONTRACT,
        "The first year of service at half price.",
        {"routes": ["direct"]},
    ),
    (6, "Winter promotion", OfferKind.OTHER, "Ended last season.", {"valid": (-200, -20)}),
    (
        7,
        "Hydrogen readiness check",
        OfferKind.ASSESSMENT,
        "Coming soon.",
        {"status": OfferStatus.DRAFT},
    ),
]

INCOMPLETE = 1  # the second partner by tier: no logo or legal line yet
COLOURS = ["#0B5CAD", "#B42318", "#067647", "#6941C6"]

# (number, name, kind, fields of who runs it, the numbers of its offers)
CAMPAIGNS: list[tuple[int, str, str, dict[str, Any], list[int]]] = [
    (1, "Strategic accounts ABM", CampaignKind.ABM, {"direct": True}, [1, 2]),
    (
        2,
        "Search: uptime",
        CampaignKind.PAID_SEARCH,
        {"direct": True, "partner_mode": "all"},
        [2],
    ),
    (
        3,
        "Customer days",
        CampaignKind.EVENT,
        {"direct": False, "partner_mode": "tiers", "partner_tiers": ["platinum", "gold"]},
        [3],
    ),
    (4, "Local ads with partners", CampaignKind.PARTNER_AD, {"direct": False}, [1, 4]),
    (5, "Spring newsletter", CampaignKind.EMAIL, {"direct": True, "partner_mode": "all"}, [1]),
    (6, "Webinar: predictive maintenance", CampaignKind.WEBINAR, {"direct": True}, [2, 5]),
    (7, "Trade show booth", CampaignKind.TRADE_SHOW, {"direct": True}, [1, 2]),
]


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_of(colour: str) -> bytes:
    """An 8x8 PNG of one colour (#RRGGBB): a real image, a few dozen bytes."""
    pixel = bytes.fromhex(colour[1:])
    rows = b"".join(b"\x00" + pixel * 8 for _ in range(8))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


def seed(stdout: Any = None, scale: float = 1.0) -> None:
    for slug in SLUGS:
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            continue
        with tenant_scope(tenant):
            made = _Seeder(tenant).run()
        if stdout is not None:
            stdout.write(f"campaigns: {slug}: {made[0]} offers, {made[1]} campaigns created")


class _Seeder:
    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self.today = tenant_today(tenant)
        rank = {tier: i for i, tier in enumerate(PartnerTier.values)}
        partners = Partner.objects.order_by("name", "pk")
        self.partners = sorted(partners, key=lambda p: rank.get(p.tier, len(rank)))

    def run(self) -> tuple[int, int]:
        offers, new_offers = self.offers()
        self.profiles()
        self.publications(offers)
        return new_offers, self.campaigns(offers)

    def _day(self, days: int) -> dt.date:
        return self.today + dt.timedelta(days=days)

    def offers(self) -> tuple[dict[int, Offer], int]:
        have = {o.external_id: o for o in Offer.objects.filter(external_id__startswith="DEMO-OFF-")}
        lines = list(ProductLine.objects.order_by("pk")[:2])
        made = 0
        for number, name, kind, summary, extra in OFFERS:
            key = f"DEMO-OFF-{number}"
            if key in have:
                continue
            fields = {**extra}
            start, end = fields.pop("valid", (-30, 365))
            offer = services.save_offer(
                None,
                tenant=self.tenant,
                acting=ACTING,
                product_lines=lines,
                external_id=key,
                name=name,
                kind=kind,
                summary=summary,
                status=fields.pop("status", OfferStatus.PUBLISHED),
                description=f"{summary} Ask us how it works for your fleet.",
                valid_from=self._day(start),
                valid_until=self._day(end),
                **fields,
            )
            services.add_asset(
                offer,
                acting=ACTING,
                kind=AssetKind.COPY,
                title="Short description",
                language="en",
                text=f"{name}: {summary}",
            )
            have[key] = offer
            made += 1
        return {int(k.rsplit("-", 1)[1]): o for k, o in have.items()}, made

    def profiles(self) -> None:
        for index, partner in enumerate(self.partners[:3]):
            if CoBrandProfile.objects.filter(partner=partner).exists():
                continue
            colour = COLOURS[index % len(COLOURS)]
            fields: dict[str, Any] = {
                "primary_colour": colour,
                "secondary_colour": "#F79009",
                "contact_name": f"{partner.name.split()[0]} sales desk",
                "contact_email": f"sales@{partner.external_id.lower() or partner.pk}.example",
                "service_area": "Our region, with engineers on site within a day",
            }
            logo = None
            if index != INCOMPLETE:
                fields["legal_line"] = f"{partner.name}, registered in the commercial register"
                logo = ContentFile(png_of(colour), name="logo.png")
            services.save_cobrand_profile(partner, acting=ACTING, logo=logo, **fields)

    def publications(self, offers: dict[int, Offer]) -> None:
        for offer in offers.values():
            for partner in self.partners[:3]:
                if not services.publish_readiness(offer, partner, on=self.today):
                    services.publish_offer(offer, partner, acting=ACTING, on=self.today)
            if services.offer_available_to(offer, None, on=self.today)[0]:
                services.publish_offer(offer, None, acting=ACTING, on=self.today)

    def campaigns(self, offers: dict[int, Offer]) -> int:
        have = set(
            Campaign.objects.filter(external_id__startswith="DEMO-CAM-").values_list(
                "external_id", flat=True
            )
        )
        lists = list(TargetList.objects.order_by("pk")[:2])
        made = 0
        for number, name, kind, runs, offer_numbers in CAMPAIGNS:
            key = f"DEMO-CAM-{number}"
            if key in have:
                continue
            named = self.partners[:2] if kind in (CampaignKind.PARTNER_AD,) else []
            mode = "named" if named else runs.get("partner_mode", "none")
            services.save_campaign(
                None,
                tenant=self.tenant,
                acting=ACTING,
                offers=[offers[n] for n in offer_numbers if n in offers],
                partners=named,
                external_id=key,
                name=name,
                kind=kind,
                status=CampaignStatus.DRAFT if number == 7 else CampaignStatus.ACTIVE,
                description=f"{name}: the {CampaignKind(kind).label.lower()} of this season.",
                starts_on=self._day(-30 + 10 * number),
                ends_on=self._day(60 + 10 * number),
                budget=Decimal(5000 * number),
                target_list=lists[number % len(lists)] if lists else None,
                direct=runs.get("direct", True),
                partner_mode=mode,
                partner_tiers=runs.get("partner_tiers", []),
            )
            made += 1
        return made
