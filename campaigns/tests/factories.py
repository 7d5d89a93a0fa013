"""Factories of campaigns' rows. Every factory takes `tenant=`; related rows follow it."""

from __future__ import annotations

import datetime
import struct
import zlib

import factory

from campaigns.choices import CampaignKind, CampaignStatus, OfferKind, OfferStatus
from campaigns.models import Campaign, CoBrandProfile, Offer
from tenancy.tests.factories import PartnerFactory, TenantFactory


# The smallest real files of each kind, for upload tests.
def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# A 1x1 RGBA PNG, chunks and checksums written out, so it is a real image any decoder reads.
PNG = (
    b"\x89PNG\r\n\x1a\n"
    + _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
    + _chunk(b"IDAT", zlib.compress(b"\x00\x1a\x73\xe8\xff"))
    + _chunk(b"IEND", b"")
)
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff"
    b"!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)


class OfferFactory(factory.django.DjangoModelFactory[Offer]):
    class Meta:
        model = Offer

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Offer {n}")
    kind = OfferKind.ASSESSMENT
    status = OfferStatus.PUBLISHED
    routes = factory.LazyFunction(lambda: ["direct", "partner"])
    partner_tiers = factory.LazyFunction(list)


class RoiOfferFactory(OfferFactory):
    kind = OfferKind.ROI_CALCULATOR
    roi_inputs = factory.LazyFunction(
        lambda: [
            {"key": "hours", "label": "Downtime hours avoided", "unit": "h", "default": 40},
            {"key": "rate", "label": "Cost per hour", "unit": "EUR", "default": 1500},
            {"key": "price", "label": "Price", "unit": "EUR", "default": 12000},
        ]
    )
    roi_formula = "hours * rate - price"


class CampaignFactory(factory.django.DjangoModelFactory[Campaign]):
    class Meta:
        model = Campaign

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Campaign {n}")
    kind = CampaignKind.ABM
    status = CampaignStatus.ACTIVE
    starts_on = factory.LazyFunction(lambda: datetime.date(2026, 1, 1))
    ends_on = factory.LazyFunction(lambda: datetime.date(2026, 12, 31))
    budget = 10000


class CoBrandProfileFactory(factory.django.DjangoModelFactory[CoBrandProfile]):
    class Meta:
        model = CoBrandProfile

    tenant = factory.SubFactory(TenantFactory)
    partner = factory.SubFactory(PartnerFactory, tenant=factory.SelfAttribute("..tenant"))
    primary_colour = "#1A73E8"
    contact_name = "Pat Partner"
    contact_email = "pat@partner.example"
    service_area = "Bavaria and Austria"
    legal_line = "Partner GmbH, HRB 12345"
