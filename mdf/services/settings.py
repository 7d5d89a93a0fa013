"""The tenant's MDF settings row, made on first use."""

from __future__ import annotations

from core.acting import action
from mdf.models import MdfSettings
from mdf.services.state import may_decide
from tenancy.acting import Acting
from tenancy.models import Tenant

__all__ = ["settings_for", "update_settings"]


def settings_for(tenant: Tenant | int) -> MdfSettings:
    tenant_id = tenant if isinstance(tenant, int) else tenant.pk
    found = MdfSettings.objects.filter(tenant_id=tenant_id).first()
    if found is None:
        found, _ = MdfSettings.objects.get_or_create(tenant_id=tenant_id)
    return found


@action
def update_settings(tenant: Tenant, *, acting: Acting, **changes: object) -> MdfSettings:
    """Change the settings (RevOps admins); `full_clean` refuses a bad value naming its field."""
    may_decide(acting)
    found = settings_for(tenant)
    for name, value in changes.items():
        setattr(found, name, value)
    found.full_clean()
    found.save()
    return found
