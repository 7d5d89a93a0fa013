"""Offers, assets, co-branding and campaigns through their services: what a RevOps admin or a
partner admin would notice (refusals naming the field and the problem, nothing half-saved)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from accounts.models import ProductLine, TargetList
from campaigns import services
from campaigns.models import Campaign, CoBrandProfile, Offer, OfferAsset, OfferPublication
from campaigns.tests.factories import (
    GIF,
    PDF,
    PNG,
    SVG,
    CampaignFactory,
    CoBrandProfileFactory,
    OfferFactory,
)
from core.tenancy import tenant_scope

pytestmark = pytest.mark.django_db

ROI: dict[str, Any] = {
    "kind": "roi_calculator",
    "roi_inputs": [
        {"key": "hours", "label": "Downtime hours avoided", "unit": "h", "default": 40},
        {"key": "rate", "label": "Cost per hour", "unit": "EUR", "default": 1500},
    ],
    "roi_formula": "hours * rate",
}


@pytest.fixture
def a(world):
    with tenant_scope(world.tenant):
        yield world


def errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


# --- Offers --------------------------------------------------------------------------------------


def test_an_admin_creates_an_roi_offer_with_its_product_lines(a):
    line = ProductLine.objects.get(code="hydraulics")
    offer = services.save_offer(
        None,
        tenant=a.tenant,
        acting=a.membership("admin"),
        name="Downtime calculator",
        product_lines=[line],
        **ROI,
    )
    assert offer.pk and offer.version == 1
    assert list(offer.product_line_links.values_list("product_line_id", flat=True)) == [line.pk]


def test_a_bad_formula_is_refused_and_nothing_is_saved(a):
    with pytest.raises(ValidationError) as exc:
        services.save_offer(
            None,
            tenant=a.tenant,
            acting=a.membership("admin"),
            name="Bad",
            **{**ROI, "roi_formula": "hours * __import__('os')"},
        )
    assert "roi_formula" in errors(exc)
    assert not Offer.objects.exists()


def test_validity_routes_and_tiers_are_checked_whole(a):
    with pytest.raises(ValidationError) as exc:
        services.save_offer(
            None,
            tenant=a.tenant,
            acting=a.membership("admin"),
            name="Pilot",
            kind="pilot",
            valid_from=datetime.date(2026, 6, 1),
            valid_until=datetime.date(2026, 5, 1),
            routes=["direct"],
            partner_tiers=["gold", "diamond"],
        )
    found = errors(exc)
    assert found["valid_until"] == ["The offer cannot end before it starts."]
    assert "Unknown partner tiers: diamond" in found["partner_tiers"][0]


def test_a_formula_on_another_kind_of_offer_is_refused(a):
    with pytest.raises(ValidationError) as exc:
        services.save_offer(
            None,
            tenant=a.tenant,
            acting=a.membership("admin"),
            name="Pilot",
            kind="pilot",
            roi_formula="1 + 1",
        )
    assert errors(exc)["roi_formula"] == ["Only ROI calculator offers have inputs and a formula."]


def test_only_admins_manage_offers(a):
    with pytest.raises(PermissionDenied):
        services.save_offer(
            None, tenant=a.tenant, acting=a.membership("partner_admin"), name="X", kind="pilot"
        )


# --- Eligibility ---------------------------------------------------------------------------------

DAY = datetime.date(2026, 6, 15)


@pytest.mark.parametrize(
    "offer, partner_key, available, reason",
    [
        ({}, None, True, "Available to direct sales"),
        ({}, "partner", True, "Available to your partner"),
        ({"status": "draft"}, "partner", False, "draft, not published"),
        ({"status": "retired"}, None, False, "retired, not published"),
        ({"routes": ["direct"]}, "partner", False, "for direct sales only"),
        ({"routes": ["partner"]}, None, False, "for partners only"),
        ({"partner_tiers": ["platinum"]}, "partner", False, "for Platinum partners; you are Gold"),
        ({"partner_tiers": ["gold", "silver"]}, "partner", True, "Available"),
        ({"valid_from": datetime.date(2026, 7, 1)}, None, False, "valid from 2026-07-01"),
        ({"valid_until": datetime.date(2026, 6, 14)}, "partner", False, "ended on 2026-06-14"),
        ({"valid_until": DAY, "valid_from": DAY}, "partner", True, "Available"),
    ],
)
def test_offer_availability_by_status_route_tier_and_validity(
    a, offer, partner_key, available, reason
):
    row = OfferFactory(tenant=a.tenant, **offer)
    partner = a.orgs[partner_key] if partner_key else None  # the world's partner is Gold
    ok, why = services.offer_available_to(row, partner, on=DAY)
    assert ok is available and reason in why
    # The queryset filter the API lists with says the same.
    listed = Offer.objects.available_to(partner, DAY).filter(pk=row.pk).exists()
    assert listed is available


# --- Assets and files ----------------------------------------------------------------------------


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")  # the header lies


def test_a_real_pdf_and_png_are_kept_by_their_content(a):
    offer = OfferFactory(tenant=a.tenant)
    admin = a.membership("admin")
    pdf = services.add_asset(
        offer, acting=admin, kind="document", title="Brochure", upload=upload("b.bin", PDF)
    )
    png = services.add_asset(
        offer, acting=admin, kind="image", title="Hero", upload=upload("hero.png", PNG)
    )
    assert (pdf.content_type, pdf.filename, pdf.size) == ("application/pdf", "b.bin", len(PDF))
    assert png.content_type == "image/png" and png.file.read() == PNG
    stored = str(png.file.name)
    assert "hero" not in stored  # stored under a random name, per tenant
    assert stored.startswith(f"campaigns/{a.tenant.pk}/assets/")


@pytest.mark.parametrize(
    "kind, name, content, words",
    [
        ("image", "logo.png", b"just some text, not an image", "logo.png: this is not a file"),
        ("image", "brochure.pdf", PDF, "brochure.pdf: this is a PDF file; send GIF, JPEG"),
        ("document", "icon.svg", SVG, "icon.svg: SVG files are not accepted"),
        ("document", "empty.pdf", b"", "empty.pdf: the file is empty"),
    ],
)
def test_files_are_judged_by_their_bytes(a, kind, name, content, words):
    offer = OfferFactory(tenant=a.tenant)
    with pytest.raises(ValidationError) as exc:
        services.add_asset(
            offer, acting=a.membership("admin"), kind=kind, title="X", upload=upload(name, content)
        )
    assert words in errors(exc)["file"][0]
    assert not OfferAsset.objects.exists()


@override_settings(CAMPAIGNS_MAX_FILE_BYTES=1024)
def test_an_oversized_file_is_refused_with_the_limit(a):
    offer = OfferFactory(tenant=a.tenant)
    with pytest.raises(ValidationError) as exc:
        services.add_asset(
            offer,
            acting=a.membership("admin"),
            kind="document",
            title="Big",
            upload=upload("big.pdf", PDF + b"0" * 2048),
        )
    assert errors(exc)["file"] == ["big.pdf: the file is 2.1 KB, larger than the 1 KB allowed."]


def test_a_copy_block_needs_a_language_and_text(a):
    offer = OfferFactory(tenant=a.tenant)
    admin = a.membership("admin")
    with pytest.raises(ValidationError) as exc:
        services.add_asset(offer, acting=admin, kind="copy", title="Intro", language="German")
    assert set(errors(exc)) == {"language", "text"}
    block = services.add_asset(
        offer, acting=admin, kind="copy", title="Intro", language="de-AT", text="Servus"
    )
    assert block.text == "Servus" and not block.file


# --- Co-branding ---------------------------------------------------------------------------------


def test_a_partner_admin_sets_its_profile_and_sees_what_is_missing(a):
    partner_admin = a.membership("partner_admin")
    assert services.cobrand_missing(a.partner) == [w for _, w in CoBrandProfile.REQUIRED]
    profile = services.save_cobrand_profile(
        a.partner, acting=partner_admin, primary_colour="#0055aa", contact_phone="+49 89 1234"
    )
    assert profile.missing() == [
        "a logo",
        "a contact name",
        "the area you serve",
        "a legal line (company name and registration)",
    ]
    profile = services.save_cobrand_profile(
        a.partner,
        acting=partner_admin,
        logo=upload("logo.gif", GIF),
        contact_name="Pat",
        service_area="Bavaria",
        legal_line="Alpha Distribution GmbH",
    )
    assert profile.missing() == [] and profile.logo_content_type == "image/gif"
    assert profile.primary_colour == "#0055aa"  # unchanged fields stay


@pytest.mark.parametrize("colour", ["blue", "#12345", "#GGGGGG", "0055aa", "#0055aa0"])
def test_a_colour_that_is_not_a_colour_is_refused(a, colour):
    with pytest.raises(ValidationError) as exc:
        services.save_cobrand_profile(
            a.partner, acting=a.membership("partner_admin"), secondary_colour=colour
        )
    assert (
        "Give a colour as # and six hex digits, for example #1A73E8."
        in (errors(exc)["secondary_colour"])
    )
    assert not CoBrandProfile.objects.exists()


def test_a_logo_that_is_not_an_image_is_refused_and_the_old_one_kept(a):
    profile = services.save_cobrand_profile(
        a.partner, acting=a.membership("partner_admin"), logo=upload("logo.png", PNG)
    )
    with pytest.raises(ValidationError) as exc:
        services.save_cobrand_profile(
            a.partner,
            acting=a.membership("partner_admin"),
            logo=upload("logo.png", b"MZ\x90\x00 not really"),
            contact_name="Changed",
        )
    assert errors(exc)["logo"][0].startswith("logo.png: this is not a file we accept")
    profile.refresh_from_db()
    assert profile.contact_name == "" and profile.logo.read() == PNG


def test_partner_admins_brand_only_their_own_partner(a):
    with pytest.raises(PermissionDenied):
        services.save_cobrand_profile(
            a.other_partner, acting=a.membership("partner_admin"), contact_name="Hijack"
        )
    with pytest.raises(PermissionDenied):
        services.save_cobrand_profile(
            a.partner, acting=a.membership("partner_rep"), contact_name="Rep"
        )


def test_publishing_tells_the_partner_everything_that_stands_in_the_way(a):
    offer = OfferFactory(tenant=a.tenant, partner_tiers=["platinum"])
    CoBrandProfileFactory(tenant=a.tenant, partner=a.partner, legal_line="")
    problems = services.publish_readiness(offer, a.partner, on=DAY)
    assert problems == [
        "This offer is for Platinum partners; you are Gold.",
        "Your co-branding profile still needs a logo and "
        "a legal line (company name and registration).",
    ]


def _complete_profile(a) -> CoBrandProfile:
    return services.save_cobrand_profile(
        a.partner,
        acting=a.membership("partner_admin"),
        logo=SimpleUploadedFile("logo.png", PNG),
        primary_colour="#1A73E8",
        contact_name="Pat Partner",
        contact_email="pat@alpha.example",
        service_area="Bavaria",
        legal_line="Alpha Distribution GmbH",
    )


def test_a_partner_admin_publishes_once_its_profile_is_complete(a):
    offer = OfferFactory(tenant=a.tenant)
    with pytest.raises(ValidationError) as refused:
        services.publish_offer(offer, a.partner, acting=a.membership("partner_admin"), on=DAY)
    assert "Your co-branding profile still needs a logo" in errors(refused)["offer"][0]
    assert not OfferPublication.objects.exists()
    _complete_profile(a)
    page = services.publish_offer(offer, a.partner, acting=a.membership("partner_admin"), on=DAY)
    again = services.publish_offer(offer, a.partner, acting=a.membership("admin"), on=DAY)
    assert again.pk == page.pk and again.key == page.key and len(page.key) >= 16


def test_only_the_partners_admins_publish_its_page_and_partners_never_the_direct_one(a):
    offer = OfferFactory(tenant=a.tenant)
    _complete_profile(a)
    for persona in ("partner_rep", "rival_partner_admin"):
        with pytest.raises(PermissionDenied):
            services.publish_offer(offer, a.partner, acting=a.membership(persona), on=DAY)
    with pytest.raises(PermissionDenied):
        services.publish_offer(offer, None, acting=a.membership("partner_admin"), on=DAY)


def test_an_unpublished_page_is_published_again_under_the_same_url(a):
    offer = OfferFactory(tenant=a.tenant, routes=["direct"])
    with pytest.raises(ValidationError) as refused:
        services.publish_offer(offer, a.partner, acting=a.membership("admin"), on=DAY)
    assert "This offer is for direct sales only." in errors(refused)["offer"]
    page = services.publish_offer(offer, None, acting=a.membership("admin"), on=DAY)
    services.unpublish_offer(page, acting=a.membership("admin"))
    assert not OfferPublication.objects.live().exists()
    again = services.publish_offer(offer, None, acting=a.membership("admin"), on=DAY)
    assert again.key == page.key and again.is_active


# --- Campaigns -----------------------------------------------------------------------------------


def test_an_admin_creates_a_campaign_for_named_partners_with_offers(a):
    offer = OfferFactory(tenant=a.tenant)
    campaign = services.save_campaign(
        None,
        tenant=a.tenant,
        acting=a.membership("admin"),
        name="Spring ABM",
        kind="abm",
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 5, 31),
        budget=Decimal("25000.00"),
        target_list=TargetList.objects.first(),
        partner_mode="named",
        offers=[offer],
        partners=[a.partner],
    )
    assert [link.offer_id for link in campaign.offer_links.all()] == [offer.pk]
    assert [link.partner_id for link in campaign.partner_links.all()] == [a.partner.pk]


@pytest.mark.parametrize(
    "fields, field, words",
    [
        ({"ends_on": datetime.date(2026, 2, 1)}, "ends_on", "cannot end before it starts"),
        ({"partner_mode": "tiers"}, "partner_tiers", "Name the partner tiers"),
        ({"partner_tiers": ["gold"]}, "partner_tiers", "only when partner_mode is tiers"),
        ({"direct": False}, "partner_mode", "Someone must run the campaign"),
        ({"partner_mode": "named"}, "partners", "Name at least one partner"),
        ({"budget": Decimal("-1")}, "budget", "greater than or equal to 0"),
    ],
)
def test_campaign_refusals_name_the_field(a, fields, field, words):
    base = {
        "name": "C",
        "kind": "event",
        "starts_on": datetime.date(2026, 3, 1),
        "ends_on": datetime.date(2026, 3, 2),
    }
    with pytest.raises(ValidationError) as exc:
        services.save_campaign(
            None, tenant=a.tenant, acting=a.membership("admin"), **{**base, **fields}
        )
    assert words in " ".join(errors(exc)[field])
    assert not Campaign.objects.exists()


def test_a_target_list_of_another_tenant_is_refused(a):
    campaign = CampaignFactory(tenant=a.tenant)
    foreign = TargetList.all_tenants.get(tenant=a.other_tenant)
    with pytest.raises(ValidationError) as exc:
        services.save_campaign(
            campaign, tenant=a.tenant, acting=a.membership("admin"), target_list=foreign
        )
    assert errors(exc) == {"target_list": ["No such target list."]}
    campaign.refresh_from_db()
    assert campaign.target_list_id is None


# --- A campaign's offers against the routes that run it ------------------------------------------


def campaign_with(a, offers, **fields):
    base = {
        "name": "Spring push",
        "kind": "event",
        "starts_on": datetime.date(2026, 3, 1),
        "ends_on": datetime.date(2026, 3, 2),
    }
    return services.save_campaign(
        None, tenant=a.tenant, acting=a.membership("admin"), offers=offers, **{**base, **fields}
    )


@pytest.mark.parametrize(
    "offer_fields, campaign_fields, message",
    [
        (
            {"routes": ["partner"]},
            {},
            "Offer “Pump audit” is not open to direct sales, which run this campaign.",
        ),
        (
            {"routes": ["direct"]},
            {"direct": False, "partner_mode": "all"},
            "Offer “Pump audit” is not open to partners, who run this campaign.",
        ),
        (
            {"partner_tiers": ["platinum"]},
            {"partner_mode": "tiers", "partner_tiers": ["gold", "platinum"]},
            "Offer “Pump audit” is not open to Gold partners, who run this campaign.",
        ),
        (
            {"partner_tiers": ["platinum"]},
            {"partner_mode": "named", "partners": "first"},
            "Offer “Pump audit” is not open to Alpha Distribution zzfirstpartner (Gold), who "
            "runs this campaign.",
        ),
        (
            {"partner_tiers": ["gold", "platinum"]},
            {"partner_mode": "all"},
            "Offer “Pump audit” is open to Platinum and Gold partners only, and all partners "
            "run this campaign.",
        ),
    ],
)
def test_each_offer_must_be_open_to_every_route_and_tier_that_runs_the_campaign(
    a, offer_fields, campaign_fields, message
):
    offer = OfferFactory(tenant=a.tenant, name="Pump audit", **offer_fields)
    if campaign_fields.get("partners") == "first":
        campaign_fields = {**campaign_fields, "partners": [a.partner]}
    with pytest.raises(ValidationError) as exc:
        campaign_with(a, [offer], **campaign_fields)
    assert errors(exc) == {"offers": [message]}
    assert not Campaign.objects.exists()


def test_offers_open_to_the_routes_and_tiers_that_run_it_are_accepted(a):
    gold = OfferFactory(tenant=a.tenant, partner_tiers=["gold"])
    named = campaign_with(a, [gold], partner_mode="named", partners=[a.partner])
    tiers = campaign_with(a, [gold], partner_mode="tiers", partner_tiers=["gold"], name="T")
    assert named.offer_links.count() == tiers.offer_links.count() == 1


def test_changing_who_runs_a_campaign_is_checked_against_its_offers(a):
    direct_only = OfferFactory(tenant=a.tenant, name="Pump audit", routes=["direct"])
    campaign = campaign_with(a, [direct_only])
    with pytest.raises(ValidationError) as exc:
        services.save_campaign(
            campaign, tenant=a.tenant, acting=a.membership("admin"), partner_mode="all"
        )
    assert errors(exc)["offers"] == [
        "Offer “Pump audit” is not open to partners, who run this campaign."
    ]
    campaign.refresh_from_db()
    assert campaign.partner_mode == "none"
