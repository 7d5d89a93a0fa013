"""In-app notifications, and their email: one by one, or as a daily digest, as each user prefers.

Notifications are rows written in the transaction of the event they report, so an event and its
notification commit together. Email goes out from a periodic sweep of unsent rows, never from the
transaction itself: a crash can delay an email, not lose it or send it for an event that rolled
back.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.acting import action
from core.rows import insert_rows, new_row
from routing.choices import DigestMode
from routing.models import Notification, NotificationPreference
from tenancy.acting import Acting
from tenancy.choices import Role
from tenancy.models import Membership, Tenant

__all__ = [
    "admins_of",
    "managers_of",
    "mark_read",
    "notification_rows",
    "notify",
    "partner_admins_of",
    "send_due_emails",
]

DIGEST_EVERY = dt.timedelta(hours=24)


def notification_rows(
    user_ids: Iterable[int | None],
    *,
    tenant_id: int,
    kind: str,
    title: str,
    body: str = "",
    lead: Any = None,
) -> list[Notification]:
    """Unsaved notifications, one per user (each once, none for a missing user)."""
    return [
        new_row(
            Notification,
            tenant_id=tenant_id,
            user_id=user_id,
            kind=kind,
            title=title[:200],
            body=body[:500],
            lead_id=lead.pk if lead is not None else None,
        )
        for user_id in dict.fromkeys(u for u in user_ids if u)
    ]


def notify(
    user_ids: Iterable[int | None],
    *,
    tenant: Tenant,
    kind: str,
    title: str,
    body: str = "",
    lead: Any = None,
) -> int:
    rows = notification_rows(
        user_ids, tenant_id=tenant.pk, kind=kind, title=title, body=body, lead=lead
    )
    insert_rows(Notification, rows)
    return len(rows)


@action
def mark_read(
    notifications: QuerySet[Notification], *, acting: Acting, now: dt.datetime | None = None
) -> int:
    """Mark the unread ones of `notifications` (the caller's own) read; returns how many."""
    now = now or timezone.now()
    return notifications.filter(read_at__isnull=True).update(read_at=now, updated_at=now)


def managers_of(team_id: int | None) -> list[int]:
    if not team_id:
        return []
    return list(
        Membership.objects.filter(
            team_id=team_id, role=Role.DIRECT_MANAGER, is_active=True
        ).values_list("user_id", flat=True)
    )


def partner_admins_of(partner_id: int | None) -> list[int]:
    if not partner_id:
        return []
    return list(
        Membership.objects.filter(
            partner_id=partner_id, role=Role.PARTNER_ADMIN, is_active=True
        ).values_list("user_id", flat=True)
    )


def partner_users_of(partner_id: int | None) -> list[int]:
    if not partner_id:
        return []
    return list(
        Membership.objects.filter(partner_id=partner_id, is_active=True).values_list(
            "user_id", flat=True
        )
    )


def admins_of() -> list[int]:
    return list(
        Membership.objects.filter(role=Role.REVOPS_ADMIN, is_active=True).values_list(
            "user_id", flat=True
        )
    )


@action
def send_due_emails(tenant: Tenant, *, acting: Acting, now: dt.datetime | None = None) -> int:
    """Email unsent notifications of the scope's tenant: immediately, or as a digest once a day."""
    now = now or timezone.now()
    prefs = {p.user_id: p for p in NotificationPreference.objects.all()}
    with transaction.atomic():
        unsent = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(emailed_at__isnull=True)
            .select_related("user")
            .order_by("created_at")[:2000]
        )
        by_user: dict[int, list[Notification]] = defaultdict(list)
        for note in unsent:
            by_user[note.user_id].append(note)
        sent_ids, emails = [], 0
        for user_id, notes in by_user.items():
            pref = prefs.get(user_id)
            mode = pref.email if pref else DigestMode.IMMEDIATE
            if mode == DigestMode.OFF:
                sent_ids += [n.pk for n in notes]  # nothing to send, ever
                continue
            if pref is not None and mode == DigestMode.DAILY:
                if pref.last_digest_at and now - pref.last_digest_at < DIGEST_EVERY:
                    continue
                subject = f"{tenant.name}: {len(notes)} lead updates"
                _send(notes[0].user.email, subject, notes, tenant)
                NotificationPreference.objects.filter(pk=pref.pk).update(last_digest_at=now)
            else:
                for note in notes:
                    _send(note.user.email, note.title, [note], tenant)
            sent_ids += [n.pk for n in notes]
            emails += 1
        Notification.objects.filter(pk__in=sent_ids).update(emailed_at=now)
    return emails


def _send(to: str, subject: str, notes: list[Notification], tenant: Tenant) -> None:
    """An email has no page footer, so it names the zone of its times itself (tenancy/clock.py)."""
    body = "\n\n".join(f"{n.title}\n{n.body}".strip() for n in notes)
    body += f"\n\nTimes in {tenant.timezone}."
    send_mail(subject[:200], body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False)
