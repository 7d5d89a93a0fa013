"""SLA clocks on both sides of a registration.

The manufacturer is timed on the first review and on each approval step, in business hours of
the tenant's calendar (routing's `working_time` and `add_business_minutes`); the registrant on
answering a return for information (calendar days) and on converting within the protection
period (reminders before it ends, expiry when it does). Each clock is a row whose
`next_action_at` is its next step; the periodic sweep (dealreg.services.sweep) acts on due rows.
What the scorecard needs is kept on the rows: started, due, stopped (decided), escalated and
breached, per side.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dealreg.choices import ClockKind, ClockSide, ClockState
from dealreg.models import DealRegistration, RegistrationClock
from dealreg.services.state import settings_for
from routing.calendar import add_business_minutes
from routing.sla import working_time

__all__ = [
    "next_reminder",
    "start_answer_clock",
    "start_conversion_clock",
    "start_review_clock",
    "stop_clocks",
]


def start_review_clock(
    registration: DealRegistration, *, step: int, hours: int, now: dt.datetime
) -> RegistrationClock:
    """The manufacturer's clock on the review (step 0) or a later approval step."""
    due = add_business_minutes(working_time(registration.tenant), now, hours * 60)
    return RegistrationClock.objects.create(
        tenant_id=registration.tenant_id,
        registration=registration,
        side=ClockSide.VENDOR,
        kind=ClockKind.REVIEW if step == 0 else ClockKind.STEP,
        step=step,
        started_at=now,
        due_at=due,
        next_action_at=due,
    )


def start_answer_clock(registration: DealRegistration, *, now: dt.datetime) -> RegistrationClock:
    days = settings_for(registration.tenant_id).answer_days
    due = now + dt.timedelta(days=days)
    return RegistrationClock.objects.create(
        tenant_id=registration.tenant_id,
        registration=registration,
        side=ClockSide.REGISTRANT,
        kind=ClockKind.ANSWER,
        started_at=now,
        due_at=due,
        next_action_at=due,
    )


def next_reminder(
    due: dt.datetime, reminder_days: list[int], now: dt.datetime
) -> dt.datetime | None:
    """The first reminder time (days before `due`) still ahead of `now`."""
    times = sorted(due - dt.timedelta(days=d) for d in reminder_days)
    return next((t for t in times if t > now), None)


def start_conversion_clock(
    registration: DealRegistration, *, now: dt.datetime
) -> RegistrationClock:
    """The registrant's clock on converting within protection; reminders before it ends."""
    due = registration.protection_ends_at
    assert due is not None
    remind = next_reminder(due, settings_for(registration.tenant_id).reminder_days, now)
    return RegistrationClock.objects.create(
        tenant_id=registration.tenant_id,
        registration=registration,
        side=ClockSide.REGISTRANT,
        kind=ClockKind.CONVERSION,
        started_at=now,
        due_at=due,
        remind_at=remind,
        next_action_at=remind or due,
    )


def stop_clocks(
    registration: DealRegistration,
    kinds: tuple[str, ...] | None = None,
    *,
    now: dt.datetime | None = None,
    state: str = ClockState.MET,
) -> int:
    """Stop the registration's clocks of these kinds (all when None). A breached clock keeps its
    breach and gets its stop time (when it was finally decided)."""
    now = now or timezone.now()
    clocks = RegistrationClock.objects.filter(registration=registration, stopped_at__isnull=True)
    if kinds is not None:
        clocks = clocks.filter(kind__in=kinds)
    breached = clocks.filter(state=ClockState.BREACHED).update(stopped_at=now, updated_at=now)
    running = clocks.filter(state=ClockState.RUNNING).update(
        state=state, stopped_at=now, next_action_at=now, updated_at=now
    )
    return breached + running
