"""What the isolation suite (tests/test_isolation.py) needs to know about each route.

Every URL name in the project must appear here; a new route fails the suite until it is
classified. Add API viewsets to API_RESOURCES with how to find their objects and what to post.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from accounts.models import Account, Contact, Product, ProductLine, Segment, TargetList, Tier
from core.imports import ImportJob
from core.webhooks import WebhookDelivery, WebhookEndpoint
from pipeline.models import Opportunity, Stage, Touch
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
    # Object pages: the model of the URL's objects. A persona whose `visible_to()` excludes the
    # object must get 404 (as if it did not exist), the others 200.
    visible_model: type | None = None


def _token_of(world: Any, tenant: Any) -> ApiToken:
    persona = "admin" if tenant == world.tenant else "outsider_admin"
    issue_api_token(tenant=tenant, user=world.users[persona], name=f"isolation-{persona}")
    return ApiToken.all_tenants.filter(tenant=tenant).latest("id")


def _webhook_endpoint(world: Any, tenant: Any) -> WebhookEndpoint:
    """The tenant's webhook endpoint, made on first use; the other tenant's carries its mark."""
    existing = WebhookEndpoint.all_tenants.filter(tenant=tenant).order_by("pk").first()
    if existing is not None:
        return existing
    mark = "" if tenant == world.tenant else " zzbetaleak"
    return WebhookEndpoint.all_tenants.create(
        tenant=tenant,
        url=f"https://hooks.{tenant.slug}.example/in",
        description=f"Isolation hooks{mark}",
        events=["*"],
    )


def _webhook_delivery(world: Any, tenant: Any) -> WebhookDelivery:
    """A failed delivery of the tenant (replayable), made on first use."""
    existing = WebhookDelivery.all_tenants.filter(tenant=tenant).order_by("pk").first()
    if existing is not None:
        return existing
    return WebhookDelivery.all_tenants.create(
        tenant=tenant,
        endpoint=_webhook_endpoint(world, tenant),
        event="contact.updated",
        payload={"event": "contact.updated", "tenant": tenant.slug, "data": {"id": 1}},
        status=WebhookDelivery.Status.FAILED,
        attempts=8,
        last_error="HTTP 500",
    )


def _both(getter: Callable[[Any, Any], Any]) -> Callable[[Any], dict[str, list[Any]]]:
    return lambda w: {"a": [getter(w, w.tenant)], "b": [getter(w, w.other_tenant)]}


def _account_of(owner: str) -> Callable[[Any, Any], Any]:
    """For an account page: in our tenant the world's account of `owner` (some of the door's
    personas may see it, the others must get 404); in the other tenant, an account of its own."""

    def get(world: Any, tenant: Any) -> Account:
        if tenant == world.tenant:
            return world.customers[owner]
        return Account.all_tenants.filter(tenant=tenant).earliest("pk")

    return get


def _import_job(world: Any, tenant: Any) -> ImportJob:
    """An uploaded (not yet run) CSV import of the tenant; the other tenant's carries its mark."""
    existing = ImportJob.all_tenants.filter(tenant=tenant).order_by("pk").first()
    if existing is not None:
        return existing
    persona = "admin" if tenant == world.tenant else "outsider_admin"
    mark = "" if tenant == world.tenant else " zzbetaleak"
    return ImportJob.all_tenants.create(
        tenant=tenant,
        resource="accounts",
        filename=f"accounts{mark}.csv",
        content=f"external_id,name\nX-1,Imported{mark}\n",
        mapping={"external_id": "external_id", "name": "name"},
        errors=[{"row": 2, "column": "name", "message": f"example{mark}"}],
        created_by=world.users[persona],
    )


CUSTOMER_PAGES = (
    "accounts",
    "accounts-export",
    "contacts",
    "contacts-export",
    "opportunities",
    "opportunities-export",
)

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
    "console:webhooks": PageSpec(),
    "console:webhook-deliveries": PageSpec(),
    "console:webhook-toggle": PageSpec(
        method="post", objects={"endpoint_id": _webhook_endpoint}, model=WebhookEndpoint
    ),
    "console:webhook-delete": PageSpec(
        method="post", objects={"endpoint_id": _webhook_endpoint}, model=WebhookEndpoint
    ),
    "console:webhook-delivery-replay": PageSpec(
        method="post", objects={"delivery_id": _webhook_delivery}, model=WebhookDelivery
    ),
    "console:imports": PageSpec(),
    "console:import": PageSpec(objects={"job_id": _import_job}),
    "console:import-progress": PageSpec(objects={"job_id": _import_job}),
    "console:import-errors": PageSpec(objects={"job_id": _import_job}),
    "console:import-discard": PageSpec(
        method="post", objects={"job_id": _import_job}, model=ImportJob
    ),
    # Customer pages (accounts, pipeline): the same views in every door.
    **{
        f"{door}:{page}": PageSpec()
        for door in ("portal", "sales", "console")
        for page in CUSTOMER_PAGES
    },
    "portal:account": PageSpec(objects={"pk": _account_of("partner")}, visible_model=Account),
    "sales:account": PageSpec(objects={"pk": _account_of("rep")}, visible_model=Account),
    "console:account": PageSpec(objects={"pk": _account_of("other_team")}, visible_model=Account),
}


@dataclass(frozen=True)
class ApiResource:
    """A router-registered viewset. `objects(world)` gives {"a": [...], "b": [...]}: rows of the
    persona's tenant and of the other tenant. `create(world)` and `update(world)` are valid bodies
    for a writer; `field_values` gives, per role-restricted field (the viewset's `field_roles`), a
    value to try to set it to."""

    model: type
    objects: Callable[[Any], dict[str, list[Any]]] | None = None
    create: Callable[[Any], dict[str, Any]] | None = None
    update: Callable[[Any], dict[str, Any]] | None = None
    field_values: dict[str, Callable[[Any], Any]] = field(default_factory=dict)

    def rows(self, world: Any) -> dict[str, list[Any]]:
        if self.objects is not None:
            return self.objects(world)
        every = self.model.all_tenants.order_by("pk")
        return {
            "a": list(every.filter(tenant=world.tenant)),
            "b": list(every.filter(tenant=world.other_tenant)),
        }


def _rep_account(world: Any) -> int:
    return world.customers["rep"].pk


API_RESOURCES: dict[str, ApiResource] = {
    "partner": ApiResource(
        model=Partner,
        create=lambda w: {"name": "Isolation New Partner", "tier": "silver"},
        update=lambda w: {"tier": "platinum"},
    ),
    "team": ApiResource(
        model=Team,
        create=lambda w: {"name": "Isolation New Team"},
        update=lambda w: {"region": "Isolation"},
    ),
    "user": ApiResource(model=Membership),
    "tier": ApiResource(
        model=Tier,
        create=lambda w: {"key": "isolation", "name": "Isolation"},
        update=lambda w: {"name": "Renamed"},
    ),
    "segment": ApiResource(
        model=Segment,
        create=lambda w: {"key": "isolation", "name": "Isolation"},
        update=lambda w: {"name": "Renamed"},
    ),
    "productline": ApiResource(
        model=ProductLine,
        create=lambda w: {"code": "isolation", "name": "Isolation"},
        update=lambda w: {"description": "Changed"},
    ),
    "product": ApiResource(
        model=Product,
        create=lambda w: {
            "product_line": {"code": "hydraulics"},
            "sku": "ISO-1",
            "name": "Iso",
            "list_price": "10.00",
        },
        update=lambda w: {"name": "Changed"},
    ),
    "account": ApiResource(
        model=Account,
        create=lambda w: {"name": "Isolation Account"},
        update=lambda w: {"city": "Munich"},
    ),
    "contact": ApiResource(
        model=Contact,
        create=lambda w: {"account": _rep_account(w), "email": "isolation@customer.example"},
        update=lambda w: {"title": "Plant manager"},
    ),
    "targetlist": ApiResource(
        model=TargetList,
        create=lambda w: {"name": "Isolation list"},
        update=lambda w: {"description": "Changed"},
    ),
    "stage": ApiResource(
        model=Stage,
        create=lambda w: {"key": "isolation", "name": "Isolation", "order": 99, "probability": 30},
        update=lambda w: {"probability": 40},
    ),
    "opportunity": ApiResource(
        model=Opportunity,
        create=lambda w: {
            "account": _rep_account(w),
            "name": "Isolation deal",
            "stage": "qualify",
            "amount": "100",
        },
        update=lambda w: {"name": "Renamed deal"},
        field_values={
            "route": lambda w: "direct",
            "partner": lambda w: w.other_partner.pk,
            "owner_user": lambda w: w.users["rep"].pk,
            "owner_team": lambda w: w.orgs["team"].pk,
            "source": lambda w: "partner",
        },
    ),
    "touch": ApiResource(
        model=Touch,
        create=lambda w: {
            "account": _rep_account(w),
            "channel": "call",
            "route": "direct",
            "occurred_at": "2026-11-02T09:00:00Z",
        },
        update=lambda w: {"subject": "Changed"},
        field_values={
            "actor_partner": lambda w: w.other_partner.pk,
            "actor_team": lambda w: w.orgs["team"].pk,
            "actor_user": lambda w: w.users["rep"].pk,
        },
    ),
    "webhook": ApiResource(
        model=WebhookEndpoint,
        objects=_both(_webhook_endpoint),
        create=lambda w: {"url": "https://hooks.example.com/isolation", "events": ["contact.*"]},
        update=lambda w: {"description": "Changed"},
    ),
    "webhookdelivery": ApiResource(model=WebhookDelivery, objects=_both(_webhook_delivery)),
}

# Non-router API views: name -> methods they answer.
API_VIEWS = {"me": {"get"}}
