"""The scorecards' API endpoints, under /api/v1/scorecards/ (collected by config/api_router.py;
see core/api/routes.py). Read-only reports: plain views, no router resources."""

from django.urls import path

from scorecards.api.views import AttributionView, LeagueView, MetricsView, ScorecardView, TiersView

urlpatterns = [
    path("scorecards/metrics/", MetricsView.as_view(), name="scorecard-metrics"),
    path("scorecards/scorecard/", ScorecardView.as_view(), name="scorecard"),
    path("scorecards/league/", LeagueView.as_view(), name="scorecard-league"),
    path("scorecards/tiers/", TiersView.as_view(), name="scorecard-tiers"),
    path("scorecards/attribution/", AttributionView.as_view(), name="scorecard-attribution"),
]
