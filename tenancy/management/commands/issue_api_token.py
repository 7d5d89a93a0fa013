from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.acting import SystemActor
from core.audit import audit_context
from tenancy.models import Tenant, User
from tenancy.services import issue_api_token


class Command(BaseCommand):
    help = "Create an API token for a user in a tenant and print it (it is shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="Tenant slug")
        parser.add_argument("--user", required=True, help="Email of a member of the tenant")
        parser.add_argument("--name", default="CRM sync", help="What uses the token")

    def handle(self, *args, tenant, user, name, **options):
        tenant_obj = Tenant.objects.filter(slug=tenant).first()
        if tenant_obj is None:
            raise CommandError(f"No tenant with slug '{tenant}'.")
        user_obj = User.objects.filter(email=user.strip().lower()).first()
        if user_obj is None:
            raise CommandError(f"No user with email '{user}'.")
        try:
            with audit_context(source="command"):
                # The operator at the shell issues it, not the member it is for: the system acts.
                _, key = issue_api_token(
                    tenant=tenant_obj,
                    user=user_obj,
                    name=name,
                    acting=SystemActor("issue_api_token command"),
                )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(key)
