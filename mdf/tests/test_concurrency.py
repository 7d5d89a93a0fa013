"""The ledger never overspends and a claim is never paid twice, under real concurrent
transactions on PostgreSQL: twenty approvals racing for the funds of ten, and ten clerks paying
one claim at the same moment. The database's own guards (the balance's CHECK constraints, the
unique payment entry, the append-only trigger) are tested directly too."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.utils import InternalError
from django.utils import timezone

from core.tenancy import tenant_scope
from mdf.choices import ClaimState, EntryKind, RequestState
from mdf.models import FundBalance, FundClaim, FundRequest, LedgerEntry
from mdf.services import claims, ledger, requests
from mdf.tests.factories import ADMIN, claim_in, fund, request_in
from tests.concurrency import race, require_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_approvals_racing_for_the_funds_of_ten_commit_exactly_ten(world):
    require_postgres()
    fund(world.tenant, world.partner, 10_000)
    pending = [
        request_in(world.tenant, world.partner, "submitted", amount=1_000) for _ in range(20)
    ]

    def approve(i: int) -> str:
        try:
            requests.approve_request(pending[i], acting=ADMIN)
        except ValidationError as refused:
            return "refused: " + str(refused)
        return "approved"

    results = race(world.tenant, approve, 20)
    assert [r for r in results if not isinstance(r, str)] == []  # no errors, only refusals
    assert results.count("approved") == 10
    assert all("only 0.00" in r for r in results if r != "approved")
    with tenant_scope(world.tenant):
        assert FundRequest.objects.filter(state=RequestState.APPROVED).count() == 10
        balance = FundBalance.objects.get(partner=world.partner)
        assert (balance.committed, balance.available) == (Decimal(10_000), Decimal(0))
        assert LedgerEntry.objects.filter(kind=EntryKind.COMMITTED).count() == 10
        assert ledger.recompute(balance)["available"] == 0


def test_two_approvals_for_the_last_funds_leave_one_winner(world):
    require_postgres()
    fund(world.tenant, world.partner, 1_500)
    first = request_in(world.tenant, world.partner, "submitted", amount=1_000)
    second = request_in(world.tenant, world.partner, "submitted", amount=1_000)
    pair = [first, second]

    def approve(i: int) -> bool:
        try:
            requests.approve_request(pair[i], acting=ADMIN)
        except ValidationError:
            return False
        return True

    assert sorted(race(world.tenant, approve, 2)) == [False, True]
    with tenant_scope(world.tenant):
        assert FundBalance.objects.get(partner=world.partner).available == Decimal(500)


def test_ten_clerks_paying_one_claim_pay_it_once(world):
    require_postgres()
    fund(world.tenant, world.partner, 5_000)
    claim = claim_in(request_in(world.tenant, world.partner, "approved", amount=2_000), "approved")

    def pay(i: int) -> bool:
        try:
            claims.pay_claim(
                FundClaim.objects.get(pk=claim.pk),
                acting=ADMIN,
                reference=f"PAY-{i}",
                paid_on=timezone.localdate(),
            )
        except ValidationError:
            return False
        return True

    results = race(world.tenant, pay, 10)
    assert results.count(True) == 1 and results.count(False) == 9
    with tenant_scope(world.tenant):
        assert LedgerEntry.objects.filter(claim=claim, kind=EntryKind.PAID).count() == 1
        claim.refresh_from_db()
        assert claim.state == ClaimState.PAID
        balance = FundBalance.objects.get(partner=world.partner)
        assert balance.paid == Decimal(2_000)
        assert ledger.recompute(balance)["paid"] == Decimal(2_000)


def test_the_database_refuses_a_negative_balance_and_a_second_payment_entry(world):
    require_postgres()
    fund(world.tenant, world.partner, 1_000)
    claim = claim_in(request_in(world.tenant, world.partner, "approved", amount=500), "paid")
    with tenant_scope(world.tenant):
        balance = FundBalance.objects.get(partner=world.partner)
        with pytest.raises(IntegrityError), transaction.atomic():
            # Skipping the services: the CHECK constraints still hold.
            FundBalance.objects.filter(pk=balance.pk).update(
                committed=balance.committed + 5_000, available=balance.available - 5_000
            )
        entry = LedgerEntry.objects.get(claim=claim, kind=EntryKind.PAID)
        with pytest.raises(IntegrityError), transaction.atomic():
            LedgerEntry.objects.bulk_create(
                [
                    LedgerEntry(
                        tenant=world.tenant,
                        balance=balance,
                        partner=world.partner,
                        quarter_start=balance.quarter_start,
                        kind=EntryKind.PAID,
                        amount=entry.amount,
                        available_after=balance.available,
                        claim=claim,
                        at=timezone.now(),
                    )
                ]
            )
        with pytest.raises(InternalError), transaction.atomic():
            LedgerEntry.objects.filter(pk=entry.pk).update(amount=Decimal(1))
