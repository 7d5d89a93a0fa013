"""Guardrails' API endpoints (collected by config/api_router.py; see core/api/routes.py)."""

from django.urls import path

from core.api.routes import Resource
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

resources = [
    Resource("territories", TerritoryViewSet, "territory"),
    Resource("partner-authorizations", PartnerAuthorizationViewSet, "partnerauthorization"),
    Resource("rulebook-versions", RulebookVersionViewSet, "rulebookversion"),
    Resource("rule-exceptions", RuleExceptionViewSet, "ruleexception"),
    Resource("account-routes", AccountRouteViewSet, "accountroute"),
    Resource("discount-leakage", DiscountLeakageViewSet, "discountleakage"),
    Resource("simulations", SimulationViewSet, "simulation"),
]
urlpatterns = [
    path("rulebook/", RulebookSettingsView.as_view(), name="rulebook"),
    path("explain/", ExplainView.as_view(), name="explain"),
    path("corridor-check/", CorridorCheckView.as_view(), name="corridor-check"),
]
