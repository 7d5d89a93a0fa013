"""The one API router: each app's viewsets are registered here, under /api/v1/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from accounts.api.views import (
    AccountViewSet,
    ContactViewSet,
    ProductLineViewSet,
    ProductViewSet,
    SegmentViewSet,
    TargetListViewSet,
    TierViewSet,
)
from pipeline.api.views import OpportunityViewSet, StageViewSet, TouchViewSet
from tenancy.api.views import MeView, PartnerViewSet, TeamViewSet, UserViewSet
from tenancy.api.webhooks import WebhookDeliveryViewSet, WebhookEndpointViewSet


class Router(DefaultRouter):
    include_root_view = False
    include_format_suffixes = False


router = Router()
router.register("partners", PartnerViewSet, basename="partner")
router.register("teams", TeamViewSet, basename="team")
router.register("users", UserViewSet, basename="user")
router.register("tiers", TierViewSet, basename="tier")
router.register("segments", SegmentViewSet, basename="segment")
router.register("product-lines", ProductLineViewSet, basename="productline")
router.register("products", ProductViewSet, basename="product")
router.register("accounts", AccountViewSet, basename="account")
router.register("contacts", ContactViewSet, basename="contact")
router.register("target-lists", TargetListViewSet, basename="targetlist")
router.register("stages", StageViewSet, basename="stage")
router.register("opportunities", OpportunityViewSet, basename="opportunity")
router.register("touches", TouchViewSet, basename="touch")
router.register("webhooks", WebhookEndpointViewSet, basename="webhook")
router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="webhookdelivery")

urlpatterns = [path("me/", MeView.as_view(), name="me"), *router.urls]
