"""MDF test data: a funded partner and requests in any state, built through the services so the
ledger is always the one the portal would have written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.acting import SystemActor
from core.tenancy import tenant_scope
from mdf.models import FundClaim, FundRequest, MdfBudget
from mdf.services import budgets, claims, requests
from routing.models import BusinessCalendar
from tenancy.models import Partner, Tenant
from tenancy.quarters import Quarter

__all__ = [
    "ADMIN",
    "PDF",
    "PNG",
    "BudgetFactory",
    "claim_in",
    "fund",
    "request_in",
    "uneven_partners",
    "upload",
]

ADMIN = SystemActor("test")
PDF = b"%PDF-1.4\n% proof\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def upload(name: str = "invoice.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def around_the_clock(tenant: Tenant) -> None:
    """Every minute is working time, so business-hour clocks are plain hours."""
    BusinessCalendar.objects.get_or_create(
        tenant=tenant,
        defaults={
            "working_days": [0, 1, 2, 3, 4, 5, 6],
            "day_starts": dt.time(0, 0),
            "day_ends": dt.time(23, 59, 59),
        },
    )


def fund(
    tenant: Tenant,
    partner: Partner,
    amount: Decimal | int = 10_000,
    *,
    budget: int = 100_000,
    day: dt.date | None = None,
) -> MdfBudget:
    """A budget for the quarter holding `day` (today) and a fixed allocation to the partner."""
    with tenant_scope(tenant):
        around_the_clock(tenant)
        quarter = Quarter.of(tenant, day or timezone.localdate())
        found = MdfBudget.objects.filter(quarter_start=quarter.start).first()
        if found is None or found.amount < budget:
            found = budgets.set_budget(tenant, quarter, Decimal(budget), acting=ADMIN)
        budgets.allocate(found, partner, Decimal(amount), acting=ADMIN)
        return found


def request_in(
    tenant: Tenant,
    partner: Partner,
    state: str = "draft",
    *,
    amount: Decimal | int = 1_000,
    approve: Decimal | int | None = None,
    acting: Any = ADMIN,
    **fields: Any,
) -> FundRequest:
    """A request of the partner moved to `state` (draft, submitted, approved)."""
    today = timezone.localdate()
    data = {
        "activity_type": "event",
        "title": "Spring open house",
        "starts_on": today,
        "ends_on": today + dt.timedelta(days=1),
        "total_cost": Decimal(amount) * 2,
        "partner_share": Decimal(amount),
        "amount_requested": Decimal(amount),
        "expected_leads": 20,
        "expected_pipeline": Decimal(amount) * 10,
        **fields,
    }
    with tenant_scope(tenant):
        found = requests.create_request(tenant, partner, data, acting=acting)
        if state in ("submitted", "approved"):
            requests.submit_request(found, acting=acting)
        if state == "approved":
            requests.approve_request(
                found,
                acting=ADMIN,
                amount=None if approve is None else Decimal(approve),
                reason="" if approve is None else "Part only",
            )
        return found


def claim_in(
    request: FundRequest, state: str = "draft", *, amount: Decimal | None = None
) -> FundClaim:
    """A claim on an approved request with its proof, moved to `state` (draft, submitted,
    approved, paid)."""
    amount = amount if amount is not None else request.approved_amount
    with tenant_scope(request.tenant):
        found = claims.create_claim(
            request,
            {
                "actual_cost": (amount or Decimal(0)) * 2,
                "amount_claimed": amount,
                "leads_delivered": 5,
            },
            acting=ADMIN,
        )
        for proof in claims.required_proof(request):
            content, name = (PNG, "photo.png") if proof == "photos" else (PDF, f"{proof}.pdf")
            if proof == "attendee_list":
                content, name = b"name,email\nAda,ada@example.com\n", "attendees.csv"
            claims.add_proof(found, proof, upload(name, content), acting=ADMIN)
        if state in ("submitted", "approved", "paid"):
            claims.submit_claim(found, acting=ADMIN)
        if state in ("approved", "paid"):
            claims.approve_claim(found, acting=ADMIN)
        if state == "paid":
            claims.pay_claim(found, acting=ADMIN, reference="PAY-1", paid_on=timezone.localdate())
        return found


class BudgetFactory(factory.django.DjangoModelFactory[MdfBudget]):
    """A bare budget row (no allocations); `fund()` is what most tests want."""

    class Meta:
        model = MdfBudget

    quarter_start = factory.LazyAttribute(
        lambda o: Quarter.of(o.tenant, timezone.localdate()).start
    )
    amount = Decimal("50000.00")
    currency = factory.LazyAttribute(lambda o: o.tenant.currency)


def uneven_partners(world: Any, campaign_name: str = "Harvest days") -> Any:
    """Two partners a reallocation tells apart: the partner has 10,000 unused and no request; the
    rival was paid 1,000 for a campaign that won 10,000 and asks 2,000 beyond its 5,000. Returns
    the campaign."""
    from campaigns.tests.factories import CampaignFactory
    from pipeline.tests.factories import OpportunityFactory, StageFactory

    with tenant_scope(world.tenant):
        campaign = CampaignFactory(tenant=world.tenant, name=campaign_name)
        fund(world.tenant, world.partner, 10_000)
        fund(world.tenant, world.other_partner, 5_000)
        paid = request_in(
            world.tenant, world.other_partner, "approved", amount=1_000, campaign=campaign
        )
        claim_in(paid, "paid")
        OpportunityFactory(
            tenant=world.tenant,
            partner=world.other_partner,
            route="partner",
            campaign=campaign,
            amount=Decimal(10_000),
            currency=world.tenant.currency,
            opened_on=timezone.localdate(),
            stage=StageFactory(tenant=world.tenant, outcome="won"),
        )
        for _ in range(2):
            request_in(world.tenant, world.other_partner, "submitted", amount=3_000)
    return campaign
