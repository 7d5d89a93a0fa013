"""The scorecards' API endpoints, under /api/v1/scorecards/ (collected by config/api_router.py;
see core/api/routes.py), and a campaign's members at /api/v1/campaign-members/. Read-only
reports: plain views; the governance reviews and their decisions: router resources."""

from django.urls import path

from core.api.routes import Resource
from scorecards.api.governance import GovernanceReviewViewSet, ReviewDecisionViewSet
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

resources = [
    Resource("governance-reviews", GovernanceReviewViewSet, "governancereview"),
    Resource("review-decisions", ReviewDecisionViewSet, "reviewdecision"),
]
