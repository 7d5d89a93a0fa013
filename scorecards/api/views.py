"""The scorecards API (read-only, for BI tools): the metric definitions, a scorecard, the partner
league table, tier evaluations and attribution results, with the pages' visibility rules
(scorecards.services.allowed_scopes, scorecards.results).

Figures come from the rollups (scorecards.rollup), never from the raw tables. Partner users read
their own partner's figures, compared with the anonymous tier average only; a scope the caller
may not read is a 404, as if it did not exist; the league table is RevOps admins' (403 for the
others, like every role-restricted endpoint).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from core.api.pagination import StableCursorPagination
from core.api.schema import ErrorSerializer
from core.api.views import TenantAPIView
from core.metrics import metrics
from scorecards import members, rollup
from scorecards.api.serializers import (
    AttributedOpportunitySerializer,
    AttributionPageSerializer,
    CampaignMemberSerializer,
    CampaignMembersPageSerializer,
    CampaignMembersQuerySerializer,
    FiguresQuerySerializer,
    LeagueSerializer,
    MetricSerializer,
    QuarterQuerySerializer,
    ScorecardQuerySerializer,
    ScorecardSerializer,
    TiersSerializer,
)
from scorecards.results import attributed_facts
from scorecards.services import (
    allowed_scopes,
    check_scope,
    league_table,
    scorecard,
    tier_standings,
)
from tenancy.choices import Role
from tenancy.models import Partner
from tenancy.requests import TenantAPIRequest

__all__ = [
    "AttributionView",
    "CampaignMembersView",
    "LeagueView",
    "MetricsView",
    "ScorecardView",
    "TiersView",
]

ADMINS = frozenset({Role.REVOPS_ADMIN})
TIER_READERS = ADMINS | Role.partner_roles()
NO_SUCH_SCOPE = OpenApiResponse(
    ErrorSerializer, description="A scope the caller may not see, or none such."
)
NO_SUCH_PAGE = OpenApiResponse(ErrorSerializer, description="A `cursor` we did not give out.")
PAGE_PARAMETERS = [
    OpenApiParameter("cursor", str, description="The pagination cursor value."),
    OpenApiParameter("page_size", int, description="Results per page (up to 1,000)."),
]


class OpportunityCursorPagination(StableCursorPagination):
    """Pages in opportunity id order: the rollups are rebuilt (with new ids) every night, the
    opportunities stay, so a cursor stays good across a rebuild."""

    ordering = ("opportunity_id",)


class ScorecardsAPIView(TenantAPIView):
    """Reads a report's query from the query string: a 400 naming each bad parameter."""

    def read_query(self, query_class: type[serializers.Serializer]) -> dict[str, Any]:
        request = self.request
        query = query_class(
            data=request.query_params,
            context={"tenant": request.tenant, "membership": request.membership},
        )
        query.is_valid(raise_exception=True)
        return dict(query.validated_data)


class MetricsView(ScorecardsAPIView):
    """Every scorecard metric's definition, in the scorecard's order."""

    @extend_schema(responses=MetricSerializer(many=True), operation_id="scorecards_metrics_list")
    def get(self, request: TenantAPIRequest) -> Response:
        return Response(MetricSerializer(metrics(), many=True).data)


class ScorecardView(ScorecardsAPIView):
    """One scorecard: every metric for a scope and quarter, beside the previous quarter and the
    peers' average (partners: the anonymous average of their tier, hidden below three)."""

    @extend_schema(
        parameters=[ScorecardQuerySerializer],
        responses={200: ScorecardSerializer, 404: NO_SUCH_SCOPE},
        operation_id="scorecards_scorecard_retrieve",
    )
    def get(self, request: TenantAPIRequest) -> Response:
        query = self.read_query(ScorecardQuerySerializer)
        scope = query.get("scope") or allowed_scopes(request.membership)[0]
        try:
            check_scope(request.membership, scope)
        except DjangoPermissionDenied:
            raise exceptions.NotFound("No such scorecard that you can see.") from None
        card = scorecard(
            request.tenant, scope, query["quarter"], model=query["model"], filters=query["filters"]
        )
        return Response(ScorecardSerializer(card).data)


class LeagueView(ScorecardsAPIView):
    """Every partner's figures in the quarter, best sourced pipeline first (RevOps admins)."""

    read_roles = ADMINS

    @extend_schema(
        parameters=[FiguresQuerySerializer],
        responses=LeagueSerializer,
        operation_id="scorecards_league_retrieve",
    )
    def get(self, request: TenantAPIRequest) -> Response:
        query = self.read_query(FiguresQuerySerializer)
        quarter = query["quarter"]
        shown, rows = league_table(
            request.tenant, quarter, model=query["model"], filters=query["filters"]
        )
        data = {
            "quarter": quarter,
            "model": query["model"],
            "refreshed_at": rollup.last_refreshed(request.tenant),
            "metrics": [item.key for item in shown],
            "results": [
                {
                    "partner": partner.pk,
                    "name": partner.name,
                    "tier": partner.tier,
                    "values": values,
                }
                for partner, values in rows
            ],
        }
        return Response(LeagueSerializer(data).data)


class TiersView(ScorecardsAPIView):
    """Partner tiers evaluated against the tenant's tier requirements from the quarter's
    figures, and what each partner needs for the next tier: a partner user's own partner, every
    partner for RevOps admins."""

    read_roles = TIER_READERS

    @extend_schema(
        parameters=[QuarterQuerySerializer],
        responses=TiersSerializer,
        operation_id="scorecards_tiers_retrieve",
    )
    def get(self, request: TenantAPIRequest) -> Response:
        quarter = self.read_query(QuarterQuerySerializer)["quarter"]
        partners = list(Partner.objects.visible_to(request.membership).order_by("name", "pk"))
        standings = tier_standings(request.tenant, partners, quarter)
        data = {
            "quarter": quarter,
            "refreshed_at": rollup.last_refreshed(request.tenant),
            "results": [
                {"partner": partner, "standing": standings[partner.pk]} for partner in partners
            ],
        }
        return Response(TiersSerializer(data).data)


class AttributionView(ScorecardsAPIView):
    """The quarter's opportunities with one attribution model's credits, in opportunity id
    order (cursor pages): what the caller's party owns or touched, with its own party's credits
    (RevOps admins: everything)."""

    paginator_class = OpportunityCursorPagination

    @extend_schema(
        parameters=[FiguresQuerySerializer, *PAGE_PARAMETERS],
        responses={200: AttributionPageSerializer, 404: NO_SUCH_PAGE},
        operation_id="scorecards_attribution_list",
    )
    def get(self, request: TenantAPIRequest) -> Response:
        query = self.read_query(FiguresQuerySerializer)
        rows = attributed_facts(
            request.membership, query["quarter"], model=query["model"], filters=query["filters"]
        )
        paginator = self.paginator_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        context = {"tenant": request.tenant}
        data = AttributedOpportunitySerializer(page, many=True, context=context).data
        return paginator.get_paginated_response(data)


class AccountCursorPagination(StableCursorPagination):
    ordering = ("pk",)


class CampaignMembersView(ScorecardsAPIView):
    """A campaign's members as the caller may see them (scorecards/members.py): the accounts on
    its target list (not for partner users) and those that responded or were worked in it, with
    the caller's party's responses, leads and opportunities; non-admins learn only whether
    someone else also works an account. In account id order (cursor pages)."""

    paginator_class = AccountCursorPagination

    @extend_schema(
        parameters=[CampaignMembersQuerySerializer, *PAGE_PARAMETERS],
        responses={200: CampaignMembersPageSerializer, 404: NO_SUCH_PAGE},
        operation_id="campaign_members_list",
    )
    def get(self, request: TenantAPIRequest) -> Response:
        try:
            campaign = members.campaign_for_members(
                request.membership, request.query_params.get("campaign")
            )
        except DjangoValidationError as error:
            raise exceptions.ValidationError(error.message_dict) from None
        paginator = self.paginator_class()
        accounts = members.member_accounts(request.membership, campaign)
        page = paginator.paginate_queryset(accounts, request, view=self)
        rows = members.members(request.membership, campaign, page or [])
        data = CampaignMemberSerializer(rows, many=True).data
        return paginator.get_paginated_response(data)
