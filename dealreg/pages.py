"""Deal registration's pages in the three front doors (imported by `TenancyConfig.ready()`).

The console has the review queue and the review page, the adjudication queue, the decide page
for one end customer's conflicting claims, the precedent search, the conflict-rate report (with
its CSV) and the tenant's settings with the written tie-breaks; sales and the portal have the
viewer's registrations, registering a deal, a registration's page with the registrant's actions
(and, for sales managers, the reviewer's decision). The home pages' queues (dealreg/home.py)
link to "console:dealreg-review", "console:dealreg-conflicts", "portal:dealregs" and
"sales:dealregs"."""

from dealreg.views import adjudication, registrant, reports, review, settings
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
    # Adjudication: conflicts a person decides, by end customer (`pk` is the customer's).
    Page(
        "registration-conflicts/",
        adjudication.conflict_queue,
        "dealreg-conflicts",
        nav="Conflicts to adjudicate",
        order=45,
        group="pipeline",
    ),
    Page("registration-conflicts/<int:pk>/", adjudication.conflict, "dealreg-conflict"),
    Page(
        "registration-conflicts/<int:pk>/decide/",
        adjudication.adjudicate_conflict,
        "dealreg-adjudicate",
    ),
    Page("registration-conflicts/precedents/", adjudication.precedent_search, "dealreg-precedents"),
    Page(
        "registration-conflict-rate/",
        reports.conflict_rate,
        "dealreg-conflict-rate",
        nav="Conflict rate",
        order=42,
        group="pipeline",
    ),
    Page(
        "registration-conflict-rate/export/",
        reports.conflict_rate_export,
        "dealreg-conflict-rate-export",
    ),
    Page(
        "deal-registration-settings/",
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
