"""The scorecards' pages in the three front doors (imported by `TenancyConfig.ready()`), in the
navigation's "Measure" group.

The console has the dashboard (charts, the tenant's scorecard, the partner league table, the
teams, the days per stage), a scorecard page for any partner, team, rep or route, and the
settings (measuring, exchange rates, tier requirements). The portal has the partner's own
scorecard ("Our scorecard"), the sales door the rep's or the manager's ("My scorecard"). Every
door has the rows behind a number, the CSV of every table and how the figures are counted.

Under "Campaigns and offers": the console's overlap page and "Offer conversion", the portal's
and the sales door's "Offer results" (their own party's conversion), and a results block on
every door's campaign and offer pages.

Under "Governance": the console's quarterly reviews (workspace, exports, extracts' previews,
decisions) and the maturity assessment; the portal's and the sales door's signed-off reviews as
their own extracts; "My review decisions" in every door (docs/governance.md, docs/maturity.md)."""

from accounts.views import AccountSection, register_account_section
from campaigns.views import register_campaign_section, register_offer_section
from scorecards.views import (
    conversion,
    definitions,
    drilldown,
    exports,
    overlap,
    review,
    review_decisions,
    review_doors,
    scope,
    settings,
)
from scorecards.views import maturity as maturity_views
from scorecards.views.dashboard import dashboard
from tenancy.auditlog import AuditSubject, register_audit_subject
from tenancy.choices import Role
from tenancy.navigation import Page, register_pages
from tenancy.sections import Section

register_pages(
    "console",
    Page("scorecards/", dashboard, "scorecards", nav="Scorecards", order=10, group="measure"),
    Page("scorecards/partner/<int:pk>/", scope.partner_scorecard, "scorecard-partner"),
    Page("scorecards/team/<int:pk>/", scope.team_scorecard, "scorecard-team"),
    Page("scorecards/user/<int:pk>/", scope.user_scorecard, "scorecard-user"),
    Page("scorecards/route/<slug:route>/", scope.route_scorecard, "scorecard-route"),
    Page(
        "scorecard-settings/",
        settings.scorecard_settings,
        "scorecard-settings",
        nav="Scorecard settings",
        order=65,
        group="settings",
    ),
    Page("scorecard-settings/rates/", settings.rate_add, "scorecard-rate-add"),
    Page(
        "scorecard-settings/rates/<int:pk>/remove/", settings.rate_remove, "scorecard-rate-remove"
    ),
    Page("scorecard-settings/tiers/", settings.tier_add, "scorecard-tier-add"),
    Page(
        "scorecard-settings/tiers/<int:pk>/remove/", settings.tier_remove, "scorecard-tier-remove"
    ),
    Page("scorecard-settings/rebuild/", settings.rebuild, "scorecard-rebuild"),
    Page(
        "campaign-overlap/",
        overlap.overlap_flags,
        "overlap",
        nav="Overlap",
        order=90,
        group="marketing",
    ),
    Page("campaign-overlap/export/", overlap.overlap_export, "overlap-export"),
    Page("campaign-overlap/<int:pk>/settle/", overlap.overlap_settle, "overlap-settle"),
)

for door, label in (("portal", "Our scorecard"), ("sales", "My scorecard")):
    register_pages(
        door,
        Page("scorecard/", scope.my_scorecard, "scorecard", nav=label, order=10, group="measure"),
    )

for door, prefix in (("console", "scorecards"), ("sales", "scorecard"), ("portal", "scorecard")):
    register_pages(
        door,
        Page(f"{prefix}/figures/<slug:key>/", drilldown.drilldown, "scorecard-drilldown"),
        Page(
            f"{prefix}/figures/<slug:key>/export/",
            drilldown.drilldown_export,
            "scorecard-drilldown-export",
        ),
        Page(f"{prefix}/export/<slug:table>/", exports.export, "scorecard-export"),
        Page(f"{prefix}/definitions/", definitions.definitions, "scorecard-definitions"),
    )

for door, label in (
    ("console", "Offer conversion"),
    ("portal", "Offer results"),
    ("sales", "Offer results"),
):
    register_pages(
        door,
        Page(
            "offer-conversion/",
            conversion.conversion_page,
            "conversion",
            nav=label,
            order=95,
            group="marketing",
        ),
        Page("offer-conversion/export/", conversion.conversion_export, "conversion-export"),
    )

register_campaign_section(Section("conversion", conversion.campaign_results, order=20))
register_offer_section(Section("conversion", conversion.offer_results, order=20))

register_account_section(
    AccountSection("campaign-overlap", overlap.account_overlap_section, order=4)
)

# --- the quarterly governance review (docs/governance.md, "Pages and exports") ------------------


register_pages(
    "console",
    Page(
        "governance-reviews/",
        review.review_list,
        "governance-reviews",
        nav="Governance reviews",
        order=10,
        group="governance",
    ),
    Page("governance-reviews/open/", review.review_open, "governance-review-open"),
    Page("governance-reviews/<int:pk>/", review.review_workspace, "governance-review"),
    Page(
        "governance-reviews/<int:pk>/progress/",
        review.review_progress,
        "governance-review-progress",
    ),
    Page(
        "governance-reviews/<int:pk>/prepare/", review.review_prepare, "governance-review-prepare"
    ),
    Page(
        "governance-reviews/<int:pk>/sign-off/",
        review.review_sign_off,
        "governance-review-sign-off",
    ),
    Page("governance-reviews/<int:pk>/export/", review.review_export, "governance-review-export"),
    Page("governance-reviews/<int:pk>/pdf/", review.review_pdf, "governance-review-pdf"),
    Page(
        "governance-reviews/<int:pk>/extract/<slug:kind>/<int:party>/",
        review.review_extract,
        "governance-review-extract",
    ),
    Page(
        "governance-reviews/<int:pk>/decisions/new/",
        review_decisions.decision_new,
        "governance-decision-new",
    ),
    Page(
        "governance-decisions/<int:pk>/edit/",
        review_decisions.decision_edit,
        "governance-decision-edit",
    ),
    Page(
        "governance-decisions/<int:pk>/apply/",
        review_decisions.decision_apply,
        "governance-decision-apply",
    ),
    Page(
        "governance-decisions/<int:pk>/delete/",
        review_decisions.decision_delete,
        "governance-decision-delete",
    ),
)

for door in ("portal", "sales"):
    register_pages(
        door,
        Page(
            "governance-reviews/",
            review_doors.door_reviews,
            "governance-reviews",
            nav="Governance reviews",
            order=10,
            group="governance",
            nav_roles=frozenset({Role.PARTNER_ADMIN, Role.DIRECT_MANAGER}),  # who gets extracts
        ),
        Page("governance-reviews/<int:pk>/", review_doors.door_review, "governance-review"),
        Page(
            "governance-reviews/<int:pk>/pdf/",
            review_doors.door_review_pdf,
            "governance-review-pdf",
        ),
    )

for door in ("console", "portal", "sales"):
    register_pages(
        door,
        Page(
            "governance-decisions/",
            review_decisions.my_decisions,
            "governance-decisions",
            nav="My review decisions",
            order=20,
            group="governance",
        ),
        Page(
            "governance-decisions/<int:pk>/close/",
            review_decisions.decision_close,
            "governance-decision-close",
        ),
    )

# --- Governance: the channel-balance maturity assessment (console, RevOps admins) --------------

register_pages(
    "console",
    Page(
        "maturity/",
        maturity_views.maturity,
        "maturity",
        nav="Maturity",
        order=30,
        group="governance",
    ),
    Page("maturity/<int:pk>/", maturity_views.maturity_assessment, "maturity-assessment"),
    Page(
        "maturity/<int:pk>/recompute/",
        maturity_views.maturity_recompute,
        "maturity-recompute",
    ),
)
register_audit_subject(
    AuditSubject(
        "scorecards.MaturityAssessment", noun="maturity assessment", url_name="maturity-assessment"
    )
)
