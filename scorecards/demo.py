"""Demo scorecards: each demo manufacturer's measuring settings, two years of exchange rates for
the currencies its deals are quoted in, what a distributor needs each quarter for each tier, and
the rollups built from the demo history, so every scorecard, tier standing and chart has figures
on first start (`make run` then keeps them fresh: the beat's "scorecards-refresh").

Runs after every other app's demo (settings.PROJECT_APPS), because the rollups are built from
their rows. The settings, rates and requirements are created when missing; the rollups are
rebuilt the first time (and when settings or rates were added), and otherwise refreshed from the
change feeds, which carry whatever the other demos added since (seeding again: nothing).

The requirements are set so that the demo distributors land on different tiers and one is
close to its next: money thresholds grow with `--scale`, like the pipeline they measure.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from core.tenancy import tenant_scope
from pipeline.demo import FOREIGN, OPENED_DAYS
from scorecards import overlap, rollup
from scorecards.campaign_demo import seed_campaign_activity
from scorecards.choices import OverlapStatus
from scorecards.maturity.demo import seed_tenant as seed_assessments
from scorecards.models import (
    ExchangeRate,
    OverlapFlag,
    RefreshCursor,
    ScorecardSettings,
    TierRequirement,
)
from scorecards.review.demo import seed_reviews
from tenancy.choices import PartnerTier
from tenancy.models import Tenant
from tenancy.quarters import months_later

__all__ = ["REQUIREMENTS", "seed"]

SLUGS = ("acme", "globex")
# (lookback days, time-decay half-life in days)
SETTINGS = {"acme": (90, Decimal(14)), "globex": (60, Decimal(10))}
MONEY_METRICS = frozenset({"sourced_pipeline", "influenced_pipeline", "won_revenue"})
# tier -> metric -> minimum per quarter (money in the tenant's currency at --scale 1).
REQUIREMENTS: dict[str, dict[str, dict[str, Decimal]]] = {
    slug: {
        PartnerTier.REGISTERED: {"lead_sla_attainment": Decimal(50)},
        PartnerTier.SILVER: {
            "sourced_pipeline": Decimal(silver),
            "win_rate_count": Decimal(20),
            "lead_sla_attainment": Decimal(60),
        },
        PartnerTier.GOLD: {
            "sourced_pipeline": Decimal(gold),
            "win_rate_count": Decimal(28),
            "lead_sla_attainment": Decimal(70),
        },
        PartnerTier.PLATINUM: {
            "sourced_pipeline": Decimal(platinum),
            "win_rate_count": Decimal(33),
            "lead_sla_attainment": Decimal(78),
        },
    }
    # Sourced pipeline a quarter for silver, gold and platinum.
    for slug, (silver, gold, platinum) in {
        "acme": (400_000, 1_200_000, 3_000_000),
        "globex": (120_000, 300_000, 550_000),
    }.items()
}


def seed(stdout: Any = None, scale: float = 1.0) -> None:
    for slug in SLUGS:
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            continue
        with tenant_scope(tenant):
            lookback, half_life = SETTINGS[slug]
            _, new_settings = ScorecardSettings.objects.get_or_create(
                tenant=tenant, defaults={"lookback_days": lookback, "half_life_days": half_life}
            )
            rates = _rates(tenant)
            requirements = _requirements(tenant, scale)
            activity = seed_campaign_activity(tenant)
            # Never built, or built under other settings or rates: from scratch. Otherwise the
            # change feeds hold whatever the other demos added this time.
            if new_settings or rates or not RefreshCursor.objects.exists():
                facts, how = rollup.rebuild(tenant), "rebuilt"
            else:
                facts, how = rollup.refresh(tenant), "refreshed"
            overlap.refresh(tenant) if how == "refreshed" else overlap.rebuild(tenant)
            flags = OverlapFlag.objects.filter(status=OverlapStatus.OPEN).count()
            reviews = seed_reviews(tenant, timezone.localdate())
            assessments = seed_assessments(tenant)
        if stdout is not None:
            stdout.write(
                f"scorecards: {slug}: {rates} exchange rates, {requirements} tier requirements "
                f"created; rollups {how} ({facts} facts); campaign activity: "
                + ", ".join(f"{count} {what}" for what, count in activity.items())
                + f"; {flags} open overlap flags; {reviews} governance reviews, "
                f"{assessments} maturity assessments created"
            )


def rate_on(base: float, currency: str, month: dt.date) -> Decimal:
    """The demo rate of `currency` from the first of `month`: a slow swing around its base and
    a little noise, the same whenever it is computed (seeding again on another day agrees)."""
    index = month.year * 12 + month.month
    swing = 0.05 * math.sin(index / 4 + len(currency)) + 0.02 * math.sin(index / 1.7)
    noise = random.Random(f"rate:{currency}:{month.isoformat()}").uniform(-0.008, 0.008)
    return Decimal(base * (1 + swing + noise)).quantize(Decimal("0.00000001"))


def _rates(tenant: Tenant) -> int:
    """A rate from the first of every month since the oldest demo deal (and the month before)
    for each currency the tenant's deals are quoted in."""
    today = timezone.localdate()
    first = months_later(today - dt.timedelta(days=OPENED_DAYS), -1)
    months = []
    month = first
    while month <= today:
        months.append(month)
        month = months_later(month, 1)
    have = set(ExchangeRate.objects.values_list("currency", "valid_from"))
    rows = [
        ExchangeRate(
            tenant=tenant, currency=currency, valid_from=month, rate=rate_on(base, currency, month)
        )
        for currency, base in FOREIGN.get(tenant.slug, {}).items()
        for month in months
        if (currency, month) not in have
    ]
    ExchangeRate.objects.bulk_create(rows)
    return len(rows)


def _requirements(tenant: Tenant, scale: float) -> int:
    made = 0
    for tier, minimums in REQUIREMENTS.get(tenant.slug, {}).items():
        for key, minimum in minimums.items():
            if key in MONEY_METRICS:
                minimum = (minimum * Decimal(str(scale))).quantize(Decimal(1))
            _, created = TierRequirement.objects.get_or_create(
                tenant=tenant, tier=tier, metric=key, defaults={"minimum": minimum}
            )
            made += created
    return made
