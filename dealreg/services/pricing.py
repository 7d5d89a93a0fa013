"""Price integrity: each requested discount against the pricing corridor of its product line,
the registrant's route, the customer's tier and the partner's tier (guardrails'
`check_discount`, the one judge of corridors). The registration form calls `check_lines` as the
registrant types; submit stores each line's verdict, approval carries the approved discount, and
`record_leakage` notes a linked opportunity discounted beyond it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Account, ProductLine
from dealreg.models import DealRegistration, RegistrationLeakage
from guardrails.models import RulebookVersion
from guardrails.services.pricing import check_discount
from pipeline.models import OpportunityLine
from tenancy.models import Partner, Tenant

__all__ = ["LineVerdict", "check_lines", "check_registration_lines", "record_leakage"]


@dataclass(frozen=True)
class LineVerdict:
    product_line: ProductLine
    requested: Decimal
    inside: bool
    outside_by: Decimal
    min_discount: Decimal | None
    max_discount: Decimal | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "product_line": self.product_line.code,
            "requested_discount": str(self.requested),
            "inside": self.inside,
            "outside_by": str(self.outside_by),
            "min_discount": None if self.min_discount is None else str(self.min_discount),
            "max_discount": None if self.max_discount is None else str(self.max_discount),
            "message": self.message,
            "may_request_exception": not self.inside,
        }


def check_lines(
    tenant: Tenant,
    *,
    route: str,
    lines: list[tuple[ProductLine, Decimal]],
    account: Account | None = None,
    partner: Partner | None = None,
    version: RulebookVersion | None = None,
) -> list[LineVerdict]:
    """Each (product line, requested discount) against its corridor. A registrant outside is
    told by how much, and may attach an exception request before submitting."""
    verdicts = []
    for product_line, requested in lines:
        found = check_discount(
            tenant,
            product_line=product_line,
            route=route,
            discount_pct=Decimal(requested),
            tier=account.tier if account is not None else None,
            partner_tier=partner.tier if partner is not None else "",
            version=version,
        )
        verdicts.append(
            LineVerdict(
                product_line,
                Decimal(requested),
                found.inside,
                found.outside_by,
                found.min_discount,
                found.max_discount,
                found.message,
            )
        )
    return verdicts


def check_registration_lines(registration: DealRegistration) -> list[LineVerdict]:
    """The registration's lines, judged and their verdicts stored on them."""
    lines = list(registration.lines.select_related("product_line"))
    verdicts = check_lines(
        registration.tenant,
        route=registration.route,
        lines=[(line.product_line, line.requested_discount) for line in lines],
        account=registration.end_customer,
        partner=registration.registrant_partner,
        version=registration.rulebook_version,
    )
    for line, verdict in zip(lines, verdicts, strict=True):
        outside = verdict.outside_by if not verdict.inside else Decimal(0)
        if line.outside_corridor_by != outside:
            line.outside_corridor_by = outside
            line.save(update_fields=["outside_corridor_by", "updated_at"])
    return verdicts


def record_leakage(registration: DealRegistration) -> int:
    """Lines of the linked opportunity discounted beyond the registration's approved discount
    for their product line, stored per line with the revenue given away (by route)."""
    if registration.opportunity_id is None:
        return 0
    approved = {
        line.product_line_id: line.approved_discount
        for line in registration.lines.all()
        if line.approved_discount is not None
    }
    rows = []
    now = timezone.now()
    opportunity = registration.opportunity
    assert opportunity is not None
    for line in OpportunityLine.objects.filter(opportunity_id=opportunity.pk).select_related(
        "product"
    ):
        allowed = approved.get(line.product.product_line_id)
        if allowed is None or line.discount_pct <= allowed:
            continue
        excess = line.discount_pct - allowed
        rows.append(
            RegistrationLeakage(
                tenant_id=registration.tenant_id,
                registration=registration,
                opportunity_line=line,
                route=registration.route,
                approved_discount=allowed,
                actual_discount=line.discount_pct,
                amount=(line.quantity * line.list_price * excess / Decimal(100)).quantize(
                    Decimal("0.01")
                ),
                currency=opportunity.currency,
                recorded_at=now,
            )
        )
    with transaction.atomic():
        RegistrationLeakage.objects.filter(registration=registration).delete()
        RegistrationLeakage.objects.bulk_create(rows)
    return len(rows)
