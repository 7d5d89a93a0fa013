"""What a CSV of opportunities may contain (registered in PipelineConfig.ready)."""

from core.imports import ImportColumn as C
from core.imports import ImportSpec
from pipeline.api.serializers import OpportunitySerializer
from pipeline.api.views import OpportunityViewSet
from pipeline.services import opportunity_defaults

OPPORTUNITY_IMPORT = ImportSpec(
    resource="opportunities",
    label="Opportunities",
    serializer_class=OpportunitySerializer,
    field_roles=OpportunityViewSet.field_roles,
    creation_defaults=opportunity_defaults,
    columns=(
        C("external_id", "External id", aliases=("id", "crm id", "opportunity id")),
        C("account", "Account external id", "ref:external_id", aliases=("account", "account id")),
        C("name", "Name", aliases=("opportunity name", "deal")),
        C("amount", "Amount", aliases=("value", "deal size")),
        C("currency", "Currency"),
        C("stage", "Stage"),
        C("opened_on", "Opened on", aliases=("created", "created date")),
        C("expected_close_on", "Expected close", aliases=("close date", "expected close date")),
        C("closed_on", "Closed on"),
        C("route", "Route"),
        C("owner_user", "Owner email", "ref:email", aliases=("owner",)),
        C("partner", "Partner external id", "ref:external_id", aliases=("partner",)),
        C("source", "Source"),
        C("source_detail", "Source detail", aliases=("campaign",)),
        C("close_reason", "Close reason", aliases=("win loss reason", "reason")),
    ),
)
