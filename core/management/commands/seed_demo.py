from django.core.management.base import BaseCommand, CommandError

from core.audit import audit_context
from core.seeding import demo_logins, demo_modules


class Command(BaseCommand):
    help = (
        "Create or complete the demo tenants (idempotent: running it again adds only what is "
        "missing). --scale multiplies the customer data, e.g. 50 for 100,000 accounts and "
        "1,000,000 touches in the main tenant."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--quiet-logins", action="store_true", help="Do not print the demo logins"
        )
        parser.add_argument(
            "--scale", type=float, default=1.0, help="Multiply the customer data (default 1)"
        )

    def handle(self, *args, quiet_logins=False, scale=1.0, **options):
        if not 0 < scale <= 500:
            raise CommandError("--scale must be above 0 and at most 500.")
        with audit_context(source="command"):
            # Each app commits in batches, so a large --scale run keeps what it made if stopped.
            for module in demo_modules():
                module.seed(stdout=self.stdout, scale=scale)
        if not quiet_logins:
            for row in demo_logins():
                self.stdout.write("  ".join(row))
