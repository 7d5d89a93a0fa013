"""MDF's pages in the three front doors (imported by `TenancyConfig.ready()`), under the
navigation group "Market development funds" (settings under "Integrations and settings").

Portal: "My MDF" (balance by quarter and the quarter's ledger), fund requests (list, new, edit,
page with timeline, submit, withdraw), the claim (fields, proof, submit) and proof downloads.
Console: the approvals queue, a request's page with the decisions and the payment, the payments
queue, the ledger with balances per partner, budgets and allocations, the MDF settings, proof
downloads. Sales: "Partner MDF activity". The home pages' queues (mdf/home.py) link to
"console:mdf-approvals", "console:mdf-payments", "portal:mdf-requests" and "portal:mdf"."""

from mdf.views import console, funds, portal, sales
from mdf.views.common import proof_file
from tenancy.navigation import Page, register_pages

GROUP = "funds"

register_pages(
    "portal",
    Page("mdf/", portal.my_mdf, "mdf", nav="My MDF", order=10, group=GROUP),
    Page(
        "mdf/requests/",
        portal.request_list,
        "mdf-requests",
        nav="Fund requests",
        order=20,
        group=GROUP,
    ),
    Page("mdf/requests/new/", portal.request_new, "mdf-request-new"),
    Page("mdf/requests/<int:pk>/", portal.request_detail, "mdf-request"),
    Page("mdf/requests/<int:pk>/edit/", portal.request_edit, "mdf-request-edit"),
    Page("mdf/requests/<int:pk>/submit/", portal.request_submit, "mdf-request-submit"),
    Page("mdf/requests/<int:pk>/withdraw/", portal.request_withdraw, "mdf-request-withdraw"),
    Page("mdf/requests/<int:pk>/claim/", portal.claim_page, "mdf-claim"),
    Page("mdf/requests/<int:pk>/proofs/<int:proof_id>/", proof_file, "mdf-proof"),
    Page(
        "mdf/requests/<int:pk>/proofs/<int:proof_id>/remove/",
        portal.proof_remove,
        "mdf-proof-remove",
    ),
)

register_pages(
    "console",
    Page(
        "mdf/approvals/",
        console.approvals,
        "mdf-approvals",
        nav="MDF approvals",
        order=10,
        group=GROUP,
    ),
    Page("mdf/requests/<int:pk>/", console.request_review, "mdf-request"),
    Page("mdf/requests/<int:pk>/proofs/<int:proof_id>/", proof_file, "mdf-proof"),
    Page(
        "mdf/payments/", console.payments, "mdf-payments", nav="MDF payments", order=20, group=GROUP
    ),
    Page("mdf/ledger/", funds.ledger, "mdf-ledger", nav="MDF ledger", order=30, group=GROUP),
    Page(
        "mdf/budgets/", funds.budget_page, "mdf-budgets", nav="MDF budgets", order=40, group=GROUP
    ),
    Page(
        "mdf/settings/",
        funds.mdf_settings,
        "mdf-settings",
        nav="MDF settings",
        order=62,
        group="settings",
    ),
)

register_pages(
    "sales",
    Page(
        "mdf/activity/",
        sales.activity,
        "mdf-activity",
        nav="Partner MDF activity",
        order=10,
        group=GROUP,
    ),
)

# ROI and reallocation (console) follow below.


# --- ROI and reallocation (console) -----------------------------------------------------------
# The mdf-roi branch's block: self-contained (its imports inside), to be kept whole at the end
# of this file when merging.
def _register_roi_and_reallocation() -> None:
    from mdf.views import reallocation, roi

    register_pages(
        "console",
        Page("mdf/roi/", roi.roi, "mdf-roi", nav="MDF return", order=50, group=GROUP),
        Page("mdf/roi/export/", roi.roi_export, "mdf-roi-export"),
        Page(
            "mdf/reallocations/",
            reallocation.reallocations,
            "mdf-reallocations",
            nav="MDF reallocation",
            order=55,
            group=GROUP,
        ),
        Page(
            "mdf/reallocations/recommend/",
            reallocation.reallocation_recommend,
            "mdf-reallocation-recommend",
        ),
        Page("mdf/reallocations/<int:pk>/", reallocation.reallocation, "mdf-reallocation"),
        Page(
            "mdf/reallocation-lines/<int:pk>/accept/",
            reallocation.line_accept,
            "mdf-reallocation-line-accept",
        ),
        Page(
            "mdf/reallocation-lines/<int:pk>/reject/",
            reallocation.line_reject,
            "mdf-reallocation-line-reject",
        ),
    )


_register_roi_and_reallocation()
