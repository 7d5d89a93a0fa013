"""Pipeline pages, the same in every front door (what each viewer sees comes from visible_to()),
the opportunity page, and pipeline's sections of the account and contact pages.

Imported once at start-up by `TenancyConfig.ready()` (every app's `pages` module).
"""

from accounts.views import AccountSection, register_account_section, register_contact_section
from pipeline import views
from tenancy.auditlog import AuditSubject, field_verbs, register_audit_subject
from tenancy.navigation import Page, register_pages
from tenancy.sections import Section
from tenancy.views import register_partner_section, register_team_section

for door in ("console", "sales", "portal"):
    register_pages(
        door,
        Page(
            "opportunities/",
            views.opportunity_list,
            "opportunities",
            nav="Opportunities",
            order=30,
            group="pipeline",
        ),
        Page("opportunities/export/", views.opportunity_export, "opportunities-export"),
        Page("opportunities/<int:pk>/", views.opportunity_detail, "opportunity"),
    )

# The account page (a lower app) shows pipeline's blocks without importing pipeline.
register_account_section(
    AccountSection("opportunities", views.account_opportunities_section, order=10)
)
register_account_section(AccountSection("timeline", views.account_timeline_section, order=20))
# The contact page (a lower app) shows the touches with the contact.
register_contact_section(Section("touches", views.contact_touches_section, order=20))
# The partner and team pages (tenancy) show their pipeline and leads.
register_partner_section(Section("pipeline", views.pipeline_of_partner_section, order=30))
register_team_section(Section("pipeline", views.pipeline_of_team_section, order=30))

# How the audit log speaks of opportunities and links them to their page.
register_audit_subject(
    AuditSubject(
        "pipeline.Opportunity",
        url_name="opportunity",
        verb=field_verbs("stage", {}, otherwise={"stage": "moved", "owner_user": "reassigned"}),
    )
)
register_audit_subject(
    AuditSubject(
        "pipeline.StageChange", noun="stage change", name=lambda object_id, _: f"#{object_id}"
    )
)
