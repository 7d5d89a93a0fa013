"""What a CSV of leads may contain (registered in RoutingConfig.ready).

Rows go through the lead API's serializer and bulk engine (core.imports), so a row is accepted
exactly when the same record sent to `POST /api/v1/leads/bulk/` would be, and new leads are
queued for enrichment, deduplication and routing when each batch commits (routing.intake). A row
without an external id (a trade-show list has none) gets one from the import and its line, so
re-importing the same file adds its rows again, and deduplication merges them into the first.
"""

from core.imports import ImportColumn as C
from core.imports import ImportSpec, register_import
from pipeline.imports import CAMPAIGN_COLUMNS
from routing.api.serializers import LeadSerializer
from routing.api.views import LeadViewSet
from routing.intake import import_defaults

__all__ = ["LEAD_IMPORT", "register_imports"]

LEAD_IMPORT = ImportSpec(
    resource="leads",
    label="Leads",
    serializer_class=LeadSerializer,
    field_roles=LeadViewSet.field_roles,
    creation_defaults=import_defaults,
    row_key="csv-{job}-{row}",
    columns=(
        C("external_id", "External id", aliases=("id", "lead id", "crm id", "row id")),
        C("first_name", "First name", aliases=("firstname", "given name", "vorname")),
        C("last_name", "Last name", aliases=("lastname", "surname", "family name", "nachname")),
        C("email", "Email", aliases=("e-mail", "email address", "mail")),
        C("phone", "Phone", aliases=("telephone", "mobile", "tel", "telefon")),
        C("title", "Title", aliases=("job title", "position")),
        C("company", "Company", aliases=("account", "organisation", "organization", "firma")),
        C("website", "Website", aliases=("web", "url", "domain")),
        C("street", "Street", aliases=("address", "strasse")),
        C("city", "City", aliases=("town", "ort")),
        C("postal_code", "Postal code", aliases=("zip", "postcode", "plz")),
        C("region", "Region", aliases=("state", "province", "bundesland")),
        C("country", "Country", aliases=("country code", "land")),
        C("product_interest", "Product interest", "list", aliases=("interest", "products")),
        C("service_needs", "Service needs", "list", aliases=("services",)),
        C("employee_band", "Employee band", aliases=("employees",)),
        C("estimated_amount", "Estimated amount", aliases=("amount", "budget", "value")),
        C("priority", "Priority"),
        C("source", "Source", aliases=("lead source", "channel")),
        C("source_detail", "Source detail", aliases=("campaign", "event", "list")),
        *CAMPAIGN_COLUMNS,
        C("message", "Message", aliases=("notes", "comment", "comments", "description")),
    ),
)


def register_imports() -> None:
    register_import(LEAD_IMPORT)
