from __future__ import annotations

from typing import cast

from django.db.models import Prefetch, QuerySet

from core.api.sync import SyncActionsMixin
from core.api.views import ScopedRequest, TenantModelViewSet
from pipeline import services
from pipeline.api.serializers import (
    CampaignResponseSerializer,
    OpportunitySerializer,
    StageSerializer,
    TouchSerializer,
)
from pipeline.filters import CampaignResponseFilterSet, OpportunityFilterSet, TouchFilterSet
from pipeline.models import CampaignResponse, Opportunity, Stage, StageChange, Touch
from tenancy.choices import Role
from tenancy.models import Membership
from tenancy.requests import TenantAPIRequest

ADMINS = frozenset({Role.REVOPS_ADMIN})
EVERYONE = frozenset(Role.values)
DIRECT_LEADS = frozenset({Role.REVOPS_ADMIN, Role.DIRECT_MANAGER})
RESPONDERS = frozenset({Role.REVOPS_ADMIN, Role.PARTNER_ADMIN})


def _member(request: ScopedRequest) -> Membership:
    """The caller's membership: the API base types it by what core reads of it (core.acting.Member);
    in the apps it is a tenancy Membership (tenancy.requests.TenantAPIRequest)."""
    return cast(TenantAPIRequest, request).membership


class StageViewSet(TenantModelViewSet):
    """The tenant's sales stages and their win probabilities."""

    model = Stage
    queryset = Stage.objects.none()
    serializer_class = StageSerializer
    write_roles = ADMINS


class OpportunityViewSet(SyncActionsMixin, TenantModelViewSet):
    """Opportunities with line items and stage history. Partners see and update those routed to them."""

    model = Opportunity
    sync_roles = ADMINS  # the CRM integration's feed
    queryset = Opportunity.objects.none()
    serializer_class = OpportunitySerializer
    filterset_class = OpportunityFilterSet
    write_roles = EVERYONE
    # Who works a deal, and through which route, is decided by the manufacturer.
    field_roles = {
        "route": DIRECT_LEADS | {Role.DIRECT_REP},
        "partner": DIRECT_LEADS,
        "owner_user": DIRECT_LEADS | {Role.DIRECT_REP},
        "owner_team": DIRECT_LEADS,
        "source": DIRECT_LEADS | {Role.DIRECT_REP},
    }

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        history = StageChange.objects.select_related("from_stage", "to_stage")
        return queryset.select_related("stage").prefetch_related(
            "lines", Prefetch("stage_changes", history)
        )

    def creation_defaults(self, validated: dict) -> dict:
        return services.opportunity_defaults(_member(self.request), validated)


class TouchViewSet(SyncActionsMixin, TenantModelViewSet):
    """The touch log. Partner users log and see their own partner's touches."""

    model = Touch
    sync_roles = ADMINS  # the CRM integration's feed
    queryset = Touch.objects.none()
    serializer_class = TouchSerializer
    filterset_class = TouchFilterSet
    write_roles = EVERYONE
    field_roles = {
        "actor_partner": DIRECT_LEADS,
        "actor_team": DIRECT_LEADS,
        "actor_user": DIRECT_LEADS,
    }

    def creation_defaults(self, validated: dict) -> dict:
        return services.touch_defaults(_member(self.request), validated)


class CampaignResponseViewSet(SyncActionsMixin, TenantModelViewSet):
    """Responses to campaigns and offers. RevOps admins see and write all; partner admins write
    their own partner's (the partner is theirs, whatever they send), partner users read them;
    direct users read the manufacturer's own (no partner)."""

    model = CampaignResponse
    sync_roles = ADMINS  # the CRM or marketing tool's feed
    queryset = CampaignResponse.objects.none()
    serializer_class = CampaignResponseSerializer
    filterset_class = CampaignResponseFilterSet
    write_roles = RESPONDERS
    field_roles = {"partner": ADMINS}

    def creation_defaults(self, validated: dict) -> dict:
        return services.response_defaults(_member(self.request), validated)
