"""Who sees which scorecard, the peers' average, partner tiers and the quarter asked for."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.metrics import Scope
from core.tenancy import tenant_scope
from pipeline.models import Stage
from pipeline.tests.factories import TouchFactory
from scorecards import rollup, services
from scorecards.models import OpportunityFact, TierRequirement
from scorecards.tests.generated import TODAY, generate
from tenancy.models import Membership, Partner
from tenancy.quarters import Quarter
from tenancy.tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(world):
    with tenant_scope(world.tenant):
        generate(world)
        rollup.rebuild(world.tenant)
    return world


def membership(world, persona: str) -> Membership:
    return Membership.objects.get(tenant=world.tenant, user=world.users[persona])


def test_each_person_sees_their_own_scopes_only(built):
    orgs, users = built.orgs, built.users
    with tenant_scope(built.tenant):
        partner_admin = membership(built, "partner_admin")
        assert services.allowed_scopes(partner_admin) == [Scope("partner", orgs["partner"].pk)]
        with pytest.raises(PermissionDenied):
            services.check_scope(partner_admin, Scope("partner", orgs["other_partner"].pk))
        with pytest.raises(PermissionDenied):
            services.check_scope(partner_admin, Scope("tenant"))
        rep = membership(built, "rep")
        assert services.allowed_scopes(rep) == [Scope("user", users["rep"].pk)]
        manager = services.allowed_scopes(membership(built, "manager"))
        assert manager[0] == Scope("team", orgs["team"].pk)
        assert Scope("user", users["rep"].pk) in manager
        assert Scope("user", users["other_team_rep"].pk) not in manager
        admin = services.allowed_scopes(membership(built, "admin"))
        assert {Scope("tenant"), Scope("partner", orgs["other_partner"].pk)} <= set(admin)


def test_a_tier_average_of_fewer_than_three_partners_is_not_shown(built):
    tenant, partner, other = built.tenant, built.orgs["partner"], built.orgs["other_partner"]
    quarter = Quarter.of(tenant, TODAY)

    def influenced(scorecard):
        return next(r for r in scorecard.rows if r.metric.key == "influenced_pipeline")

    with tenant_scope(tenant):
        Partner.objects.filter(pk=other.pk).update(tier=partner.tier)
        row = influenced(services.scorecard(tenant, Scope("partner", partner.pk), quarter))
        assert row.value is not None and row.peers is None  # two with figures: hidden
        # A third partner of the tier touches an opportunity of the quarter.
        third = PartnerFactory(tenant=tenant, tier=partner.tier)
        fact = OpportunityFact.objects.filter(created_quarter=quarter.start).earliest("pk")
        TouchFactory(
            tenant=tenant,
            account=fact.account,
            opportunity=fact.opportunity,
            route="partner",
            actor_partner=third,
            occurred_at=dt.datetime.combine(fact.opened_on, dt.time(12), tzinfo=dt.UTC),
        )
        rollup.rebuild(tenant)
        figures = [
            influenced(services.scorecard(tenant, Scope("partner", p.pk), quarter)).value
            for p in (partner, other, third)
        ]
        row = influenced(services.scorecard(tenant, Scope("partner", partner.pk), quarter))
    assert None not in figures
    assert row.peers == (sum(figures) / 3).quantize(Decimal("0.01"))
    assert row.peers_label == "Gold tier average"


def test_tier_standing_says_what_the_next_tier_needs(built):
    tenant, partner = built.tenant, built.orgs["partner"]
    quarter = Quarter.of(tenant, TODAY)
    with tenant_scope(tenant):
        TierRequirement.objects.create(
            tenant=tenant, tier="gold", metric="influenced_pipeline", minimum=Decimal(1)
        )
        TierRequirement.objects.create(
            tenant=tenant, tier="platinum", metric="influenced_pipeline", minimum=Decimal(10**9)
        )
        standing = services.tier_standing(tenant, partner, quarter)
    assert standing.current == "gold" and standing.earned == "gold"
    assert standing.next_tier == "platinum"
    [need] = standing.needs
    assert need.metric.key == "influenced_pipeline" and not need.met
    assert need.value is not None and need.gap == Decimal(10**9) - need.value


def test_a_quarter_not_begun_or_not_a_quarter_is_refused(built):
    tenant = built.tenant
    today = dt.date(2026, 11, 20)
    assert services.quarter_from(tenant, None, today=today).code == "2026-Q4"
    assert services.quarter_from(tenant, "2025-q2", today=today).code == "2025-Q2"
    with pytest.raises(ValidationError, match="has not begun yet"):
        services.quarter_from(tenant, "2027-Q1", today=today)
    with pytest.raises(ValidationError, match="is not a quarter"):
        services.quarter_from(tenant, "next", today=today)
    with tenant_scope(tenant), pytest.raises(ValidationError, match="Unknown attribution model"):
        services.scorecard(tenant, Scope("tenant"), Quarter.of(tenant, today), model="magic")


@pytest.mark.django_db(transaction=True)
def test_the_funnel_and_stage_medians_follow_a_refresh(built):
    """Both are kept between page views (they cannot be summed from the cells), until the
    rollups change. Committed changes: on PostgreSQL the change feed hands out only those."""
    tenant = built.tenant
    quarter = Quarter.of(tenant, TODAY)
    with tenant_scope(tenant):
        before = {stage.key: n for stage, n, _ in services.dashboard(tenant, quarter)["funnel"]}
        medians = services.stage_medians(tenant, quarter)
        fact = OpportunityFact.objects.filter(created_quarter=quarter.start).earliest("pk")
        opportunity = fact.opportunity
        moved_from = opportunity.stage.key
        target = Stage.objects.exclude(pk=opportunity.stage_id).order_by("order")[0]
        assert services.stage_medians(tenant, quarter) == medians  # kept, and the same
        opportunity.stage = target
        opportunity.save()
        assert rollup.refresh(tenant) > 0
        after = {stage.key: n for stage, n, _ in services.dashboard(tenant, quarter)["funnel"]}
    assert after.get(target.key, 0) == before.get(target.key, 0) + 1
    assert after.get(moved_from, 0) == before[moved_from] - 1
