from django.db import models

__all__ = ["Channel", "Outcome", "Route", "Source", "TouchRoute"]


class Route(models.TextChoices):
    DIRECT = "direct", "Direct"
    PARTNER = "partner", "Partner"


class Source(models.TextChoices):
    PARTNER = "partner", "Partner"
    DIRECT = "direct", "Direct sales"
    MARKETING = "marketing", "Marketing"
    UNKNOWN = "unknown", "Unknown"


class Outcome(models.TextChoices):
    OPEN = "open", "Open"
    WON = "won", "Won"
    LOST = "lost", "Lost"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    CALL = "call", "Call"
    MEETING = "meeting", "Meeting"
    EVENT = "event", "Event"
    WEB_VISIT = "web_visit", "Web visit"
    FORM_FILL = "form_fill", "Form fill"
    AD_CLICK = "ad_click", "Ad click"
    OTHER = "other", "Other"


class TouchRoute(models.TextChoices):
    DIRECT = "direct", "Direct"
    PARTNER = "partner", "Partner"
    MARKETING = "marketing", "Marketing"
