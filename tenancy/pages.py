"""Tenancy's console pages: who is who, API tokens, the audit log, outbound webhooks
(core/webhooks/) and CSV imports (core/imports.py).

Every app declares its pages in its own `pages.py`, imported once at start-up by
`TenancyConfig.ready()` (autodiscovery), and tenancy/urls.py mounts them behind each door's guard.
"""

from tenancy import import_views, views, webhook_views
from tenancy.auditlog import AuditSubject, field_verbs, register_audit_subject
from tenancy.navigation import Page, register_pages

register_pages(
    "console",
    Page("partners/", views.partner_list, "partners", nav="Partners", order=80, group="people"),
    Page("partners/<int:pk>/", views.partner_detail, "partner"),
    Page("teams/", views.team_list, "teams", nav="Teams", order=81, group="people"),
    Page("teams/<int:pk>/", views.team_detail, "team"),
    Page("users/", views.user_list, "users", nav="Users", order=82, group="people"),
    Page(
        "api-tokens/", views.api_tokens, "api-tokens", nav="API tokens", order=90, group="settings"
    ),
    Page("api-tokens/<int:token_id>/revoke/", views.api_token_revoke, "api-token-revoke"),
    Page("audit/", views.audit_log, "audit-log", nav="Audit log", order=95, group="settings"),
    # Outbound webhooks: endpoints and the delivery log.
    Page(
        "webhooks/", webhook_views.webhooks, "webhooks", nav="Webhooks", order=92, group="settings"
    ),
    Page("webhooks/<int:endpoint_id>/toggle/", webhook_views.webhook_toggle, "webhook-toggle"),
    Page("webhooks/<int:endpoint_id>/delete/", webhook_views.webhook_delete, "webhook-delete"),
    Page("webhooks/deliveries/", webhook_views.webhook_deliveries, "webhook-deliveries"),
    Page(
        "webhooks/deliveries/<int:delivery_id>/replay/",
        webhook_views.webhook_delivery_replay,
        "webhook-delivery-replay",
    ),
    # CSV imports: upload, mapping and dry run, progress, report.
    Page("imports/", import_views.imports, "imports", nav="Imports", order=70, group="settings"),
    Page("imports/template/<slug:resource>.csv", import_views.import_template, "import-template"),
    Page("imports/<int:job_id>/", import_views.import_job, "import"),
    Page("imports/<int:job_id>/progress/", import_views.import_progress, "import-progress"),
    Page("imports/<int:job_id>/errors.csv", import_views.import_errors, "import-errors"),
    Page("imports/<int:job_id>/delete/", import_views.import_discard, "import-discard"),
)

# How the audit log speaks of tenancy's rows, and their pages.
register_audit_subject(
    AuditSubject(
        "tenancy.Partner",
        url_name="partner",
        verb=field_verbs(
            "status", {"active": "reactivated", "suspended": "suspended", "inactive": "deactivated"}
        ),
    )
)
register_audit_subject(AuditSubject("tenancy.Team", noun="team", url_name="team"))
register_audit_subject(AuditSubject("tenancy.ApiToken", noun="API token"))
