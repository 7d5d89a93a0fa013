"""Offers' public landing pages: /o/<tenant>/<publication key>/, co-branded per partner, with a
response form that becomes a lead, a campaign response and a touch."""

from __future__ import annotations

import datetime
import time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from campaigns import services
from campaigns.models import PageViews
from campaigns.tests.factories import PNG, CampaignFactory, OfferFactory, RoiOfferFactory
from core.tenancy import tenant_scope
from pipeline.models import CampaignResponse, Lead, Touch
from routing import landing, public

pytestmark = pytest.mark.django_db

SITE = "https://www.alpha-distribution.example"


@pytest.fixture
def a(world):
    with tenant_scope(world.tenant):
        yield world


@pytest.fixture
def browser() -> Client:
    return Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)


def brand(a) -> None:
    services.save_cobrand_profile(
        a.partner,
        acting=a.membership("partner_admin"),
        logo=SimpleUploadedFile("logo.png", PNG),
        primary_colour="#0B7A3E",
        contact_name="Pat Partner",
        contact_email="pat@alpha.example",
        website=SITE,
        service_area="Bavaria and Austria",
        legal_line="Alpha Distribution GmbH, HRB 4711",
    )


def published(a, offer, partner="partner"):
    org = a.partner if partner == "partner" else None
    return services.publish_offer(offer, org, acting=a.membership("admin"))


def url_of(a, page) -> str:
    return f"/o/{a.tenant.slug}/{page.key}/"


def token_of(page_html: str) -> str:
    marker = f'name="{public.TOKEN_FIELD}" value="'
    start = page_html.index(marker) + len(marker)
    return page_html[start : page_html.index('"', start)]


def aged(a, page, seconds: float = 10) -> str:
    """A token of the page served `seconds` ago (a person takes a while to fill the form)."""
    found = landing.live_page(a.tenant.slug, page.key)
    assert found is not None
    return public.issue_token(found.channel, issued_at=time.time() - seconds)


def filled(a, page, **fields) -> dict:
    return {
        "name": "Eva Maria Berger",
        "email": "eva@berger-bau.example",
        "company": "Berger Bau",
        "country": "Austria",
        "postal_code": "1010",
        "message": "We run six presses.",
        public.TOKEN_FIELD: aged(a, page),
        **fields,
    }


def test_a_partners_page_shows_the_offer_and_the_partners_own_details_only(a, browser):
    brand(a)
    offer = OfferFactory(tenant=a.tenant, name="Press line assessment", summary="Two days")
    OfferFactory(tenant=a.tenant, name="Secret other offer")
    page = published(a, offer)
    response = browser.get(url_of(a, page))
    assert response.status_code == 200
    html = response.content.decode()
    for shown in (
        "Press line assessment",
        "Two days",
        "Alpha Distribution GmbH, HRB 4711",
        "Pat Partner",
    ):
        assert shown in html
    assert "Secret other offer" not in html and "zzrivalleak" not in html
    assert "<script" not in html
    assert f"frame-ancestors {SITE}" in response["Content-Security-Policy"]
    logo = browser.get(f"{url_of(a, page)}logo/")
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"
    assert logo["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("change", ["unpublished", "retired", "ended", "tier", "unknown key"])
def test_a_page_that_is_not_live_answers_the_same_404(a, browser, change):
    brand(a)
    offer = OfferFactory(tenant=a.tenant)
    page = published(a, offer)
    assert browser.get(url_of(a, page)).status_code == 200  # and now kept in the cache
    if change == "unpublished":
        services.unpublish_offer(page, acting=a.membership("admin"))
    elif change == "retired":
        services.save_offer(offer, tenant=a.tenant, acting=a.membership("admin"), status="retired")
    elif change == "ended":
        services.save_offer(
            offer,
            tenant=a.tenant,
            acting=a.membership("admin"),
            valid_from=datetime.date(2020, 1, 1),
            valid_until=datetime.date(2020, 12, 31),
        )
    elif change == "tier":
        services.save_offer(
            offer, tenant=a.tenant, acting=a.membership("admin"), partner_tiers=["platinum"]
        )
    else:
        page.key = "no-such-page-key"
    response = browser.get(url_of(a, page))
    assert response.status_code == 404
    assert "This page is not available." in response.content.decode()


def test_a_change_to_the_profile_shows_on_the_next_view(a, browser):
    brand(a)
    page = published(a, OfferFactory(tenant=a.tenant))
    assert "HRB 4711" in browser.get(url_of(a, page)).content.decode()
    services.save_cobrand_profile(
        a.partner, acting=a.membership("partner_admin"), legal_line="Alpha Distribution AG"
    )
    html = browser.get(url_of(a, page)).content.decode()
    assert "Alpha Distribution AG" in html and "HRB 4711" not in html


def test_every_visitor_gets_a_token_of_their_own_and_views_are_counted(a, browser):
    page = published(a, OfferFactory(tenant=a.tenant), partner=None)
    first = browser.get(url_of(a, page)).content.decode()
    second = browser.get(url_of(a, page)).content.decode()
    assert token_of(first) != token_of(second)
    assert PageViews.objects.get(publication=page).views == 2


def test_a_response_becomes_a_partner_lead_with_offer_campaign_response_and_touch(a, browser):
    brand(a)
    offer = OfferFactory(tenant=a.tenant, name="Press line assessment")
    campaign = CampaignFactory(tenant=a.tenant, direct=False, partner_mode="all")
    services.set_campaign_offers(campaign, [offer], acting=a.membership("admin"))
    page = published(a, offer)
    response = browser.post(url_of(a, page), filled(a, page))
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    lead = Lead.objects.get(email="eva@berger-bau.example")
    assert lead.offer_id == offer.pk and lead.campaign_id == campaign.pk
    assert lead.submitted_by_partner_id == a.partner.pk
    answer = CampaignResponse.objects.get(lead=lead)
    assert answer.partner_id == a.partner.pk and answer.kind == "landing_page"
    assert answer.campaign_id == campaign.pk and answer.offer_id == offer.pk
    assert Touch.objects.filter(campaign=campaign, offer=offer, actor_partner=a.partner).exists()


def test_the_roi_calculator_computes_for_the_visitor_and_the_result_travels_with_the_lead(
    a, browser
):
    offer = RoiOfferFactory(tenant=a.tenant, name="Downtime calculator")
    page = published(a, offer, partner=None)
    html = browser.get(url_of(a, page)).content.decode()
    token = token_of(html)
    calculated = browser.post(
        url_of(a, page),
        {"action": "calculate", "roi_hours": "100", "roi_rate": "1,500", public.TOKEN_FIELD: token},
    )
    assert calculated.status_code == 200
    assert "138,000.00" in calculated.content.decode()  # 100 x 1500 - 12000
    assert not Lead.objects.exists()

    bad = browser.post(
        url_of(a, page), {"action": "calculate", "roi_hours": "many", public.TOKEN_FIELD: token}
    )
    assert bad.status_code == 400
    assert "Give Downtime hours avoided as a number." in bad.content.decode()

    browser.post(url_of(a, page), filled(a, page, roi_hours="100", roi_rate="1500"))
    lead = Lead.objects.get()
    assert "ROI estimate from Downtime calculator: 138,000.00" in lead.message
    assert CampaignResponse.objects.get().roi_result == Decimal("138000.00")


def test_a_bot_filling_the_honeypot_is_thanked_and_nothing_is_stored(a, browser):
    page = published(a, OfferFactory(tenant=a.tenant), partner=None)
    response = browser.post(url_of(a, page), filled(a, page, website="http://spam.example"))
    assert response.status_code == 200 and "Thank you" in response.content.decode()
    assert not Lead.objects.exists() and not CampaignResponse.objects.exists()


def test_a_bad_response_keeps_what_was_typed_and_stores_nothing(a, browser):
    page = published(a, OfferFactory(tenant=a.tenant), partner=None)
    response = browser.post(url_of(a, page), filled(a, page, email="not-an-email", phone=""))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Berger Bau" in html and 'aria-invalid="true"' in html
    assert not Lead.objects.exists() and not CampaignResponse.objects.exists()


@pytest.mark.parametrize(
    ("accept", "shown"),
    [
        ("de-AT,de;q=0.9,en;q=0.5", "Jetzt Termin buchen."),
        ("fr-FR", "Book a visit."),
        ("", "Book a visit."),
    ],
)
def test_a_visitor_reads_the_copy_in_their_language(a, browser, accept, shown):
    offer = OfferFactory(
        tenant=a.tenant, copy={"en": "Book a visit.", "de": "Jetzt Termin buchen."}
    )
    page = published(a, offer, partner=None)
    browser.get(url_of(a, page), HTTP_ACCEPT_LANGUAGE="de")  # kept in German first
    html = browser.get(url_of(a, page), HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    assert shown in html
    other = {"Book a visit.", "Jetzt Termin buchen."} - {shown}
    assert other.pop() not in html
