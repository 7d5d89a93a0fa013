"""The isolation suite: every URL and API route, as anonymous, as every role, and as users of
another tenant and another partner. It proves that nobody sees or changes what is not theirs.

Routes are enumerated from the URL resolver and the API router, so a new endpoint is covered the
day it is added; one the suite cannot classify fails `test_every_route_is_classified` until it is
described in tests/isolation_catalog.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, cast

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from config.api_router import router
from core.tenancy import tenant_scope
from tenancy.choices import DOOR_ROLES
from tenancy.services import membership_for
from tests.isolation_catalog import (
    API_REPORTS,
    API_RESOURCES,
    API_VIEWS,
    DOOR_PAGES,
    PUBLIC_ROUTES,
    report_world,
)
from tests.pdftext import pdf_text
from tests.world import (
    DIRECT_ONLY_MARK,
    FIRST_PARTNER_MARK,
    OTHER_PARTNER_MARK,
    PERSONAS,
    TEAM_MARKS,
)

pytestmark = pytest.mark.django_db

SYNC_ACTIONS = {"bulk", "sync"}
INSIDERS = [p for p, (tenant_key, _, _) in PERSONAS.items() if tenant_key == "a"]
OUTSIDERS = [p for p, (tenant_key, _, _) in PERSONAS.items() if tenant_key == "b"]


@dataclass(frozen=True)
class Route:
    pattern: str
    name: str | None


def iter_routes(patterns=None, prefix: str = "", namespace: str | None = None):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            inner = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from iter_routes(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Route(prefix + str(entry.pattern), name)


ROUTES = list(iter_routes())
API_ROUTE_NAMES = {
    f"{basename}-{suffix}" for _, _, basename in router.registry for suffix in ("list", "detail")
}
# Other router extra actions (@action) of a known viewset, e.g. webhookdelivery-replay: the
# viewset's roles and querysets apply; each is exercised by its app's own tests.
API_ACTION_NAMES = {
    f"{basename}-{cast(Any, extra).url_name}"  # set by DRF's @action on the method
    for _, viewset, basename in router.registry
    for extra in viewset.get_extra_actions()
}


def classify(route: Route) -> str | None:
    if route.pattern.startswith("admin/"):
        return "admin"
    if route.name in PUBLIC_ROUTES:
        return "public"
    if route.name in DOOR_PAGES:
        return "door"
    if route.name in API_ROUTE_NAMES and route.name.rsplit("-", 1)[0] in API_RESOURCES:
        return "api"
    basename, _, action_name = (route.name or "").rpartition("-")
    if basename in API_RESOURCES and action_name in SYNC_ACTIONS:
        return "api-sync"  # exercised by the bulk/sync tests below
    if route.name in API_VIEWS:
        return "api-view"
    if route.name in API_REPORTS:
        return "api-report"
    if route.name in API_ACTION_NAMES and basename in API_RESOURCES:
        return "api"
    return None


def test_every_route_is_classified():
    unknown = [f"{r.pattern} (name={r.name})" for r in ROUTES if classify(r) is None]
    assert not unknown, "Classify these routes in tests/isolation_catalog.py: " + ", ".join(unknown)


def test_the_catalog_names_no_route_that_is_gone():
    names = {r.name for r in ROUTES}
    stale = (set(DOOR_PAGES) | PUBLIC_ROUTES | set(API_VIEWS) | set(API_REPORTS)) - names
    stale |= {b for b in API_RESOURCES if f"{b}-list" not in names}
    assert not stale, f"Remove from the catalog: {sorted(stale)}"


def assert_no_leak(body: str, marks: list[str], where: str) -> None:
    for mark in marks:
        assert mark not in body, f"{where}: shows {mark!r}, which this user may not see"


# --- public routes ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PUBLIC_ROUTES))
def test_public_routes_answer_anyone_without_tenant_data(world, client, name):
    kwargs = {"uidb64": "MQ", "token": "bad-token"} if name == "password_reset_confirm" else {}
    url = reverse(name, kwargs=kwargs)
    response = client.post(url) if name == "logout" else client.get(url)
    assert response.status_code < 500 or (name == "healthz" and response.status_code == 503)
    assert_no_leak(
        response.content.decode(errors="replace"),
        ["zzfirstpartner", "zzrivalleak", "zzbetaleak"],
        url,
    )


# --- browser pages under /<door>/<tenant>/ ---------------------------------------------------


def page_url(world, name: str, tenant) -> str:
    spec = DOOR_PAGES[name]
    kwargs = {"tenant": world.tenant.slug}
    kwargs.update(spec.args)
    for arg, getter in spec.objects.items():
        kwargs[arg] = getter(world, tenant).pk
    return reverse(name, kwargs=kwargs)


def objects_visible(world, name: str, persona: str) -> bool:
    """Whether `persona` may see the own-tenant objects in the page's URL (PageSpec.visible_model)."""
    spec = DOOR_PAGES[name]
    if spec.visible_model is None:
        return True
    visible = visible_ids(world, persona, spec.visible_model)
    objects = [getter(world, world.tenant) for getter in spec.objects.values()]
    # Rows of other models in the URL (a registration's file) are reached through the visible one.
    return all(o.pk in visible for o in objects if isinstance(o, spec.visible_model))


def body_of(response) -> str:
    """The text of a page, of a streamed download (CSV exports) or of a PDF (the text it shows)."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type") == "application/pdf":
        return pdf_text(content)
    return content.decode()


def snapshot(model) -> list[dict]:
    return list(model.all_tenants.order_by("pk").values()) if model else []


@pytest.mark.parametrize("name", sorted(DOOR_PAGES))
def test_door_pages_admit_exactly_the_doors_roles(world, client, login_as, name):
    """Anonymous: sign in first. Another tenant's user: 404. A role the door does not admit: 403.
    Everyone else: 200 (302 for a write) and no leak marker in the page; but on an object page
    (`PageSpec.visible_model`), a persona whose `visible_to()` excludes the object gets 404."""
    spec, door = DOOR_PAGES[name], name.split(":")[0]
    own_url = page_url(world, name, world.tenant)
    send = (
        (lambda c, url: c.post(url, spec.post_data))
        if spec.method == "post"
        else (lambda c, url: c.get(url))
    )

    anonymous = send(client, own_url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(f"/{door}/?next=")

    for persona in INSIDERS + OUTSIDERS:
        before = snapshot(spec.model)
        response = send(login_as(persona), own_url)
        if persona in OUTSIDERS:
            expected = 404
        elif PERSONAS[persona][1] not in DOOR_ROLES[door]:
            expected = 403
        else:
            expected = 302 if spec.method == "post" else 200
            if not objects_visible(world, name, persona):
                expected = 404
        assert response.status_code == expected, f"{persona} at {own_url}"
        if expected != 302:
            assert snapshot(spec.model) == before, f"{persona} changed data at {own_url}"
        if expected == 200:
            assert_no_leak(
                body_of(response), world.forbidden_marks(persona), f"{persona} at {own_url}"
            )


@pytest.mark.parametrize("name", sorted(n for n, s in DOOR_PAGES.items() if s.objects))
def test_door_pages_refuse_objects_of_another_tenant(world, login_as, name):
    """The other tenant's object id under our tenant's URL is 404, and nothing changes. Asked by
    the first insider the door admits (the RevOps admin, or a partner admin at the portal)."""
    spec, door = DOOR_PAGES[name], name.split(":")[0]
    foreign_url = page_url(world, name, world.other_tenant)
    insider = next(p for p in INSIDERS if PERSONAS[p][1] in DOOR_ROLES[door])
    admin = login_as(insider)
    before = snapshot(spec.model)
    response = (
        admin.post(foreign_url, spec.post_data) if spec.method == "post" else admin.get(foreign_url)
    )
    assert response.status_code == 404
    assert snapshot(spec.model) == before


# --- the API ---------------------------------------------------------------------------------


def api_client(world, persona: str | None) -> APIClient:
    client = APIClient(HTTP_HOST="127.0.0.1")
    if persona:
        client.credentials(HTTP_AUTHORIZATION=f"Token {world.token(persona)}")
    return client


def viewset_of(basename: str):
    return next(v for _, v, b in router.registry if b == basename)


def may(viewset, role: str, write: bool) -> bool:
    allowed = viewset.write_roles if write else viewset.read_roles
    return allowed is None or role in allowed


def visible_ids(world, persona: str, model) -> set[int]:
    tenant = world.tenant if persona in INSIDERS else world.other_tenant
    membership = membership_for(world.users[persona], tenant)
    with tenant_scope(tenant):
        return set(model.objects.visible_to(membership).values_list("pk", flat=True))


def ids_in(body: dict) -> set[int]:
    return {row["id"] for row in body["results"]}


@pytest.mark.parametrize("basename", sorted(API_RESOURCES))
def test_api_lists_show_only_what_each_persona_may_see(world, basename):
    spec, viewset = API_RESOURCES[basename], viewset_of(basename)
    url = reverse(f"{basename}-list")
    assert api_client(world, None).get(url).status_code == 401
    for persona in INSIDERS + OUTSIDERS:
        response = api_client(world, persona).get(url + "?page_size=1000")
        if not may(viewset, PERSONAS[persona][1], write=False):
            assert response.status_code == 403, persona
            continue
        assert response.status_code == 200, persona
        assert ids_in(response.json()) == visible_ids(world, persona, spec.model), persona
        if persona in INSIDERS:
            assert_no_leak(
                response.content.decode(), world.forbidden_marks(persona), f"{persona} {url}"
            )


@pytest.mark.parametrize("basename", sorted(API_RESOURCES))
def test_api_objects_outside_a_personas_view_are_404(world, basename):
    spec, viewset = API_RESOURCES[basename], viewset_of(basename)
    objects = spec.rows(world)
    for persona in INSIDERS + OUTSIDERS:
        if not may(viewset, PERSONAS[persona][1], write=False):
            continue
        client, visible = api_client(world, persona), visible_ids(world, persona, spec.model)
        for obj in objects["a"] + objects["b"]:
            response = client.get(reverse(f"{basename}-detail", args=[obj.pk]))
            assert response.status_code == (200 if obj.pk in visible else 404), (
                f"{persona} -> {obj!r}"
            )


@pytest.mark.parametrize("basename", sorted(API_RESOURCES))
def test_api_writes_are_refused_to_whom_they_must_be_and_change_nothing(world, basename):
    spec, viewset = API_RESOURCES[basename], viewset_of(basename)
    objects = spec.rows(world)
    list_url = reverse(f"{basename}-list")
    actions = {"post": "create", "put": "update", "patch": "partial_update", "delete": "destroy"}
    for persona in [None, *INSIDERS, *OUTSIDERS]:
        client = api_client(world, persona)
        writer = persona is not None and may(viewset, PERSONAS[persona][1], write=True)
        visible = visible_ids(world, persona, spec.model) if persona else set()
        for method in ("post", "put", "patch", "delete"):
            supported = hasattr(viewset, actions[method])
            targets = [None] if method == "post" else objects["a"] + objects["b"]
            for obj in targets:
                if writer and supported and (obj is None or obj.pk in visible):
                    continue  # allowed writes are exercised in the app's own API tests
                before = snapshot(spec.model)
                url = list_url if obj is None else reverse(f"{basename}-detail", args=[obj.pk])
                maker = spec.create if method in ("post", "put") else spec.update
                response = getattr(client, method)(
                    url, maker(world) if maker else {}, format="json"
                )
                if persona is None:
                    expected = {401} if supported else {401, 405}
                elif writer and supported:
                    expected = {404}  # another tenant's or partner's object: as if it did not exist
                else:
                    expected = {403, 404, 405}
                assert response.status_code in expected, (
                    f"{persona} {method.upper()} {url}: {response.status_code}"
                )
                assert snapshot(spec.model) == before, (
                    f"{persona} {method.upper()} {url} changed data"
                )


@pytest.mark.parametrize("basename", sorted(b for b, s in API_RESOURCES.items() if s.create))
def test_api_creates_take_the_tenant_from_the_credential_never_the_body(world, basename):
    spec = API_RESOURCES[basename]
    writer = next(p for p in INSIDERS if may(viewset_of(basename), PERSONAS[p][1], write=True))
    assert spec.create is not None
    body = {
        **spec.create(world),
        "tenant": world.other_tenant.pk,
        "tenant_id": world.other_tenant.pk,
        "id": 987654,
    }
    response = api_client(world, writer).post(reverse(f"{basename}-list"), body, format="json")
    assert response.status_code == 201, response.json()
    created = spec.model.all_tenants.get(pk=response.json()["id"])
    assert created.tenant_id == world.tenant.pk and created.pk != 987654


@pytest.mark.parametrize(
    "basename", sorted(b for b, s in API_RESOURCES.items() if viewset_of(b).field_roles)
)
def test_api_role_restricted_fields_cannot_be_set_by_other_roles(world, basename):
    spec, viewset = API_RESOURCES[basename], viewset_of(basename)
    assert set(spec.field_values) == set(viewset.field_roles), (
        "give a value for every restricted field"
    )
    assert spec.create is not None
    for persona in INSIDERS:
        role = PERSONAS[persona][1]
        if not may(viewset, role, write=True):
            continue
        client, visible = api_client(world, persona), visible_ids(world, persona, spec.model)
        for name, roles in viewset.field_roles.items():
            if role in roles:
                continue
            value = spec.field_values[name](world)
            before = snapshot(spec.model)
            response = client.post(
                reverse(f"{basename}-list"), {**spec.create(world), name: value}, format="json"
            )
            assert response.status_code == 403, (
                f"{persona} set {name} on create: {response.status_code}"
            )
            for obj in spec.rows(world)["a"]:
                if obj.pk in visible:
                    url = reverse(f"{basename}-detail", args=[obj.pk])
                    response = client.patch(url, {name: value}, format="json")
                    assert response.status_code == 403, f"{persona} set {name} on {obj!r}"
            assert snapshot(spec.model) == before


def test_no_api_serializer_lets_a_client_set_the_tenant():
    for _, viewset, basename in router.registry:
        fields = cast(Any, viewset).serializer_class().fields  # every registered viewset has one
        for name in ("tenant", "tenant_id"):
            assert name not in fields or fields[name].read_only, f"{basename}.{name} is writable"


@pytest.mark.parametrize("name", sorted(API_VIEWS))
def test_api_views_answer_members_only_and_show_nothing_foreign(world, name):
    url = reverse(name)
    assert api_client(world, None).get(url).status_code == 401
    for persona in INSIDERS:
        client = api_client(world, persona)
        response = client.get(url)
        assert response.status_code == 200
        assert_no_leak(
            response.content.decode(), world.forbidden_marks(persona), f"{persona} {url}"
        )
        for method in {"post", "put", "patch", "delete"} - API_VIEWS[name]:
            assert getattr(client, method)(url, {}, format="json").status_code == 405


# --- read-only API reports (the scorecards) --------------------------------------------------

# What users of the other tenant must never be shown of ours.
FIRST_TENANT_MARKS = [
    FIRST_PARTNER_MARK,
    OTHER_PARTNER_MARK,
    DIRECT_ONLY_MARK,
    *TEAM_MARKS.values(),
]


def may_read_report(name: str, persona: str) -> bool:
    roles = API_REPORTS[name].read_roles
    return roles is None or PERSONAS[persona][1] in roles


@pytest.mark.parametrize("name", sorted(API_REPORTS))
def test_api_reports_show_each_persona_exactly_what_is_theirs(world, name):
    """Anonymous: 401. A role the report is not for: 403. Everyone else: 200 with exactly what
    their visibility allows (`ApiReport.visible`) and no leak marker; writes are 405."""
    spec = API_REPORTS[name]
    report_world(world)
    url = reverse(name) + ("?page_size=1000" if spec.paginated else "")
    assert api_client(world, None).get(url).status_code == 401
    for persona in INSIDERS + OUTSIDERS:
        client = api_client(world, persona)
        if spec.query is not None:
            url = reverse(name) + f"?{spec.query(world, persona)}"
            url += "&page_size=1000" if spec.paginated else ""
        response = client.get(url)
        if not may_read_report(name, persona):
            assert response.status_code == 403, persona
            continue
        assert response.status_code == 200, f"{persona} {url}: {response.content[:300]!r}"
        marks = world.forbidden_marks(persona) if persona in INSIDERS else FIRST_TENANT_MARKS
        assert_no_leak(response.content.decode(), marks, f"{persona} {url}")
        if spec.shows is not None and spec.visible is not None:
            assert spec.shows(response.json()) == spec.visible(world, persona), persona
        for method in ("post", "put", "patch", "delete"):
            assert getattr(client, method)(url, {}, format="json").status_code == 405


@pytest.mark.parametrize("name", sorted(n for n, s in API_REPORTS.items() if s.probes))
def test_api_reports_of_what_a_persona_may_not_see_are_404(world, name):
    """Every scope of both tenants: 200 for who may read it, 404 for everyone else, so a
    partner cannot even tell that another partner's figures exist."""
    spec = API_REPORTS[name]
    assert spec.probes is not None
    report_world(world)
    for query, allowed in spec.probes(world):
        url = f"{reverse(name)}?{query}"
        for persona in INSIDERS + OUTSIDERS:
            if not may_read_report(name, persona):
                continue
            response = api_client(world, persona).get(url)
            expected = 200 if persona in allowed else 404
            assert response.status_code == expected, f"{persona} {url}: {response.status_code}"
            if expected == 404:
                assert response.json()["code"] == "not_found"


# --- the platform admin ----------------------------------------------------------------------


def test_the_platform_admin_is_for_superusers_only(world, login_as):
    admin_urls = ["/admin/"] + [
        "/admin/" + re.sub(r"\^|\$", "", r.pattern[len("admin/") :])
        for r in ROUTES
        if r.pattern.startswith("admin/") and r.name and r.name.endswith("_changelist")
    ]
    for persona in INSIDERS + OUTSIDERS:
        client = login_as(persona)
        for url in admin_urls:
            response = client.get(url)
            assert response.status_code == 302 and "/admin/login/" in response["Location"], (
                f"{persona} {url}"
            )


def test_unknown_urls_are_404_in_the_shape_of_their_surface(client):
    assert client.get("/api/v1/no-such-resource/").json()["code"] == "not_found"
    assert client.get("/no-such-page/").status_code == 404


# --- CRM-sync actions: bulk upsert and the sync feed ----------------------------------------


def synced_basenames() -> list[str]:
    return sorted(b for _, v, b in router.registry if hasattr(v, "sync") and b in API_RESOURCES)


@pytest.mark.django_db(transaction=True)  # the feed only shows committed rows (core.sync)
@pytest.mark.parametrize("basename", synced_basenames())
def test_sync_feeds_are_for_admins_and_carry_only_their_tenant(world, basename):
    spec, url = API_RESOURCES[basename], reverse(f"{basename}-sync") + "?page_size=1000"
    assert api_client(world, None).get(url).status_code == 401
    for persona in INSIDERS + OUTSIDERS:
        response = api_client(world, persona).get(url)
        if PERSONAS[persona][1] != "revops_admin":
            assert response.status_code == 403, persona
            continue
        tenant = world.tenant if persona in INSIDERS else world.other_tenant
        assert {c["id"] for c in response.json()["results"]} == set(
            spec.model.all_tenants.filter(tenant=tenant).values_list("pk", flat=True)
        ), persona
        if persona in INSIDERS:
            assert_no_leak(
                response.content.decode(), world.forbidden_marks(persona), f"{persona} {url}"
            )


@pytest.mark.parametrize(
    "basename", [b for b in synced_basenames() if hasattr(viewset_of(b), "bulk")]
)  # a read-only feed (the MDF ledger) has no bulk upsert
def test_bulk_upserts_never_change_what_the_caller_may_not(world, basename):
    """Non-writers are refused; writers sending every external id of the other tenant and of rows
    they cannot see change none of those rows."""
    spec, viewset = API_RESOURCES[basename], viewset_of(basename)
    url = reverse(f"{basename}-bulk")
    foreign = [o for o in spec.rows(world)["b"] + spec.rows(world)["a"] if o.external_id]
    assert spec.update is not None
    assert api_client(world, None).post(url, [], format="json").status_code == 401
    for persona in INSIDERS:
        client, visible = api_client(world, persona), visible_ids(world, persona, spec.model)
        records = [
            {**spec.update(world), "external_id": o.external_id}
            for o in foreign
            if o.pk not in visible
        ]
        before = snapshot(spec.model)
        response = client.post(url, {"records": records}, format="json")
        if not may(viewset, PERSONAS[persona][1], write=True):
            assert response.status_code == 403, persona
        else:
            assert response.status_code == 200, persona
            hidden = {
                o.external_id
                for o in foreign
                if o.pk not in visible and o.tenant_id == world.tenant.pk
            }
            for result in response.json()["results"]:
                if result["external_id"] in hidden:
                    assert result["status"] == "error", f"{persona} changed hidden {result}"
        rows_after = {r["id"]: r for r in snapshot(spec.model)}
        for row in before:
            if row["tenant_id"] != world.tenant.pk or row["id"] not in visible:
                assert rows_after.get(row["id"]) == row, f"{persona} changed {basename} {row['id']}"
