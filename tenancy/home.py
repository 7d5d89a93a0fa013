"""Tenancy's part of the console home (tenancy/worklist.py): CSV imports that failed or finished
with rows in error, and outbound webhook deliveries that failed, both of the last 7 days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.models import ImportJob, WebhookDelivery
from tenancy.requests import DoorRequest
from tenancy.worklist import QueueItem, register_queue

__all__: list[str] = []

# Older failures are history, not work: they stay on their pages.
RECENT = dt.timedelta(days=7)


def integration_problems(request: DoorRequest) -> Iterator[QueueItem]:
    since = timezone.now() - RECENT
    slug = request.tenant.slug
    imports = (
        ImportJob.objects.visible_to(request.membership)
        .filter(
            Q(status=ImportJob.Status.FAILED)
            | Q(status=ImportJob.Status.DONE, counts__error__gt=0),
            created_at__gte=since,
        )
        .count()
    )
    yield QueueItem(
        "Imports with errors",
        imports,
        reverse("console:imports", args=[slug]),
        page="console:imports",
        hint="Failed, or finished with rows refused, in the last 7 days",
        order=70,
    )
    failed = (
        WebhookDelivery.objects.visible_to(request.membership)
        .filter(status=WebhookDelivery.Status.FAILED, last_attempt_at__gte=since)
        .count()
    )
    yield QueueItem(
        "Webhook deliveries that failed",
        failed,
        reverse("console:webhook-deliveries", args=[slug]) + "?status=failed",
        page="console:webhooks",
        hint="Gave up after retrying; replay them once the receiver is fixed",
        order=80,
    )


register_queue("console", integration_problems)
