"""Deal registration's pages in the three front doors (imported by `TenancyConfig.ready()`).

The console has the review queue and the review page, the conflict-rate report (with its CSV)
and the tenant's settings with the written tie-breaks; sales and the portal have the viewer's
registrations and a registration's page with the registrant's actions (and, for sales managers,
the reviewer's decision). The home pages' queues
(dealreg/home.py) link to "console:dealreg-review", "portal:dealregs" and "sales:dealregs"."""

from dealreg.views import registrant, reports, review, settings
from tenancy.navigation import Page, register_pages

register_pages(
    "console",
    Page(
        "deal-registrations/",
        review.review_queue,
        "dealreg-review",
        nav="Deal registrations",
        order=40,
        group="pipeline",
    ),
    Page("deal-registrations/<int:pk>/", review.review, "dealreg"),
    Page("deal-registrations/<int:pk>/decide/", review.review_decide, "dealreg-decide"),
    Page(
        "deal-registrations/conflict-rate/",
        reports.conflict_rate,
        "dealreg-conflict-rate",
        nav="Conflict rate",
        order=42,
        group="pipeline",
    ),
    Page(
        "deal-registrations/conflict-rate/export/",
        reports.conflict_rate_export,
        "dealreg-conflict-rate-export",
    ),
    Page(
        "deal-registrations/settings/",
        settings.dealreg_settings,
        "dealreg-settings",
        nav="Deal registration settings",
        order=60,
        group="settings",
    ),
)

for door in ("sales", "portal"):
    register_pages(
        door,
        Page(
            "deal-registrations/",
            registrant.registrations,
            "dealregs",
            nav="Deal registrations",
            order=40,
            group="pipeline",
        ),
        Page("deal-registrations/<int:pk>/", registrant.registration, "dealreg"),
        Page(
            "deal-registrations/<int:pk>/withdraw/",
            registrant.registration_withdraw,
            "dealreg-withdraw",
        ),
        Page(
            "deal-registrations/<int:pk>/extension/",
            registrant.registration_extension,
            "dealreg-extension",
        ),
    )

# Sales managers review registrations in the sales door.
register_pages(
    "sales",
    Page("deal-registrations/<int:pk>/decide/", review.review_decide, "dealreg-decide"),
)
