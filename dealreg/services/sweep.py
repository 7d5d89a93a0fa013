"""The periodic sweep of deal registration (beat runs `dealreg.tasks.sweep` every minute, one
`sweep_tenant` per tenant), mirroring routing's SLA sweep: due clocks are claimed with a
conditional UPDATE and acted on once, whichever worker gets there first.

- review and step clocks past due: breached and escalated (admins notified);
- answer clocks past due: breached (the registrant and their admin or manager notified);
- conversion clocks: reminders before protection ends, then expiry;
- approved registrations whose linked opportunity was closed (won or lost) in the CRM, by any
  write path (bulk upserts send no signals): closed with it;
- discount leakage on the linked opportunities of approved registrations.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core.acting import action
from dealreg.choices import Action, ClockKind, ClockSide, ClockState, RegState
from dealreg.models import DealRegistration, RegistrationClock
from dealreg.services.clocks import next_reminder
from dealreg.services.pricing import record_leakage
from dealreg.services.registrations import close, expire
from dealreg.services.state import log_event, settings_for
from pipeline.choices import Outcome
from routing.choices import EventKind
from routing.notify import admins_of, managers_of, notify, partner_admins_of
from tenancy.acting import Acting
from tenancy.models import Tenant

__all__ = ["close_from_crm", "sweep_clocks", "sweep_tenant"]

BATCH = 500


@action
def sweep_tenant(tenant: Tenant, *, acting: Acting, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    done = sweep_clocks(tenant, acting=acting, now=now)
    done += close_from_crm(acting=acting)
    return done


@action
def sweep_clocks(tenant: Tenant, *, acting: Acting, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    due = list(
        RegistrationClock.objects.filter(state=ClockState.RUNNING, next_action_at__lte=now)
        .select_related("registration")
        .order_by("next_action_at", "pk")[:BATCH]
    )
    done = 0
    for clock in due:
        with transaction.atomic():
            if _step(clock, acting, now):
                done += 1
    return done


def _claim(clock: RegistrationClock, **changes: object) -> bool:
    """Take this step of the clock unless another worker already did (conditional UPDATE)."""
    claimed = RegistrationClock.objects.filter(
        pk=clock.pk, state=ClockState.RUNNING, next_action_at=clock.next_action_at
    ).update(updated_at=timezone.now(), **changes)
    return claimed == 1


def _registrant_users(registration: DealRegistration) -> list[int | None]:
    users = [registration.registrant_user_id]
    if registration.registrant_partner_id:
        return users + partner_admins_of(registration.registrant_partner_id)
    return users + managers_of(registration.registrant_team_id)


def _step(clock: RegistrationClock, acting: Acting, now: dt.datetime) -> bool:
    registration = clock.registration
    if clock.kind == ClockKind.CONVERSION:
        if (
            clock.remind_at is not None
            and clock.next_action_at == clock.remind_at
            and clock.due_at > now
        ):
            upcoming = next_reminder(clock.due_at, settings_for(clock.tenant_id).reminder_days, now)
            if not _claim(
                clock,
                reminded_at=now,
                remind_at=upcoming,
                next_action_at=upcoming or clock.due_at,
            ):
                return False
            days = max(0, (clock.due_at - now).days)
            log_event(
                registration,
                Action.REMIND,
                acting=acting,
                at=now,
                reason=f"Protection ends in {days} days, on {clock.due_at:%Y-%m-%d}.",
            )
            notify(
                _registrant_users(registration),
                tenant=registration.tenant,
                kind=EventKind.REMINDED,
                title=f"Protection ends soon: {registration.title}",
                body=f"Protected until {clock.due_at:%Y-%m-%d}; request an extension if needed.",
            )
            return True
        if not _claim(clock, state=ClockState.BREACHED, breached_at=now, stopped_at=now):
            return False
        if registration.state == RegState.APPROVED:
            expire(registration, acting=acting)
        return True
    if not _claim(
        clock,
        state=ClockState.BREACHED,
        breached_at=now,
        escalated_at=now if clock.side == ClockSide.VENDOR else None,
    ):
        return False
    if clock.side == ClockSide.VENDOR:
        log_event(
            registration,
            Action.ESCALATE,
            acting=acting,
            at=now,
            reason="The manufacturer's review ran late and was escalated.",
        )
        notify(
            admins_of(),
            tenant=registration.tenant,
            kind=EventKind.ESCALATED,
            title=f"Registration review overdue: {registration.title}",
        )
    else:
        log_event(
            registration,
            Action.BREACH,
            acting=acting,
            at=now,
            reason="The answer to the return for information is overdue.",
        )
        notify(
            _registrant_users(registration),
            tenant=registration.tenant,
            kind=EventKind.BREACHED,
            title=f"Answer overdue: {registration.title}",
        )
    return True


@action
def close_from_crm(*, acting: Acting) -> int:
    """Approved registrations whose opportunity the CRM closed, closed with it; leakage kept
    current on the open ones."""
    closed = 0
    approved = DealRegistration.objects.filter(
        state=RegState.APPROVED, opportunity__isnull=False
    ).select_related("opportunity__stage")
    for registration in approved[:BATCH]:
        opportunity = registration.opportunity
        assert opportunity is not None
        outcome = opportunity.stage.outcome
        if outcome == Outcome.OPEN:
            record_leakage(registration)
            continue
        close(
            registration,
            won=outcome == Outcome.WON,
            acting=acting,
            reason=opportunity.close_reason or f"The opportunity was {outcome} in the CRM.",
        )
        closed += 1
    return closed
