"""Offers' co-branded PDFs: what they show (escaped as typed), the manufacturer's branding for
direct sales, the cache that any change to the offer or the profile invalidates, and the public
PDF URL that answers only while the publication is live."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaigns import pdf as pdf_module
from campaigns import services
from campaigns.models import CoBrandProfile, OfferPublication
from campaigns.pdf import cached_offer_pdf, offer_pdf
from campaigns.tests.factories import PNG, OfferFactory, RoiOfferFactory
from core.tenancy import tenant_scope
from tenancy.models import Partner
from tests.pdftext import pdf_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def a(world):
    with tenant_scope(world.tenant):
        yield world


def complete_profile(a, **fields) -> CoBrandProfile:
    values = {
        "primary_colour": "#0B5394",
        "contact_name": "Pat <Partner>",
        "contact_email": "pat@alpha.example",
        "contact_phone": "+49 89 1234",
        "website": "https://alpha.example",
        "service_area": "Bavaria & Austria",
        "legal_line": "Alpha Distribution GmbH, HRB 4711",
        **fields,
    }
    return services.save_cobrand_profile(
        a.partner,
        acting=a.membership("partner_admin"),
        logo=SimpleUploadedFile("logo.png", PNG),
        **values,
    )


def test_a_co_branded_pdf_shows_the_offer_and_the_partners_details_as_typed(a):
    complete_profile(a)
    offer = RoiOfferFactory(
        tenant=a.tenant,
        name="Pump <audit> & more",
        summary="Find <b>leaks</b> fast",
        description="Two days on site.\n\nA report after a week.",
        copy={"de": "Hallo", "en": "Ask us & we come."},
        valid_until=datetime.date(2030, 6, 30),
    )
    pdf = offer_pdf(offer, a.partner)
    assert pdf.startswith(b"%PDF-")
    lines = pdf_lines(pdf)
    for shown in (
        "Pump <audit> & more",
        "Find <b>leaks</b> fast",
        "Two days on site.",
        "A report after a week.",
        "Ask us & we come.",
        "Result = Downtime hours avoided times Cost per hour minus Price",
        "With the example values: 48,000.00",
        "Pat <Partner>",
        "pat@alpha.example",
        "+49 89 1234",
        "Bavaria & Austria",
        "Alpha Distribution GmbH, HRB 4711",
        f"in partnership with {a.tenant.name}",
    ):
        assert shown in lines, shown
    assert "Hallo" not in lines  # one language: English, the tenant having none set
    assert any("Valid until 30 June 2030" in line for line in lines)


def test_direct_sales_get_the_manufacturers_branding(a):
    complete_profile(a)
    lines = pdf_lines(offer_pdf(OfferFactory(tenant=a.tenant, name="Pilot kit"), None))
    assert lines[0] == a.tenant.name
    assert "Pilot kit" in lines
    assert not any("Alpha Distribution" in line or "pat@" in line for line in lines)


def test_a_logo_that_no_longer_decodes_leaves_it_out_but_the_pdf_is_made(a):
    profile = complete_profile(a)
    profile.logo.save("logo", ContentFile(b"\x89PNG\r\n\x1a\nbroken"), save=True)
    pdf = offer_pdf(OfferFactory(tenant=a.tenant), a.partner)
    assert "Alpha Distribution GmbH, HRB 4711" in pdf_lines(pdf)


def test_the_cached_pdf_is_drawn_again_when_the_profile_or_the_offer_changes(a, monkeypatch):
    drawn: list[int] = []
    render = pdf_module._render

    def counted(*args: Any) -> bytes:
        drawn.append(1)
        return render(*args)

    monkeypatch.setattr(pdf_module, "_render", counted)
    complete_profile(a)
    offer = OfferFactory(tenant=a.tenant, name="Pump audit")
    first = cached_offer_pdf(offer, a.partner)
    assert cached_offer_pdf(offer, a.partner) == first and len(drawn) == 1
    services.save_cobrand_profile(
        a.partner, acting=a.membership("partner_admin"), legal_line="Alpha AG, HRB 1"
    )
    changed = pdf_lines(cached_offer_pdf(offer, Partner.objects.get(pk=a.partner.pk)))
    assert "Alpha AG, HRB 1" in changed and "Alpha Distribution GmbH, HRB 4711" not in changed
    services.save_offer(offer, tenant=a.tenant, acting=a.membership("admin"), name="Valve audit")
    assert "Valve audit" in pdf_lines(cached_offer_pdf(offer, a.partner))
    assert len(drawn) == 3


# --- The public PDF -----------------------------------------------------------------------------


def published(a, **offer_fields) -> OfferPublication:
    complete_profile(a)
    offer = OfferFactory(tenant=a.tenant, name="Pump audit", **offer_fields)
    return services.publish_offer(offer, a.partner, acting=a.membership("partner_admin"))


def public_url(a, key: str, slug: str | None = None) -> str:
    kwargs = {"tenant_slug": slug or a.tenant.slug, "key": key}
    return reverse("public-offer-pdf", kwargs=kwargs)


def test_anyone_with_the_url_gets_the_co_branded_pdf_inline(a, client):
    page = published(a)
    response = client.get(public_url(a, page.key))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('inline; filename="pump-audit-alpha')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "public, max-age=300"
    assert "Alpha Distribution GmbH, HRB 4711" in pdf_lines(response.content)


@pytest.mark.parametrize(
    "change",
    ["unpublished", "retired", "ended", "suspended", "wrong key", "other tenant", "tier"],
)
def test_the_public_pdf_is_one_404_whatever_is_wrong(a, client, change):
    page = published(a)
    slug, key = a.tenant.slug, page.key
    if change == "unpublished":
        services.unpublish_offer(page, acting=a.membership("partner_admin"))
    elif change == "retired":
        page.offer.status = "retired"
        page.offer.save()
    elif change == "ended":
        page.offer.valid_until = datetime.date(2020, 1, 1)
        page.offer.save()
    elif change == "suspended":
        Partner.objects.filter(pk=a.partner.pk).update(status="suspended")
    elif change == "wrong key":
        key = key[:-1] + ("A" if key[-1] != "A" else "B")
    elif change == "other tenant":
        slug = a.other_tenant.slug
    elif change == "tier":
        page.offer.partner_tiers = ["platinum"]
        page.offer.save()
    response = client.get(public_url(a, key, slug))
    assert response.status_code == 404
    assert b"%PDF" not in response.content
    assert b"Pump audit" not in response.content


def test_the_public_pdf_takes_no_posts(a, client):
    page = published(a)
    assert client.post(public_url(a, page.key)).status_code == 405
