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
from guardrails.api.views import (
    AccountRouteViewSet,
    CorridorCheckView,
    DiscountLeakageViewSet,
    ExplainView,
    PartnerAuthorizationViewSet,
    RulebookSettingsView,
    RulebookVersionViewSet,
    RuleExceptionViewSet,
    SimulationViewSet,
    TerritoryViewSet,
)
from pipeline.api.views import OpportunityViewSet, StageViewSet, TouchViewSet
from routing.api.views import (
    AssigneeViewSet,
    DuplicateCandidateViewSet,
    LeadFormViewSet,
    LeadMergeViewSet,
    LeadViewSet,
    NotificationViewSet,
    SlaPolicyViewSet,
)
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
router.register("territories", TerritoryViewSet, basename="territory")
router.register(
    "partner-authorizations", PartnerAuthorizationViewSet, basename="partnerauthorization"
)
router.register("rulebook-versions", RulebookVersionViewSet, basename="rulebookversion")
router.register("rule-exceptions", RuleExceptionViewSet, basename="ruleexception")
router.register("account-routes", AccountRouteViewSet, basename="accountroute")
router.register("discount-leakage", DiscountLeakageViewSet, basename="discountleakage")
router.register("simulations", SimulationViewSet, basename="simulation")
router.register("leads", LeadViewSet, basename="lead")
router.register("duplicate-candidates", DuplicateCandidateViewSet, basename="duplicatecandidate")
router.register("lead-merges", LeadMergeViewSet, basename="leadmerge")
router.register("sla-policies", SlaPolicyViewSet, basename="slapolicy")
router.register("lead-forms", LeadFormViewSet, basename="leadform")
router.register("assignees", AssigneeViewSet, basename="assignee")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("rulebook/", RulebookSettingsView.as_view(), name="rulebook"),
    path("explain/", ExplainView.as_view(), name="explain"),
    path("corridor-check/", CorridorCheckView.as_view(), name="corridor-check"),
    *router.urls,
]
