"""The governance review's API: `/api/v1/governance-reviews/` (read-only: the reviews a caller
may see, each retrieved with its `data` as `scorecards.review.extract.extract_for` gives it to
the caller: RevOps admins the whole review, partner admins their partner's extract, direct
managers their team's) and `/api/v1/review-decisions/` (RevOps admins record, edit, delete and
apply decisions; everyone reads what `ReviewDecision.visible_to` allows; owners close theirs).

Every write calls `scorecards.review.decisions` with `acting=` the caller's membership, so the
console and the API refuse the same input with the same message: 400 naming the field (payload
problems under `payload`, naming its key), a frozen review's refusal under `review`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.fields import InTenant, context_membership
from core.api.permissions import IsTenantMember, RolePermission
from core.api.serializers import TenantModelSerializer
from core.api.views import TenantModelViewSet, TenantReadOnlyViewSet
from scorecards.choices import DecisionKind
from scorecards.filters import GovernanceReviewFilterSet, ReviewDecisionFilterSet
from scorecards.models import GovernanceReview, ReviewDecision
from scorecards.review import decisions
from scorecards.review.extract import extract_for
from tenancy.choices import Role
from tenancy.models import Membership, Partner, Team
from tenancy.quarters import Quarter
from tenancy.requests import TenantAPIRequest

__all__ = ["GovernanceReviewViewSet", "ReviewDecisionViewSet"]

ADMINS = frozenset({Role.REVOPS_ADMIN})
EXTERNAL = ("external_id",)


def _quarter_code(context: Mapping[str, Any], review: GovernanceReview) -> str:
    """The review's quarter as a code ("2026-Q3"), from the request's tenant (no query a row)."""
    tenant = context.get("tenant") or review.tenant
    return Quarter.of(tenant, review.quarter_start).code


def _is_admin(context: Mapping[str, Any]) -> bool:
    membership = context_membership(context)
    return bool(membership is not None and membership.is_admin)


# --- reviews -----------------------------------------------------------------------------------


class GovernanceReviewSerializer(serializers.ModelSerializer):
    """A review, its preparation job and its sign-off (without its figures: retrieve one for
    `data`)."""

    quarter = serializers.SerializerMethodField(help_text='The fiscal quarter, e.g. "2026-Q3".')
    progress = serializers.SerializerMethodField(help_text="The preparation's progress, 0-100.")
    sign_off_note = serializers.SerializerMethodField(
        help_text="What was said at sign-off (RevOps admins; empty for the others)."
    )

    class Meta:
        model = GovernanceReview
        fields = [
            "id",
            "quarter",
            "quarter_start",
            "status",
            "prepared_at",
            "job_status",
            "job_step",
            "job_done",
            "job_total",
            "progress",
            "job_started_at",
            "job_finished_at",
            "signed_off_at",
            "sign_off_note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_quarter(self, obj: GovernanceReview) -> str:
        return _quarter_code(self.context, obj)

    def get_progress(self, obj: GovernanceReview) -> int:
        return obj.progress_percent

    def get_sign_off_note(self, obj: GovernanceReview) -> str:
        return obj.sign_off_note if _is_admin(self.context) else ""


class GovernanceReviewDetailSerializer(GovernanceReviewSerializer):
    # A declared field named `data`: the metaclass takes it out of the class, so the
    # serializer's own `data` stays; only the type checker sees the two names meet.
    data = serializers.SerializerMethodField(  # type: ignore[assignment]
        help_text="The review as the caller may read it: RevOps admins the whole prepared data "
        "(sections and decisions); partner admins their partner's extract; direct managers "
        "their team's (docs/governance.md)."
    )

    class Meta(GovernanceReviewSerializer.Meta):
        fields = [*GovernanceReviewSerializer.Meta.fields, "data"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_data(self, obj: GovernanceReview) -> dict[str, Any]:
        membership = context_membership(self.context)
        return extract_for(obj, membership) if membership is not None else {}


class GovernanceReviewViewSet(TenantReadOnlyViewSet):
    """Quarterly governance reviews: RevOps admins all of them, open or signed off; partner
    admins and direct managers the signed-off ones, each retrieved as their own extract; reps
    none."""

    model = GovernanceReview
    queryset = GovernanceReview.objects.none()
    serializer_class = GovernanceReviewSerializer
    filterset_class = GovernanceReviewFilterSet

    def get_serializer_class(self) -> type:
        if self.action == "retrieve":
            return GovernanceReviewDetailSerializer
        return self.serializer_class

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("tenant")


# --- decisions ---------------------------------------------------------------------------------


class ReviewDecisionSerializer(TenantModelSerializer):
    """A decision. `owner` and `due_on` are required (the service says so when they are
    missing); `payload` names what an applicable kind acts on."""

    review = InTenant(GovernanceReview, help_text="The review the decision is raised in.")
    quarter = serializers.SerializerMethodField(
        help_text="The quarter of the review it was raised in."
    )
    owner = InTenant(
        Membership,
        required=False,
        allow_null=True,
        help_text="Who carries it out: a member's id (as /api/v1/users/ lists them).",
    )
    owner_email = serializers.SerializerMethodField(
        help_text="The owner's email (partner users: only their own partner's people)."
    )
    due_on = serializers.DateField(required=False, allow_null=True)
    partner = InTenant(Partner, natural_keys=EXTERNAL, required=False, allow_null=True)
    team = InTenant(Team, natural_keys=EXTERNAL, required=False, allow_null=True)
    payload = serializers.JSONField(
        required=False,
        help_text='By kind: target_add {"target_list": id, "account": id, "reason": "..."}; '
        'target_drop {"target_list": id, "account": id}; mdf_move {"line": id, "amount": '
        '"1250.00" (optional)}; overlap {"flag": id}.',
    )
    applicable = serializers.SerializerMethodField(
        help_text="Whether the kind is carried out through apply/."
    )

    class Meta:
        model = ReviewDecision
        fields = [
            "id",
            "review",
            "quarter",
            "kind",
            "title",
            "detail",
            "owner",
            "owner_email",
            "due_on",
            "partner",
            "team",
            "payload",
            "source",
            "status",
            "outcome",
            "applicable",
            "closed_at",
            "applied_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "status", "outcome", "closed_at", "applied_at"]

    def run_model_validation(self, attrs: dict[str, Any]) -> None:
        # The service checks the row whole (decisions._check_row), with the same messages.
        return None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if (
            self.instance is not None
            and "review" in attrs
            and attrs["review"] != (self.instance.review)
        ):
            raise serializers.ValidationError(
                {"review": ["A decision stays in the review it was raised in."]}
            )
        return attrs

    def to_representation(self, instance: ReviewDecision) -> dict[str, Any]:
        data = super().to_representation(instance)
        membership = context_membership(self.context)
        if membership is not None and membership.is_partner_user:
            # The manufacturer's teams and what the decision acts on are RevOps' business.
            data["team"] = None
            data["payload"] = {}
            data["source"] = ""
        return data

    def get_quarter(self, obj: ReviewDecision) -> str:
        return _quarter_code(self.context, obj.review)

    def get_owner_email(self, obj: ReviewDecision) -> str:
        membership = context_membership(self.context)
        owner = obj.owner
        if (
            membership is not None
            and membership.is_partner_user
            and owner.partner_id != membership.partner_id
        ):
            return ""
        return owner.user.email

    def get_applicable(self, obj: ReviewDecision) -> bool:
        return obj.kind in DecisionKind.applicable()

    def create(self, validated: dict[str, Any]) -> ReviewDecision:
        validated.pop("tenant", None)
        review = validated.pop("review")
        return decisions.create_decision(review, acting=self.membership, **validated)

    def update(self, instance: ReviewDecision, validated: dict[str, Any]) -> ReviewDecision:
        validated.pop("review", None)
        return decisions.update_decision(instance, acting=self.membership, **validated)


class CloseSerializer(serializers.Serializer):
    status = serializers.CharField(
        max_length=20, help_text='"done" (what was done) or "dropped" (why: `outcome` required).'
    )
    outcome = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, help_text="What was done, or why not."
    )


class ApplySerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="An MDF move's amount, if not the one the decision names or the line proposes.",
    )


class DecisionPermission(RolePermission):
    """Writes are RevOps admins' (`write_roles`), except closing: a decision's owner closes it
    too, whatever their role (the service says who may)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if getattr(view, "action", None) == "close":
            return IsTenantMember.has_permission(self, request, view)
        return super().has_permission(request, view)


class ReviewDecisionViewSet(TenantModelViewSet):
    """Decisions of governance reviews. RevOps admins record, edit and delete them (while their
    review is open; an open decision stays editable as it is carried) and apply the applicable
    kinds; owners see and close theirs; partner admins and direct managers read those of
    signed-off reviews that concern their partner or team."""

    model = ReviewDecision
    queryset = ReviewDecision.objects.none()
    serializer_class = ReviewDecisionSerializer
    filterset_class = ReviewDecisionFilterSet
    permission_classes = [DecisionPermission]
    write_roles = ADMINS

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("review", "owner__user")

    def perform_destroy(self, instance: ReviewDecision) -> None:
        decisions.delete_decision(instance, acting=cast(TenantAPIRequest, self.request).membership)

    def _respond(self, decision: ReviewDecision) -> Response:
        fresh = self.get_queryset().filter(pk=decision.pk).first() or decision
        return Response(self.get_serializer(fresh).data)

    @extend_schema(request=CloseSerializer, responses={200: ReviewDecisionSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        """Close an open decision as done, or dropped with the reason why (its owner or a RevOps
        admin); it is no longer carried into later reviews."""
        decision = self.get_object()
        body = CloseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        closed = decisions.close_decision(
            decision,
            acting=request.membership,
            status=body.validated_data["status"],
            outcome=body.validated_data.get("outcome", ""),
        )
        return self._respond(closed)

    @extend_schema(request=ApplySerializer, responses={200: ReviewDecisionSerializer})
    @action(detail=True, methods=["post"])
    def apply(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        """Carry out an applicable decision (target_add, target_drop, mdf_move, overlap) through
        the owning service: the change and the decision marked applied and done, or neither.
        Applied once."""
        decision = self.get_object()
        body = ApplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        applied = decisions.apply_decision(
            decision, acting=request.membership, amount=body.validated_data.get("amount")
        )
        return self._respond(applied)
