"""Pricing corridors: a draft's corridors are edited here, and the active version's corridors
judge discounts. `check_discount` answers for one line (an approved, unexpired discount exception
allows up to its discount); `record_leakage` stores, per opportunity line, the revenue given away
above the corridor without such an exception."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Account, ProductLine, Tier
from core.acting import action
from guardrails.choices import ExceptionKind, ExceptionStatus
from guardrails.models import DiscountLeakage, PricingCorridor, RulebookVersion, RuleException
from guardrails.services.versions import active_version, lock_draft
from pipeline.choices import Outcome as StageOutcome
from pipeline.choices import Route
from pipeline.models import Opportunity, OpportunityLine
from tenancy.acting import Acting
from tenancy.choices import PartnerTier
from tenancy.models import Tenant

__all__ = [
    "CorridorIndex",
    "CorridorVerdict",
    "check_discount",
    "delete_corridor",
    "record_leakage",
    "save_corridor",
    "verdict",
]


@action
@transaction.atomic
def save_corridor(
    version: RulebookVersion,
    data: dict,
    *,
    corridor: PricingCorridor | None = None,
    acting: Acting,
) -> PricingCorridor:
    version = lock_draft(version)
    errors: dict[str, str] = {}
    line = data.get("product_line")
    if not isinstance(line, ProductLine):
        found = (
            ProductLine.objects.filter(Q(code=str(line)) | Q(pk=int(str(line)))).first()
            if str(line).isdigit() and len(str(line)) < 19
            else ProductLine.objects.filter(code=str(line or "")).first()
        )
        if found is None:
            errors["product_line"] = f"Unknown product line {line!r}."
        line = found
    route = str(data.get("route") or "")
    if route not in Route.values:
        errors["route"] = f"Expected one of {', '.join(Route.values)}."
    tier = data.get("tier")
    if tier not in (None, "") and not isinstance(tier, Tier):
        found_tier = Tier.objects.filter(key=str(tier)).first()
        if found_tier is None:
            errors["tier"] = f"Unknown tier {tier!r}."
        tier = found_tier
    tier = tier or None
    partner_tier = data.get("partner_tier") or ""
    if partner_tier and partner_tier not in PartnerTier.values:
        errors["partner_tier"] = f"Expected one of {', '.join(PartnerTier.values)}."
    bounds = {}
    for key in ("min_discount", "max_discount"):
        try:
            bounds[key] = Decimal(str(data.get(key))).quantize(Decimal("0.01"))
            if not Decimal(0) <= bounds[key] <= Decimal(100):
                raise ValueError
        except Exception:
            errors[key] = "A percentage between 0 and 100."
    row = PricingCorridor(route=route, partner_tier=partner_tier, **bounds)
    try:
        row.clean()  # the rules about one corridor (PricingCorridor.clean)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, messages[0])
    if not errors:
        clash = PricingCorridor.objects.filter(
            version=version, product_line=line, route=route, tier=tier, partner_tier=partner_tier
        )
        if corridor is not None:
            clash = clash.exclude(pk=corridor.pk)
        if clash.exists():
            errors["__all__"] = "A corridor for this product line, route and tiers already exists."
    if errors:
        raise ValidationError(errors)
    assert isinstance(line, ProductLine)  # an unknown product line was refused above
    corridor = corridor or PricingCorridor(tenant=version.tenant, version=version)
    if corridor.version_id != version.pk:
        raise ValidationError("That corridor belongs to another version.")
    corridor.product_line, corridor.route, corridor.tier = line, route, tier
    corridor.partner_tier = partner_tier
    corridor.min_discount, corridor.max_discount = bounds["min_discount"], bounds["max_discount"]
    corridor.save()
    return corridor


@action
@transaction.atomic
def delete_corridor(corridor: PricingCorridor, *, acting: Acting) -> None:
    lock_draft(corridor.version)
    corridor.delete()


@dataclass(frozen=True)
class CorridorVerdict:
    inside: bool
    corridor: PricingCorridor | None
    min_discount: Decimal | None
    max_discount: Decimal | None
    outside_by: Decimal  # percentage points: above the maximum (+) or below the minimum (-)
    exception: RuleException | None = None

    @property
    def message(self) -> str:
        if self.corridor is None:
            return "No pricing corridor covers this product line and route."
        if self.exception is not None:
            return (
                f"Allowed by exception #{self.exception.pk} up to "
                f"{self.exception.requested_discount}% until {self.exception.ends_on:%Y-%m-%d}."
            )
        if self.inside:
            return f"Inside the corridor ({self.min_discount}–{self.max_discount}%)."
        side = "above the maximum" if self.outside_by > 0 else "below the minimum"
        return f"{abs(self.outside_by)} points {side} of the corridor ({self.min_discount}–{self.max_discount}%)."


class CorridorIndex:
    """A version's corridors by (product line, route); the most specific match wins: tier and
    partner tier both set, then partner tier, then tier, then neither."""

    def __init__(self, version: RulebookVersion | None) -> None:
        self.by_key: dict[tuple, list[PricingCorridor]] = defaultdict(list)
        if version is None:
            return
        for corridor in PricingCorridor.objects.filter(version=version).select_related("tier"):
            self.by_key[(corridor.product_line_id, corridor.route)].append(corridor)

    def find(self, line_id: int, route: str, tier_id: int | None, partner_tier: str):
        best, best_score = None, -1
        for corridor in self.by_key.get((line_id, route), ()):
            if corridor.tier_id not in (None, tier_id):
                continue
            if corridor.partner_tier not in ("", partner_tier):
                continue
            score = (2 if corridor.partner_tier else 0) + (1 if corridor.tier_id else 0)
            if score > best_score:
                best, best_score = corridor, score
        return best


def _discount_exception(opportunity_id, line_id, today) -> dict[tuple, RuleException]:
    query = RuleException.objects.filter(
        kind=ExceptionKind.DISCOUNT, status=ExceptionStatus.APPROVED, ends_on__gte=today
    )
    if opportunity_id is not None:
        query = query.filter(opportunity_id__in=opportunity_id)
    if line_id is not None:
        query = query.filter(product_line_id=line_id)
    return {(e.opportunity_id, e.product_line_id): e for e in query.order_by("reviewed_at", "id")}


def verdict(
    corridor: PricingCorridor | None, discount: Decimal, exception: RuleException | None
) -> CorridorVerdict:
    if corridor is None:
        return CorridorVerdict(True, None, None, None, Decimal(0))
    low, high = corridor.min_discount, corridor.max_discount
    outside = discount - high if discount > high else (discount - low if discount < low else 0)
    outside = Decimal(outside).quantize(Decimal("0.01"))
    allowed = exception.requested_discount if exception is not None else None
    if outside > 0 and allowed is not None and discount <= allowed:
        return CorridorVerdict(True, corridor, low, high, outside, exception)
    return CorridorVerdict(outside == 0, corridor, low, high, outside)


def check_discount(
    tenant: Tenant,
    *,
    product_line: ProductLine,
    route: str,
    discount_pct: Decimal,
    tier: Tier | None = None,
    partner_tier: str = "",
    opportunity: Opportunity | None = None,
    account: Account | None = None,
    version: RulebookVersion | None = None,
) -> CorridorVerdict:
    """Is this discount inside its corridor, and by how much is it outside? An approved, unexpired
    discount exception for the opportunity and product line allows up to its discount. Refused
    (ValidationError) when the opportunity is not the account's."""
    if opportunity is not None and account is not None and opportunity.account_id != account.pk:
        raise ValidationError({"opportunity": "This opportunity belongs to another account."})
    version = version or active_version(tenant)
    if account is not None and tier is None:
        tier = account.tier
    if opportunity is not None:
        route = route or opportunity.route
        if tier is None:
            tier = opportunity.account.tier
        if not partner_tier and opportunity.partner is not None:
            partner_tier = opportunity.partner.tier
    corridor = CorridorIndex(version).find(
        product_line.pk, route, tier.pk if tier else None, partner_tier
    )
    exception = None
    if opportunity is not None:
        found = _discount_exception([opportunity.pk], product_line.pk, timezone.localdate())
        exception = found.get((opportunity.pk, product_line.pk))
    return verdict(corridor, Decimal(discount_pct), exception)


@action
def record_leakage(
    tenant: Tenant, opportunity_ids: Iterable[int] | None = None, *, acting: Acting
) -> int:
    """Record (or clear) leakage for the lines of the given opportunities (or all): discounts
    above the corridor without an approved exception, as revenue given away."""
    version = active_version(tenant)
    index = CorridorIndex(version)
    ids = None if opportunity_ids is None else sorted(set(opportunity_ids))
    lines = OpportunityLine.objects.exclude(opportunity__stage__outcome=StageOutcome.LOST)
    stale = DiscountLeakage.objects.all()
    if ids is not None:
        lines = lines.filter(opportunity_id__in=ids)
        stale = stale.filter(opportunity_id__in=ids)
    rows = lines.values_list(
        "id",
        "opportunity_id",
        "product__product_line_id",
        "quantity",
        "list_price",
        "discount_pct",
        "opportunity__route",
        "opportunity__account__tier_id",
        "opportunity__partner__tier",
        "opportunity__currency",
    )
    exceptions = _discount_exception(ids, None, timezone.localdate())
    now = timezone.now()
    found = []
    for line_id, opp_id, pl_id, qty, price, discount, route, tier_id, ptier, currency in rows:
        corridor = index.find(pl_id, route, tier_id, ptier or "")
        result = verdict(corridor, discount, exceptions.get((opp_id, pl_id)))
        if result.inside or result.outside_by <= 0:
            continue
        amount = (qty * price * result.outside_by / Decimal(100)).quantize(Decimal("0.01"))
        found.append(
            DiscountLeakage(
                tenant_id=tenant.pk,
                opportunity_id=opp_id,
                line_id=line_id,
                version=version,
                corridor=corridor,
                route=route,
                discount_pct=discount,
                max_discount=corridor.max_discount,
                amount=amount,
                currency=currency,
                recorded_at=now,
            )
        )
    with transaction.atomic():
        stale.delete()
        DiscountLeakage.objects.bulk_create(found, batch_size=2000)
    return len(found)
