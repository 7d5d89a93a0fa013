"""Timeline entries and notifications collected while leads are worked on, written together.

A unit of work (a processing batch, a merge) records what happened on each lead's timeline and
whom to tell, then `flush` writes all of it in a few statements inside the same transaction, so a
lead's change, its timeline and its notifications commit together or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import KW_ONLY, dataclass, field
from typing import Any

from core.rows import insert_rows, new_row
from routing import notify
from routing.models import LeadEvent, Notification
from tenancy.models import Tenant

__all__ = ["Journal", "event_row"]


def event_row(
    lead: Any,
    kind: str,
    detail: str = "",
    *,
    at: dt.datetime,
    user_id: int | None = None,
    partner_id: int | None = None,
    route: str | None = None,
    **data: Any,
) -> LeadEvent:
    """An unsaved timeline entry of the lead (its route unless told otherwise)."""
    return new_row(
        LeadEvent,
        tenant_id=lead.tenant_id,
        lead_id=lead.pk,
        kind=kind,
        occurred_at=at,
        actor_user_id=user_id,
        actor_partner_id=partner_id,
        route=lead.route if route is None else route,
        detail=detail[:500],
        data=data,
    )


@dataclass
class Journal:
    _: KW_ONLY
    tenant: Tenant
    now: dt.datetime
    events: list[LeadEvent] = field(default_factory=list)
    notes: list[Notification] = field(default_factory=list)
    _people: dict = field(default_factory=dict)  # notified users, by partner or "admins"

    def event(self, lead: Any, kind: str, detail: str = "", **extra: Any) -> None:
        """A timeline entry; `at`, `user_id`, `partner_id` and `route` set its columns, anything
        else goes to its data."""
        self.events.append(event_row(lead, kind, detail, at=extra.pop("at", self.now), **extra))

    def notify(
        self, user_ids: Iterable[int | None], *, kind: str, title: str, body: str = "", lead: Any
    ) -> None:
        self.notes += notify.notification_rows(
            user_ids, tenant_id=self.tenant.pk, kind=kind, title=title, body=body, lead=lead
        )

    def partner_users(self, partner_id: int | None) -> list[int]:
        if partner_id not in self._people:
            self._people[partner_id] = notify.partner_users_of(partner_id)
        return self._people[partner_id]

    def admins(self) -> list[int]:
        if "admins" not in self._people:
            self._people["admins"] = notify.admins_of()
        return self._people["admins"]

    def forget(self, lead_ids: set[int]) -> None:
        """Drop what was recorded about these leads (their work is called off)."""
        self.events = [e for e in self.events if e.lead_id not in lead_ids]
        self.notes = [n for n in self.notes if n.lead_id not in lead_ids]

    def flush(self) -> None:
        insert_rows(LeadEvent, self.events)
        insert_rows(Notification, self.notes)
        self.events, self.notes = [], []
