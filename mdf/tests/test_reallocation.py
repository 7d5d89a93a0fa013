"""Reallocation as RevOps meets it: a recommendation proposes moves with the figures behind
them and moves nothing; an accepted line moves the money through the ledger (balances rebuild
from the entries); a rejected line moves nothing; a line whose source has spent the funds since
is refused with the figure."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.tenancy import tenant_scope
from mdf.choices import EntryKind, LineState
from mdf.models import FundBalance, LedgerEntry, ReallocationLine
from mdf.services import ledger, reallocation, requests
from mdf.tests.factories import ADMIN, request_in, uneven_partners
from tenancy.quarters import Quarter

pytestmark = pytest.mark.django_db


def quarter(world) -> Quarter:
    return Quarter.of(world.tenant, timezone.localdate())


def balance(world, partner) -> FundBalance:
    return FundBalance.objects.get(partner=partner, quarter_start=quarter(world).start)


@pytest.fixture
def proposal(world):
    """The partner has 10,000 and asks for nothing; the rival returned 10 per unit paid and asks
    2,000 more than it has."""
    uneven_partners(world)
    with tenant_scope(world.tenant):
        made = reallocation.recommend(world.tenant, quarter(world), acting=ADMIN)
        return made


def test_the_recommendation_moves_unused_funds_to_the_high_return_partner(world, proposal):
    with tenant_scope(world.tenant):
        (line,) = ReallocationLine.objects.filter(reallocation=proposal)
        assert (line.from_partner_id, line.to_partner_id) == (
            world.partner.pk,
            world.other_partner.pk,
        )
        assert line.proposed_amount == Decimal(2000) and line.state == LineState.PROPOSED
        assert "no request this quarter" in line.reason and "10.00 per unit paid" in line.reason
        assert line.figures["to"]["roi"] == "10.00" and line.figures["to"]["paid"] == "1000.00"
        assert line.figures["from"]["available"] == "10000.00"
        assert line.figures["to"]["utilisation"] == "20.0"
        # Nothing moved yet.
        assert not LedgerEntry.objects.filter(kind=EntryKind.REALLOCATED).exists()
        assert balance(world, world.partner).available == Decimal(10000)


def test_an_accepted_line_moves_the_money_through_the_ledger(world, proposal):
    with tenant_scope(world.tenant):
        line = ReallocationLine.objects.get(reallocation=proposal)
        reallocation.accept_line(line, acting=ADMIN, amount=Decimal(1500), note="Half now")
        line.refresh_from_db()
        assert (line.state, line.amount) == (LineState.ACCEPTED, Decimal(1500))
        moves = LedgerEntry.objects.filter(line=line).order_by("amount")
        assert [(m.partner_id, m.amount) for m in moves] == [
            (world.partner.pk, Decimal(-1500)),
            (world.other_partner.pk, Decimal(1500)),
        ]
        source, target = balance(world, world.partner), balance(world, world.other_partner)
        assert (source.moved, source.available) == (Decimal(-1500), Decimal(8500))
        assert target.moved == Decimal(1500)
        for row in (source, target):
            rebuilt = ledger.recompute(row)
            assert all(getattr(row, bucket) == value for bucket, value in rebuilt.items())
        with pytest.raises(ValidationError, match="already accepted"):
            reallocation.accept_line(line, acting=ADMIN)


def test_a_rejected_line_moves_nothing(world, proposal):
    with tenant_scope(world.tenant):
        line = ReallocationLine.objects.get(reallocation=proposal)
        with pytest.raises(ValidationError) as no_note:
            reallocation.reject_line(line, acting=ADMIN, note=" ")
        assert "note" in no_note.value.message_dict
        reallocation.reject_line(line, acting=ADMIN, note="Their events are next quarter")
        line.refresh_from_db()
        assert line.state == LineState.REJECTED and line.amount is None
        assert not LedgerEntry.objects.filter(kind=EntryKind.REALLOCATED).exists()
        assert balance(world, world.partner).available == Decimal(10000)


def test_a_stale_line_is_refused_with_what_is_left(world, proposal):
    with tenant_scope(world.tenant):
        line = ReallocationLine.objects.get(reallocation=proposal)
        # Since the recommendation, the partner committed most of its funds.
        spent = request_in(world.tenant, world.partner, "submitted", amount=9_000)
        requests.approve_request(spent, acting=ADMIN)
        with pytest.raises(ValidationError) as refused:
            reallocation.accept_line(line, acting=ADMIN)
        message = str(refused.value.message_dict["amount"])
        assert "1,000.00" in message and "2,000.00" in message
        line.refresh_from_db()
        assert line.state == LineState.PROPOSED
        assert not LedgerEntry.objects.filter(kind=EntryKind.REALLOCATED).exists()


def test_only_revops_decides(world, proposal):
    with tenant_scope(world.tenant):
        line = ReallocationLine.objects.get(reallocation=proposal)
        with pytest.raises(PermissionDenied):
            reallocation.accept_line(line, acting=world.membership("partner_admin"))
        with pytest.raises(PermissionDenied):
            reallocation.recommend(world.tenant, quarter(world), acting=world.membership("manager"))
        with pytest.raises(ValidationError, match="above zero"):
            reallocation.accept_line(line, acting=ADMIN, amount=Decimal(0))
