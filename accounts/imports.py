"""What a CSV of accounts or contacts may contain (registered in AccountsConfig.ready)."""

from accounts.api.serializers import AccountSerializer, ContactSerializer
from core.imports import ImportColumn as C
from core.imports import ImportSpec

ACCOUNT_IMPORT = ImportSpec(
    resource="accounts",
    label="Accounts",
    serializer_class=AccountSerializer,
    columns=(
        C("external_id", "External id", aliases=("id", "crm id", "account id", "salesforce id")),
        C("name", "Name", aliases=("account name", "company", "account")),
        C("legal_name", "Legal name"),
        C("domains", "Domains", "list", aliases=("domain", "website", "web")),
        C("segment", "Segment", aliases=("industry",)),
        C("tier", "Tier", aliases=("strategic tier",)),
        C("employee_band", "Employee band", aliases=("employees",)),
        C("revenue_band", "Revenue band", aliases=("revenue",)),
        C("country", "Country", aliases=("country code",)),
        C("region", "Region", aliases=("state", "province")),
        C("city", "City"),
        C("postal_code", "Postal code", aliases=("zip", "postcode", "plz")),
        C("service_needs", "Service needs", "list"),
        C("product_lines_of_interest", "Product lines of interest", "list", aliases=("interests",)),
        C(
            "installed_product_lines",
            "Installed product lines",
            "list",
            aliases=("installed base",),
        ),
        C("owner_user", "Owner email", "ref:email", aliases=("owner",)),
        C("owner_partner", "Partner external id", "ref:external_id", aliases=("partner",)),
        C("named_account", "Named account", "bool"),
        C("lifecycle", "Lifecycle", aliases=("status",)),
    ),
)

CONTACT_IMPORT = ImportSpec(
    resource="contacts",
    label="Contacts",
    serializer_class=ContactSerializer,
    columns=(
        C("external_id", "External id", aliases=("id", "crm id", "contact id")),
        C("account", "Account external id", "ref:external_id", aliases=("account", "account id")),
        C("first_name", "First name", aliases=("firstname", "given name")),
        C("last_name", "Last name", aliases=("lastname", "surname", "family name")),
        C("email", "Email", aliases=("e-mail", "email address")),
        C("phone", "Phone", aliases=("telephone", "mobile")),
        C("title", "Title", aliases=("job title", "position")),
        C("buying_role", "Buying role", aliases=("role",)),
        C("consent", "Consent"),
        C("opted_out", "Opted out", "bool", aliases=("unsubscribed", "opt out")),
    ),
)
