"""The scorecards' pages in the three front doors (imported by `TenancyConfig.ready()`), in the
navigation's "Measure" group.

The console has the dashboard (charts, the tenant's scorecard, the partner league table, the
teams, the days per stage), a scorecard page for any partner, team, rep or route, and the
settings (measuring, exchange rates, tier requirements). The portal has the partner's own
scorecard ("Our scorecard"), the sales door the rep's or the manager's ("My scorecard"). Every
door has the rows behind a number, the CSV of every table and how the figures are counted.

Under "Campaigns and offers": the console's overlap page and "Offer conversion", the portal's
and the sales door's "Offer results" (their own party's conversion), and a results block on
every door's campaign and offer pages."""

from django.http import HttpResponse
from django.utils.html import format_html

from accounts.views import AccountSection, register_account_section
from campaigns.views import register_campaign_section, register_offer_section
from scorecards.views import conversion, definitions, drilldown, exports, overlap, scope, settings
from scorecards.views.dashboard import dashboard
from tenancy.navigation import Page, register_pages
from tenancy.requests import DoorRequest
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


# --- PLACEHOLDER (helper B, gov-b): "governance-decisions" until helper C's page lands ----------
# The home queue "Review decisions you own" (scorecards/home.py) links to this URL name in every
# door. Helper C registers the real page ("My review decisions", group "governance"): when that
# is merged, delete this whole block (and its isolation catalog entry if C classifies the page).


def _decisions_placeholder(request: DoorRequest) -> HttpResponse:
    from django.utils.html import format_html_join

    from scorecards.choices import DecisionStatus
    from scorecards.models import ReviewDecision

    mine = ReviewDecision.objects.visible_to(request.membership).filter(
        owner=request.membership, status=DecisionStatus.OPEN
    )
    rows = format_html_join("", "<li>{} (due {})</li>", mine.values_list("title", "due_on"))
    return HttpResponse(format_html("<h1>My review decisions</h1><ul>{}</ul>", rows))


for _door in ("console", "portal", "sales"):
    register_pages(
        _door, Page("governance/decisions/", _decisions_placeholder, "governance-decisions")
    )
# --- END PLACEHOLDER ----------------------------------------------------------------------------

# --- Governance: the channel-balance maturity assessment (console, RevOps admins) --------------
from scorecards.views import maturity as maturity_views  # noqa: E402
from tenancy.auditlog import AuditSubject, register_audit_subject  # noqa: E402

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
