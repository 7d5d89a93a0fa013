"""A generated tenant for the scorecard tests: opportunities over three quarters in two
currencies, every kind of source (an approved registration, the opportunity's own source, a
first touch, none), touches by every route on opportunities and on their accounts (some before
the lookback, some after closing), stage histories, and routed leads; then campaigns and their
offers named by some opportunities and touches, and campaign responses (a partner's, or the
manufacturer's own; some with a lead)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from accounts.tests.factories import AccountFactory, SegmentFactory
from campaigns.models import CampaignOffer
from campaigns.tests.factories import CampaignFactory, OfferFactory
from dealreg.models import DealRegistration
from pipeline.models import Lead, Opportunity, Stage, StageChange, Touch
from pipeline.tests.factories import CampaignResponseFactory, OpportunityFactory, TouchFactory
from scorecards.models import ExchangeRate, ScorecardSettings

__all__ = ["TODAY", "generate"]

TODAY = dt.date(2026, 11, 20)
SOURCES = ("partner", "direct", "marketing", "unknown")


def _moment(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def generate(world, *, seed: int = 5, opportunities: int = 60) -> None:
    """Fill the world's tenant (call inside its tenant scope)."""
    rng = random.Random(seed)
    tenant, orgs, users = world.tenant, world.orgs, world.users
    partners = [orgs["partner"], orgs["other_partner"]]
    reps = [(users["rep"], orgs["team"]), (users["other_team_rep"], orgs["other_team"])]
    ScorecardSettings.objects.create(tenant=tenant, lookback_days=60, half_life_days=Decimal(10))
    ExchangeRate.objects.create(
        tenant=tenant, currency="USD", valid_from=dt.date(2026, 1, 1), rate=Decimal("0.9")
    )
    ExchangeRate.objects.create(
        tenant=tenant, currency="USD", valid_from=dt.date(2026, 7, 1), rate=Decimal("0.8")
    )
    segments = [SegmentFactory(tenant=tenant, key=f"seg{n}", name=f"Segment {n}") for n in (1, 2)]
    accounts = [
        AccountFactory(tenant=tenant, segment=rng.choice(segments), country="DE") for _ in range(10)
    ]
    stages = list(Stage.objects.order_by("order"))
    open_stages = [s for s in stages if s.outcome == "open"]
    won = next(s for s in stages if s.outcome == "won")
    lost = next(s for s in stages if s.outcome == "lost")
    for n in range(opportunities):
        account = rng.choice(accounts)
        opened = TODAY - dt.timedelta(days=rng.randint(0, 250))
        outcome = rng.choice(("open", "won", "lost"))
        closed = None
        if outcome != "open":
            closed = min(opened + dt.timedelta(days=rng.randint(5, 90)), TODAY)
        partner = rng.choice(partners) if rng.random() < 0.5 else None
        rep, team = rng.choice(reps)
        opportunity = OpportunityFactory(
            tenant=tenant,
            account=account,
            amount=Decimal(rng.randint(1000, 90000)) + Decimal(rng.randint(0, 99)) / 100,
            currency=rng.choice(("EUR", "EUR", "USD", "JPY" if n % 17 == 0 else "EUR")),
            stage={"open": rng.choice(open_stages), "won": won, "lost": lost}[outcome],
            opened_on=opened,
            closed_on=closed,
            route="partner" if partner else "direct",
            partner=partner,
            owner_user=None if partner else rep,
            owner_team=None if partner else team,
            source=rng.choice(SOURCES),
        )
        _stage_history(rng, opportunity, open_stages, opened, closed)
        _touches(rng, world, opportunity, opened, closed)
        if n % 7 == 0:
            _registration(rng, world, opportunity)
    _leads(rng, world)
    # Their own random numbers: the rows above stay what they were before campaigns came.
    _campaigns(random.Random(seed + 1), world)


def _stage_history(rng, opportunity: Opportunity, open_stages, opened, closed) -> None:
    at = _moment(opened)
    path = open_stages[: rng.randint(1, len(open_stages))]
    if opportunity.stage not in path:
        path.append(opportunity.stage)
    previous = None
    for stage in path:
        StageChange.objects.create(
            tenant=opportunity.tenant,
            opportunity=opportunity,
            from_stage=previous,
            to_stage=stage,
            changed_at=at,
        )
        previous = stage
        at += dt.timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 23))


def _touches(rng, world, opportunity: Opportunity, opened, closed) -> None:
    orgs, users = world.orgs, world.users
    for _ in range(rng.randint(0, 6)):
        route = rng.choice(("partner", "direct", "marketing"))
        actor: dict = {}
        if route == "partner":
            actor = {"actor_partner": rng.choice([orgs["partner"], orgs["other_partner"]])}
        elif route == "direct":
            actor = rng.choice(
                [
                    {"actor_user": users["rep"]},
                    {"actor_user": users["other_team_rep"]},
                    {"actor_team": orgs["team"]},
                ]
            )
        # From before the lookback to after closing: the window decides.
        day = opened + dt.timedelta(days=rng.randint(-90, 100))
        on_opportunity = rng.random() < 0.5
        TouchFactory(
            tenant=opportunity.tenant,
            account=opportunity.account,
            opportunity=opportunity if on_opportunity else None,
            route=route,
            occurred_at=_moment(day, rng.randint(7, 18)),
            **actor,
        )


def _registration(rng, world, opportunity: Opportunity) -> None:
    partner = rng.random() < 0.6
    DealRegistration.objects.create(
        tenant=opportunity.tenant,
        route="partner" if partner else "direct",
        registrant_partner=world.orgs["other_partner"] if partner else None,
        registrant_team=None if partner else world.orgs["other_team"],
        registrant_user=None if partner else world.users["other_team_rep"],
        end_customer=opportunity.account,
        title="Registered deal",
        estimated_amount=opportunity.amount,
        currency=opportunity.currency,
        state=rng.choice(("approved", "won", "rejected")),
        submitted_at=_moment(opportunity.opened_on),
        opportunity=opportunity,
    )


def _leads(rng, world) -> None:
    orgs, users = world.orgs, world.users
    for n in range(40):
        created = _moment(TODAY - dt.timedelta(days=rng.randint(0, 250)), rng.randint(0, 23))
        partner = rng.random() < 0.5
        touched = rng.random() < 0.8
        Lead.objects.create(
            tenant=world.tenant,
            source="api",
            first_name="Lead",
            last_name=str(n),
            email=f"lead{n}@example.com",
            status="routed",
            route="partner" if partner else "direct",
            assigned_partner=orgs["partner"] if partner else None,
            assigned_user=None if partner else users["rep"],
            assigned_team=None if partner else orgs["team"],
            assigned_at=created,
            processed_at=created,
            first_touch_at=created + dt.timedelta(hours=rng.randint(1, 60)) if touched else None,
            sla_met=rng.choice((True, False)) if touched else None,
        )


def _campaigns(rng, world) -> None:
    """Two campaigns with an offer each; a campaign (and its offer, or none) on about a third of
    the opportunities and of the touches; responses over the quarters, a partner's or the
    manufacturer's own, some with one of the leads."""
    tenant, orgs = world.tenant, world.orgs
    pairs = []
    for _ in range(2):
        campaign = CampaignFactory(tenant=tenant)
        offer = OfferFactory(tenant=tenant)
        CampaignOffer.objects.create(tenant=tenant, campaign=campaign, offer=offer)
        pairs.append((campaign, offer))
    for opportunity in Opportunity.objects.order_by("pk"):
        if rng.random() < 0.35:
            campaign, offer = rng.choice(pairs)
            opportunity.campaign = campaign
            opportunity.offer = offer if rng.random() < 0.7 else None
            opportunity.save()
    for touch in Touch.objects.order_by("pk"):
        if rng.random() < 0.3:
            touch.campaign = rng.choice(pairs)[0]
            touch.save()
    leads = list(Lead.objects.order_by("pk"))
    for _ in range(50):
        campaign, offer = rng.choice(pairs)
        CampaignResponseFactory(
            tenant=tenant,
            campaign=campaign,
            offer=offer if rng.random() < 0.6 else None,
            partner=rng.choice([orgs["partner"], orgs["other_partner"], None]),
            lead=rng.choice(leads) if rng.random() < 0.6 else None,
            occurred_at=_moment(TODAY - dt.timedelta(days=rng.randint(0, 250)), rng.randint(0, 23)),
        )
