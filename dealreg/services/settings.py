"""The tenant's deal-registration settings: one service, called by the API and the console's
settings page, validating with the model's own rules (`DealRegSettings.clean`). RevOps admins
change them (and the system: demo data, commands); everyone else may only read them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from core.acting import action
from dealreg.models import DealRegSettings
from dealreg.services.state import settings_for
from tenancy.acting import Acting
from tenancy.choices import Role
from tenancy.models import Membership, Tenant

__all__ = ["SETTINGS_FIELDS", "save_settings"]

SETTINGS_FIELDS = (
    "rejection_reasons",
    "split_options",
    "approval_steps",
    "review_hours",
    "answer_days",
    "idle_days",
    "resubmission_cap",
    "reminder_days",
    "touch_window_days",
)


@action
def save_settings(tenant: Tenant, data: dict[str, Any], *, acting: Acting) -> DealRegSettings:
    """Change some of the settings; the row is checked whole, and saved only when valid."""
    if isinstance(acting, Membership) and acting.role != Role.REVOPS_ADMIN:
        raise PermissionDenied("The deal-registration settings are changed by RevOps admins.")
    unknown = sorted(set(data) - set(SETTINGS_FIELDS))
    if unknown:
        raise ValidationError({name: "Not a deal-registration setting." for name in unknown})
    with transaction.atomic():
        current = settings_for(tenant)
        row = DealRegSettings.objects.select_for_update().get(pk=current.pk)
        for name, value in data.items():
            setattr(row, name, value)
        row.full_clean(exclude=["tenant"])
        row.save()
    return row
