"""What the isolation suite (tests/test_isolation.py) needs to know about each route.

Every URL name in the project must appear here; a new route fails the suite until it is
classified. Add API viewsets to API_RESOURCES with how to find their objects and what to post.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tenancy.models import ApiToken, Membership, Partner, Team
from tenancy.services import issue_api_token

# Open to anyone; each is checked to answer anonymous users without a 5xx and to show no data.
PUBLIC_ROUTES = {
    "landing",
    "healthz",
    "api-schema",
    "api-docs",
    "api-redoc",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "portal:front",
    "sales:front",
    "console:front",
    "logout",
}


@dataclass(frozen=True)
class PageSpec:
    """A page under /<door>/<tenant>/. `objects` names extra URL arguments and how to get, for a
    tenant, an object of that tenant to put in the URL; `method` is how the page is used."""

    method: str = "get"
    objects: dict[str, Callable[[Any, Any], Any]] = field(default_factory=dict)
    post_data: dict[str, Any] = field(default_factory=dict)
    # The model whose rows must not change when a write is refused.
    model: type | None = None


def _token_of(world: Any, tenant: Any) -> ApiToken:
    persona = "admin" if tenant == world.tenant else "outsider_admin"
    issue_api_token(tenant=tenant, user=world.users[persona], name=f"isolation-{persona}")
    return ApiToken.all_tenants.filter(tenant=tenant).latest("id")


DOOR_PAGES: dict[str, PageSpec] = {
    "portal:home": PageSpec(),
    "sales:home": PageSpec(),
    "console:home": PageSpec(),
    "console:audit-log": PageSpec(),
    "console:partners": PageSpec(),
    "console:teams": PageSpec(),
    "console:users": PageSpec(),
    "console:api-tokens": PageSpec(),
    "console:api-token-revoke": PageSpec(
        method="post", objects={"token_id": _token_of}, model=ApiToken
    ),
}


@dataclass(frozen=True)
class ApiResource:
    """A router-registered viewset. `objects(world)` gives {"a": [...], "b": [...]}: rows of the
    persona's tenant and of the other tenant. `create` and `update` are valid bodies for a writer."""

    model: type
    objects: Callable[[Any], dict[str, list[Any]]]
    create: dict[str, Any] | None = None
    update: dict[str, Any] | None = None


API_RESOURCES: dict[str, ApiResource] = {
    "partner": ApiResource(
        model=Partner,
        objects=lambda w: {"a": [w.partner, w.other_partner], "b": [w.orgs["b_partner"]]},
        create={"name": "Isolation New Partner", "tier": "silver"},
        update={"tier": "platinum"},
    ),
    "team": ApiResource(
        model=Team,
        objects=lambda w: {"a": [w.orgs["team"], w.orgs["other_team"]], "b": [w.orgs["b_team"]]},
        create={"name": "Isolation New Team"},
        update={"region": "Isolation"},
    ),
    "user": ApiResource(
        model=Membership,
        objects=lambda w: {
            "a": list(Membership.all_tenants.filter(tenant=w.tenant)),
            "b": list(Membership.all_tenants.filter(tenant=w.other_tenant)),
        },
    ),
}

# Non-router API views: name -> methods they answer.
API_VIEWS = {"me": {"get"}}
