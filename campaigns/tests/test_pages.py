"""Campaigns' pages as their users see them: the console's offer form with the services' messages
on its fields, a partner admin's co-branding (a text file for a logo refused, nothing saved),
publishing refused with everything that is missing, then allowed; reps read only; a rival partner
never reaches another partner's pages; the home queues."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaigns.models import Campaign, CoBrandProfile, Offer, OfferAsset, OfferPublication
from campaigns.tests.factories import (
    GIF,
    PNG,
    CampaignFactory,
    CoBrandProfileFactory,
    OfferFactory,
)
from campaigns.views import CAMPAIGN_SECTIONS, register_campaign_section
from core.tenancy import tenant_scope
from tenancy.sections import Section

pytestmark = pytest.mark.django_db


def _url(world, name: str, *args) -> str:
    return reverse(name, args=[world.tenant.slug, *args])


def _offer_data(**changes) -> dict:
    data = {
        "name": "Fleet ROI",
        "kind": "roi_calculator",
        "status": "published",
        "routes": ["direct", "partner"],
        "roi_inputs": json.dumps(
            [
                {"key": "hours", "label": "Hours saved", "unit": "h", "default": 40},
                {"key": "rate", "label": "Cost per hour", "unit": "EUR", "default": 90},
            ]
        ),
        "roi_formula": "hours * rate",
    }
    return {**data, **changes}


def test_an_admin_creates_an_offer_and_a_bad_formula_is_named_beside_its_field(world, login_as):
    admin = login_as("admin")
    refused = admin.post(_url(world, "console:offer-new"), _offer_data(roi_formula="hours ** 2"))
    assert refused.status_code == 400
    form = refused.context["form"]
    assert form.errors["roi_formula"], form.errors
    assert "Nothing was saved" in refused.content.decode()

    broken_json = admin.post(_url(world, "console:offer-new"), _offer_data(roi_inputs="[{"))
    assert broken_json.status_code == 400
    assert "not valid JSON" in broken_json.context["form"].errors["roi_inputs"][0]

    ended = admin.post(
        _url(world, "console:offer-new"),
        _offer_data(valid_from="2026-05-01", valid_until="2026-04-01"),
    )
    assert ended.context["form"].errors["valid_until"] == ["The offer cannot end before it starts."]
    with tenant_scope(world.tenant):
        assert not Offer.objects.exists()

    saved = admin.post(_url(world, "console:offer-new"), _offer_data())
    assert saved.status_code == 302
    with tenant_scope(world.tenant):
        offer = Offer.objects.get()
    assert offer.roi_formula == "hours * rate" and offer.roi_inputs[0]["key"] == "hours"
    page = admin.get(saved["Location"]).content.decode()
    assert "Fleet ROI" in page and "hours * rate" in page


def test_the_console_adds_and_deletes_assets_and_refuses_a_bad_file(world, login_as):
    offer = OfferFactory(tenant=world.tenant, name="Assessment kit")
    admin = login_as("admin")
    add = _url(world, "console:offer-asset-add", offer.pk)
    refused = admin.post(
        add,
        {"kind": "image", "title": "Banner", "file": SimpleUploadedFile("b.png", b"not an image")},
        follow=True,
    )
    assert "Nothing was added" in refused.content.decode()
    admin.post(add, {"kind": "image", "title": "Banner", "file": SimpleUploadedFile("b.gif", GIF)})
    admin.post(add, {"kind": "copy", "title": "Intro", "language": "en", "text": "Book now"})
    with tenant_scope(world.tenant):
        assert sorted(offer.assets.values_list("title", flat=True)) == ["Banner", "Intro"]
        banner = offer.assets.get(title="Banner")
    download = admin.get(_url(world, "console:offer-asset", offer.pk, banner.pk))
    assert download.status_code == 200 and b"".join(download.streaming_content) == GIF
    admin.post(_url(world, "console:offer-asset-delete", offer.pk, banner.pk))
    with tenant_scope(world.tenant):
        assert not OfferAsset.objects.filter(pk=banner.pk).exists()


def test_a_text_file_as_a_logo_is_refused_and_nothing_is_saved(world, login_as):
    admin = login_as("partner_admin")
    response = admin.post(
        _url(world, "portal:cobrand"),
        {
            "logo": SimpleUploadedFile("logo.png", b"just some text"),
            "primary_colour": "#1A73E8",
            "contact_name": "Pat",
        },
    )
    assert response.status_code == 400
    assert "this is not a file we accept" in response.context["form"].errors["logo"][0]
    with tenant_scope(world.tenant):
        assert not CoBrandProfile.objects.exists()

    bad_colour = admin.post(
        _url(world, "portal:cobrand"), {"primary_colour": "blue", "contact_name": "Pat"}
    )
    assert "# and six hex digits" in bad_colour.context["form"].errors["primary_colour"][0]
    with tenant_scope(world.tenant):
        assert not CoBrandProfile.objects.exists()


def test_publishing_is_refused_with_what_is_missing_then_allowed(world, login_as):
    offer = OfferFactory(tenant=world.tenant, name="Pilot kit")
    admin = login_as("partner_admin")
    listing = admin.get(_url(world, "portal:offers")).content.decode()
    assert "Pilot kit" in listing and "a logo" in listing and "Complete your co-branding" in listing

    refused = admin.post(_url(world, "portal:offer-publish", offer.pk), follow=True)
    text = refused.content.decode()
    assert "was not published" in text and "a logo" in text and "the area you serve" in text
    with tenant_scope(world.tenant):
        assert not OfferPublication.objects.exists()

    saved = admin.post(
        _url(world, "portal:cobrand"),
        {
            "logo": SimpleUploadedFile("logo.png", PNG),
            "primary_colour": "#1A73E8",
            "contact_name": "Pat",
            "contact_email": "pat@partner.example",
            "service_area": "Bavaria",
            "legal_line": "Partner GmbH",
        },
    )
    assert saved.status_code == 302
    assert "Offers you could publish" in admin.get(_url(world, "portal:home")).content.decode()
    published = admin.post(
        _url(world, "portal:offer-publish", offer.pk), {"back": "list"}, follow=True
    )
    page = published.content.decode()
    assert "is published" in page and "<iframe" in page  # the embed snippet, escaped
    with tenant_scope(world.tenant):
        publication = OfferPublication.objects.get()
    assert (
        reverse(
            "public-offer-page", kwargs={"tenant_slug": world.tenant.slug, "key": publication.key}
        )
        in page
    )
    assert publication.partner == world.partner
    logo = admin.get(_url(world, "portal:cobrand-logo", CoBrandProfile.all_tenants.get().pk))
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"

    # The rival sees neither the page nor the profile, and cannot unpublish it.
    rival = login_as("rival_partner_admin")
    assert "Partner GmbH" not in rival.get(_url(world, "portal:cobrand")).content.decode()
    assert (
        rival.post(_url(world, "portal:publication-unpublish", publication.pk)).status_code == 404
    )
    assert rival.get(_url(world, "portal:cobrand-logo", logo_pk(world))).status_code == 404

    # A rep reads only: no button, and a forged POST is refused with a message.
    rep = login_as("partner_rep")
    assert 'data-testid="unpublish"' not in rep.get(_url(world, "portal:offers")).content.decode()
    refused = rep.post(_url(world, "portal:publication-unpublish", publication.pk), follow=True)
    assert "Not unpublished" in refused.content.decode()
    publication.refresh_from_db()
    assert publication.is_active

    admin.post(_url(world, "portal:publication-unpublish", publication.pk))
    publication.refresh_from_db()
    assert not publication.is_active


def logo_pk(world) -> int:
    return CoBrandProfile.all_tenants.get(partner=world.partner).pk


def test_a_rep_cannot_publish_or_change_the_profile(world, login_as):
    CoBrandProfileFactory(tenant=world.tenant, partner=world.partner, logo="x/logo")
    offer = OfferFactory(tenant=world.tenant)
    rep = login_as("partner_rep")
    page = rep.get(_url(world, "portal:offers")).content.decode()
    assert 'data-testid="publish"' not in page
    assert "Your partner's admins can publish it" in page
    refused = rep.post(_url(world, "portal:offer-publish", offer.pk), follow=True)
    assert "was not published" in refused.content.decode()
    profile = rep.get(_url(world, "portal:cobrand"))
    assert 'data-testid="cobrand-form"' not in profile.content.decode()
    changed = rep.post(_url(world, "portal:cobrand"), {"contact_name": "Rep"})
    assert changed.status_code == 400
    with tenant_scope(world.tenant):
        assert not OfferPublication.objects.exists()
        assert CoBrandProfile.objects.get().contact_name == "Pat Partner"


def test_a_rival_partner_gets_404_on_a_campaign_it_does_not_run(world, login_as):
    campaign = CampaignFactory(
        tenant=world.tenant, name="Named push", direct=False, partner_mode="named", budget=4321
    )
    with tenant_scope(world.tenant):
        campaign.partner_links.create(tenant=world.tenant, partner=world.partner)
    mine = login_as("partner_admin").get(_url(world, "portal:campaign", campaign.pk))
    assert mine.status_code == 200
    assert "Named push" in mine.content.decode() and "4321" not in mine.content.decode()
    rival = login_as("rival_partner_admin")
    assert rival.get(_url(world, "portal:campaign", campaign.pk)).status_code == 404
    assert "Named push" not in rival.get(_url(world, "portal:campaigns")).content.decode()


def test_the_console_saves_a_campaign_and_names_each_problem(world, login_as):
    offer = OfferFactory(tenant=world.tenant, name="Kit")
    admin = login_as("admin")
    data = {
        "name": "Spring webinar",
        "kind": "webinar",
        "status": "active",
        "starts_on": "2026-03-01",
        "ends_on": "2026-02-01",
        "budget": "5000",
        "offers": [offer.pk],
        "partner_mode": "named",
    }
    refused = admin.post(_url(world, "console:campaign-new"), data)
    assert refused.status_code == 400
    assert refused.context["form"].errors["ends_on"]
    data |= {"ends_on": "2026-03-31"}
    refused = admin.post(_url(world, "console:campaign-new"), data)
    assert "Name at least one partner" in refused.context["form"].errors["partners"][0]
    data |= {"partners": [world.partner.pk]}
    saved = admin.post(_url(world, "console:campaign-new"), data)
    assert saved.status_code == 302
    with tenant_scope(world.tenant):
        campaign = Campaign.objects.get()
        assert list(campaign.offer_links.values_list("offer_id", flat=True)) == [offer.pk]
    page = admin.get(saved["Location"]).content.decode()
    assert "Spring webinar" in page and world.partner.name in page


def test_campaign_pages_show_the_sections_higher_apps_register(world, login_as):
    campaign = CampaignFactory(tenant=world.tenant, name="Trade fair", partner_mode="all")
    register_campaign_section(
        Section("test-results", lambda request, row: f"<p>Results of {row.name}</p>")
    )
    try:
        for persona, door in (("admin", "console"), ("rep", "sales"), ("partner_rep", "portal")):
            page = login_as(persona).get(_url(world, f"{door}:campaign", campaign.pk))
            assert "Results of Trade fair" in page.content.decode(), door
    finally:
        CAMPAIGN_SECTIONS._sections.pop("test-results")


def test_the_console_lists_whose_co_branding_is_incomplete(world, login_as):
    CoBrandProfileFactory(tenant=world.tenant, partner=world.partner, logo="x/logo")
    OfferFactory(tenant=world.tenant, routes=["partner"])
    admin = login_as("admin")
    home = admin.get(_url(world, "console:home")).content.decode()
    assert "Partners with incomplete co-branding" in home
    page = admin.get(_url(world, "console:cobrand-profiles") + "?state=incomplete")
    text = page.content.decode()
    assert world.other_partner.name in text and world.partner.name not in text
