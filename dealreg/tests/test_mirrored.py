"""Channel neutrality, tested: each scenario runs once with a distributor registering against a
direct rep and once with the direct rep registering against the distributor. The outcomes, told
in route-free terms, must be identical."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.tests.factories import AccountFactory
from core.tenancy import tenant_scope
from dealreg.choices import ClockKind, ConflictStatus, RegState
from dealreg.models import Claim, DealRegistration, RegistrationClock
from dealreg.services import registrations as regs
from dealreg.services.state import TransitionRefused
from dealreg.services.sweep import sweep_tenant
from dealreg.tasks import SWEEP
from dealreg.tests.helpers import draft, rulebook
from guardrails.models import AccountRoute, RulebookVersion, RuleException
from pipeline.models import Touch
from tests.world import World

pytestmark = pytest.mark.django_db

SIDES = {"distributor": ("partner_rep", "rep"), "direct rep": ("rep", "partner_rep")}


def touch(world: World, persona: str, account: Any, days_ago: int) -> None:
    membership = world.membership(persona)
    partner = membership.partner
    Touch.objects.create(
        tenant=world.tenant,
        account=account,
        channel="meeting",
        route="partner" if partner else "direct",
        actor_partner=partner,
        actor_user=membership.user,
        actor_team=membership.team,
        occurred_at=timezone.now() - dt.timedelta(days=days_ago),
    )


def conflicts_of(registration: DealRegistration) -> list[tuple]:
    return sorted(
        (c.tie_break, str(c.registrant_prevails), c.needs_adjudication)
        for c in registration.conflicts.filter(status=ConflictStatus.OPEN)
    )


def idle_claim(world: World, me: str, them: str) -> dict:
    account = AccountFactory(tenant=world.tenant, name="Idle Works")
    theirs = draft(world, them, account)
    regs.submit(theirs, acting=world.membership(them))
    regs.approve(theirs, acting=world.membership("admin"))
    long_ago = timezone.now() - dt.timedelta(days=40)
    DealRegistration.objects.filter(pk=theirs.pk).update(
        protection_starts_at=long_ago, submitted_at=long_ago
    )
    touch(world, me, account, days_ago=2)
    mine = draft(world, me, account)
    regs.submit(mine, acting=world.membership(me))
    theirs.refresh_from_db()
    return {
        "mine": mine.state,
        "theirs": theirs.state,
        "i_hold_the_claim": Claim.objects.filter(registration=mine, active=True).exists(),
        "conflicts": conflicts_of(mine),
        "their_timeline": theirs.events.order_by("-at", "-id").values_list("reason", flat=True)[0],
    }


def rules_give_it_elsewhere(world: World, me: str, them: str) -> dict:
    account = AccountFactory(tenant=world.tenant, name="Reserved Works")
    if world.membership(me).partner_id:
        account.named_account = True  # reserved for the direct team by name
        account.save()
    else:  # the rules name the distributor for this account
        AccountRoute.objects.create(
            tenant=world.tenant,
            account=account,
            version=RulebookVersion.objects.get(status="active"),
            outcome="partner",
            target_partner=world.partner,
            rationale="Served by the distributor.",
            decided_at=timezone.now(),
        )
    mine = draft(world, me, account)
    regs.submit(mine, acting=world.membership(me))
    with pytest.raises(ValidationError) as refused:
        regs.approve(mine, acting=world.membership("admin"))
    return {"conflicts": conflicts_of(mine), "refused": list(refused.value.message_dict)}


def discount_outside(world: World, me: str, them: str) -> dict:
    account = AccountFactory(tenant=world.tenant, name="Discount Works")
    from accounts.models import ProductLine

    check = regs.check_before_filing(
        world.tenant,
        membership=world.membership(me),
        account=account,
        lines=[(ProductLine.objects.get(code="hydraulics"), Decimal(25))],
    )
    mine = draft(world, me, account, discount="25")
    regs.submit(mine, acting=world.membership(me))
    steps = [s["name"] for s in mine.approval_chain]
    while mine.state != RegState.APPROVED:
        regs.approve(mine, acting=world.membership("admin"))
    return {
        "check": [
            (d["inside"], d["outside_by"], d["may_request_exception"]) for d in check["discounts"]
        ],
        "steps": steps,
        "approved": str(mine.lines.get().approved_discount),
        # The exception the registrant asked for, granted into the rulebook's register.
        "exception": [
            (e.status, str(e.requested_discount), e.ends_on == mine.protected_until)
            for e in RuleException.objects.filter(opportunity=mine.opportunity)
        ],
    }


def late_review(world: World, me: str, them: str) -> dict:
    account = AccountFactory(tenant=world.tenant, name="Late Works")
    mine = draft(world, me, account)
    regs.submit(mine, acting=world.membership(me))
    clock = RegistrationClock.objects.get(registration=mine, kind=ClockKind.REVIEW)
    sweep_tenant(world.tenant, acting=SWEEP, now=clock.due_at + dt.timedelta(minutes=1))
    clock.refresh_from_db()
    return {
        "hours": round((clock.due_at - clock.started_at).total_seconds() / 3600),
        "state": clock.state,
        "escalated": clock.escalated_at is not None,
        "events": list(mine.events.values_list("action", flat=True)),
    }


def extension_beyond_limit(world: World, me: str, them: str) -> dict:
    account = AccountFactory(tenant=world.tenant, name="Extension Works")
    mine = draft(world, me, account)
    regs.submit(mine, acting=world.membership(me))
    regs.approve(mine, acting=world.membership("admin"))
    regs.request_extension(mine, reason="Budget round", acting=world.membership(me))
    regs.decide_extension(mine, approve=True, acting=world.membership("admin"))
    with pytest.raises(TransitionRefused) as refused:
        regs.request_extension(mine, reason="Once more", acting=world.membership(me))
    assert mine.protection_starts_at and mine.protection_ends_at
    return {
        "days": (mine.protection_ends_at - mine.protection_starts_at).days,
        "used": mine.extensions_used,
        "refused": refused.value.detail,
        "allowed": refused.value.allowed,
    }


def race(world: World, me: str, them: str) -> dict:
    account = AccountFactory(tenant=world.tenant, name="Race Works")
    theirs, mine = draft(world, them, account), draft(world, me, account)
    regs.submit(theirs, acting=world.membership(them))
    regs.submit(mine, acting=world.membership(me))
    conflict = mine.conflicts.get()
    return {
        "claims": Claim.objects.filter(account=account, active=True).count(),
        "holder_is_first": Claim.objects.get(account=account, active=True).registration_id
        == theirs.pk,
        "conflicts": conflicts_of(mine),
        "reason": conflict.reason,
        "their_side_sees_it": theirs.conflicts.filter(other_registration=mine).exists(),
    }


SCENARIOS = [
    idle_claim,
    rules_give_it_elsewhere,
    discount_outside,
    late_review,
    extension_beyond_limit,
    race,
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
def test_the_outcome_is_the_same_whichever_route_registers(world, scenario):
    rulebook(world)
    outcomes = {}
    for side, (me, them) in SIDES.items():
        with tenant_scope(world.tenant):
            outcomes[side] = scenario(world, me, them)
    assert outcomes["distributor"] == outcomes["direct rep"], outcomes
    # Sanity: the scenario did what it says.
    outcome = outcomes["distributor"]
    if scenario is idle_claim:
        assert outcome["theirs"] == RegState.EXPIRED and outcome["i_hold_the_claim"]
    if scenario is rules_give_it_elsewhere:
        assert outcome["refused"] == ["conflicts"]
    if scenario is discount_outside:
        assert outcome["check"] == [(False, "10.00", True)] and "Pricing" in outcome["steps"]
        assert outcome["exception"] == [("approved", "25.00", True)]
    if scenario is late_review:
        assert outcome["escalated"] and "escalate" in outcome["events"]
    if scenario is extension_beyond_limit:
        assert outcome["used"] == 1 and outcome["days"] == 120
    if scenario is race:
        assert outcome["claims"] == 1 and outcome["holder_is_first"]
        assert "another route" in outcome["reason"]
