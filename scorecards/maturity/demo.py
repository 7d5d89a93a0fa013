"""Demo maturity assessments: four quarters per demo manufacturer (the current one and the three
before it), answered by its RevOps admin with answers that improve quarter by quarter, each scored
from the demo's live data as of that quarter's end (the current one as of now).

Called by `scorecards.demo.seed` after the rollups are built (the attribution and offer measures
read the scorecards' facts). Idempotent: a quarter that has an assessment is left as it is, so
seeding again adds nothing and never overwrites answers someone gave."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from core.acting import SystemActor
from scorecards.maturity.questions import QUESTIONS
from scorecards.maturity.services import save_assessment
from scorecards.models import MaturityAssessment
from tenancy.acting import Acting
from tenancy.choices import Role
from tenancy.models import Membership, Tenant
from tenancy.quarters import Quarter

__all__ = ["QUARTERS", "answers_for", "seed_tenant"]

QUARTERS = 4
# Where each demo manufacturer started, per capability (its level four quarters ago).
START: dict[str, dict[str, int]] = {
    "acme": {
        "governance": 2,
        "enablement": 1,
        "lead_ops": 2,
        "attribution": 1,
        "offers": 1,
        "brand_pricing": 2,
    },
    "globex": {
        "governance": 1,
        "enablement": 1,
        "lead_ops": 1,
        "attribution": 1,
        "offers": 2,
        "brand_pricing": 1,
    },
}


def answers_for(slug: str, step: int) -> dict[str, int]:
    """The answers `step` quarters after the first (0 to 3): each question climbs a level every
    other quarter, its three questions a quarter apart, so the mean rises every quarter."""
    start = START.get(slug, START["globex"])
    given = {}
    for index, question in enumerate(QUESTIONS):
        climbed = (step + index % 3) // 2
        given[question.key] = max(1, min(4, start[question.capability] + climbed))
    return given


def _assessor(tenant: Tenant) -> Acting:
    admin = (
        Membership.objects.filter(role=Role.REVOPS_ADMIN, is_active=True)
        .select_related("user", "tenant")
        .order_by("pk")
        .first()
    )
    return admin if admin is not None else SystemActor("demo maturity assessments")


def seed_tenant(tenant: Tenant, now: dt.datetime | None = None) -> int:
    """The tenant's four quarters of assessments (inside its scope); how many were made."""
    now = now or timezone.now()
    current = Quarter.of(tenant, timezone.localtime(now, tenant.zone).date())
    have = set(MaturityAssessment.objects.values_list("quarter_start", flat=True))
    acting = _assessor(tenant)
    made = 0
    for step in range(QUARTERS):
        quarter = current.shifted(step - (QUARTERS - 1))
        if quarter.start in have:
            continue
        _, end = quarter.moments(tenant.zone)
        # Assessed in the quarter's last days (the current one: now), scored as of then.
        when = min(now, end - dt.timedelta(hours=2))
        save_assessment(
            tenant,
            quarter,
            answers_for(tenant.slug, step),
            acting=acting,
            now=when,
            notes="Quarterly self-assessment by RevOps (demo).",
        )
        made += 1
    return made
