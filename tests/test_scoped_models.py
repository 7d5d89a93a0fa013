"""Every model of ours is either tenant-owned and scoped, or on a short reviewed list."""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models

from core.tenancy import TenantManager

# Every app whose code lives in this repository.
OUR_APPS = {c.label for c in apps.get_app_configs() if Path(c.path).parent == settings.BASE_DIR}

# Models that are not owned by one tenant, and why.
NOT_TENANT_OWNED = {
    "tenancy.User": "a person may belong to several tenants",
    "tenancy.Tenant": "the tenant itself, looked up by slug or token",
    "core.SchedulerHeartbeat": "platform health, no tenant data",
    "core.SyncClock": "the change counter on SQLite, shared by all tenants",
}
# Globally unique columns on tenant-owned models, and why.
GLOBAL_UNIQUE_FIELDS = {
    "tenancy.ApiToken.key_hash": "the token is looked up before its tenant is known",
}


def test_every_app_of_ours_is_checked():
    assert {"core", "tenancy", "accounts", "scorecards"} <= OUR_APPS


def our_models():
    return [m for m in apps.get_models() if m._meta.app_label in OUR_APPS]


def test_every_model_with_a_tenant_is_scoped_and_every_other_is_listed():
    for model in our_models():
        label = model._meta.label
        field_names = {f.name for f in model._meta.get_fields()}
        if "tenant" in field_names:
            assert isinstance(model._default_manager, TenantManager), (
                f"{label} must use TenantManager"
            )
            assert hasattr(model, "all_tenants"), f"{label} needs an all_tenants manager"
            assert label not in NOT_TENANT_OWNED
        else:
            assert label in NOT_TENANT_OWNED, (
                f"{label} has no tenant: scope it or list it here with a reason"
            )


def test_tenant_owned_constraints_and_indexes_lead_with_the_tenant():
    for model in our_models():
        if "tenant" not in {f.name for f in model._meta.get_fields()}:
            continue
        label = model._meta.label
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.UniqueConstraint):
                assert constraint.fields[0] == "tenant", (
                    f"{label}.{constraint.name} must start with tenant"
                )
        for index in model._meta.indexes:
            first = index.fields[0].lstrip("-")
            assert first == "tenant", f"{label} index {index.name} must start with tenant"
        leading = [
            c
            for c in model._meta.constraints
            if getattr(c, "fields", None) and c.fields[0] == "tenant"
        ]
        leading += [i for i in model._meta.indexes if i.fields[0].lstrip("-") == "tenant"]
        assert leading, f"{label} needs an index or unique constraint that starts with tenant"
        for field in model._meta.concrete_fields:
            if field.unique and not field.primary_key:
                assert f"{label}.{field.name}" in GLOBAL_UNIQUE_FIELDS, (
                    f"{label}.{field.name} is unique across tenants"
                )
