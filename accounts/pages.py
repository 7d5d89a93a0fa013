"""Customer pages, the same in every front door; what each viewer sees comes from visible_to().

Imported once at start-up by `TenancyConfig.ready()` (every app's `pages` module).
"""

from accounts import views
from tenancy.navigation import Page, register_pages

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
    )
