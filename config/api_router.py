"""The one API router: each app's viewsets are registered here, under /api/v1/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from tenancy.api.views import MeView, PartnerViewSet, TeamViewSet, UserViewSet


class Router(DefaultRouter):
    include_root_view = False
    include_format_suffixes = False


router = Router()
router.register("partners", PartnerViewSet, basename="partner")
router.register("teams", TeamViewSet, basename="team")
router.register("users", UserViewSet, basename="user")

urlpatterns = [path("me/", MeView.as_view(), name="me"), *router.urls]
