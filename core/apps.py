"""Shared plumbing with no business rules: tenant scoping, API base classes, tasks, audit."""

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CoreConfig(AppConfig):
    default = True
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Connect the audit, tombstone and webhook receivers, and register the tasks that live
        # outside core.tasks (Celery's autodiscovery only imports core.tasks).
        from core import audit, imports, sync  # noqa: F401
        from core.api import schema  # noqa: F401  (OpenAPI field descriptions)
        from core.webhooks import emit  # noqa: F401


class PlatformAdminConfig(admin_apps.AdminConfig):
    """/admin/ for platform superusers, served across tenants (core.admin_site)."""

    default = False
    default_site = "core.admin_site.PlatformAdminSite"
