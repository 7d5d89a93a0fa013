"""Deal registration's API endpoints (collected by config/api_router.py; see core/api/routes.py)."""

from core.api.routes import Resource
from dealreg.api.views import (
    AdjudicationViewSet,
    DealRegistrationViewSet,
    RegistrationConflictViewSet,
)

resources = [
    Resource("deal-registrations", DealRegistrationViewSet, "dealregistration"),
    Resource("registration-conflicts", RegistrationConflictViewSet, "registrationconflict"),
    Resource("adjudications", AdjudicationViewSet, "adjudication"),
]
