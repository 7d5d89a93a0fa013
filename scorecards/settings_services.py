"""Changing how a tenant measures: its scorecard settings (influence lookback, time-decay
half-life, default attribution model), its exchange rates, and its partner-tier requirements.
RevOps admins change them (and the system: demo data, commands).

The facts (scorecards.rollup) are built with the lookback, the half-life and the rates, so a
change of any of them queues a rebuild of the tenant's facts
(`scorecards.tasks.rebuild_tenant`, by name: the tasks module imports the rollup, not this)
once the change is committed. Tier requirements and the default model are read when a page
is shown, so they need none.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from celery import current_app
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from kombu.exceptions import OperationalError

from core.acting import action
from core.metrics import metric
from scorecards.models import ExchangeRate, ScorecardSettings, TierRequirement
from tenancy.acting import Acting
from tenancy.choices import Role
from tenancy.models import Membership, Tenant

__all__ = [
    "REBUILD_TENANT",
    "SETTINGS_FIELDS",
    "add_exchange_rate",
    "queue_rebuild",
    "remove_exchange_rate",
    "remove_tier_requirement",
    "save_settings",
    "save_tier_requirement",
]

log = logging.getLogger(__name__)

REBUILD_TENANT = "scorecards.tasks.rebuild_tenant"
SETTINGS_FIELDS = ("lookback_days", "half_life_days", "default_model")
# Settings the facts are built with: changing one rebuilds them.
BUILT_WITH = ("lookback_days", "half_life_days")


def _check_admin(acting: Acting) -> None:
    if isinstance(acting, Membership) and acting.role != Role.REVOPS_ADMIN:
        raise PermissionDenied("The scorecard settings are changed by RevOps admins.")


def queue_rebuild(tenant_id: int) -> bool:
    """Queue the rebuild of the tenant's facts; False when it could not be queued (the broker
    is down): the nightly rebuild will do it. Without a broker it runs here."""
    try:
        current_app.signature(REBUILD_TENANT, kwargs={"tenant_id": tenant_id}).apply_async()
    except (OperationalError, OSError):
        log.warning("could not queue the rebuild of the scorecards of tenant %s", tenant_id)
        return False
    return True


def _rebuild_after_commit(tenant: Tenant) -> None:
    tenant_id = tenant.pk
    transaction.on_commit(lambda: queue_rebuild(tenant_id))


@action
def save_settings(tenant: Tenant, data: dict[str, Any], *, acting: Acting) -> ScorecardSettings:
    """Change some of the settings; the row is checked whole and saved only when valid. A new
    lookback or half-life rebuilds the facts."""
    _check_admin(acting)
    unknown = sorted(set(data) - set(SETTINGS_FIELDS))
    if unknown:
        raise ValidationError({name: "Not a scorecard setting." for name in unknown})
    with transaction.atomic():
        row = ScorecardSettings.objects.select_for_update().filter(tenant=tenant).first()
        if row is None:
            row = ScorecardSettings(tenant=tenant)
        before = {name: getattr(row, name) for name in BUILT_WITH}
        for name, value in data.items():
            setattr(row, name, value)
        row.full_clean(exclude=["tenant"])
        row.save()
        changed = any(
            Decimal(str(getattr(row, name))) != Decimal(str(before[name])) for name in BUILT_WITH
        )
        if changed:
            _rebuild_after_commit(tenant)
    return row


@action
def add_exchange_rate(tenant: Tenant, data: dict[str, Any], *, acting: Acting) -> ExchangeRate:
    """A rate of a currency from a day on (one a currency and day); the facts are rebuilt."""
    _check_admin(acting)
    currency = str(data.get("currency") or "").upper()
    if currency == tenant.currency:
        raise ValidationError(
            {"currency": f"{currency} is the tenant's own currency: it needs no rate."}
        )
    valid_from: Any = data.get("valid_from")  # the types are checked by full_clean
    rate: Any = data.get("rate")
    row = ExchangeRate(tenant=tenant, currency=currency, valid_from=valid_from, rate=rate)
    with transaction.atomic():
        row.full_clean(exclude=["tenant"], validate_unique=False, validate_constraints=False)
        if ExchangeRate.objects.filter(currency=currency, valid_from=row.valid_from).exists():
            raise ValidationError(
                {
                    "valid_from": f"{currency} has a rate from {row.valid_from:%d %b %Y} "
                    "already: remove it first to change it."
                }
            )
        row.save()
        _rebuild_after_commit(tenant)
    return row


@action
def remove_exchange_rate(tenant: Tenant, rate: ExchangeRate, *, acting: Acting) -> None:
    _check_admin(acting)
    with transaction.atomic():
        ExchangeRate.objects.filter(pk=rate.pk).delete()
        _rebuild_after_commit(tenant)


@action
def save_tier_requirement(
    tenant: Tenant, data: dict[str, Any], *, acting: Acting
) -> TierRequirement:
    """What a tier needs of one metric; a second requirement of the same tier and metric
    replaces the first's minimum."""
    _check_admin(acting)
    key = str(data.get("metric") or "")
    if metric(key) is None:
        raise ValidationError({"metric": f"There is no metric “{key}”."})
    with transaction.atomic():
        row = (
            TierRequirement.objects.select_for_update()
            .filter(tier=data.get("tier"), metric=key)
            .first()
        ) or TierRequirement(tenant=tenant, tier=str(data.get("tier") or ""), metric=key)
        minimum: Any = data.get("minimum")  # its type is checked by full_clean
        row.minimum = minimum
        row.full_clean(exclude=["tenant"], validate_unique=False, validate_constraints=False)
        row.save()
    return row


@action
def remove_tier_requirement(tenant: Tenant, row: TierRequirement, *, acting: Acting) -> None:
    _check_admin(acting)
    TierRequirement.objects.filter(pk=row.pk).delete()
