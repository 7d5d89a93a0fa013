"""Tenancy's API endpoints (collected by config/api_router.py; see core/api/routes.py)."""

from django.urls import path

from core.api.routes import Resource
from tenancy.api.views import MeView, PartnerViewSet, TeamViewSet, UserViewSet
from tenancy.api.webhooks import WebhookDeliveryViewSet, WebhookEndpointViewSet

resources = [
    Resource("partners", PartnerViewSet, "partner"),
    Resource("teams", TeamViewSet, "team"),
    Resource("users", UserViewSet, "user"),
    Resource("webhooks", WebhookEndpointViewSet, "webhook"),
    Resource("webhook-deliveries", WebhookDeliveryViewSet, "webhookdelivery"),
]
urlpatterns = [path("me/", MeView.as_view(), name="me")]
