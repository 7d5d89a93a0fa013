from django.db import models

__all__ = [
    "ExceptionKind",
    "ExceptionStatus",
    "Outcome",
    "RequiredField",
    "SimulationStatus",
    "TargetKind",
    "VersionStatus",
]


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Published, not yet in force"
    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"


class Outcome(models.TextChoices):
    """Which route serves the matched accounts."""

    DIRECT = "direct", "Direct"
    PARTNER = "partner", "Partner"
    OPEN = "open", "Open to both (deal registration decides)"


class TargetKind(models.TextChoices):
    NONE = "none", "No specific target"
    TEAM = "team", "A direct team"
    PARTNER = "partner", "A named partner"
    AUTHORIZED = "authorized", "Partners authorized for the territory and product line"
    ACCOUNT_OWNER = "owner", "The account's current owner"


class ExceptionKind(models.TextChoices):
    WORK_ACCOUNT = "work_account", "Work an account the rules give to someone else"
    DISCOUNT = "discount", "Discount outside the pricing corridor"


class ExceptionStatus(models.TextChoices):
    PENDING = "pending", "Pending review"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"
    WITHDRAWN = "withdrawn", "Withdrawn"


class SimulationStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class RequiredField(models.TextChoices):
    """What a deal registration must carry to be accepted."""

    CONTACT = "contact", "Customer contact"
    EXPECTED_CLOSE = "expected_close_on", "Expected close date"
    PRODUCTS = "products", "Products and quantities"
    COMPETITOR = "competitor", "Competitor"
    BUDGET = "budget", "Budget confirmed"
    DESCRIPTION = "description", "Project description"
