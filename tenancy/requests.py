"""The request types views are written against, so the type checker knows what the door guard and
the API base attach to a request.

`DoorRequest` is a page request that passed a front door's guard (`tenancy.views.door_page`):
its tenant (from the URL, set by `TenantScopeMiddleware`), the viewer's membership there and the
door. `TenantAPIRequest` is an authenticated API request after `TenantAPIMixin` resolved the
credential's tenant and membership. Neither is instantiated: they only annotate.
"""

from __future__ import annotations

from django.http import HttpRequest

from core.api.views import ScopedRequest
from tenancy.choices import Door
from tenancy.models import Membership, Tenant, User

__all__ = ["DoorRequest", "TenantAPIRequest", "TenantURLRequest"]


class TenantURLRequest(HttpRequest):
    """Any page request after `TenantScopeMiddleware`: the tenant its URL names, or None."""

    tenant: Tenant | None


class DoorRequest(HttpRequest):
    user: User  # signed in: the guard sends anonymous visitors away
    tenant: Tenant
    membership: Membership
    door: Door


class TenantAPIRequest(ScopedRequest):
    user: User  # authenticated: the API refuses anonymous callers
    tenant: Tenant
    membership: Membership
