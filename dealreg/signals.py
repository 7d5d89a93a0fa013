"""Won or lost arriving from the CRM: pipeline sits below deal registration, so deal
registration listens to opportunity saves (the sweep catches bulk writes, which send none)."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from core.acting import SystemActor
from core.tenancy import current_tenant, tenant_scope
from dealreg.choices import RegState
from dealreg.models import DealRegistration
from dealreg.services.registrations import close
from pipeline.choices import Outcome
from pipeline.models import Opportunity

CRM = SystemActor("opportunity closed")


@receiver(post_save, sender=Opportunity)
def _opportunity_saved(
    sender: type, instance: Opportunity, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        return
    outcome = instance.stage.outcome
    if outcome == Outcome.OPEN:
        return
    linked = list(
        DealRegistration.all_tenants.filter(
            tenant_id=instance.tenant_id, opportunity_id=instance.pk, state=RegState.APPROVED
        )
    )
    if not linked:
        return
    # The services query in the tenant's scope, whoever saved the opportunity (the admin site
    # saves outside one).
    scope = nullcontext() if current_tenant() is not None else tenant_scope(instance.tenant)
    with scope:
        for registration in linked:
            close(
                registration,
                won=outcome == Outcome.WON,
                acting=CRM,
                reason=instance.close_reason or f"The opportunity was {outcome} in the CRM.",
            )
