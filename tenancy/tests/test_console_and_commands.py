import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from core.models import AuditEvent
from tenancy.models import ApiToken, Membership, User
from tenancy.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_issue_api_token_prints_a_key_that_works(world):
    out = StringIO()
    call_command(
        "issue_api_token", "--tenant", "alpha", "--user", world.users["rep"].email, stdout=out
    )
    key = out.getvalue().strip()
    client = APIClient(HTTP_HOST="127.0.0.1")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/me/").json()["email"] == world.users["rep"].email
    # The operator at the shell issued it, not the member it is for: the system acts.
    event = AuditEvent.all_tenants.get(object_type="tenancy.ApiToken", action="create")
    assert event.actor is None and event.actor_label == "system: issue_api_token command"
    assert event.source == "command"


@pytest.mark.parametrize(
    ("tenant", "email", "message"),
    [
        ("nope", "admin@alpha.test", "No tenant with slug 'nope'"),
        ("alpha", "ghost@example.com", "No user with email"),
        ("alpha", "outsider_admin@zzbetaleak.test", "is not an active member of alpha"),
    ],
)
def test_issue_api_token_explains_what_is_wrong(world, tenant, email, message):
    with pytest.raises(CommandError, match=message):
        call_command("issue_api_token", "--tenant", tenant, "--user", email, stdout=StringIO())


def test_console_creates_a_token_shows_it_once_and_revokes_it(world, login_as):
    console = login_as("admin")
    page = console.post("/console/alpha/api-tokens/", {"name": "HubSpot"})
    found = re.search(r'data-testid="new-key">(cb_[^<]+)<', page.content.decode())
    assert found, "the new key is shown once"
    key = found.group(1)
    assert key not in console.get("/console/alpha/api-tokens/").content.decode()
    api = APIClient(HTTP_HOST="127.0.0.1")
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/me/").json()["email"] == world.users["admin"].email
    # Changes made with the token name the person and the token.
    assert api.post("/api/v1/partners/", {"name": "Via token"}, format="json").status_code == 201
    event = AuditEvent.all_tenants.get(object_repr="Via token", action="create")
    assert event.actor == world.users["admin"] and event.credential == f"token {key[:10]}…"
    token = ApiToken.all_tenants.get(name="HubSpot")
    issued = AuditEvent.all_tenants.get(object_type="tenancy.ApiToken", action="create")
    assert issued.actor == world.users["admin"]  # the admin acting in the console
    assert console.post(f"/console/alpha/api-tokens/{token.pk}/revoke/").status_code == 302
    assert api.get("/api/v1/me/").status_code == 401


def test_console_token_form_rejects_bad_names(world, login_as):
    console = login_as("admin")
    response = console.post("/console/alpha/api-tokens/", {"name": "n" * 101})
    assert response.status_code == 400
    assert not ApiToken.all_tenants.exists()


def test_the_audit_log_page_shows_this_tenants_events_and_filters_them(world, login_as, client):
    client.post("/console/", {"email": world.users["rep"].email, "password": "wrong"})
    client.post("/console/", {"email": world.users["outsider_admin"].email, "password": "wrong"})
    page = login_as("admin").get("/console/alpha/audit/?action=login_failed").content.decode()
    assert world.users["rep"].email in page
    assert "zzbetaleak" not in page
    filtered = login_as("admin").get("/console/alpha/audit/?q=nobody-matches-this").content.decode()
    assert world.users["rep"].email not in filtered


def test_platform_superusers_use_the_admin_across_tenants(world, client):
    root = User.objects.create_superuser(email="root@platform.test", password="pw-for-root-123")
    client.force_login(root)
    page = client.get("/admin/tenancy/partner/")
    assert page.status_code == 200
    assert "zzbetaleak" in page.content.decode() and "zzfirstpartner" in page.content.decode()
    assert client.get(f"/admin/tenancy/partner/{world.partner.pk}/change/").status_code == 200


def test_membership_rules_are_enforced_by_the_database(world):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.all_tenants.create(
            tenant=world.tenant, user=UserFactory.create(), role="partner_rep"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.all_tenants.create(
            tenant=world.tenant, user=UserFactory.create(), role="direct_rep", partner=world.partner
        )
