"""Task plumbing: the tenant-scoped task base and the scheduler heartbeat.

Tasks take ids as keyword arguments, tenant first; `TenantTask` loads the tenant and runs the body
inside its scope, so a task sees exactly what a request of that tenant would. Publish with
`.delay_on_commit()` so a worker never looks for a row that is not committed yet.

Core's other tasks live beside the code they run (core/webhooks/tasks.py, core/imports.py), which
imports this module for `TenantTask`; `CoreConfig.ready()` imports them so they are registered.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.apps import apps
from django.conf import settings
from django.utils import timezone

from core.audit import audit_context
from core.idempotency import purge_expired
from core.models import SchedulerHeartbeat
from core.tenancy import tenant_scope

__all__ = ["TenantTask", "purge_idempotency_keys", "record_scheduler_heartbeat"]


class TenantTask(DjangoTask):
    """Base for tasks that work on one tenant's data: call with `tenant_id=` as a keyword."""

    abstract = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        tenant_id = kwargs.get("tenant_id")
        if tenant_id is None:
            raise TypeError(f"{self.name} needs tenant_id= as a keyword argument")
        tenant_model = apps.get_model(settings.TENANT_MODEL)
        tenant = tenant_model.objects.filter(pk=tenant_id).first()
        if tenant is None:
            return None  # the tenant is gone: nothing left to do, and retrying will not help
        with tenant_scope(tenant), audit_context(source="task"):
            return super().__call__(*args, **kwargs)


@shared_task(name="core.tasks.record_scheduler_heartbeat", ignore_result=True)
def record_scheduler_heartbeat(name: str = "beat") -> None:
    SchedulerHeartbeat.objects.update_or_create(name=name, defaults={"beat_at": timezone.now()})


@shared_task(name="core.tasks.purge_idempotency_keys", ignore_result=True)
def purge_idempotency_keys() -> int:
    """Forget Idempotency-Keys past their keeping time (48 h; the API promises at least 24 h)."""
    return purge_expired()
