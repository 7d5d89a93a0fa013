"""API credentials and the tenant they carry.

- `Authorization: Token <key>`: the tenant is the token's. An `X-Tenant` header naming another
  tenant is refused rather than ignored, so a misconfigured connector fails visibly.
- Browser session (with CSRF on writes): the tenant is the user's only membership, or the one
  named by `X-Tenant` when the user belongs to several.
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework import authentication, exceptions

from tenancy.models import ApiToken, Membership, Tenant, User
from tenancy.services import authenticate_api_key, membership_for, memberships_of

__all__ = ["ApiTokenAuthentication", "TenantSessionAuthentication", "resolve_request_tenant"]

TENANT_HEADER = "HTTP_X_TENANT"
SLUG = re.compile(r"^[a-z0-9-]{1,50}$")


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Any) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the header as 'Authorization: Token <key>'."
            )
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(
                "The token contains invalid characters."
            ) from None
        token = authenticate_api_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid, revoked or expired token.")
        return token.user, token

    def authenticate_header(self, request: Any) -> str:
        return self.keyword


class TenantSessionAuthentication(authentication.SessionAuthentication):
    """Django session with CSRF enforced on unsafe methods."""


def resolve_request_tenant(request: Any) -> tuple[Tenant, Membership]:
    named = request.META.get(TENANT_HEADER, "").strip()
    if isinstance(request.auth, ApiToken):
        tenant = request.auth.tenant
        if named and named != tenant.slug:
            raise exceptions.ValidationError(
                {"X-Tenant": [f"This token is bound to tenant '{tenant.slug}'."]}
            )
        membership = request.auth.membership
    elif named:
        if not SLUG.match(named):
            raise exceptions.NotFound("No such tenant for this user.")
        named_tenant = Tenant.objects.filter(slug=named).first()
        membership = membership_for(request.user, named_tenant) if named_tenant else None
        if membership is None:
            raise exceptions.NotFound("No such tenant for this user.")
        tenant = membership.tenant
    else:
        memberships = memberships_of(request.user)
        if not memberships:
            raise exceptions.PermissionDenied("You are not a member of any tenant.")
        if len(memberships) > 1:
            raise exceptions.ValidationError(
                {"X-Tenant": ["You belong to several tenants: send X-Tenant: <slug>."]}
            )
        membership = memberships[0]
        tenant = membership.tenant
    if membership is None:
        raise exceptions.AuthenticationFailed("This credential no longer has access to its tenant.")
    return tenant, membership
