"""Describes our authenticators in the OpenAPI document (loaded from TenancyConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "tenancy.api.authentication.ApiTokenAuthentication"
    name = "TokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`; the key is bound to one tenant and one user.",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "tenancy.api.authentication.TenantSessionAuthentication"
    name = "SessionAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "Browser session; send X-CSRFToken on writes and X-Tenant with several tenants.",
        }
