from django.db import models

__all__ = [
    "CandidateStatus",
    "DigestMode",
    "EventKind",
    "ProviderKind",
    "TimerKind",
    "TimerState",
]


class EventKind(models.TextChoices):
    RECEIVED = "received", "Received"
    ENRICHED = "enriched", "Enriched"
    ENRICHMENT_FAILED = "enrich_failed", "Enrichment failed"
    MERGED = "merged", "Merged"
    UNMERGED = "unmerged", "Merge undone"
    ROUTED = "routed", "Routed"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    REASSIGNED = "reassigned", "Reassigned"
    REMINDED = "reminded", "Reminder sent"
    BREACHED = "breached", "SLA breached"
    ESCALATED = "escalated", "Escalated"
    RECALLED = "recalled", "Recalled"
    TOUCHED = "touched", "Touched"
    UNROUTABLE = "unroutable", "No one to route to"


class TimerKind(models.TextChoices):
    ACCEPT = "accept", "Time to accept"
    FIRST_TOUCH = "first_touch", "Time to first touch"


class TimerState(models.TextChoices):
    RUNNING = "running", "Running"
    MET = "met", "Met"
    BREACHED = "breached", "Breached"
    RECALLED = "recalled", "Recalled"
    CANCELLED = "cancelled", "Cancelled"


class CandidateStatus(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    MERGED = "merged", "Merged"
    DISTINCT = "distinct", "Not a duplicate"


class ProviderKind(models.TextChoices):
    TENANT_DATA = "tenant", "The tenant's own accounts and contacts"
    HTTP = "http", "An HTTP enrichment service"


class DigestMode(models.TextChoices):
    IMMEDIATE = "immediate", "Email each notification"
    DAILY = "daily", "One email a day"
    OFF = "off", "In the app only"
