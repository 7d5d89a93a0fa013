"""`/api/v1/maturity-assessments/`: the channel-balance maturity assessments (RevOps admins only:
the manufacturer's view of its own operating model; every other role 403).

List and retrieve (newest quarter first, `?quarter=2026-Q3` for one), create with `quarter` and
`answers` ({question key: level 1 to 4}, every question of `scorecards/maturity/questions.py`),
and update the answers (PATCH or PUT). Each write goes through
`scorecards.maturity.services.save_assessment`, which checks every answer (a 400 keyed `answers`
names each wrong question; nothing is saved) and scores the quarter from live data again. The
six capability scores are nested, read-only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers

from core.api.fields import context_membership
from core.api.views import TenantReadOnlyViewSet
from scorecards.maturity.services import save_assessment
from scorecards.models import MaturityAssessment, MaturityScore
from tenancy.choices import Role
from tenancy.quarters import Quarter, parse_quarter

__all__ = ["MaturityAssessmentSerializer", "MaturityAssessmentViewSet"]

ADMINS = frozenset({Role.REVOPS_ADMIN})


def _tenant(context: Mapping[str, Any]) -> Any:
    return context_membership(context).tenant


class RecommendationSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="What to do, with the figures behind it.")
    label = serializers.CharField(help_text="The console page where it is done.")  # type: ignore[assignment]
    url = serializers.CharField(allow_null=True, help_text="That page's path in the console.")


class MaturityScoreSerializer(serializers.ModelSerializer):
    capability_label = serializers.CharField(source="get_capability_display", read_only=True)
    questionnaire_level_label = serializers.SerializerMethodField()
    data_level_label = serializers.SerializerMethodField()
    evidence = serializers.JSONField(read_only=True, help_text="The data measure's inputs.")
    recommendations = serializers.SerializerMethodField()

    class Meta:
        model = MaturityScore
        fields = [
            "capability",
            "capability_label",
            "questionnaire_score",
            "questionnaire_level",
            "questionnaire_level_label",
            "data_value",
            "data_level",
            "data_level_label",
            "evidence",
            "recommendations",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_questionnaire_level_label(self, score: MaturityScore) -> str | None:
        return score.get_questionnaire_level_display() if score.questionnaire_level else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_data_level_label(self, score: MaturityScore) -> str | None:
        return score.get_data_level_display() if score.data_level else None

    @extend_schema_field(RecommendationSerializer(many=True))
    def get_recommendations(self, score: MaturityScore) -> list[dict[str, Any]]:
        slug = _tenant(self.context).slug
        shown = []
        for rec in score.recommendations or []:
            try:
                url: str | None = reverse(
                    f"console:{rec.get('page')}", args=[slug, *rec.get("args", [])]
                )
            except NoReverseMatch:
                url = None
            shown.append({"text": rec.get("text", ""), "label": rec.get("label", ""), "url": url})
        return shown


@extend_schema_field(OpenApiTypes.STR)
class QuarterField(serializers.Field):
    """A fiscal quarter by its code ("2026-Q3", "FY2027-Q1"), stored as its first day."""

    default_error_messages = {"invalid": "Write the quarter as a code, e.g. 2026-Q3."}

    def to_representation(self, value: Any) -> str:
        return Quarter.of(_tenant(self.context), value).code

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str) or len(data) > 20:
            self.fail("invalid")
        try:
            return parse_quarter(_tenant(self.context), data).start
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": "integer", "minimum": 1, "maximum": 4},
        "description": "Question key to the level chosen (1 to 4), every question answered.",
    }
)
class AnswersField(serializers.JSONField):
    pass


class MaturityAssessmentSerializer(serializers.ModelSerializer):
    quarter = QuarterField(source="quarter_start", help_text="The fiscal quarter, e.g. 2026-Q3.")
    answers = AnswersField()
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    assessed_by = serializers.EmailField(
        source="assessed_by.email", read_only=True, allow_null=True
    )
    scores = MaturityScoreSerializer(many=True, read_only=True)

    class Meta:
        model = MaturityAssessment
        fields = [
            "id",
            "quarter",
            "quarter_start",
            "answers",
            "notes",
            "assessed_at",
            "assessed_by",
            "data_computed_at",
            "scores",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "quarter_start",
            "assessed_at",
            "assessed_by",
            "data_computed_at",
            "scores",
            "created_at",
            "updated_at",
        ]

    def validate_quarter(self, start: Any) -> Any:
        tenant = _tenant(self.context)
        quarter = Quarter.of(tenant, start)
        if self.instance is not None:
            if start != self.instance.quarter_start:
                raise serializers.ValidationError(
                    f"An assessment keeps its quarter; create another one for {quarter.code}."
                )
            return start
        if quarter.start > Quarter.of(tenant, _today(tenant)).start:
            raise serializers.ValidationError(
                f"{quarter.code} has not begun: assess the current quarter or an earlier one."
            )
        existing = MaturityAssessment.objects.filter(quarter_start=start).first()
        if existing is not None:
            raise serializers.ValidationError(
                f"{quarter.code} has an assessment already (id {existing.pk}): update its "
                "answers instead."
            )
        return start

    def create(self, validated: dict[str, Any]) -> MaturityAssessment:
        membership = context_membership(self.context)
        return save_assessment(
            membership.tenant,
            Quarter.of(membership.tenant, validated["quarter_start"]),
            validated["answers"],
            acting=membership,
            notes=validated.get("notes"),
        )

    def update(self, instance: MaturityAssessment, validated: dict[str, Any]) -> Any:
        membership = context_membership(self.context)
        return save_assessment(
            membership.tenant,
            Quarter.of(membership.tenant, instance.quarter_start),
            validated.get("answers", instance.answers),
            acting=membership,
            notes=validated.get("notes"),
        )


def _today(tenant: Any) -> Any:
    return timezone.localdate(timezone=tenant.zone)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "quarter",
                OpenApiTypes.STR,
                description="Only the assessment of this quarter, e.g. 2026-Q3.",
            )
        ]
    )
)
class MaturityAssessmentViewSet(
    TenantReadOnlyViewSet, mixins.CreateModelMixin, mixins.UpdateModelMixin
):
    """Quarterly channel-balance maturity assessments with their six capability scores (from the
    questionnaire and from live data) and recommendations. RevOps admins only."""

    model = MaturityAssessment
    queryset = MaturityAssessment.objects.none()
    serializer_class = MaturityAssessmentSerializer
    read_roles = ADMINS
    write_roles = ADMINS

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = queryset.select_related("assessed_by").prefetch_related("scores")
        code = self.request.query_params.get("quarter", "").strip()
        if code and self.action == "list":
            try:
                start = parse_quarter(self.request.tenant, code).start
            except ValueError as exc:
                raise serializers.ValidationError({"quarter": [str(exc)]}) from None
            queryset = queryset.filter(quarter_start=start)
        return queryset.order_by("-quarter_start")
