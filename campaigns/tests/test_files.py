"""Files and PDFs through the API: offer assets uploaded by admins and downloaded by whoever sees
the offer, a partner's logo kept by its own admins, the co-branded PDF per role, and publishing
the public pages with everything that stands in the way."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from campaigns.models import CoBrandProfile, Offer, OfferAsset
from campaigns.tests.factories import PDF, PNG, CoBrandProfileFactory, OfferFactory
from core.tenancy import tenant_scope
from tests.pdftext import pdf_lines

pytestmark = pytest.mark.django_db

OFFERS, PROFILES = "/api/v1/offers/", "/api/v1/cobrand-profiles/"


def offer_of(world, **fields) -> Offer:
    with tenant_scope(world.tenant):
        return OfferFactory(tenant=world.tenant, name="Pump audit", **fields)


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")  # the header lies


def add(api, offer: Offer, **body):
    return api.post(f"{OFFERS}{offer.pk}/assets/", body, format="multipart")


def downloaded(response) -> bytes:
    assert response.status_code == 200, response
    return b"".join(response.streaming_content)


# --- Offer assets ------------------------------------------------------------------------------


def test_an_admin_uploads_a_pdf_and_a_png_and_each_role_that_sees_the_offer_downloads_them(
    world, api_as
):
    offer = offer_of(world)
    admin = api_as("admin")
    document = add(admin, offer, kind="document", title="Flyer", file=upload("flyer.pdf", PDF))
    image = add(admin, offer, kind="image", title="Photo", file=upload("photo.png", PNG))
    assert document.status_code == 201, document.json()
    assert image.status_code == 201, image.json()
    assert document.json()["content_type"] == "application/pdf"
    assert image.json()["content_type"] == "image/png"
    listed = admin.get(f"{OFFERS}{offer.pk}/assets/").json()
    assert {row["title"] for row in listed} == {"Flyer", "Photo"}
    for persona in ("admin", "rep", "partner_rep", "rival_partner_admin"):
        response = api_as(persona).get(document.json()["download"])
        assert downloaded(response) == PDF, persona
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"] == 'attachment; filename="flyer.pdf"'
    assert downloaded(api_as("partner_rep").get(image.json()["download"])) == PNG


def test_assets_of_an_offer_a_role_may_not_use_are_404(world, api_as):
    offer = offer_of(world, routes=["partner"], partner_tiers=["platinum"])
    asset = add(
        api_as("admin"), offer, kind="document", title="Flyer", file=upload("f.pdf", PDF)
    ).json()
    for persona in ("rep", "partner_rep", "outsider_admin"):
        api = api_as(persona)
        assert api.get(asset["download"]).status_code == 404, persona
        assert api.get(f"{OFFERS}{offer.pk}/assets/").status_code == 404, persona


@pytest.mark.parametrize(
    "name, content, words",
    [
        ("logo.png", b"just some text, not an image", "logo.png: this is not a file we accept"),
        ("drawing.png", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "SVG files are not accepted"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_a_file_that_is_not_what_it_says_is_refused_and_nothing_kept(
    world, api_as, name, content, words
):
    offer = offer_of(world)
    response = add(api_as("admin"), offer, kind="image", title="Logo", file=upload(name, content))
    assert response.status_code == 400
    assert words in str(response.json()["fields"]["file"])
    with tenant_scope(world.tenant):
        assert not OfferAsset.objects.exists()


@override_settings(CAMPAIGNS_MAX_FILE_BYTES=100)
def test_an_oversized_file_is_refused_with_the_limit(world, api_as):
    response = add(
        api_as("admin"),
        offer_of(world),
        kind="document",
        title="Big",
        file=upload("big.pdf", PDF + b" " * 200),
    )
    assert response.status_code == 400
    assert "larger than the 100 bytes allowed" in str(response.json()["fields"]["file"])


def test_a_copy_block_is_text_without_a_file(world, api_as):
    offer = offer_of(world)
    admin = api_as("admin")
    bad = add(admin, offer, kind="copy", title="Intro", language="German", text="")
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"language", "text"}
    good = add(admin, offer, kind="copy", title="Intro", language="de", text="Hallo")
    assert good.status_code == 201 and good.json()["download"] is None
    missing = admin.get(f"{OFFERS}{offer.pk}/assets/{good.json()['id']}/")
    assert missing.status_code == 404
    assert "copy block has no file" in missing.json()["detail"]


def test_only_admins_add_and_remove_assets_and_a_removed_file_leaves_storage(
    world, api_as, django_capture_on_commit_callbacks
):
    offer = offer_of(world)
    refused = add(api_as("partner_admin"), offer, kind="image", title="X", file=upload("x", PNG))
    assert refused.status_code == 403
    asset = add(api_as("admin"), offer, kind="image", title="X", file=upload("x.png", PNG)).json()
    url = f"{OFFERS}{offer.pk}/assets/{asset['id']}/"
    assert api_as("partner_admin").delete(url).status_code == 403
    with tenant_scope(world.tenant):
        stored = OfferAsset.objects.get(pk=asset["id"]).file.name or ""
    assert default_storage.exists(stored)
    with django_capture_on_commit_callbacks(execute=True):
        assert api_as("admin").delete(url).status_code == 204
    assert not default_storage.exists(stored)
    assert api_as("admin").get(url).status_code == 404


# --- Logos -------------------------------------------------------------------------------------


def profile_of(world, **fields) -> CoBrandProfile:
    with tenant_scope(world.tenant):
        return CoBrandProfileFactory(tenant=world.tenant, partner=world.partner, **fields)


def put_logo(api, profile: CoBrandProfile, name: str = "logo.png", content: bytes = PNG):
    return api.put(f"{PROFILES}{profile.pk}/logo/", {"logo": upload(name, content)}, "multipart")


def test_a_partner_admin_uploads_its_logo_and_only_its_partner_and_admins_get_it(world, api_as):
    profile = profile_of(world)
    response = put_logo(api_as("partner_admin"), profile)
    assert response.status_code == 200, response.json()
    assert response.json()["has_logo"] is True and response.json()["missing"] == []
    url = f"{PROFILES}{profile.pk}/logo/"
    for persona in ("partner_admin", "partner_rep", "admin"):
        answer = api_as(persona).get(url)
        assert downloaded(answer) == PNG, persona
        assert answer["Content-Disposition"] == 'attachment; filename="logo.png"'
    for persona in ("rival_partner_admin", "rep", "outsider_admin"):
        assert api_as(persona).get(url).status_code in {403, 404}, persona
    assert api_as("rival_partner_admin").get(url).status_code == 404
    assert put_logo(api_as("rival_partner_admin"), profile).status_code == 404
    assert put_logo(api_as("partner_rep"), profile).status_code == 403


def test_a_text_file_named_logo_png_is_refused_and_the_old_logo_kept(world, api_as):
    profile = profile_of(world)
    put_logo(api_as("partner_admin"), profile)
    response = put_logo(api_as("partner_admin"), profile, "logo.png", b"hello, I am text")
    assert response.status_code == 400
    assert response.json()["fields"]["logo"] == [
        "logo.png: this is not a file we accept; send GIF, JPEG, PNG or WebP."
    ]
    assert downloaded(api_as("partner_admin").get(f"{PROFILES}{profile.pk}/logo/")) == PNG


def test_a_logo_request_without_a_file_says_how_to_send_it(world, api_as):
    profile = profile_of(world)
    response = api_as("partner_admin").put(f"{PROFILES}{profile.pk}/logo/", {}, "multipart")
    assert response.status_code == 400
    assert "multipart/form-data, field logo" in str(response.json()["fields"]["logo"])
    assert api_as("partner_admin").get(f"{PROFILES}{profile.pk}/logo/").status_code == 404


# --- The co-branded PDF ------------------------------------------------------------------------


def pdf_of(api, offer: Offer, partner=None):
    query = f"?partner={partner.pk}" if partner is not None else ""
    return api.get(f"{OFFERS}{offer.pk}/pdf/{query}")


def test_a_partner_gets_its_own_co_branded_pdf_and_never_another_partners(world, api_as):
    profile = profile_of(world, legal_line="Alpha Distribution GmbH, HRB 4711")
    put_logo(api_as("partner_admin"), profile)
    offer = offer_of(world)
    response = pdf_of(api_as("partner_rep"), offer)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert "Alpha Distribution GmbH, HRB 4711" in pdf_lines(response.content)
    assert pdf_of(api_as("partner_admin"), offer, world.partner).status_code == 200
    assert pdf_of(api_as("rival_partner_admin"), offer, world.partner).status_code == 404
    rival_own = pdf_of(api_as("rival_partner_admin"), offer)
    assert "Alpha Distribution GmbH, HRB 4711" not in pdf_lines(rival_own.content)


def test_direct_users_get_the_manufacturers_pdf_and_admins_any_partners(world, api_as):
    profile_of(world, legal_line="Alpha Distribution GmbH, HRB 4711")
    offer = offer_of(world)
    direct = pdf_of(api_as("rep"), offer)
    assert direct.status_code == 200
    assert pdf_lines(direct.content)[0] == world.tenant.name
    refused = pdf_of(api_as("rep"), offer, world.partner)
    assert refused.status_code == 403 and "manufacturer's branding" in refused.json()["detail"]
    admin = pdf_of(api_as("admin"), offer, world.partner)
    assert "Alpha Distribution GmbH, HRB 4711" in pdf_lines(admin.content)


def test_a_pdf_for_a_partner_the_offer_is_not_for_is_409_with_the_reason(world, api_as):
    offer = offer_of(world, routes=["partner"], partner_tiers=["platinum"])
    response = pdf_of(api_as("admin"), offer, world.partner)
    assert response.status_code == 409
    assert response.json()["detail"] == "This offer is for Platinum partners; you are Gold."
    partners_only = pdf_of(api_as("admin"), offer)
    assert partners_only.json()["detail"] == "This offer is for partners only."
    assert pdf_of(api_as("partner_rep"), offer).status_code == 404  # not theirs to see at all
    assert pdf_of(api_as("admin"), offer, world.orgs["b_partner"]).status_code == 404
    bad = api_as("admin").get(f"{OFFERS}{offer.pk}/pdf/?partner=abc")
    assert bad.status_code == 400 and "partner" in bad.json()["fields"]


# --- Publishing --------------------------------------------------------------------------------


def publish(api, offer: Offer, body: dict | None = None):
    return api.post(f"{OFFERS}{offer.pk}/publish/", body or {}, format="json")


def test_publishing_is_refused_with_every_missing_part_of_the_profile(world, api_as):
    offer = offer_of(world)
    with tenant_scope(world.tenant):
        CoBrandProfile.objects.create(tenant=world.tenant, partner=world.partner)
    response = publish(api_as("partner_admin"), offer)
    assert response.status_code == 400
    assert response.json()["fields"]["offer"] == [
        "Your co-branding profile still needs a logo, a primary colour, a contact name, a "
        "contact email or phone number, the area you serve and a legal line (company name and "
        "registration)."
    ]


def test_a_partner_admin_publishes_its_page_and_takes_it_down(world, api_as, client):
    profile = profile_of(world)
    put_logo(api_as("partner_admin"), profile)
    offer = offer_of(world)
    assert publish(api_as("partner_rep"), offer).status_code == 403
    response = publish(api_as("partner_admin"), offer)
    assert response.status_code == 200, response.json()
    page = response.json()
    assert page["partner"] == world.partner.pk and page["is_active"] is True
    assert page["page_url"].startswith("http://127.0.0.1/o/" + world.tenant.slug + "/")
    assert page["pdf_url"] == page["page_url"] + "pdf/"
    public = client.get(page["pdf_url"].removeprefix("http://127.0.0.1"))
    assert public.status_code == 200 and public.content.startswith(b"%PDF-")
    listed = api_as("partner_rep").get(f"{OFFERS}{offer.pk}/publications/").json()
    assert [row["id"] for row in listed] == [page["id"]]
    assert api_as("rival_partner_admin").get(f"{OFFERS}{offer.pk}/publications/").json() == []
    assert api_as("rep").get(f"{OFFERS}{offer.pk}/publications/").json() == []
    down = api_as("partner_admin").post(f"{OFFERS}{offer.pk}/unpublish/", {}, format="json")
    assert down.status_code == 200 and down.json()["is_active"] is False
    assert client.get(page["pdf_url"].removeprefix("http://127.0.0.1")).status_code == 404


def test_admins_publish_the_direct_page_and_partners_cannot_name_another_partner(world, api_as):
    offer = offer_of(world)
    direct = publish(api_as("admin"), offer, {"partner": None})
    assert direct.status_code == 200 and direct.json()["partner"] is None
    assert [
        row["partner"] for row in api_as("rep").get(f"{OFFERS}{offer.pk}/publications/").json()
    ] == [None]
    other = publish(api_as("rival_partner_admin"), offer, {"partner": world.partner.pk})
    assert other.status_code == 400 and "partner" in other.json()["fields"]
    own_direct = publish(api_as("partner_admin"), offer, {"partner": None})
    assert own_direct.status_code == 403
    missing = api_as("admin").post(
        f"{OFFERS}{offer.pk}/unpublish/", {"partner": world.partner.pk}, format="json"
    )
    assert missing.status_code == 404
