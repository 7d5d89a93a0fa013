"""Deal registration's API endpoints (collected by config/api_router.py; see core/api/routes.py)."""

from django.urls import path

from core.api.routes import Resource
from dealreg.api.views import (
    AdjudicationViewSet,
    DealRegistrationViewSet,
    DealRegSettingsView,
    RegistrationConflictViewSet,
)

resources = [
    Resource("deal-registrations", DealRegistrationViewSet, "dealregistration"),
    Resource("registration-conflicts", RegistrationConflictViewSet, "registrationconflict"),
    Resource("adjudications", AdjudicationViewSet, "adjudication"),
]

urlpatterns = [
    path(
        "deal-registration-settings/",
        DealRegSettingsView.as_view(),
        name="deal-registration-settings",
    ),
]
