"""SLA clocks on both sides of MDF.

The manufacturer is timed in business hours of the tenant's calendar (routing's working time):
deciding a submitted request, deciding a submitted claim, paying an approved claim; a clock past
due is breached and escalated to the RevOps admins. The partner is timed in calendar days:
claiming within the window after the activity (reminders before it closes; when it closes the
approval expires and its funds are released) and answering a return for information.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from mdf.choices import ClockKind, ClockSide, ClockState
from mdf.models import FundClaim, FundRequest, MdfClock
from mdf.services.settings import settings_for
from routing.calendar import add_business_minutes
from routing.sla import working_time

__all__ = ["CLAIM_REMINDER_DAYS", "next_reminder", "start_clock", "stop_clocks"]

CLAIM_REMINDER_DAYS = (14, 3)
VENDOR_KINDS: dict[str, str] = {
    ClockKind.DECIDE_REQUEST: "decide_request_hours",
    ClockKind.DECIDE_CLAIM: "decide_claim_hours",
    ClockKind.PAY_CLAIM: "pay_claim_hours",
}


def next_reminder(due: dt.datetime, days: tuple[int, ...], now: dt.datetime) -> dt.datetime | None:
    """The first reminder time (days before `due`) still ahead of `now`."""
    times = sorted(due - dt.timedelta(days=d) for d in days)
    return next((t for t in times if t > now), None)


def start_clock(
    request: FundRequest,
    kind: str,
    *,
    now: dt.datetime,
    claim: FundClaim | None = None,
    due: dt.datetime | None = None,
) -> MdfClock:
    """Start a clock of `kind`; the manufacturer's are due in business hours from the settings,
    the partner's at `due` (claim window) or after the answer days."""
    settings = settings_for(request.tenant_id)
    remind = None
    if kind in VENDOR_KINDS:
        side = ClockSide.VENDOR
        hours = getattr(settings, VENDOR_KINDS[kind])
        due = add_business_minutes(working_time(request.tenant), now, hours * 60)
    else:
        side = ClockSide.PARTNER
        if kind == ClockKind.ANSWER:
            due = now + dt.timedelta(days=settings.answer_days)
        assert due is not None
        if kind == ClockKind.CLAIM_WINDOW:  # an answer to a return is short; no reminder
            remind = next_reminder(due, CLAIM_REMINDER_DAYS, now)
    return MdfClock.objects.create(
        tenant_id=request.tenant_id,
        partner_id=request.partner_id,
        request=request,
        claim=claim,
        side=side,
        kind=kind,
        started_at=now,
        due_at=due,
        remind_at=remind,
        next_action_at=remind or due,
    )


def stop_clocks(
    request: FundRequest,
    kinds: tuple[str, ...],
    *,
    now: dt.datetime | None = None,
    state: str = ClockState.MET,
) -> int:
    """Stop the request's running clocks of these kinds; a breached one keeps its breach and
    gets its stop time (when the work was finally done)."""
    now = now or timezone.now()
    clocks = MdfClock.objects.filter(request=request, kind__in=kinds, stopped_at__isnull=True)
    breached = clocks.filter(state=ClockState.BREACHED).update(stopped_at=now, updated_at=now)
    running = clocks.filter(state=ClockState.RUNNING).update(
        state=state, stopped_at=now, next_action_at=None, updated_at=now
    )
    return breached + running
