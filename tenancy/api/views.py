from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from core.api.views import TenantAPIView, TenantModelViewSet, TenantReadOnlyViewSet
from tenancy.api.serializers import MeSerializer, PartnerSerializer, TeamSerializer, UserSerializer
from tenancy.choices import Role
from tenancy.filters import PartnerFilterSet, TeamFilterSet, UserFilterSet
from tenancy.models import ApiToken, Membership, Partner, Team

ADMINS = frozenset({Role.REVOPS_ADMIN})


class MeView(TenantAPIView):
    """Who the caller is in this tenant."""

    @extend_schema(responses=MeSerializer, operation_id="me_retrieve")
    def get(self, request: Any) -> Response:
        m = request.membership
        data = {
            "email": request.user.email,
            "full_name": request.user.full_name,
            "tenant": request.tenant,
            "role": m.role,
            "partner": m.partner,
            "team": m.team,
            "auth": "token" if isinstance(request.auth, ApiToken) else "session",
        }
        return Response(MeSerializer(data).data)


class PartnerViewSet(TenantModelViewSet):
    """Distributors selling for the tenant. Partner users see only their own partner."""

    model = Partner
    queryset = Partner.objects.none()
    serializer_class = PartnerSerializer
    filterset_class = PartnerFilterSet
    write_roles = ADMINS


class TeamViewSet(TenantModelViewSet):
    """Direct sales teams. Not visible to partner users."""

    model = Team
    queryset = Team.objects.none()
    serializer_class = TeamSerializer
    filterset_class = TeamFilterSet
    write_roles = ADMINS


class UserViewSet(TenantReadOnlyViewSet):
    """The tenant's users and their roles (RevOps admins only)."""

    model = Membership
    queryset = Membership.objects.none()
    serializer_class = UserSerializer
    filterset_class = UserFilterSet
    read_roles = ADMINS

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("user")
