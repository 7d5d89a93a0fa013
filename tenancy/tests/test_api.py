import re

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tenancy.models import ApiToken, Partner
from tenancy.services import issue_api_token, revoke_api_token
from tenancy.tests.factories import PASSWORD, MembershipFactory, PartnerFactory

pytestmark = pytest.mark.django_db


def anonymous() -> APIClient:
    return APIClient(HTTP_HOST="127.0.0.1")


def test_me_says_who_the_token_acts_for_and_in_which_tenant(world, api_as):
    body = api_as("partner_rep").get("/api/v1/me/").json()
    assert body["tenant"]["slug"] == "alpha"
    assert body["role"] == "partner_rep"
    assert body["partner"]["id"] == world.partner.pk
    assert body["auth"] == "token"


@pytest.mark.parametrize(
    "header",
    [
        "Token cb_not-a-real-key",
        "Token",
        "Token a b",
        "Bearer xyz",
        "Token " + "x" * 500,
        "Token \u00e9\u00e9",
    ],
)
def test_bad_credentials_get_401_with_an_error_body(world, header):
    client = anonymous()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert set(response.json()) == {"code", "detail", "fields"}
    assert response["WWW-Authenticate"] == "Token"


def test_no_credentials_is_401(world):
    response = anonymous().get("/api/v1/partners/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_revoked_token_stops_working_and_use_is_recorded(world, api_as):
    client = api_as("admin")
    assert client.get("/api/v1/me/").status_code == 200
    token = ApiToken.all_tenants.get(user=world.users["admin"])
    assert token.last_used_at is not None and token.last_used_at <= timezone.now()
    revoke_api_token(token, acting=world.membership("admin"))
    assert client.get("/api/v1/me/").status_code == 401


def test_a_token_stops_working_when_its_user_leaves_the_tenant(world, api_as):
    client = api_as("rep")
    from tenancy.models import Membership

    Membership.all_tenants.filter(user=world.users["rep"]).update(is_active=False)
    assert client.get("/api/v1/me/").status_code == 401


def test_tokens_are_stored_hashed_and_shown_once(world):
    token, key = issue_api_token(
        tenant=world.tenant,
        user=world.users["admin"],
        name="Salesforce",
        acting=world.membership("admin"),
    )
    assert key.startswith("cb_") and key not in (token.key_hash, token.key_prefix)
    assert token.key_hash == ApiToken.hash_key(key)


def test_a_token_cannot_be_issued_to_a_non_member(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        issue_api_token(
            tenant=world.tenant,
            user=world.users["outsider_admin"],
            name="x",
            acting=world.membership("admin"),
        )


def test_a_token_is_bound_to_its_tenant_whatever_the_headers_say(world, api_as):
    client = api_as("admin")
    response = client.get("/api/v1/partners/", HTTP_X_TENANT="beta")
    assert response.status_code == 400
    assert "X-Tenant" in response.json()["fields"]


def test_the_tenant_in_a_body_is_ignored(world, api_as):
    response = api_as("admin").post(
        "/api/v1/partners/",
        {"name": "New Dist", "tier": "gold", "tenant": world.other_tenant.pk},
        format="json",
    )
    assert response.status_code == 201
    assert Partner.all_tenants.get(pk=response.json()["id"]).tenant == world.tenant


def test_partners_crud_for_admins(world, api_as):
    client = api_as("admin")
    created = client.post(
        "/api/v1/partners/", {"name": "Delta Supply", "tier": "silver"}, format="json"
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    patched = client.patch(f"/api/v1/partners/{pk}/", {"tier": "platinum"}, format="json")
    assert patched.status_code == 200 and patched.json()["tier"] == "platinum"
    assert client.delete(f"/api/v1/partners/{pk}/").status_code == 204
    assert not Partner.all_tenants.filter(pk=pk).exists()


def test_deleting_a_partner_that_has_users_is_a_conflict(world, api_as):
    response = api_as("admin").delete(f"/api/v1/partners/{world.partner.pk}/")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_validation_errors_name_the_field(world, api_as):
    client = api_as("admin")
    response = client.post(
        "/api/v1/partners/", {"name": "x" * 300, "tier": "diamond"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"name", "tier"}
    duplicate = client.post("/api/v1/partners/", {"name": world.partner.name}, format="json")
    assert duplicate.status_code == 400
    assert duplicate.json()["fields"]["name"] == ["A partner with this name already exists."]
    # The same name in another tenant is fine: uniqueness is per tenant.
    assert (
        client.post(
            "/api/v1/partners/", {"name": "Beta Partner zzbetaleak"}, format="json"
        ).status_code
        == 201
    )


def test_malformed_json_is_a_400(world, api_as):
    response = api_as("admin").generic(
        "POST", "/api/v1/partners/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_partner_users_see_only_their_own_partner_and_no_teams(world, api_as):
    client = api_as("partner_rep")
    names = [p["name"] for p in client.get("/api/v1/partners/").json()["results"]]
    assert names == [world.partner.name]
    assert client.get(f"/api/v1/partners/{world.other_partner.pk}/").status_code == 404
    assert client.get("/api/v1/teams/").json()["results"] == []
    assert (
        client.patch(
            f"/api/v1/partners/{world.partner.pk}/", {"tier": "platinum"}, format="json"
        ).status_code
        == 403
    )
    world.partner.refresh_from_db()
    assert world.partner.tier == "gold"


def test_objects_of_another_tenant_are_404(world, api_as):
    other = world.orgs["b_partner"]
    client = api_as("admin")
    response = client.get(f"/api/v1/partners/{other.pk}/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert (
        client.patch(
            f"/api/v1/partners/{other.pk}/", {"name": "hijacked"}, format="json"
        ).status_code
        == 404
    )
    assert client.delete(f"/api/v1/partners/{other.pk}/").status_code == 404
    other.refresh_from_db()
    assert other.name.startswith("Beta Partner")


def test_users_is_for_admins_only(world, api_as):
    assert api_as("manager").get("/api/v1/users/").status_code == 403
    emails = {u["email"] for u in api_as("admin").get("/api/v1/users/").json()["results"]}
    assert world.users["partner_rep"].email in emails
    assert not any("zzbetaleak" in e for e in emails)


def test_filters_and_updated_since(world, api_as):
    client = api_as("admin")
    assert [
        p["name"] for p in client.get("/api/v1/partners/?name__icontains=rival").json()["results"]
    ] == [world.other_partner.name]
    Partner.all_tenants.filter(pk=world.partner.pk).update(updated_at="2020-01-01T00:00:00Z")
    recent = client.get("/api/v1/partners/?updated_since=2021-01-01T00:00:00Z").json()["results"]
    assert world.partner.pk not in [p["id"] for p in recent] and recent
    bad = client.get("/api/v1/partners/?updated_since=yesterday")
    assert bad.status_code == 400 and "updated_since" in bad.json()["fields"]


def test_cursor_pagination_walks_every_row_once(world, api_as):
    for i in range(7):
        PartnerFactory.create(tenant=world.tenant, name=f"Bulk {i}")
    client = api_as("admin")
    url, seen = "/api/v1/partners/?page_size=3", []
    while url:
        page = client.get(url).json()
        seen += [p["id"] for p in page["results"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == 9


def test_the_browser_uses_the_session_with_csrf(world):
    client = APIClient(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    assert client.login(username=world.users["admin"].email, password=PASSWORD)
    assert client.get("/api/v1/me/").json()["auth"] == "session"
    response = client.post("/api/v1/partners/", {"name": "No CSRF"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_a_session_user_of_two_tenants_names_the_tenant(world):
    user = world.users["admin"]
    MembershipFactory.create(tenant=world.other_tenant, user=user, role="revops_admin")
    client = APIClient(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    assert client.get("/api/v1/me/").status_code == 400
    assert client.get("/api/v1/me/", HTTP_X_TENANT="beta").json()["tenant"]["slug"] == "beta"
    assert client.get("/api/v1/me/", HTTP_X_TENANT="nope").status_code == 404


def test_schema_and_docs_are_served_offline(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/partners/" in schema.content
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs and "cdn" not in docs.lower() and "//unpkg" not in docs
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', docs)
    assert assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
