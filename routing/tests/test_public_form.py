"""The public web-to-lead form: /f/<tenant>/<form key>/, no sign-in, embeddable."""

from __future__ import annotations

import time

import pytest
from django.test import Client, RequestFactory

from pipeline.models import Lead
from routing import leadforms, public
from routing.models import LeadForm
from routing.tests.factories import LeadFormFactory, publish_rulebook

pytestmark = pytest.mark.django_db

SITE = "https://www.dealer.example"


@pytest.fixture
def form(world):
    return LeadFormFactory.create(
        tenant=world.tenant,
        name="Contact the dealer",
        partner=world.partner,
        allowed_origins=[SITE],
        thank_you="Thanks! A dealer near you calls back today.",
    )


@pytest.fixture
def browser() -> Client:
    return Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)


def url_of(form: LeadForm) -> str:
    return f"/f/{form.tenant.slug}/{form.key}/"


def aged_token(form: LeadForm, seconds: float = 10) -> str:
    """A token of a page served `seconds` ago (a person takes a while to fill the form)."""
    return public.issue_token(form, issued_at=time.time() - seconds)


def filled(form: LeadForm, **fields) -> dict:
    return {
        "name": "Eva Maria Berger",
        "email": "eva@berger-bau.example",
        "company": "Berger Bau",
        "country": "Austria",
        "postal_code": "1010",
        "product_interest": ["hydraulics"],
        "message": "We need two excavators.",
        public.TOKEN_FIELD: aged_token(form),
        **fields,
    }


def test_the_form_page_is_self_contained_and_framable_only_by_its_sites(world, form, browser):
    response = browser.get(url_of(form))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Contact the dealer" in page and "Alpha Machines" in page
    assert 'value="hydraulics"' in page and "Hydraulics" in page
    assert f'name="{public.HONEYPOT}"' in page and f'name="{public.TOKEN_FIELD}"' in page
    assert "<script" not in page and "src=" not in page and "href=" not in page
    policy = response["Content-Security-Policy"]
    assert f"frame-ancestors {SITE}" in policy and "form-action 'self'" in policy
    assert "X-Frame-Options" not in response
    assert "Set-Cookie" not in response  # no session, nothing to steal
    assert response["Cache-Control"] == "no-store"

    form.allowed_origins = []
    form.save()
    closed = browser.get(url_of(form))
    assert "frame-ancestors 'none'" in closed["Content-Security-Policy"]
    assert closed["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("which", ["tenant", "key", "inactive", "partner gone", "other tenant"])
def test_an_unavailable_form_is_404_without_saying_why(world, form, browser, which):
    url = url_of(form)
    if which == "tenant":
        url = f"/f/no-such-tenant/{form.key}/"
    elif which == "key":
        url = f"/f/{form.tenant.slug}/nosuchkey/"
    elif which == "inactive":
        form.is_active = False
        form.save()
    elif which == "partner gone":
        world.partner.status = "inactive"
        world.partner.save()
    else:
        url = f"/f/{world.other_tenant.slug}/{form.key}/"
    for response in (browser.get(url), browser.post(url, filled(form))):
        assert response.status_code == 404
        assert "This form is not available." in response.content.decode()
    assert browser.get("/f/").status_code == 404
    assert not Lead.all_tenants.exists()


def test_a_submission_is_stored_as_the_partners_web_lead_and_routed(
    world, form, browser, django_capture_on_commit_callbacks
):
    publish_rulebook(
        world.tenant, admin=world.users["admin"], team=world.orgs["team"], partner=world.partner
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(url_of(form), filled(form, **{public.HONEYPOT: ""}))
    assert response.status_code == 200
    assert "A dealer near you calls back today." in response.content.decode()
    lead = Lead.all_tenants.get()
    assert (lead.first_name, lead.last_name, lead.company) == ("Eva Maria", "Berger", "Berger Bau")
    assert lead.source == "web_form" and lead.source_detail == "Contact the dealer"
    assert lead.submitted_by_partner == world.partner and lead.submitted_by_user is None
    assert lead.product_interest == ["hydraulics"] and lead.priority == "normal"
    assert lead.status == "routed" and lead.assigned_partner == world.partner


def test_the_forms_source_detail_and_priority_go_with_its_leads(world, form, browser):
    form.source_detail, form.priority = "Bauma 2026 stand", "high"
    form.save()
    browser.post(url_of(form), filled(form))
    lead = Lead.all_tenants.get()
    assert (lead.source_detail, lead.priority) == ("Bauma 2026 stand", "high")


def test_bots_are_answered_like_people_and_stored_nowhere(world, form, browser):
    honeypot = browser.post(url_of(form), filled(form, **{public.HONEYPOT: "http://spam"}))
    too_fast = browser.post(
        url_of(form), filled(form, **{public.TOKEN_FIELD: public.issue_token(form)})
    )
    for response in (honeypot, too_fast):
        assert response.status_code == 200
        assert "A dealer near you calls back today." in response.content.decode()
    assert not Lead.all_tenants.exists()


def test_a_page_sent_twice_stores_one_lead(world, form, browser):
    data = filled(form)
    first, second = browser.post(url_of(form), data), browser.post(url_of(form), data)
    assert first.status_code == second.status_code == 200
    assert Lead.all_tenants.count() == 1


@pytest.mark.parametrize("token", ["", "forged:token", "x" * 600, "expired"])
def test_a_missing_forged_or_expired_token_asks_to_send_again(world, form, browser, token):
    if token == "expired":
        token = aged_token(form, seconds=2 * 24 * 3600)
    response = browser.post(url_of(form), filled(form, **{public.TOKEN_FIELD: token}))
    assert response.status_code == 400
    page = response.content.decode()
    assert "send it again" in page and 'value="Berger Bau"' in page
    assert not Lead.all_tenants.exists()


def test_a_token_of_another_form_is_refused(world, form, browser):
    other = LeadFormFactory.create(tenant=world.tenant)
    response = browser.post(url_of(form), filled(form, **{public.TOKEN_FIELD: aged_token(other)}))
    assert response.status_code == 400 and not Lead.all_tenants.exists()


def test_errors_are_shown_by_the_field_and_the_corrected_form_goes_through(world, form, browser):
    data = filled(form, email="eva@", phone="call me", product_interest=["nope"])
    response = browser.post(url_of(form), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="err_email"' in page and 'id="err_phone"' in page
    assert 'id="err_product_interest"' in page
    assert 'value="Eva Maria Berger"' in page  # what was typed stays
    assert not Lead.all_tenants.exists()
    corrected = {**data, "email": "eva@berger-bau.example", "phone": "", "product_interest": []}
    assert browser.post(url_of(form), corrected).status_code == 200  # the same token
    assert Lead.all_tenants.count() == 1


def test_nothing_to_reach_the_person_by_is_an_error(world, form, browser):
    response = browser.post(url_of(form), filled(form, email="", company=""))
    assert response.status_code == 400
    assert "a name and a company" in response.content.decode()


def test_submissions_are_limited_per_address_and_form(world, form):
    crowd = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="203.0.113.7")
    spam = filled(form, **{public.HONEYPOT: "x"})
    for _ in range(public.RATE_LIMIT):
        assert crowd.post(url_of(form), spam).status_code == 200
    blocked = crowd.post(url_of(form), filled(form))
    assert blocked.status_code == 429 and blocked["Retry-After"] == "3600"
    assert "try again" in blocked.content.decode()
    other_address = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="203.0.113.8")
    assert other_address.post(url_of(form), filled(form)).status_code == 200
    other_form = LeadFormFactory.create(tenant=world.tenant)
    assert crowd.post(url_of(other_form), filled(other_form)).status_code == 200
    assert Lead.all_tenants.count() == 2


def test_a_site_can_post_json_with_cors(world, form, browser):
    preflight = browser.options(
        url_of(form),
        HTTP_ORIGIN=SITE,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == SITE
    assert "POST" in preflight["Access-Control-Allow-Methods"]
    stranger = browser.options(url_of(form), HTTP_ORIGIN="https://evil.example")
    assert stranger.status_code == 403 and "Access-Control-Allow-Origin" not in stranger

    started = browser.get(url_of(form), HTTP_ACCEPT="application/json", HTTP_ORIGIN=SITE)
    assert started["Access-Control-Allow-Origin"] == SITE
    start = started.json()
    assert start["token_field"] == public.TOKEN_FIELD
    assert start["product_lines"] == [{"code": "hydraulics", "name": "Hydraulics"}]

    body = {
        "first_name": "Jan",
        "last_name": "Novak",
        "phone": "+420 601 123 456",
        "product_interest": "hydraulics",
        public.TOKEN_FIELD: aged_token(form),
    }
    posted = browser.post(url_of(form), body, content_type="application/json", HTTP_ORIGIN=SITE)
    assert posted.status_code == 201
    assert posted.json() == {"status": "received", "message": form.thank_you}
    assert posted["Access-Control-Allow-Origin"] == SITE
    lead = Lead.all_tenants.get()
    assert (lead.first_name, lead.last_name, lead.product_interest) == (
        "Jan",
        "Novak",
        ["hydraulics"],
    )


def test_json_refusals_come_in_the_api_error_shape(world, form, browser):
    def post(body, **headers):
        return browser.post(url_of(form), body, content_type="application/json", **headers)

    evil = post({"email": "a@b.example"}, HTTP_ORIGIN="https://evil.example")
    assert evil.status_code == 403 and evil.json()["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in evil
    assert post([1, 2]).json()["code"] == "invalid"
    expired = post({"email": "a@b.example", public.TOKEN_FIELD: "nope"})
    assert expired.status_code == 400 and expired.json()["code"] == "form_token"
    invalid = post({"email": "bad", "name": ["x"], public.TOKEN_FIELD: aged_token(form)})
    assert invalid.status_code == 400
    assert set(invalid.json()["fields"]) == {"email", "name"}
    assert browser.delete(url_of(form)).status_code == 405
    assert not Lead.all_tenants.exists()


def test_the_embed_snippet_frames_the_public_url(world, form, settings):
    settings.ALLOWED_HOSTS = ["leads.example.com"]
    request = RequestFactory(HTTP_HOST="leads.example.com").get("/")
    snippet = leadforms.embed_snippet(request, form)
    assert snippet.startswith(
        f'<iframe src="http://leads.example.com/f/alpha/{form.key}/" title="Contact the dealer"'
    )


def test_stored_origins_that_are_not_origins_never_reach_the_headers(world, form, browser):
    LeadForm.all_tenants.filter(pk=form.pk).update(
        allowed_origins=["https://ok.example", "https://x.example; script-src *", 42]
    )
    policy = browser.get(url_of(form))["Content-Security-Policy"]
    assert policy.endswith("frame-ancestors https://ok.example")
