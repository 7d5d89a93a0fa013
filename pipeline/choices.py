from django.db import models

__all__ = [
    "Channel",
    "LeadSource",
    "LeadStatus",
    "Outcome",
    "Priority",
    "ResponseKind",
    "Route",
    "Source",
    "TouchRoute",
]


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


class LeadSource(models.TextChoices):
    API = "api", "API"
    WEB_FORM = "web_form", "Web form"
    CSV = "csv", "CSV import"
    PORTAL = "portal", "Submitted by a partner"
    SALES = "sales", "Entered by direct sales"
    CAMPAIGN = "campaign", "Campaign or offer response"


class LeadStatus(models.TextChoices):
    NEW = "new", "New"  # stored, not yet enriched and routed
    ROUTED = "routed", "Routed, waiting for acceptance"
    ACCEPTED = "accepted", "Accepted"
    WORKING = "working", "Working (touched)"
    CONVERTED = "converted", "Converted"
    DISQUALIFIED = "disqualified", "Disqualified"
    UNROUTABLE = "unroutable", "No one to route to"
    MERGED = "merged", "Merged into another lead"


class Priority(models.TextChoices):
    HIGH = "high", "High"
    NORMAL = "normal", "Normal"
    LOW = "low", "Low"


class ResponseKind(models.TextChoices):
    """How a person answered a campaign or an offer."""

    LANDING_PAGE = "landing_page", "Landing page"
    FORM = "form", "Form"
    EVENT = "event", "Event attendance"
    WEBINAR = "webinar", "Webinar registration"
    EMAIL = "email", "Email reply"
    AD_CLICK = "ad_click", "Ad click"
    OTHER = "other", "Other"
