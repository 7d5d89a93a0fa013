"""What a CSV of opportunities or touches may contain (registered in PipelineConfig.ready).

A campaign or an offer is named by its external id, as accounts and partners are; an unknown one
is an error on its row and column."""

from core.imports import ImportColumn as C
from core.imports import ImportSpec
from pipeline.api.serializers import OpportunitySerializer, TouchSerializer
from pipeline.api.views import OpportunityViewSet, TouchViewSet
from pipeline.services import opportunity_defaults, touch_defaults

__all__ = ["CAMPAIGN_COLUMNS", "OPPORTUNITY_IMPORT", "TOUCH_IMPORT"]

# The campaign and the offer a row came from, by external id. They follow the source detail: a
# bare "Campaign" header keeps meaning the free-text source detail (a trade show's name, as
# files have long had it); "Campaign ID" or "Campaign external id" is the campaign itself.
CAMPAIGN_COLUMNS = (
    C("campaign", "Campaign external id", "ref:external_id", aliases=("campaign id",)),
    C("offer", "Offer external id", "ref:external_id", aliases=("offer id",)),
)

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
        *CAMPAIGN_COLUMNS,
        C("close_reason", "Close reason", aliases=("win loss reason", "reason")),
    ),
)

TOUCH_IMPORT = ImportSpec(
    resource="touches",
    label="Touches",
    serializer_class=TouchSerializer,
    field_roles=TouchViewSet.field_roles,
    creation_defaults=touch_defaults,
    columns=(
        C("external_id", "External id", aliases=("id", "crm id", "activity id", "touch id")),
        C("account", "Account external id", "ref:external_id", aliases=("account id",)),
        C("contact", "Contact external id", "ref:external_id", aliases=("contact id",)),
        C("opportunity", "Opportunity external id", "ref:external_id", aliases=("deal id",)),
        C("channel", "Channel", aliases=("type", "activity type")),
        C("route", "Route"),
        C("actor_user", "User email", "ref:email", aliases=("user", "owner")),
        C("actor_partner", "Partner external id", "ref:external_id", aliases=("partner",)),
        C("actor_team", "Team external id", "ref:external_id", aliases=("team",)),
        C("occurred_at", "Occurred at", aliases=("date", "activity date", "when")),
        C("subject", "Subject", aliases=("title", "description")),
        *CAMPAIGN_COLUMNS,
    ),
)
