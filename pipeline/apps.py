"""Opportunities, stage history and the touch log."""

from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "pipeline"
    verbose_name = "Pipeline"

    def ready(self) -> None:
        from core.webhooks.registry import register_resource
        from pipeline.api.serializers import (
            CampaignResponseSerializer,
            OpportunitySerializer,
            TouchSerializer,
        )
        from pipeline.models import CampaignResponse, Opportunity, Touch

        # Outbound webhook events (<name>.created|updated|deleted), rendered as the API shows them.
        register_resource(
            Opportunity,
            "opportunity",
            OpportunitySerializer,
            select_related=("stage",),
            prefetch_related=("lines", "stage_changes__from_stage", "stage_changes__to_stage"),
        )
        register_resource(Touch, "touch", TouchSerializer)
        register_resource(CampaignResponse, "campaign_response", CampaignResponseSerializer)

        from core.imports import register_import
        from pipeline.imports import OPPORTUNITY_IMPORT, TOUCH_IMPORT

        register_import(OPPORTUNITY_IMPORT)
        register_import(TOUCH_IMPORT)
