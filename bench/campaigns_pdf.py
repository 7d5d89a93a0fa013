"""`make bench`, campaigns part: co-branded offer PDFs (campaigns/pdf.py).

One tenant, one partner with a complete co-branding profile (a 1200x480 PNG logo, colours,
contact details, legal line) and 30 published offers (every third an ROI calculator; each with a
description, copy in two languages and three product lines), on a fresh SQLite database in a
temporary VAR_DIR with the local-memory cache. Measured:

- cold: `offer_pdf` for each offer, co-branded (logo read from storage, scaled, embedded), and
  for direct sales (no logo);
- cached: `cached_offer_pdf` once the PDF is in the cache (the fingerprint's queries and a
  cache read);
- the public URL `/o/<tenant>/<key>/pdf/` through the whole Django stack, cached.

Target (issue 15): a co-branded PDF generated in under 1 s. Takes a few seconds.
"""

from __future__ import annotations

import io
import sys
import tempfile
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(ROOT))
from bench.report import (  # noqa: E402
    latency_row,
    percentile,
    setup_sqlite_django,
    timed_ms,
    write_section,
)

OFFERS = 30
CACHED_SAMPLES = 200
TARGET_MS = 1000.0


def logo_png() -> bytes:
    from PIL import Image

    image = Image.new("RGB", (1200, 480))
    image.putdata([(x % 256, (x * y) % 256, y % 256) for y in range(480) for x in range(1200)])
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def build() -> tuple:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.models import ProductLine
    from campaigns import services
    from campaigns.models import Offer, OfferProductLine
    from core.acting import SystemActor
    from core.tenancy import tenant_scope
    from tenancy.models import Partner, Tenant

    actor = SystemActor("bench")
    tenant = Tenant.objects.create(name="Bench Pumps AG", slug="bench-campaigns")
    with tenant_scope(tenant):
        partner = Partner.objects.create(tenant=tenant, name="Alpha Distribution GmbH")
        services.save_cobrand_profile(
            partner,
            acting=actor,
            logo=SimpleUploadedFile("logo.png", logo_png()),
            primary_colour="#0B5394",
            secondary_colour="#F1C232",
            contact_name="Pat Partner",
            contact_email="pat@alpha.example",
            contact_phone="+49 89 123456",
            website="https://alpha.example",
            service_area="Bavaria, Austria and South Tyrol",
            legal_line="Alpha Distribution GmbH, Munich, HRB 47110, VAT DE123456789",
        )
        lines = [
            ProductLine.objects.create(tenant=tenant, code=f"line-{i}", name=f"Pump line {i}")
            for i in range(6)
        ]
        offers = []
        for i in range(OFFERS):
            roi = i % 3 == 0
            offer = Offer.objects.create(
                tenant=tenant,
                name=f"Offer {i}: pump efficiency {'calculator' if roi else 'assessment'}",
                kind="roi_calculator" if roi else "assessment",
                status="published",
                summary="Find out where your pumps lose energy, and what fixing it is worth.",
                description="\n\n".join(
                    f"Paragraph {p}: our engineers measure flow, pressure and power on site "
                    "& compare them with the pump's curve <to the decimal>." * 3
                    for p in range(4)
                ),
                copy={"en": "Book a visit this quarter.", "de": "Jetzt Termin buchen."},
                roi_inputs=[
                    {"key": "hours", "label": "Running hours a year", "unit": "h", "default": 6000},
                    {"key": "kw", "label": "Power saved", "unit": "kW", "default": 4},
                    {"key": "price", "label": "Energy price", "unit": "EUR/kWh", "default": 0.2},
                ]
                if roi
                else [],
                roi_formula="hours * kw * price" if roi else "",
            )
            for line in lines[i % 3 : i % 3 + 3]:
                OfferProductLine.objects.create(tenant=tenant, offer=offer, product_line=line)
            offers.append(offer)
        page = services.publish_offer(offers[1], partner, acting=actor)
    return tenant, partner, offers, page


def measure(tenant, partner, offers, page) -> dict[str, list[float]]:
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    from campaigns.pdf import cached_offer_pdf, offer_pdf
    from core.tenancy import tenant_scope

    with tenant_scope(tenant):
        offer_pdf(offers[0], partner)  # imports, font metrics: not what a visitor waits for
        cold = [timed_ms(partial(offer_pdf, o, partner)) for o in offers]
        direct = [timed_ms(partial(offer_pdf, o, None)) for o in offers]
        cache.clear()
        first = [timed_ms(partial(cached_offer_pdf, o, partner)) for o in offers]
        cached = [
            timed_ms(partial(cached_offer_pdf, offers[i % OFFERS], partner))
            for i in range(CACHED_SAMPLES)
        ]
        size = len(offer_pdf(offers[0], partner))
    client = Client(HTTP_HOST="127.0.0.1")
    url = reverse("public-offer-pdf", kwargs={"tenant_slug": tenant.slug, "key": page.key})
    assert client.get(url).status_code == 200
    public = [timed_ms(lambda: client.get(url)) for _ in range(CACHED_SAMPLES)]
    return {
        "cold": cold,
        "direct": direct,
        "first": first,
        "cached": cached,
        "public": public,
        "size": [size / 1024],
    }


def render(results: dict[str, list[float]]) -> str:
    cold_p95 = percentile(results["cold"], 95)
    verdict = "met" if cold_p95 < TARGET_MS else "**missed**"
    return "\n".join(
        [
            "## Campaigns: co-branded offer PDFs (bench/campaigns_pdf.py)",
            "",
            f"{OFFERS} published offers (every third an ROI calculator; description, copy and "
            "three product lines each), one partner with a complete co-branding profile and a "
            "1200x480 PNG logo; SQLite and the local-memory cache, measured "
            f"{datetime.now(UTC):%Y-%m-%d} on a shared machine. A co-branded PDF is about "
            f"{results['size'][0]:.0f} KB.",
            "",
            "| Step | Samples | p50 | p95 | max |",
            "| --- | --- | --- | --- | --- |",
            latency_row(
                "Cold: `offer_pdf`, co-branded (logo read, scaled, embedded)", results["cold"]
            ),
            latency_row("Cold: `offer_pdf`, direct sales (no logo)", results["direct"]),
            latency_row("`cached_offer_pdf`, first call (drawn and stored)", results["first"]),
            latency_row("`cached_offer_pdf`, cached", results["cached"]),
            latency_row(
                "Public URL `/o/<tenant>/<key>/pdf/`, cached (whole stack)", results["public"]
            ),
            "",
            f"Target: a co-branded PDF generated in under 1 s (p95, cold): {verdict} "
            f"({cold_p95:.0f} ms).",
        ]
    )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="channel-balance-bench-") as var_dir:
        setup_sqlite_django(var_dir)
        from django.db import connections

        markdown = render(measure(*build()))
        connections.close_all()
    write_section("campaigns", markdown)
    print(markdown)


if __name__ == "__main__":
    main()
