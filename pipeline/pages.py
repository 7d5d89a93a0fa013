"""Pipeline pages, the same in every front door (what each viewer sees comes from visible_to()),
and pipeline's sections of the account page.

Imported once at start-up by `TenancyConfig.ready()` (every app's `pages` module).
"""

from accounts.views import AccountSection, register_account_section
from pipeline import views
from tenancy.navigation import Page, register_pages

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
    )

# The account page (a lower app) shows pipeline's blocks without importing pipeline.
register_account_section(
    AccountSection("opportunities", views.account_opportunities_section, order=10)
)
register_account_section(AccountSection("timeline", views.account_timeline_section, order=20))
