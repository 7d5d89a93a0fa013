"""SLA policies and timers.

Routing a lead starts two timers for that assignment: time to accept and time to first touch,
due after the policy's business minutes. Each timer row carries `next_action_at`, the time of its
next step: the reminder, then the breach, then (after the grace period) the recall. A periodic
sweep (`routing.services.sweep_timers`) takes due rows with `SKIP LOCKED` and performs each step in
the same transaction that records it, so a step happens once even with several workers, and a
worker killed mid-step leaves the row due for the next sweep.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from core.rows import insert_rows, new_row
from pipeline.choices import Priority
from routing.calendar import WorkingTime, add_business_minutes
from routing.choices import TimerKind, TimerState
from routing.models import BusinessCalendar, SlaPolicy, SlaTimer
from tenancy.models import Tenant

__all__ = [
    "DEFAULT_POLICIES",
    "Policy",
    "policy_for",
    "start_timers",
    "stop_timers",
    "working_time",
]


@dataclass(frozen=True)
class Policy:
    accept_minutes: int
    first_touch_minutes: int
    remind_before_minutes: int = 30
    recall_after_minutes: int = 120
    max_recalls: int = 2


# Used until the tenant sets its own: partners get longer than reps, high priority half as long.
DEFAULT_POLICIES: dict[tuple[str, str], Policy] = {
    ("direct", Priority.HIGH): Policy(30, 120),
    ("direct", Priority.NORMAL): Policy(60, 240),
    ("direct", Priority.LOW): Policy(240, 960),
    ("partner", Priority.HIGH): Policy(120, 240),
    ("partner", Priority.NORMAL): Policy(240, 480),
    ("partner", Priority.LOW): Policy(480, 1440),
}


def policy_for(route: str, priority: str, policies: dict | None = None) -> Policy:
    route = "partner" if route == "partner" else "direct"
    if policies is None:
        policies = load_policies()
    return policies.get((route, priority)) or DEFAULT_POLICIES[(route, priority)]


def load_policies() -> dict[tuple[str, str], Policy]:
    return {
        (p.route, p.priority): Policy(
            p.accept_minutes,
            p.first_touch_minutes,
            p.remind_before_minutes,
            p.recall_after_minutes,
            p.max_recalls,
        )
        for p in SlaPolicy.objects.all()
    }


def working_time(tenant: Tenant) -> WorkingTime:
    return WorkingTime.of(tenant, BusinessCalendar.objects.filter(tenant=tenant).first())


def _timer(lead, kind: str, minutes: int, policy: Policy, hours: WorkingTime, now) -> SlaTimer:
    due = add_business_minutes(hours, now, minutes)
    remind = None
    if policy.remind_before_minutes and policy.remind_before_minutes < minutes:
        remind = add_business_minutes(hours, now, minutes - policy.remind_before_minutes)
    return new_row(
        SlaTimer,
        tenant_id=lead.tenant_id,
        lead_id=lead.pk,
        kind=kind,
        assignment=lead.routing_attempts,
        started_at=now,
        remind_at=remind,
        due_at=due,
        next_action_at=remind or due,
    )


def start_timers(
    leads: list, *, hours: WorkingTime, policies: dict, now: dt.datetime | None = None
) -> list[SlaTimer]:
    """Timers for the current assignment of each lead (each assignment is timed once: its number
    is new, and the lead is locked while it is assigned)."""
    now = now or timezone.now()
    timers = []
    for lead in leads:
        policy = policy_for(lead.route, lead.priority, policies)
        timers.append(_timer(lead, TimerKind.ACCEPT, policy.accept_minutes, policy, hours, now))
        timers.append(
            _timer(lead, TimerKind.FIRST_TOUCH, policy.first_touch_minutes, policy, hours, now)
        )
    insert_rows(SlaTimer, timers)
    return timers


def stop_timers(lead, kinds: tuple[str, ...], *, state: str, now: dt.datetime) -> int:
    """Stop the lead's running timers of these kinds (met, recalled or cancelled)."""
    return SlaTimer.objects.filter(lead=lead, kind__in=kinds, state=TimerState.RUNNING).update(
        state=state, stopped_at=now, next_action_at=now
    )


ALL_KINDS = (TimerKind.ACCEPT, TimerKind.FIRST_TOUCH)
