"""Who is who: tenants, partners, teams, users, memberships and API tokens."""

from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "tenancy"
    verbose_name = "Tenancy"

    def ready(self) -> None:
        from core.discovery import app_modules
        from tenancy import signals  # noqa: F401  (sign-in audit receivers)
        from tenancy.api import schema  # noqa: F401  (OpenAPI auth descriptions)

        # Every app's pages (<app>/pages.py) register themselves when imported.
        app_modules("pages")
        app_modules("home")  # home-page queues and figures (tenancy/worklist.py)
