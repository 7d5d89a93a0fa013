"""Shared plumbing with no business rules: tenant scoping, API base classes, tasks, audit."""

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CoreConfig(AppConfig):
    default = True
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from core import audit, sync  # noqa: F401  (connect the audit and tombstone receivers)
        from core.api import schema  # noqa: F401  (OpenAPI field descriptions)


class PlatformAdminConfig(admin_apps.AdminConfig):
    """/admin/ for platform superusers, served across tenants (core.admin_site)."""

    default = False
    default_site = "core.admin_site.PlatformAdminSite"
