"""Pipeline's API endpoints (collected by config/api_router.py; see core/api/routes.py)."""

from core.api.routes import Resource
from pipeline.api.views import (
    CampaignResponseViewSet,
    OpportunityViewSet,
    StageViewSet,
    TouchViewSet,
)

resources = [
    Resource("stages", StageViewSet, "stage"),
    Resource("opportunities", OpportunityViewSet, "opportunity"),
    Resource("touches", TouchViewSet, "touch"),
    Resource("campaign-responses", CampaignResponseViewSet, "campaignresponse"),
]
