from django.db import models

__all__ = [
    "BuyingRole",
    "ConsentStatus",
    "EmployeeBand",
    "Lifecycle",
    "ProductRelation",
    "RevenueBand",
    "ServiceNeed",
]


class Lifecycle(models.TextChoices):
    PROSPECT = "prospect", "Prospect"
    CUSTOMER = "customer", "Customer"
    FORMER_CUSTOMER = "former_customer", "Former customer"
    INACTIVE = "inactive", "Inactive"


class EmployeeBand(models.TextChoices):
    """Ordered smallest first; guardrail rules compare bands by position."""

    B1_49 = "1-49", "1–49"
    B50_199 = "50-199", "50–199"
    B200_499 = "200-499", "200–499"
    B500_999 = "500-999", "500–999"
    B1000_4999 = "1000-4999", "1,000–4,999"
    B5000 = "5000+", "5,000+"


class RevenueBand(models.TextChoices):
    """Annual revenue in the tenant's currency, ordered smallest first."""

    R_1M = "<1M", "under 1M"
    R1_10M = "1M-10M", "1M–10M"
    R10_50M = "10M-50M", "10M–50M"
    R50_250M = "50M-250M", "50M–250M"
    R250M_1B = "250M-1B", "250M–1B"
    R1B = "1B+", "1B+"


class ServiceNeed(models.TextChoices):
    LOCAL_PARTS = "local_parts", "Local parts"
    FIELD_SERVICE = "field_service", "Field service"
    RENTAL = "rental", "Rental"
    INSTALLATION = "installation", "Installation"
    TRAINING = "training", "Training"
    FINANCING = "financing", "Financing"


class ProductRelation(models.TextChoices):
    INTEREST = "interest", "Interested in"
    INSTALLED = "installed", "Installed base"


class BuyingRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", "Decision maker"
    ECONOMIC_BUYER = "economic_buyer", "Economic buyer"
    TECHNICAL_EVALUATOR = "technical_evaluator", "Technical evaluator"
    USER = "user", "User"
    INFLUENCER = "influencer", "Influencer"
    PROCUREMENT = "procurement", "Procurement"
    OTHER = "other", "Other"


class ConsentStatus(models.TextChoices):
    UNKNOWN = "unknown", "Unknown"
    GRANTED = "granted", "Granted"
    DENIED = "denied", "Denied"
