"""The MDF demo as people meet it after `make run`: a year of funds with requests and claims in
every state, a ledger every balance rebuilds from, queues and SLA figures with something in them,
the partner demo login's own funds, and nothing more on a second seeding."""

from __future__ import annotations

from io import StringIO

import pytest
from django.utils import timezone

from campaigns import demo as campaigns_demo
from core.acting import SystemActor
from core.tenancy import tenant_scope
from mdf import demo
from mdf.choices import ClaimState, ClockSide, ClockState, EntryKind, RequestState
from mdf.models import (
    Allocation,
    FundBalance,
    FundClaim,
    FundRequest,
    LedgerEntry,
    MdfBudget,
    MdfClock,
    MdfEvent,
    ProofFile,
)
from mdf.services import ledger
from mdf.services.sweep import sweep_balances, sweep_clocks
from tenancy import demo as tenancy_demo
from tenancy.models import Membership, Tenant
from tenancy.quarters import Quarter

pytestmark = pytest.mark.django_db

MODELS = (MdfBudget, Allocation, FundRequest, FundClaim, ProofFile, LedgerEntry, MdfEvent, MdfClock)


def _seed() -> str:
    out = StringIO()
    tenancy_demo.seed()
    campaigns_demo.seed()  # the campaigns and offers the requests name
    demo.seed(stdout=out)
    return out.getvalue()


def _counts() -> tuple[int, ...]:
    return tuple(model.all_tenants.count() for model in MODELS)


def test_a_year_of_mdf_in_every_state_whose_ledger_adds_up_and_is_seeded_once():
    _seed()
    now = timezone.now()
    for slug in ("acme", "globex"):
        tenant = Tenant.objects.get(slug=slug)
        with tenant_scope(tenant):
            requests = set(FundRequest.objects.values_list("state", flat=True))
            claims = set(FundClaim.objects.values_list("state", flat=True))
            assert requests == set(RequestState.values), slug
            assert claims == set(ClaimState.values), slug
            # A budget for each of the last four quarters and the current one.
            current = Quarter.of(tenant, timezone.localdate())
            starts = set(MdfBudget.objects.values_list("quarter_start", flat=True))
            assert starts == {current.shifted(k).start for k in range(-4, 1)}
            # Every balance is what its entries add up to.
            for balance in FundBalance.objects.all():
                rebuilt = ledger.recompute(balance)
                assert {k: getattr(balance, k) for k in rebuilt} == rebuilt, balance
            # The past quarters closed; their history happened in the past.
            assert not FundBalance.objects.filter(
                quarter_start__lt=current.start, closed_at__isnull=True
            ).exists()
            assert not LedgerEntry.objects.filter(at__gt=now).exists()
            assert not MdfEvent.objects.filter(at__gt=now).exists()
            # Queues and SLA figures: running and breached clocks on both sides.
            clocks = set(MdfClock.objects.values_list("side", "state"))
            assert (ClockSide.VENDOR, ClockState.RUNNING) in clocks
            assert (ClockSide.VENDOR, ClockState.BREACHED) in clocks
            assert (ClockSide.VENDOR, ClockState.MET) in clocks
            assert (ClockSide.PARTNER, ClockState.RUNNING) in clocks
            # The sweep, run now, finds nothing the seeding left undone.
            acting = SystemActor("test")
            assert sweep_clocks(tenant, acting=acting, now=now) == 0
            assert sweep_balances(tenant, acting=acting, now=now) == 0
            # Claims carry their proof, except the draft still missing some.
            assert not FundClaim.objects.filter(state=ClaimState.PAID, proofs__isnull=True).exists()
            paid = FundClaim.objects.filter(state=ClaimState.PAID)
            assert not paid.filter(payment_reference="").exists()
    kinds = set(LedgerEntry.all_tenants.values_list("kind", flat=True))
    # Acme carries unused funds over, Globex lets them expire. (No accruals here: the pipeline
    # demo, whose won deals they are a share of, is not seeded.)
    assert {EntryKind.CARRIED_OVER, EntryKind.EXPIRED} <= kinds

    # The partner demo login's partner has funds and work in several states.
    nordic = Membership.all_tenants.get(user__email="admin@nordic.example")
    with tenant_scope(nordic.tenant):
        mine = FundRequest.objects.visible_to(nordic)
        assert len(set(mine.values_list("state", flat=True))) >= 6
        assert len(set(FundClaim.objects.visible_to(nordic).values_list("state", flat=True))) >= 5
        balance = FundBalance.objects.visible_to(nordic).get(
            quarter_start=Quarter.of(nordic.tenant, timezone.localdate()).start
        )
        assert balance.available > 0

    before = _counts()
    out = _seed()
    assert _counts() == before
    assert "mdf: acme: nothing created" in out
