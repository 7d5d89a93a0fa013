"""`manage.py rebuild_scorecards [--tenant SLUG]`: every rollup (and the campaigns' overlap
flags) from scratch, after a change of definition (docs/metrics.md) or of a tenant's settings or exchange rates."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.tenancy import tenant_scope
from scorecards.tasks import rebuild_now
from tenancy.models import Tenant


class Command(BaseCommand):
    help = "Rebuild the scorecards' rollup tables from the raw tables."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--tenant", help="the tenant's slug (default: every tenant)")

    def handle(self, *args: Any, **options: Any) -> None:
        tenants = Tenant.objects.order_by("slug")
        if options["tenant"]:
            tenants = tenants.filter(slug=options["tenant"])
            if not tenants.exists():
                raise CommandError(f"No tenant with the slug “{options['tenant']}”.")
        for tenant in tenants:
            started = time.perf_counter()
            # After a running refresh of the tenant, and none while this runs (scorecards.tasks).
            with tenant_scope(tenant):
                written = rebuild_now(tenant)
            self.stdout.write(
                f"{tenant.slug}: {written:,} facts in {time.perf_counter() - started:.1f} s"
            )
