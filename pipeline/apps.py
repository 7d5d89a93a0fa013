"""Opportunities, stage history and the touch log."""

from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "pipeline"
    verbose_name = "Pipeline"

    def ready(self) -> None:
        from core.webhooks.registry import register_resource
        from pipeline.api.serializers import OpportunitySerializer, TouchSerializer
        from pipeline.models import Opportunity, Touch

        # Outbound webhook events (<name>.created|updated|deleted), rendered as the API shows them.
        register_resource(
            Opportunity,
            "opportunity",
            OpportunitySerializer,
            select_related=("stage",),
            prefetch_related=("lines", "stage_changes__from_stage", "stage_changes__to_stage"),
        )
        register_resource(Touch, "touch", TouchSerializer)

        # Pipeline pages, the same in every front door; what each viewer sees comes from
        # visible_to().
        from accounts.views import AccountSection, register_account_section
        from pipeline import views
        from tenancy.navigation import Page, register_pages

        for door in ("console", "sales", "portal"):
            register_pages(
                door,
                Page(
                    "opportunities/",
                    views.opportunity_list,
                    "opportunities",
                    nav="Opportunities",
                    order=30,
                ),
                Page("opportunities/export/", views.opportunity_export, "opportunities-export"),
            )
        # The account page (a lower app) shows pipeline's blocks without importing pipeline.
        register_account_section(
            AccountSection("opportunities", views.account_opportunities_section, order=10)
        )
        register_account_section(
            AccountSection("timeline", views.account_timeline_section, order=20)
        )

        from core.imports import register_import
        from pipeline.imports import OPPORTUNITY_IMPORT

        register_import(OPPORTUNITY_IMPORT)
