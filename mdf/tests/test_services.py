"""MDF's services as a user meets them: money moves through the ledger and every balance can be
rebuilt from its entries; bad input is refused with a message that says what is wrong, and
nothing is half-written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.tenancy import tenant_scope
from mdf.choices import ClaimState, ClockKind, ClockState, EntryKind, RequestState, UnusedFunds
from mdf.models import FundBalance, LedgerEntry, MdfClock
from mdf.services import budgets, claims, ledger, requests
from mdf.services.quarter_end import quarter_ends_at
from mdf.services.settings import settings_for
from mdf.services.state import TransitionRefused
from mdf.services.sweep import sweep_tenant
from mdf.tests.factories import ADMIN, claim_in, fund, request_in, upload
from pipeline.tests.factories import OpportunityFactory, StageFactory
from tenancy.quarters import Quarter

pytestmark = pytest.mark.django_db


def balance(world) -> FundBalance:
    start = Quarter.of(world.tenant, timezone.localdate()).start
    return FundBalance.objects.get(partner=world.partner, quarter_start=start)


def assert_rebuilds(row: FundBalance) -> None:
    rebuilt = ledger.recompute(row)
    row.refresh_from_db()
    for bucket, value in rebuilt.items():
        assert getattr(row, bucket) == value, bucket


def test_the_whole_life_of_a_request_moves_money_through_the_ledger(world):
    fund(world.tenant, world.partner, 10_000)
    request = request_in(world.tenant, world.partner, "approved", amount=4_000, approve=3_000)
    with tenant_scope(world.tenant):
        row = balance(world)
        assert (row.committed, row.available) == (Decimal(3000), Decimal(7000))
        claim = claim_in(request, "submitted", amount=Decimal(2_500))
        claims.approve_claim(claim, acting=ADMIN, amount=Decimal(2_000), reason="One invoice short")
        row.refresh_from_db()
        # 2,000 owed to the partner; the other 1,000 of the commitment came back.
        assert (row.committed, row.claimed, row.available) == (0, Decimal(2000), Decimal(8000))
        claims.pay_claim(claim, acting=ADMIN, reference="FIN-77", paid_on=timezone.localdate())
        row.refresh_from_db()
        assert (row.claimed, row.paid, row.available) == (0, Decimal(2000), Decimal(8000))
        kinds = list(
            LedgerEntry.objects.filter(partner=world.partner)
            .order_by("pk")
            .values_list("kind", "amount")
        )
        assert kinds == [
            (EntryKind.ALLOCATED, Decimal(10000)),
            (EntryKind.COMMITTED, Decimal(3000)),
            (EntryKind.CLAIMED, Decimal(2000)),
            (EntryKind.RELEASED, Decimal(1000)),
            (EntryKind.PAID, Decimal(2000)),
        ]
        assert_rebuilds(row)
        request.refresh_from_db()
        assert request.state == RequestState.CLAIMED


def test_a_request_beyond_the_available_balance_is_refused_at_submission(world):
    fund(world.tenant, world.partner, 1_000)
    with pytest.raises(ValidationError) as refused:
        request_in(world.tenant, world.partner, "submitted", amount=1_500)
    message = str(refused.value.message_dict["amount_requested"])
    assert "1,500.00" in message and "1,000.00" in message and "available" in message


def test_an_approval_beyond_the_available_funds_is_refused_and_writes_nothing(world):
    fund(world.tenant, world.partner, 1_000)
    first = request_in(world.tenant, world.partner, "submitted", amount=800)
    second = request_in(world.tenant, world.partner, "submitted", amount=800)
    with tenant_scope(world.tenant):
        requests.approve_request(first, acting=ADMIN)
        with pytest.raises(ValidationError) as refused:
            requests.approve_request(second, acting=ADMIN)
        assert "200.00" in str(refused.value)
        second.refresh_from_db()
        assert second.state == RequestState.SUBMITTED
        assert not LedgerEntry.objects.filter(request=second).exists()
        assert balance(world).available == Decimal(200)


def test_bad_amounts_are_refused_with_their_field(world):
    fund(world.tenant, world.partner, 1_000)
    with pytest.raises(ValidationError) as negative:
        request_in(world.tenant, world.partner, amount=-5)
    assert "amount_requested" in negative.value.message_dict
    with pytest.raises(ValidationError) as share:
        request_in(
            world.tenant,
            world.partner,
            amount=100,
            partner_share=Decimal(500),
            total_cost=Decimal(400),
        )
    assert "partner_share" in share.value.message_dict
    with pytest.raises(ValidationError) as kind:
        request_in(world.tenant, world.partner, activity_type="party")
    assert "not an activity type" in str(kind.value)


def test_a_claim_above_the_approved_amount_is_refused(world):
    fund(world.tenant, world.partner, 5_000)
    request = request_in(world.tenant, world.partner, "approved", amount=1_000)
    with tenant_scope(world.tenant), pytest.raises(ValidationError) as refused:
        claims.create_claim(
            request, {"actual_cost": Decimal(3000), "amount_claimed": Decimal(1200)}, acting=ADMIN
        )
    assert "more than the 1,000.00" in str(refused.value)


def test_a_late_claim_is_refused_with_the_deadline(world):
    fund(world.tenant, world.partner, 5_000)
    request = request_in(world.tenant, world.partner, "approved", amount=1_000)
    assert request.claim_due_at is not None
    later = request.claim_due_at + dt.timedelta(days=2)
    with tenant_scope(world.tenant), pytest.raises(ValidationError) as refused:
        claims.create_claim(
            request,
            {"actual_cost": Decimal(1000), "amount_claimed": Decimal(1000)},
            acting=ADMIN,
            now=later,
        )
    assert f"{request.claim_due_at - dt.timedelta(days=1):%Y-%m-%d}" in str(refused.value)


def test_a_claim_needs_the_proof_its_activity_type_requires(world):
    fund(world.tenant, world.partner, 5_000)
    request = request_in(world.tenant, world.partner, "approved", amount=1_000)
    with tenant_scope(world.tenant):
        claim = claims.create_claim(
            request, {"actual_cost": Decimal(1000), "amount_claimed": Decimal(900)}, acting=ADMIN
        )
        claims.add_proof(claim, "invoice", upload(), acting=ADMIN)
        with pytest.raises(ValidationError) as refused:
            claims.submit_claim(claim, acting=ADMIN)
        assert "photos, attendee list" in str(refused.value)
        with pytest.raises(ValidationError) as wrong:
            claims.add_proof(
                claim, "photos", upload("photo.png", b"MZ\x90\x00binary"), acting=ADMIN
            )
        assert "not accepted as photos" in str(wrong.value)


def test_an_unapproved_claim_is_not_paid_and_a_paid_one_not_twice(world):
    fund(world.tenant, world.partner, 5_000)
    request = request_in(world.tenant, world.partner, "approved", amount=1_000)
    claim = claim_in(request, "submitted")
    with tenant_scope(world.tenant):
        with pytest.raises(ValidationError) as unapproved:
            claims.pay_claim(claim, acting=ADMIN, reference="X", paid_on=timezone.localdate())
        assert "Only an approved claim is paid" in str(unapproved.value)
        claims.approve_claim(claim, acting=ADMIN)
        claims.pay_claim(claim, acting=ADMIN, reference="X-1", paid_on=timezone.localdate())
        with pytest.raises(ValidationError) as twice:
            claims.pay_claim(claim, acting=ADMIN, reference="X-2", paid_on=timezone.localdate())
        assert "already paid" in str(twice.value) and "X-1" in str(twice.value)
        assert LedgerEntry.objects.filter(claim=claim, kind=EntryKind.PAID).count() == 1


def test_states_refuse_what_they_do_not_allow(world):
    fund(world.tenant, world.partner, 5_000)
    request = request_in(world.tenant, world.partner, amount=1_000)
    with tenant_scope(world.tenant), pytest.raises(TransitionRefused) as refused:
        requests.approve_request(request, acting=ADMIN)
    assert refused.value.allowed == ["submit", "withdraw"]


def test_partner_reps_read_and_direct_sales_never_decide(world):
    fund(world.tenant, world.partner, 5_000)
    with pytest.raises(PermissionDenied):
        request_in(world.tenant, world.partner, acting=world.membership("partner_rep"))
    with pytest.raises(PermissionDenied):
        request_in(world.tenant, world.partner, acting=world.membership("rival_partner_admin"))
    request = request_in(
        world.tenant, world.partner, "submitted", acting=world.membership("partner_admin")
    )
    with tenant_scope(world.tenant), pytest.raises(PermissionDenied):
        requests.approve_request(request, acting=world.membership("manager"))


def test_withdrawing_an_approved_request_releases_its_funds(world):
    fund(world.tenant, world.partner, 5_000)
    request = request_in(world.tenant, world.partner, "approved", amount=2_000)
    with tenant_scope(world.tenant):
        requests.withdraw_request(request, acting=ADMIN)
        assert balance(world).available == Decimal(5000)
        assert_rebuilds(balance(world))


def test_the_claim_window_reminds_then_expires_the_approval(world):
    fund(world.tenant, world.partner, 5_000)
    request = request_in(world.tenant, world.partner, "approved", amount=2_000)
    with tenant_scope(world.tenant):
        clock = MdfClock.objects.get(request=request, kind=ClockKind.CLAIM_WINDOW)
        assert clock.remind_at is not None
        sweep_tenant(world.tenant, acting=ADMIN, now=clock.remind_at + dt.timedelta(minutes=1))
        clock.refresh_from_db()
        assert clock.reminded_at is not None and clock.state == ClockState.RUNNING
        sweep_tenant(world.tenant, acting=ADMIN, now=clock.due_at + dt.timedelta(minutes=1))
        request.refresh_from_db()
        clock.refresh_from_db()
        assert request.state == RequestState.EXPIRED and clock.state == ClockState.BREACHED
        assert balance(world).committed == 0
        assert LedgerEntry.objects.filter(request=request, kind=EntryKind.RELEASED).exists()
        # The window outlasts the quarter, so the released funds were carried over with the rest.
        total = sum(row.available for row in FundBalance.objects.filter(partner=world.partner))
        assert total == Decimal(5000)


def test_the_manufacturers_clock_breaches_and_escalates(world):
    fund(world.tenant, world.partner, 5_000)
    request = request_in(world.tenant, world.partner, "submitted", amount=2_000)
    with tenant_scope(world.tenant):
        clock = MdfClock.objects.get(request=request, kind=ClockKind.DECIDE_REQUEST)
        # 24 business hours of a calendar that works around the clock (days end at 23:59:59).
        assert (
            dt.timedelta(hours=24)
            <= clock.due_at - clock.started_at
            < dt.timedelta(hours=24, minutes=1)
        )
        sweep_tenant(world.tenant, acting=ADMIN, now=clock.due_at + dt.timedelta(minutes=1))
        clock.refresh_from_db()
        assert clock.state == ClockState.BREACHED and clock.escalated_at is not None
        requests.approve_request(request, acting=ADMIN)
        clock.refresh_from_db()
        assert clock.state == ClockState.BREACHED and clock.stopped_at is not None


@pytest.mark.parametrize("policy", [UnusedFunds.CARRY_OVER, UnusedFunds.EXPIRE])
def test_unused_funds_carry_over_or_expire_at_quarter_end(world, policy):
    with tenant_scope(world.tenant):
        settings = settings_for(world.tenant)
        settings.unused_funds = policy
        settings.save()
    fund(world.tenant, world.partner, 3_000)
    request_in(world.tenant, world.partner, "approved", amount=1_000)
    with tenant_scope(world.tenant):
        row = balance(world)
        ends = quarter_ends_at(world.tenant, row.quarter_start)
        sweep_tenant(world.tenant, acting=ADMIN, now=ends + dt.timedelta(minutes=1))
        row.refresh_from_db()
        assert row.closed_at is not None and row.available == 0
        following = Quarter.of(world.tenant, row.quarter_start).following
        after = FundBalance.objects.filter(partner=world.partner, quarter_start=following).first()
        if policy == UnusedFunds.CARRY_OVER:
            assert row.carried == Decimal(-2000)
            assert after is not None and after.available == Decimal(2000)
        else:
            assert row.expired == Decimal(2000) and after is None
        assert_rebuilds(row)


def test_an_accrual_follows_won_revenue_and_says_what_is_behind_it(world):
    today = timezone.localdate()
    quarter = Quarter.of(world.tenant, today)
    with tenant_scope(world.tenant):
        budget = budgets.set_budget(world.tenant, quarter, Decimal(50_000), acting=ADMIN)
        won = OpportunityFactory(
            tenant=world.tenant,
            account=world.customers["rep"],
            partner=world.partner,
            route="partner",
            amount=Decimal(40_000),
            currency=world.tenant.currency,
            closed_on=today,
            stage=StageFactory(tenant=world.tenant, outcome="won"),
        )
        allocation = budgets.set_accrual(
            budget,
            world.partner,
            rate=Decimal(5),
            period_start=quarter.start,
            period_end=quarter.last_day,
            acting=ADMIN,
        )
        assert allocation.accrued == Decimal(2000)
        entry = LedgerEntry.objects.get(allocation=allocation)
        assert entry.revenue == Decimal(40000) and "5" in entry.reason
        won.amount = Decimal(20_000)
        won.save()
        budgets.recompute_accrual(allocation, acting=ADMIN)
        assert balance(world).accrued == Decimal(1000)
        assert_rebuilds(balance(world))


def test_another_currency_is_refused(world):
    with tenant_scope(world.tenant), pytest.raises(ValidationError) as refused:
        budgets.set_budget(
            world.tenant,
            Quarter.of(world.tenant, timezone.localdate()),
            Decimal(10),
            currency="JPY",
            acting=ADMIN,
        )
    assert "JPY" in str(refused.value) and world.tenant.currency in str(refused.value)


def test_ledger_entries_cannot_be_changed(world):
    fund(world.tenant, world.partner, 1_000)
    with tenant_scope(world.tenant):
        entry = LedgerEntry.objects.get()
        entry.amount = Decimal(1)
        with pytest.raises(ValueError):
            entry.save()
        with pytest.raises(ValueError):
            entry.delete()


def test_allocations_never_exceed_the_budget(world):
    fund(world.tenant, world.partner, 60_000, budget=100_000)
    with pytest.raises(ValidationError) as refused:
        fund(world.tenant, world.other_partner, 50_000, budget=100_000)
    assert "40,000.00" in str(refused.value)
    assert ClaimState.PAID  # the enum imports


def test_winning_a_partner_opportunity_recomputes_its_accrual(
    world, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    quarter = Quarter.of(world.tenant, today)
    with tenant_scope(world.tenant):
        budget = budgets.set_budget(world.tenant, quarter, Decimal(50_000), acting=ADMIN)
        allocation = budgets.set_accrual(
            budget,
            world.partner,
            rate=Decimal("2.5"),
            period_start=quarter.start,
            period_end=quarter.last_day,
            cap=Decimal(1_500),
            acting=ADMIN,
        )
        assert allocation.accrued == 0
        with django_capture_on_commit_callbacks(execute=True):
            OpportunityFactory(
                tenant=world.tenant,
                account=world.customers["rep"],
                partner=world.partner,
                route="partner",
                amount=Decimal(100_000),
                currency=world.tenant.currency,
                closed_on=today,
                stage=StageFactory(tenant=world.tenant, outcome="won"),
            )
        allocation.refresh_from_db()
        # 2.5% of 100,000 is 2,500, capped at 1,500; the entry says so.
        assert allocation.accrued == Decimal(1_500)
        assert "capped" in LedgerEntry.objects.get(allocation=allocation).reason


def test_direct_sales_read_activity_of_partners_in_their_territory_only(world):
    from guardrails.models import PartnerAuthorization, Territory, TerritoryArea

    fund(world.tenant, world.partner, 5_000)
    fund(world.tenant, world.other_partner, 5_000)
    mine = request_in(world.tenant, world.partner, "submitted")
    request_in(world.tenant, world.other_partner, "submitted")
    manager = world.membership("manager")
    with tenant_scope(world.tenant):
        account = world.customers["rep"]
        account.country = "DE"
        account.owner_team = manager.team
        account.owner_user = None
        account.owner_partner = None
        account.save()
        territory = Territory.objects.create(tenant=world.tenant, code="dach", name="DACH")
        TerritoryArea.objects.create(tenant=world.tenant, territory=territory, country="DE")
        PartnerAuthorization.objects.create(
            tenant=world.tenant,
            partner=world.partner,
            territory=territory,
            valid_from=timezone.localdate(),
        )
        from mdf.models import FundRequest

        assert list(FundRequest.objects.visible_to(manager)) == [mine]
        assert not FundBalance.objects.visible_to(manager).exists()
        settings = settings_for(world.tenant)
        settings.sales_see_activity = False
        settings.save()
        assert not FundRequest.objects.visible_to(manager).exists()
        assert list(FundRequest.objects.visible_to(world.membership("rival_partner_admin"))) != [
            mine
        ]


def test_partners_are_warned_before_unused_funds_expire(world):
    from routing.models import Notification

    with tenant_scope(world.tenant):
        settings = settings_for(world.tenant)
        settings.unused_funds = UnusedFunds.EXPIRE
        settings.save()
    fund(world.tenant, world.partner, 3_000)
    with tenant_scope(world.tenant):
        row = balance(world)
        ends = quarter_ends_at(world.tenant, row.quarter_start)
        week_before = ends - dt.timedelta(days=7)
        if row.next_action_at is not None and row.next_action_at <= week_before:
            sweep_tenant(world.tenant, acting=ADMIN, now=week_before + dt.timedelta(minutes=1))
            assert Notification.objects.filter(title__startswith="MDF expires in").exists()
        row.refresh_from_db()
        assert row.closed_at is None and row.next_action_at == ends


def test_a_draft_claim_of_a_withdrawn_request_cannot_be_submitted(world):
    fund(world.tenant, world.partner, 5_000)
    request = request_in(world.tenant, world.partner, "approved", amount=1_000)
    claim = claim_in(request, "draft")
    with tenant_scope(world.tenant):
        requests.withdraw_request(request, acting=ADMIN)
        with pytest.raises(ValidationError) as refused:
            claims.submit_claim(claim, acting=ADMIN)
        assert "withdrawn" in str(refused.value)
        assert balance(world).available == Decimal(5000)


def test_an_answer_to_a_return_is_breached_at_its_deadline_not_before(world):
    fund(world.tenant, world.partner, 5_000)
    request = request_in(world.tenant, world.partner, "submitted", amount=1_000)
    with tenant_scope(world.tenant):
        requests.return_request(request, acting=ADMIN, reason="Which trade show?")
        clock = MdfClock.objects.get(request=request, kind=ClockKind.ANSWER)
        sweep_tenant(world.tenant, acting=ADMIN, now=clock.due_at - dt.timedelta(hours=1))
        clock.refresh_from_db()
        assert clock.state == ClockState.RUNNING
        sweep_tenant(world.tenant, acting=ADMIN, now=clock.due_at + dt.timedelta(minutes=1))
        clock.refresh_from_db()
        assert clock.state == ClockState.BREACHED


def test_activity_dates_far_outside_the_calendar_are_refused_for_every_caller(world):
    """The portal's form and the API share the rule (on the model): a year 9999 end would
    overflow the claim deadline at approval."""
    fund(world.tenant, world.partner, 5_000)
    with pytest.raises(ValidationError) as refused:
        request_in(world.tenant, world.partner, ends_on=dt.date(9999, 12, 31))
    assert "between 2000 and 2999" in str(refused.value.message_dict["ends_on"])
