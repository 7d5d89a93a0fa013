"""Scorecard constants: attribution models, routes of a party, how a source was decided."""

from __future__ import annotations

from django.db import models

__all__ = [
    "INFLUENCE_MODEL",
    "MODEL_CHOICES",
    "MODEL_KEYS",
    "Capability",
    "DecisionKind",
    "DecisionStatus",
    "JobStatus",
    "MaturityLevel",
    "OverlapKind",
    "OverlapStatus",
    "PartyRoute",
    "ReviewStatus",
    "SourcedBy",
]

# The attribution models (scorecards.attribution.MODELS describes them), in the pages' order.
MODEL_CHOICES = [
    ("first_touch", "First touch"),
    ("last_touch", "Last touch"),
    ("linear", "Linear"),
    ("u_shaped", "U-shaped"),
    ("w_shaped", "W-shaped"),
    ("time_decay", "Time decay"),
    ("collaboration", "Collaboration"),
]
MODEL_KEYS = tuple(key for key, _ in MODEL_CHOICES)
# Every party that touched an opportunity has a credit row of this model: influence.
INFLUENCE_MODEL = "collaboration"


class PartyRoute(models.TextChoices):
    DIRECT = "direct", "Direct"
    PARTNER = "partner", "Partner"
    MARKETING = "marketing", "Marketing"
    UNKNOWN = "unknown", "Unknown"


class SourcedBy(models.TextChoices):
    """What decided an opportunity's source, in the order it is looked for."""

    REGISTRATION = "registration", "Approved deal registration"
    OPPORTUNITY = "opportunity", "The opportunity's source"
    TOUCH = "touch", "First touch before it was opened"
    UNKNOWN = "unknown", "Unknown"


class OverlapKind(models.TextChoices):
    """Who works the same account in the same campaign."""

    ROUTES = "routes", "Direct sales and a partner"
    PARTNERS = "partners", "Several partners"


class OverlapStatus(models.TextChoices):
    OPEN = "open", "Open"
    SETTLED = "settled", "Settled"


# --- the quarterly governance review (scorecards/review/) ---------------------------------------


class ReviewStatus(models.TextChoices):
    """A review is worked on while open; sign-off freezes it for good."""

    OPEN = "open", "In preparation"
    SIGNED_OFF = "signed_off", "Signed off"


class JobStatus(models.TextChoices):
    """The background preparation of a review (gathering its figures from live data)."""

    IDLE = "idle", "Not prepared yet"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Preparing"
    DONE = "done", "Prepared"
    FAILED = "failed", "Failed"


class DecisionKind(models.TextChoices):
    """What a review decision is about; the applicable kinds are carried out through the owning
    app's service when the decision is applied."""

    GENERAL = "general", "General"
    TARGET_ADD = "target_add", "Add an account to a target list"
    TARGET_DROP = "target_drop", "Drop an account from a target list"
    MDF_MOVE = "mdf_move", "Move market development funds"
    OVERLAP = "overlap", "Settle an overlap"
    RULES = "rules", "Change the rules of engagement"

    @classmethod
    def applicable(cls) -> frozenset[str]:
        return frozenset({cls.TARGET_ADD, cls.TARGET_DROP, cls.MDF_MOVE, cls.OVERLAP})


class DecisionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


# --- the channel-balance maturity assessment (scorecards/maturity/) -----------------------------


class Capability(models.TextChoices):
    """The six capabilities of the channel-balanced demand maturity matrix (docs/maturity.md)."""

    GOVERNANCE = "governance", "Route-to-market governance"
    ENABLEMENT = "enablement", "Partner enablement"
    LEAD_OPS = "lead_ops", "Lead operations"
    ATTRIBUTION = "attribution", "Attribution and KPIs"
    OFFERS = "offers", "Offer strategy"
    BRAND_PRICING = "brand_pricing", "Brand and pricing"


class MaturityLevel(models.IntegerChoices):
    AD_HOC = 1, "Ad hoc"
    DEFINED = 2, "Defined"
    MANAGED = 3, "Managed"
    OPERATIONALIZED = 4, "Operationalized"
