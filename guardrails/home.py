"""Guardrails on the home pages (tenancy/worklist.py): exception requests waiting for a RevOps
admin's review, requesters' exceptions decided since their last visit, and rulebook versions
published since then.

Only RevOps admins decide exceptions (guardrails.services.exception_requests.review_exception), so
the review queue is the console's; a requester's pending request waits for someone else and is
not listed as their work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.http import urlencode

from guardrails.choices import ExceptionStatus
from guardrails.models import RulebookVersion, RuleException
from tenancy.requests import DoorRequest
from tenancy.worklist import Change, QueueItem, register_changes, register_queue

__all__: list[str] = []

RECENT = 10


def _url(request: DoorRequest, name: str, *args: object, **query: str) -> str:
    url = reverse(f"{request.door}:{name}", args=[request.tenant.slug, *args])
    return f"{url}?{urlencode(query)}" if query else url


def exceptions_to_review(request: DoorRequest) -> Iterator[QueueItem]:
    if not request.membership.is_admin:
        return
    counts = (
        RuleException.objects.visible_to(request.membership)
        .filter(status=ExceptionStatus.PENDING)
        .aggregate(pending=Count("pk"), escalated=Count("pk", filter=Q(escalated_at__isnull=False)))
    )
    escalated = counts["escalated"]
    yield QueueItem(
        "Exception requests to review",
        counts["pending"],
        _url(request, "exceptions", status=ExceptionStatus.PENDING),
        page="console:exceptions",
        urgent=bool(escalated),
        hint=f"{escalated} past their review time" if escalated else "Approve or deny",
        order=30,
    )


def exceptions_decided(request: DoorRequest, since: dt.datetime) -> Iterator[Change]:
    """Requests the viewer may see (their own; their company's for partners; the direct side's
    for managers) that were approved or denied since `since`."""
    decided = (
        RuleException.objects.visible_to(request.membership)
        .filter(
            reviewed_at__gt=since,
            status__in=(ExceptionStatus.APPROVED, ExceptionStatus.DENIED),
        )
        .order_by("-reviewed_at")[:RECENT]
    )
    url = _url(request, "exceptions")
    for exc in decided:
        verb = "approved" if exc.status == ExceptionStatus.APPROVED else "denied"
        text = f"Exception request #{exc.pk} {verb}: {exc.get_kind_display()}"
        yield Change(exc.reviewed_at or since, text, url)


def rulebook_published(request: DoorRequest, since: dt.datetime) -> Iterator[Change]:
    versions = (
        RulebookVersion.objects.visible_to(request.membership)
        .published()
        .filter(published_at__gt=since)
        .order_by("-published_at")[:RECENT]
    )
    for version in versions:
        if request.door == "console":
            text = f"Rulebook version {version.number} published"
            if version.summary:
                text += f": {version.summary}"
            url = _url(request, "rulebook-version", version.pk)
        else:
            text = f"The rules of engagement changed (version {version.number})"
            url = _url(request, "engagement")
        yield Change(version.published_at or since, text, url)


register_queue("console", exceptions_to_review)
register_changes(("sales", "portal"), exceptions_decided)
register_changes(("console", "sales", "portal"), rulebook_published)
