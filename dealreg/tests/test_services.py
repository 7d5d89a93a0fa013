"""The state machine, approval, protection, clocks, CRM closing, leakage, adjudication and the
customer matcher, through the services as the API and the pages call them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Product, ProductLine
from accounts.tests.factories import AccountFactory
from core.tenancy import tenant_scope
from dealreg.choices import ClockKind, ClockState, ConflictKind, RegState
from dealreg.models import (
    Claim,
    RegistrationClock,
    RegistrationConflict,
    RegistrationEvent,
    RegistrationLeakage,
)
from dealreg.services import adjudication
from dealreg.services import registrations as regs
from dealreg.services.matching import find_customer
from dealreg.services.state import TransitionRefused
from dealreg.services.sweep import sweep_tenant
from dealreg.tasks import SWEEP
from dealreg.tests.helpers import draft, rulebook
from pipeline.models import Opportunity, OpportunityLine, Stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world):
    rulebook(world)
    account = AccountFactory(tenant=world.tenant, name="Acme Industrial", country="AT")
    return world, account


def test_an_approved_registration_is_protected_and_sources_an_opportunity(setup):
    world, account = setup
    registration = draft(world, "partner_rep", account)
    with tenant_scope(world.tenant):
        regs.submit(registration, acting=world.membership("partner_rep"))
        assert registration.state == RegState.SUBMITTED
        assert registration.rulebook_version is not None
        assert Claim.objects.filter(registration=registration, active=True).count() == 1
        regs.approve(registration, acting=world.membership("admin"))
        registration.refresh_from_db()
        assert registration.state == RegState.APPROVED
        assert registration.protection_ends_at and registration.protection_starts_at
        days = (registration.protection_ends_at - registration.protection_starts_at).days
        assert days == 90
        opportunity = registration.opportunity
        assert opportunity is not None
        assert opportunity.source == "partner" and opportunity.partner_id == world.partner.pk
        assert registration.lines.get().approved_discount == Decimal("10.00")
        actions = list(
            RegistrationEvent.objects.filter(registration=registration).values_list(
                "action", "from_state", "to_state"
            )
        )
        assert ("submit", "draft", "submitted") in actions
        assert ("approve", "submitted", "approved") in actions
        assert RegistrationClock.objects.filter(
            registration=registration, kind=ClockKind.CONVERSION, state=ClockState.RUNNING
        ).exists()


def test_a_transition_the_state_does_not_allow_names_the_allowed_ones(setup):
    world, account = setup
    registration = draft(world, "rep", account)
    with tenant_scope(world.tenant), pytest.raises(TransitionRefused) as refused:
        regs.approve(registration, acting=world.membership("admin"))
    assert refused.value.allowed == ["submit", "withdraw"]
    assert "submit" in refused.value.detail


def test_a_rejected_registration_is_never_approved_again(setup):
    world, account = setup
    registration = draft(world, "rep", account)
    with tenant_scope(world.tenant):
        regs.submit(registration, acting=world.membership("rep"))
        with pytest.raises(ValidationError) as bad_reason:
            regs.reject(registration, reason="Not a reason", acting=world.membership("admin"))
        assert "reason" in bad_reason.value.message_dict
        regs.reject(
            registration,
            reason="Duplicate registration",
            text="Filed twice",
            acting=world.membership("admin"),
        )
        assert not Claim.objects.filter(registration=registration, active=True).exists()
        for action in (regs.approve, regs.start_review):
            with pytest.raises(TransitionRefused):
                action(registration, acting=world.membership("admin"))


def test_a_return_opens_only_the_listed_fields_and_resubmissions_are_capped(setup):
    world, account = setup
    registration = draft(world, "partner_rep", account)
    admin, registrant = world.membership("admin"), world.membership("partner_rep")
    with tenant_scope(world.tenant):
        regs.submit(registration, acting=registrant)
        for round_ in range(3):
            regs.return_for_info(
                registration, fields=["competitor"], note="Who competes?", acting=admin
            )
            regs.check_editable(registration, ["competitor"])
            with pytest.raises(ValidationError):
                regs.check_editable(registration, ["estimated_amount"])
            if round_ < 2:
                regs.resubmit(registration, acting=registrant)
        with pytest.raises(TransitionRefused) as capped:
            regs.resubmit(registration, acting=registrant)
        assert "resubmitted 2 times" in capped.value.detail
        answer = RegistrationClock.objects.filter(registration=registration, kind=ClockKind.ANSWER)
        assert answer.filter(state=ClockState.MET).count() == 2


def test_missing_fields_are_listed_by_name_and_nothing_is_saved(setup):
    world, _ = setup
    registration = draft(world, "rep", None, title=" ", amount="0")
    with tenant_scope(world.tenant), pytest.raises(ValidationError) as missing:
        regs.submit(registration, acting=world.membership("rep"))
    assert {"title", "end_customer", "estimated_amount"} <= set(missing.value.message_dict)
    registration.refresh_from_db()
    assert registration.state == RegState.DRAFT


def test_won_in_the_crm_closes_the_registration_and_records_leakage(setup):
    world, account = setup
    registration = draft(world, "rep", account, discount="10")
    with tenant_scope(world.tenant):
        regs.submit(registration, acting=world.membership("rep"))
        regs.approve(registration, acting=world.membership("admin"))
        registration.refresh_from_db()
        opportunity = registration.opportunity
        assert opportunity is not None
        OpportunityLine.objects.create(
            tenant=world.tenant,
            opportunity=opportunity,
            product=Product.objects.get(sku="HYD-100"),
            quantity=2,
            list_price=1000,
            discount_pct=Decimal(14),
        )
        opportunity.stage = Stage.objects.get(key="closed-won")
        opportunity.save()
        registration.refresh_from_db()
        assert registration.state == RegState.WON
        leak = RegistrationLeakage.objects.get(registration=registration)
        assert leak.route == "direct" and leak.amount == Decimal("80.00")
        assert not Claim.objects.filter(registration=registration, active=True).exists()


def test_the_sweep_reminds_then_expires_an_unconverted_registration(setup):
    world, account = setup
    registration = draft(world, "partner_rep", account)
    with tenant_scope(world.tenant):
        regs.submit(registration, acting=world.membership("partner_rep"))
        regs.approve(registration, acting=world.membership("admin"))
        registration.refresh_from_db()
        ends = registration.protection_ends_at
        assert ends is not None
        sweep_tenant(world.tenant, acting=SWEEP, now=ends - dt.timedelta(days=13))
        assert RegistrationEvent.objects.filter(registration=registration, action="remind").exists()
        sweep_tenant(world.tenant, acting=SWEEP, now=ends + dt.timedelta(minutes=1))
        sweep_tenant(world.tenant, acting=SWEEP, now=ends + dt.timedelta(minutes=1))
        registration.refresh_from_db()
        assert registration.state == RegState.EXPIRED
        assert (
            RegistrationEvent.objects.filter(registration=registration, action="expire").count()
            == 1
        )


def test_an_adjudicated_split_credits_both_and_is_precedent(setup):
    world, account = setup
    first = draft(world, "partner_rep", account)
    second = draft(world, "rep", account)
    with tenant_scope(world.tenant):
        regs.submit(first, acting=world.membership("partner_rep"))
        regs.submit(second, acting=world.membership("rep"))
        conflict = second.conflicts.get(kind=ConflictKind.REGISTRATION)
        assert conflict.needs_adjudication and conflict.registrant_prevails is False
        assert first.conflicts.filter(other_registration=second).exists()  # both sides see it
        record = adjudication.adjudicate(
            [first, second],
            decision="split",
            split=[70, 30],
            reason="Partner sourced, direct fulfils",
            acting=world.membership("admin"),
        )
        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.credit_share, second.credit_share) == (70, 30)
        assert not second.conflicts.filter(status="open", kind=ConflictKind.REGISTRATION).exists()
        regs.approve(second, acting=world.membership("admin"))
        found = adjudication.precedents(record.__class__.objects.all(), text="sourced")
        assert list(found) == [record]


def test_the_customer_matcher_finds_acme_however_it_is_typed(world):
    with tenant_scope(world.tenant):
        acme = AccountFactory(tenant=world.tenant, name="Acme", country="AT")
        for typed in ("ACME GmbH, Wien", "Acme", "ACME GmbH"):
            match = find_customer(typed)
            assert match.account == acme, typed
            assert "Acme" in match.message
        assert find_customer("Zenith Pumps").account is None


def test_a_deal_closed_by_a_bulk_crm_write_is_closed_by_the_sweep(setup):
    world, account = setup
    registration = draft(world, "partner_rep", account)
    with tenant_scope(world.tenant):
        regs.submit(registration, acting=world.membership("partner_rep"))
        regs.approve(registration, acting=world.membership("admin"))
        registration.refresh_from_db()
        # A bulk upsert writes rows without signals.
        assert registration.opportunity is not None
        Opportunity.objects.filter(pk=registration.opportunity.pk).update(
            stage=Stage.objects.get(key="closed-lost")
        )
        sweep_tenant(world.tenant, acting=SWEEP)
        registration.refresh_from_db()
        assert registration.state == RegState.LOST


def test_the_registrants_late_answer_is_recorded_on_their_side(setup):
    world, account = setup
    registration = draft(world, "rep", account)
    with tenant_scope(world.tenant):
        regs.submit(registration, acting=world.membership("rep"))
        regs.return_for_info(
            registration,
            fields=["notes"],
            note="Project timeline?",
            acting=world.membership("admin"),
        )
        answer = RegistrationClock.objects.get(registration=registration, kind=ClockKind.ANSWER)
        sweep_tenant(world.tenant, acting=SWEEP, now=answer.due_at + dt.timedelta(minutes=1))
        answer.refresh_from_db()
        assert answer.side == "registrant" and answer.state == ClockState.BREACHED
        assert answer.escalated_at is None and answer.breached_at is not None
        review = RegistrationClock.objects.get(registration=registration, kind=ClockKind.REVIEW)
        assert review.state == ClockState.MET and review.stopped_at is not None


def test_a_customer_nobody_knows_becomes_an_account_on_submit(world):
    rulebook(world)
    registration = draft(world, "partner_rep", None, name="Zenith Pumpenwerk GmbH, Linz")
    with tenant_scope(world.tenant):
        assert registration.end_customer is None
        regs.submit(registration, acting=world.membership("partner_rep"))
        created = registration.end_customer
        assert created is not None
        assert (created.name, created.city) == ("Zenith Pumpenwerk GmbH", "Linz")
        again = draft(world, "rep", None, name="Zenith Pumpenwerk")
        regs.submit(again, acting=world.membership("rep"))
        assert again.end_customer == created  # matched, not made twice
        assert again.conflicts.filter(kind=ConflictKind.REGISTRATION).exists()


@pytest.mark.parametrize(
    ("first", "second"), [("partner_admin", "partner_rep"), ("manager", "rep")]
)
def test_two_people_of_one_side_are_told_it_is_their_own_side(world, first, second):
    """A colleague's claim is not "another route": the second is told it is their own side's
    registration (by number), does not take the claim, and no adjudication is asked."""
    rulebook(world)
    with tenant_scope(world.tenant):
        account = AccountFactory(tenant=world.tenant, name="Colleague Mill")
        earlier = regs.submit(draft(world, first, account), acting=world.membership(first))
        hydraulics = ProductLine.objects.get(code="hydraulics")
        check = regs.check_before_filing(
            world.tenant,
            membership=world.membership(second),
            account=account,
            lines=[(hydraulics, Decimal(5))],
        )
        assert [c["reason"] for c in check["conflicts"]] == [
            "Your own side already registered this account and product line (Hydraulics): "
            f"registration #{earlier.pk}. Add to it rather than file twice; this one does not "
            "take the claim."
        ]
        later = regs.submit(draft(world, second, account), acting=world.membership(second))
        conflict = RegistrationConflict.objects.get(registration=later)
        assert "another route" not in conflict.reason and not conflict.needs_adjudication
        assert conflict.registrant_prevails is False
        assert Claim.objects.get(account=account, active=True).registration_id == earlier.pk
