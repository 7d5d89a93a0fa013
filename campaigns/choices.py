"""Campaigns' enumerations: offer kinds and states, asset kinds, campaign kinds and states, the
routes an offer or a campaign is open to, and how partners take part in a campaign."""

from django.db import models

__all__ = [
    "AssetKind",
    "CampaignKind",
    "CampaignStatus",
    "OfferKind",
    "OfferStatus",
    "PartnerMode",
    "Route",
]


class OfferKind(models.TextChoices):
    ASSESSMENT = "assessment", "Assessment"
    PILOT = "pilot", "Pilot"
    ROI_CALCULATOR = "roi_calculator", "ROI calculator"
    TRAINING = "training", "Training"
    SERVICE_CONTRACT = "service_contract", "Service contract"
    OTHER = "other", "Other"


class OfferStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


class Route(models.TextChoices):
    """The two routes to market. Pipeline has its own (it sits above campaigns); the values are
    the same, so a touch's route and an offer's route compare equal."""

    DIRECT = "direct", "Direct"
    PARTNER = "partner", "Partner"


class AssetKind(models.TextChoices):
    DOCUMENT = "document", "Document"
    IMAGE = "image", "Image"
    COPY = "copy", "Copy block"


class CampaignKind(models.TextChoices):
    ABM = "abm", "Account-based marketing"
    PAID_SEARCH = "paid_search", "Paid search"
    EVENT = "event", "Event"
    PARTNER_AD = "partner_ad", "Through-partner ad"
    EMAIL = "email", "Email"
    WEBINAR = "webinar", "Webinar"
    TRADE_SHOW = "trade_show", "Trade show"


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"


class PartnerMode(models.TextChoices):
    """Which partners run a campaign."""

    NONE = "none", "No partners"
    NAMED = "named", "Named partners"
    TIERS = "tiers", "Partners of some tiers"
    ALL = "all", "All partners"
