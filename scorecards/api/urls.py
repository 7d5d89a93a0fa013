"""The scorecards' API endpoints, under /api/v1/scorecards/ (collected by config/api_router.py;
see core/api/routes.py), and a campaign's members at /api/v1/campaign-members/. Read-only
reports: plain views, no router resources."""

from django.urls import path

from scorecards.api.views import (
    AttributionView,
    CampaignMembersView,
    LeagueView,
    MetricsView,
    ScorecardView,
    TiersView,
)

urlpatterns = [
    path("scorecards/metrics/", MetricsView.as_view(), name="scorecard-metrics"),
    path("scorecards/scorecard/", ScorecardView.as_view(), name="scorecard"),
    path("scorecards/league/", LeagueView.as_view(), name="scorecard-league"),
    path("scorecards/tiers/", TiersView.as_view(), name="scorecard-tiers"),
    path("scorecards/attribution/", AttributionView.as_view(), name="scorecard-attribution"),
    path("campaign-members/", CampaignMembersView.as_view(), name="campaign-members"),
]

# The maturity assessment (issue 17, scorecards/api/maturity.py).
from core.api.routes import Resource  # noqa: E402
from scorecards.api.maturity import MaturityAssessmentViewSet  # noqa: E402

resources = [Resource("maturity-assessments", MaturityAssessmentViewSet, "maturityassessment")]
