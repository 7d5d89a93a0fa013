"""`make bench`, campaigns part: offers' public landing pages (routing/landing.py).

The production shape: a scratch PostgreSQL database `channel_bench_landing` next to
BENCH_DATABASE_URL / DATABASE_URL (default: the local PostgreSQL) and the Redis cache
(REDIS_URL, default the local Redis; without it the local-memory cache, said in the report). One
tenant with 40 partners, each with a complete co-branding profile and a logo, 200 published
offers (every fifth an ROI calculator) with product lines and copy, 40 running campaigns, and
every partner's page of every offer it may use (8,000 pages). Measured through the whole Django
stack (the test client: middleware, view, template, cache), 30 different pages at random:

- cached: a page already kept (two cache reads, the visitor's token, one counted view);
- cold: the first view after something it shows changed (the tenant's public-pages generation
  moved: the page is read from the database, rendered and kept again);
- the ROI calculator's "Calculate" (rendered for the visitor, never kept).

Target (issue 15): a co-branded landing page at p95 under 50 ms (cached per partner and offer,
invalidated on change). Takes under a minute.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(ROOT))
from bench.report import latency_row, percentile, timed_ms, write_section  # noqa: E402
from bench.scratch import drop_database, scratch_database  # noqa: E402

DATABASE = "channel_bench_landing"
PARTNERS, OFFERS, CAMPAIGNS = 40, 200, 40
SAMPLES = 300
TARGET_MS = 50.0
REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9")


def setup(url: str, var_dir: str) -> str:
    """Django on the scratch database; the Redis cache if it answers. Returns the cache's name."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=url,
        VAR_DIR=var_dir,
        DEBUG="0",
        SECURE_HTTPS="0",
        SECRET_KEY="bench-only-secret-key-not-for-production-0123456789",
        CELERY_TASK_ALWAYS_EAGER="1",
    )
    cache = "local memory"
    try:
        import redis

        redis.Redis.from_url(REDIS, socket_timeout=1).ping()
        os.environ["REDIS_URL"] = REDIS
        cache = "Redis"
    except Exception:
        os.environ.pop("REDIS_URL", None)
    os.environ.pop("REDIS_URL_FILE", None)
    Path(var_dir, "static").mkdir()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return cache


def build() -> tuple:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.models import ProductLine
    from campaigns import services
    from campaigns.demo import png_of
    from campaigns.models import Campaign, CampaignOffer, Offer, OfferProductLine
    from core.acting import SystemActor
    from core.tenancy import tenant_scope
    from tenancy.models import Partner, Tenant

    actor = SystemActor("bench")
    rng = random.Random(15)
    tenant = Tenant.objects.create(name="Bench Pumps AG", slug="bench-landing")
    with tenant_scope(tenant):
        lines = [
            ProductLine.objects.create(tenant=tenant, code=f"line-{i}", name=f"Pump line {i}")
            for i in range(8)
        ]
        partners = []
        for i in range(PARTNERS):
            partner = Partner.objects.create(
                tenant=tenant, name=f"Distributor {i:02d} GmbH", tier=("gold", "silver")[i % 2]
            )
            services.save_cobrand_profile(
                partner,
                acting=actor,
                logo=SimpleUploadedFile("logo.png", png_of(f"#{rng.randrange(0x1000000):06X}")),
                primary_colour=f"#{rng.randrange(0x1000000):06X}",
                contact_name=f"Contact {i}",
                contact_email=f"sales@distributor{i}.example",
                website=f"https://distributor{i}.example",
                service_area="Bavaria and Austria",
                legal_line=f"Distributor {i:02d} GmbH, HRB {4000 + i}",
            )
            partners.append(partner)
        offers = []
        for i in range(OFFERS):
            roi = i % 5 == 0
            offer = Offer.objects.create(
                tenant=tenant,
                name=f"Offer {i}: pump {'savings calculator' if roi else 'assessment'}",
                kind="roi_calculator" if roi else "assessment",
                status="published",
                summary="Where your pumps lose energy, and what fixing it is worth.",
                description="Our engineers measure flow, pressure and power on site.\n\n" * 4,
                copy={"en": "Book a visit this quarter.", "de": "Jetzt Termin buchen."},
                roi_inputs=[
                    {"key": "hours", "label": "Running hours a year", "unit": "h", "default": 6000},
                    {"key": "kw", "label": "Power saved", "unit": "kW", "default": 4},
                ]
                if roi
                else [],
                roi_formula="hours * kw * 0.2" if roi else "",
            )
            for line in lines[i % 4 : i % 4 + 3]:
                OfferProductLine.objects.create(tenant=tenant, offer=offer, product_line=line)
            offers.append(offer)
        today = date.today()
        for i in range(CAMPAIGNS):
            campaign = Campaign.objects.create(
                tenant=tenant,
                name=f"Campaign {i}",
                kind="abm",
                status="active",
                starts_on=today.replace(day=1),
                ends_on=today.replace(year=today.year + 1),
                partner_mode="all",
            )
            for offer in offers[i * 5 : i * 5 + 5]:
                CampaignOffer.objects.create(tenant=tenant, campaign=campaign, offer=offer)
        pages = [
            services.publish_offer(offer, partner, acting=actor)
            for partner in partners
            for offer in offers
        ]
    return tenant, pages


def measure(tenant, pages) -> dict[str, list[float]]:
    from django.core.cache import cache
    from django.test import Client

    from campaigns.signals import PUBLIC_PAGES
    from core.generations import changed

    rng = random.Random(6)
    client = Client(HTTP_HOST="127.0.0.1")
    sample = rng.sample(pages, 30)
    urls = [f"/o/{tenant.slug}/{page.key}/" for page in sample]
    cache.clear()
    for url in urls:  # keep them; check they answer
        assert client.get(url).status_code == 200, url
    cached = [timed_ms(lambda: client.get(rng.choice(urls))) for _ in range(SAMPLES)]
    cold = []
    for i in range(SAMPLES // 3):
        changed(PUBLIC_PAGES, tenant.pk)  # what an edit of an offer or a profile does
        cold.append(timed_ms(partial(client.get, urls[i % len(urls)])))
    roi_urls = [
        f"/o/{tenant.slug}/{page.key}/" for page in sample if page.offer.kind == "roi_calculator"
    ] or urls[:1]
    calculate = [
        timed_ms(
            lambda: client.post(
                rng.choice(roi_urls), {"action": "calculate", "roi_hours": "5000", "roi_kw": "3"}
            )
        )
        for _ in range(SAMPLES // 3)
    ]
    return {"cached": cached, "cold": cold, "calculate": calculate}


def render(results: dict[str, list[float]], cache: str, pages: int) -> str:
    p95 = percentile(results["cached"], 95)
    verdict = "met" if p95 < TARGET_MS else "**missed**"
    return "\n".join(
        [
            "## Campaigns: co-branded landing pages (bench/campaigns_landing.py)",
            "",
            f"{PARTNERS} partners with complete co-branding, {OFFERS} published offers, "
            f"{CAMPAIGNS} running campaigns, {pages:,} co-branded pages; PostgreSQL and the "
            f"{cache} cache, through the whole Django stack (test client), 30 pages at random; "
            f"measured {datetime.now(UTC):%Y-%m-%d} on a shared 2-CPU machine.",
            "",
            "| Request | Samples | p50 | p95 | max |",
            "| --- | --- | --- | --- | --- |",
            latency_row("GET a page, kept (the usual view)", results["cached"]),
            latency_row("GET a page after a change (read, rendered, kept again)", results["cold"]),
            latency_row("POST the ROI calculator's Calculate (never kept)", results["calculate"]),
            "",
            f"Target: a co-branded landing page at p95 under 50 ms: {verdict} ({p95:.1f} ms).",
        ]
    )


def main() -> None:
    url = scratch_database(DATABASE)
    if url is None:
        write_section(
            "campaigns-landing",
            "## Campaigns: co-branded landing pages (bench/campaigns_landing.py)\n\n"
            "Skipped: needs PostgreSQL.",
        )
        return
    try:
        with tempfile.TemporaryDirectory(prefix="channel-balance-bench-") as var_dir:
            cache = setup(url, var_dir)
            tenant, pages = build()
            results = measure(tenant, pages)
            from django.db import connections

            connections.close_all()
    finally:
        drop_database(DATABASE)
    markdown = render(results, cache, len(pages))
    write_section("campaigns-landing", markdown)
    print(markdown)


if __name__ == "__main__":
    main()
