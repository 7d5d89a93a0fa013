"""Deal registration's pages in the three front doors (imported by `TenancyConfig.ready()`).

The console has the review queue and the review page; sales and the portal have the viewer's
registrations and a registration's page with the registrant's actions (and, for sales managers,
the reviewer's decision). The home pages' queues
(dealreg/home.py) link to "console:dealreg-review", "portal:dealregs" and "sales:dealregs"."""

from dealreg.views import registrant, review
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
        "deal-registrations/<int:pk>/files/<int:file_id>/",
        registrant.evidence_file,
        "dealreg-file",
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
        Page("deal-registrations/new/", registrant.register, "dealreg-new"),
        Page("deal-registrations/check/", registrant.registration_check, "dealreg-check"),
        Page("deal-registrations/<int:pk>/", registrant.registration, "dealreg"),
        Page("deal-registrations/<int:pk>/edit/", registrant.registration_edit, "dealreg-edit"),
        Page(
            "deal-registrations/<int:pk>/files/<int:file_id>/",
            registrant.evidence_file,
            "dealreg-file",
        ),
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
