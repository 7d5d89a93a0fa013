"""Core's models, one module per piece of plumbing.

These modules import nothing of core but the tenancy manager and each other: the feature modules
(core.sync, core.idempotency, core.imports, core.webhooks) import their tables from here, never
the reverse (an import-linter contract keeps it so). `from core.models import X` works for every
model, as Django expects of an app's models.
"""

from core.models.audit import AuditEvent
from core.models.base import TenantOwned, TimeStamped
from core.models.heartbeat import SchedulerHeartbeat
from core.models.idempotency import IdempotencyKey
from core.models.imports import ImportJob
from core.models.sync import SyncClock, Tombstone
from core.models.webhooks import WebhookDelivery, WebhookEndpoint

__all__ = [
    "AuditEvent",
    "IdempotencyKey",
    "ImportJob",
    "SchedulerHeartbeat",
    "SyncClock",
    "TenantOwned",
    "TimeStamped",
    "Tombstone",
    "WebhookDelivery",
    "WebhookEndpoint",
]
