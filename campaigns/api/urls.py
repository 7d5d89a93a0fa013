"""Campaigns' API endpoints (collected by config/api_router.py; see core/api/routes.py)."""

from campaigns.api.views import CampaignViewSet, CoBrandProfileViewSet, OfferViewSet
from core.api.routes import Resource

resources = [
    Resource("offers", OfferViewSet, "offer"),
    Resource("campaigns", CampaignViewSet, "campaign"),
    Resource("cobrand-profiles", CoBrandProfileViewSet, "cobrandprofile"),
]
