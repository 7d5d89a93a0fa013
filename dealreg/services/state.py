"""The state machine's check, the timeline and the tenant's settings: the pieces every
transition service shares.

`TransitionRefused` is raised (before anything is written) when an action is not allowed from
the registration's state; the API answers 409 with the allowed actions. `transition()` moves the
state and writes the timeline entry in one go; the registration's save emits the
`deal_registration.updated` webhook and the entry `deal_registration_event.created`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.acting import Actor
from core.rows import lock_row
from dealreg.choices import TRANSITIONS, allowed_actions
from dealreg.models import DealRegistration, DealRegSettings, RegistrationEvent
from tenancy.models import Tenant

__all__ = [
    "TransitionRefused",
    "check_allowed",
    "lock",
    "log_event",
    "settings_for",
    "transition",
]


class TransitionRefused(Exception):
    """An action the registration's current state does not allow."""

    def __init__(self, registration: DealRegistration, action: str, detail: str = "") -> None:
        self.state = registration.state
        self.action = action
        self.allowed = allowed_actions(registration.state)
        state_label = registration.get_state_display().lower()
        self.detail = detail or (
            f"A registration that is {state_label} does not allow {action}; "
            f"allowed now: {', '.join(self.allowed) or 'nothing (it is closed)'}."
        )
        super().__init__(self.detail)


def settings_for(tenant: Tenant | int) -> DealRegSettings:
    tenant_id = tenant if isinstance(tenant, int) else tenant.pk
    found = DealRegSettings.objects.filter(tenant_id=tenant_id).first()
    if found is None:
        found, _ = DealRegSettings.objects.get_or_create(tenant_id=tenant_id)
    return found


def check_allowed(registration: DealRegistration, action: str) -> str:
    """The state `action` leads to from the registration's state, or TransitionRefused."""
    target = TRANSITIONS.get(registration.state, {}).get(action)
    if target is None:
        raise TransitionRefused(registration, action)
    return target


def lock(registration: DealRegistration) -> DealRegistration:
    """The registration's row, locked for the rest of the transaction and read fresh: two
    reviewers acting at once take turns and the second sees the first one's state."""
    return lock_row(registration)


def log_event(
    registration: DealRegistration,
    action: str,
    *,
    acting: Actor,
    reason: str = "",
    from_state: str = "",
    to_state: str = "",
    at: dt.datetime | None = None,
) -> RegistrationEvent:
    return RegistrationEvent.objects.create(
        tenant_id=registration.tenant_id,
        registration=registration,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor_user=acting.audit_user,
        actor_label=acting.audit_label[:200],
        reason=reason,
        at=at or timezone.now(),
    )


def transition(
    registration: DealRegistration,
    action: str,
    *,
    acting: Actor,
    reason: str = "",
    changes: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> DealRegistration:
    """Check the machine, apply `changes` and the new state, save and log, atomically."""
    target = check_allowed(registration, action)
    now = now or timezone.now()
    with transaction.atomic():
        before = registration.state
        for name, value in (changes or {}).items():
            setattr(registration, name, value)
        registration.state = target
        if target != before:
            registration.state_changed_at = now
        registration.save()
        log_event(
            registration,
            action,
            acting=acting,
            reason=reason,
            from_state=before,
            to_state=target,
            at=now,
        )
    return registration
