"""Scorecard constants: attribution models, routes of a party, how a source was decided."""

from __future__ import annotations

from django.db import models

__all__ = [
    "INFLUENCE_MODEL",
    "MODEL_CHOICES",
    "MODEL_KEYS",
    "OverlapKind",
    "OverlapStatus",
    "PartyRoute",
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
