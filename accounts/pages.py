"""Customer pages, the same in every front door; what each viewer sees comes from visible_to().

Imported once at start-up by `TenancyConfig.ready()` (every app's `pages` module).
"""

from accounts import views
from tenancy.auditlog import AuditSubject, register_audit_subject
from tenancy.navigation import Page, register_pages
from tenancy.sections import Section
from tenancy.views import register_partner_section, register_team_section

for door in ("console", "sales", "portal"):
    register_pages(
        door,
        Page(
            "accounts/", views.account_list, "accounts", nav="Accounts", order=10, group="pipeline"
        ),
        Page("accounts/export/", views.account_export, "accounts-export"),
        Page("accounts/<int:pk>/", views.account_detail, "account"),
        Page(
            "contacts/", views.contact_list, "contacts", nav="Contacts", order=20, group="pipeline"
        ),
        Page("contacts/export/", views.contact_export, "contacts-export"),
        Page("contacts/<int:pk>/", views.contact_detail, "contact"),
    )

# The partner and team pages (tenancy, a lower app) show the accounts they own.
register_partner_section(Section("accounts", views.accounts_of_partner_section, order=20))
register_team_section(Section("accounts", views.accounts_of_team_section, order=20))

# How the audit log links accounts' rows to their pages.
register_audit_subject(AuditSubject("accounts.Account", url_name="account"))
register_audit_subject(AuditSubject("accounts.Contact", url_name="contact"))
