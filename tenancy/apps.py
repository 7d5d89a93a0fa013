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

        # Outbound webhooks (core/webhooks/): endpoints and the delivery log.
        from tenancy.webhook_views import (
            webhook_delete,
            webhook_deliveries,
            webhook_delivery_replay,
            webhook_toggle,
            webhooks,
        )

        register_pages(
            "console",
            Page("webhooks/", webhooks, "webhooks", nav="Webhooks", order=92),
            Page("webhooks/<int:endpoint_id>/toggle/", webhook_toggle, "webhook-toggle"),
            Page("webhooks/<int:endpoint_id>/delete/", webhook_delete, "webhook-delete"),
            Page("webhooks/deliveries/", webhook_deliveries, "webhook-deliveries"),
            Page(
                "webhooks/deliveries/<int:delivery_id>/replay/",
                webhook_delivery_replay,
                "webhook-delivery-replay",
            ),
        )

        # CSV imports (core/imports.py): upload, mapping and dry run, progress, report.
        from tenancy.import_views import (
            import_discard,
            import_errors,
            import_job,
            import_progress,
            imports,
        )

        register_pages(
            "console",
            Page("imports/", imports, "imports", nav="Imports", order=70),
            Page("imports/<int:job_id>/", import_job, "import"),
            Page("imports/<int:job_id>/progress/", import_progress, "import-progress"),
            Page("imports/<int:job_id>/errors.csv", import_errors, "import-errors"),
            Page("imports/<int:job_id>/delete/", import_discard, "import-discard"),
        )
