from django.core.management.base import BaseCommand
from django.db import transaction

from core.audit import audit_context
from core.seeding import demo_logins, demo_modules


class Command(BaseCommand):
    help = "Create or complete the demo tenants (idempotent: running it again changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--quiet-logins", action="store_true", help="Do not print the demo logins"
        )

    def handle(self, *args, quiet_logins=False, **options):
        with audit_context(source="command"):
            for module in demo_modules():
                with transaction.atomic():
                    module.seed(stdout=self.stdout)
        if not quiet_logins:
            for row in demo_logins():
                self.stdout.write("  ".join(row))
