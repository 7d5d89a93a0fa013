"""Won revenue changing: pipeline sits below MDF, so MDF listens to opportunity saves and
queues the partner's accrual recomputation after the commit (the hourly sweep catches bulk
writes, which send no signals)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from mdf.choices import AllocationKind
from mdf.models import Allocation
from pipeline.models import Opportunity


@receiver(post_save, sender=Opportunity)
def _opportunity_saved(
    sender: type, instance: Opportunity, raw: bool = False, **kwargs: Any
) -> None:
    if raw or instance.partner_id is None or instance.closed_on is None:
        return
    accruing = Allocation.all_tenants.filter(
        tenant_id=instance.tenant_id,
        partner_id=instance.partner_id,
        kind=AllocationKind.ACCRUAL,
        period_start__lte=instance.closed_on,
        period_end__gte=instance.closed_on,
    ).exists()
    if not accruing:
        return
    from mdf.tasks import recompute_partner_accruals

    tenant_id, partner_id = instance.tenant_id, instance.partner_id
    transaction.on_commit(
        lambda: recompute_partner_accruals.delay(tenant_id=tenant_id, partner_id=partner_id)
    )
