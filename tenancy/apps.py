"""Who is who: tenants, partners, teams, users, memberships and API tokens."""

from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "tenancy"
    verbose_name = "Tenancy"

    def ready(self) -> None:
        from tenancy import signals  # noqa: F401  (sign-in audit receivers)
        from tenancy.api import schema  # noqa: F401  (OpenAPI auth descriptions)
        from tenancy.navigation import Page, register_pages
        from tenancy.views import (
            api_token_revoke,
            api_tokens,
            audit_log,
            partner_list,
            team_list,
            user_list,
        )

        register_pages(
            "console",
            Page("partners/", partner_list, "partners", nav="Partners", order=80),
            Page("teams/", team_list, "teams", nav="Teams", order=81),
            Page("users/", user_list, "users", nav="Users", order=82),
            Page("api-tokens/", api_tokens, "api-tokens", nav="API tokens", order=90),
            Page("api-tokens/<int:token_id>/revoke/", api_token_revoke, "api-token-revoke"),
            Page("audit/", audit_log, "audit-log", nav="Audit log", order=95),
        )
