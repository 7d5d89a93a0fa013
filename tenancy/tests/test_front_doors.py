import re

import pytest
from django.core import mail
from django.test import Client

from core.models import AuditEvent
from tenancy.forms import GENERIC_LOGIN_ERROR
from tenancy.tests.factories import PASSWORD, MembershipFactory, PartnerFactory

pytestmark = pytest.mark.django_db


def sign_in(client, door, email, password=PASSWORD, **extra):
    return client.post(f"/{door}/", {"email": email, "password": password}, **extra)


@pytest.mark.parametrize(
    ("persona", "door"),
    [
        ("partner_admin", "portal"),
        ("partner_rep", "portal"),
        ("rep", "sales"),
        ("manager", "sales"),
        ("admin", "console"),
    ],
)
def test_each_role_signs_in_at_its_door_and_lands_on_the_tenant_home(world, client, persona, door):
    response = sign_in(client, door, world.users[persona].email)
    assert response.status_code == 302
    response = client.get(response["Location"], follow=True)
    assert response.redirect_chain[-1][0] == f"/{door}/alpha/"
    assert response.status_code == 200
    assert (
        'data-testid="active-tenant" title="Active tenant">Alpha Machines<'
        in response.content.decode()
    )


@pytest.mark.parametrize(
    ("persona", "door"),
    [
        ("partner_admin", "sales"),
        ("partner_rep", "console"),
        ("rep", "console"),
        ("manager", "console"),
        ("admin", "portal"),
    ],
)
def test_a_role_cannot_open_another_door(world, login_as, persona, door):
    response = login_as(persona).get(f"/{door}/alpha/")
    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()
    assert AuditEvent.all_tenants.filter(
        tenant=world.tenant, action="denied", actor=world.users[persona]
    ).exists()


def test_a_tenant_the_user_does_not_belong_to_looks_like_it_does_not_exist(world, login_as):
    client = login_as("admin")
    assert client.get("/console/beta/").status_code == 404
    assert client.get("/console/no-such-tenant/").status_code == 404


def test_anonymous_is_sent_to_the_door_to_sign_in_and_then_back(world, client):
    response = client.get("/console/alpha/audit/")
    assert (
        response.status_code == 302
        and response["Location"] == "/console/?next=%2Fconsole%2Falpha%2Faudit%2F"
    )
    response = client.post(
        "/console/?next=/console/alpha/audit/",
        {
            "email": world.users["admin"].email,
            "password": PASSWORD,
            "next": "/console/alpha/audit/",
        },
    )
    assert response["Location"] == "/console/alpha/audit/"


def test_sign_in_does_not_follow_an_offsite_next(world, client):
    response = client.post(
        "/console/",
        {
            "email": world.users["admin"].email,
            "password": PASSWORD,
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == "/console/"


def test_wrong_password_and_unknown_email_get_the_same_answer(world, client):
    wrong = sign_in(client, "console", world.users["admin"].email, "nope")
    unknown = sign_in(client, "console", "nobody@example.com", "nope")
    assert wrong.status_code == unknown.status_code == 400
    assert GENERIC_LOGIN_ERROR in wrong.content.decode()
    assert GENERIC_LOGIN_ERROR in unknown.content.decode()


def test_failed_sign_ins_are_throttled_per_email_even_with_the_right_password(
    world, client, settings
):
    settings.LOGIN_FAILURE_LIMIT = 3
    email = world.users["admin"].email
    for _ in range(3):
        assert sign_in(client, "console", email, "wrong").status_code == 400
    blocked = sign_in(client, "console", email, PASSWORD)
    assert blocked.status_code == 429
    assert "Too many failed sign-ins" in blocked.content.decode()
    # Unknown emails are throttled the same way, so the lockout reveals nothing.
    for _ in range(3):
        sign_in(client, "console", "ghost@example.com", "wrong")
    assert sign_in(client, "console", "ghost@example.com", "x").status_code == 429
    # Another user is not locked out by someone else's failures.
    assert (
        sign_in(Client(HTTP_HOST="127.0.0.1"), "sales", world.users["rep"].email).status_code == 302
    )


def test_bad_form_input_is_a_form_error_not_a_crash(world, client):
    response = client.post(
        "/console/", {"email": "x" * 300 + "@example.com", "password": "p" * 1000}
    )
    assert response.status_code == 400
    assert "Ensure this value has at most" in response.content.decode()
    assert client.post("/console/", {}).status_code == 400


def test_forms_without_csrf_are_refused(world):
    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    response = sign_in(client, "console", world.users["admin"].email)
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()


def test_sign_ins_and_failures_are_in_the_tenants_audit_log(world, client):
    admin = world.users["admin"]
    sign_in(client, "console", admin.email, "wrong")
    sign_in(client, "console", admin.email)
    log = AuditEvent.all_tenants.filter(tenant=world.tenant, actor_label=admin.email)
    assert set(log.values_list("action", flat=True)) >= {"login", "login_failed"}
    # Unknown emails are logged, but for no tenant: only platform staff see them.
    sign_in(Client(HTTP_HOST="127.0.0.1"), "console", "ghost@example.com", "wrong")
    assert AuditEvent.all_tenants.get(actor_label="ghost@example.com").tenant is None
    assert not AuditEvent.all_tenants.filter(
        tenant=world.other_tenant, actor_label=admin.email
    ).exists()


def test_a_user_of_two_tenants_picks_one_and_each_url_keeps_its_tenant(world, client):
    user = world.users["partner_rep"]
    MembershipFactory.create(
        tenant=world.other_tenant,
        user=user,
        role="partner_rep",
        partner=PartnerFactory.create(tenant=world.other_tenant),
    )
    sign_in(client, "portal", user.email)
    picker = client.get("/portal/")
    assert picker.status_code == 200
    assert "Alpha Machines" in picker.content.decode() and "Beta Pumps" in picker.content.decode()
    alpha, beta = client.get("/portal/alpha/"), client.get("/portal/beta/")
    assert ">Alpha Machines<" in alpha.content.decode() and ">Beta Pumps<" in beta.content.decode()
    assert "Alpha Distribution" not in beta.content.decode()
    # The header offers the switch to the other tenant.
    assert 'href="/portal/beta/"' in alpha.content.decode()


def test_password_reset_mails_a_working_link_only_to_existing_accounts(world, client, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    user = world.users["rep"]
    for _ in range(2):
        sign_in(Client(HTTP_HOST="127.0.0.1"), "sales", user.email, "wrong")
    assert sign_in(Client(HTTP_HOST="127.0.0.1"), "sales", user.email).status_code == 429
    assert (
        client.post("/password-reset/", {"email": "nobody@example.com"})["Location"]
        == "/password-reset/sent/"
    )
    assert mail.outbox == []
    assert (
        client.post("/password-reset/", {"email": user.email})["Location"]
        == "/password-reset/sent/"
    )
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    found = re.search(r"http://[^/]+(/password-reset/\S+/)", str(mail.outbox[0].body))
    assert found, mail.outbox[0].body
    link = found.group(1)
    form_url = client.get(link)["Location"]
    new = "a-brand-new-passphrase-42"
    done = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert done["Location"] == "/password-reset/done/"
    # The reset also lifts the lockout, as the lockout message promises.
    assert sign_in(Client(HTTP_HOST="127.0.0.1"), "sales", user.email, new).status_code == 302


def test_sign_out_needs_a_post(world, login_as):
    client = login_as("admin")
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302
    assert client.get("/console/alpha/").status_code == 302


def test_behind_a_proxy_the_address_throttle_counts_the_real_client(world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.LOGIN_FAILURE_IP_LIMIT = 2
    attacker = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    for i in range(2):
        sign_in(attacker, "console", f"guess{i}@example.com", "wrong")
    assert sign_in(attacker, "console", "guess9@example.com", "wrong").status_code == 429
    # Someone else behind the same proxy is not locked out.
    colleague = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert sign_in(colleague, "console", world.users["admin"].email).status_code == 302
    assert AuditEvent.all_tenants.filter(action="login", detail="from 198.51.100.7").exists()


def test_an_expired_session_leads_back_to_sign_in(world, login_as):
    client = login_as("admin")
    session = client.session
    session.set_expiry(-1)
    session.save()
    response = client.get("/console/alpha/")
    assert response.status_code == 302 and response["Location"].startswith("/console/?next=")
