"""Reallocation: move a quarter's unused funds from partners who do not use them, or use them
with a low return, to partners with a high return who need more (docs/mdf.md, "Reallocation").

`recommend` only proposes: it writes a `Reallocation` with one `ReallocationLine` per move, each
with the amount, the reason in words and the figures behind it. Nothing moves until a RevOps
admin accepts a line (`accept_line`, with the amount as proposed or edited): then the amount
leaves the source's balance and reaches the target's as two `reallocated` ledger entries linked
to the line, under both balances' locks; a source that no longer has the funds is refused with
the figure. `reject_line` records the decision and moves nothing.

The figures (per partner, one grouped query each): the quarter's balance (available, funded,
used), its open requests (submitted or returned for information), and ROI over the trailing
four quarters (the quarter and the three before it, `mdf.services.roi`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from core.acting import action
from mdf.choices import EntryKind, LineState, RequestState
from mdf.models import ZERO, FundBalance, FundRequest, Reallocation, ReallocationLine
from mdf.services.ledger import balance_of, locked_balances, post
from mdf.services.roi import RoiRow, partner_roi
from mdf.services.state import may_decide, money, quarter_name
from tenancy.acting import Acting
from tenancy.models import Partner, Tenant
from tenancy.quarters import Quarter

__all__ = [
    "HIGH_UTILISATION",
    "LOW_ROI_SHARE",
    "TRAILING_QUARTERS",
    "PartnerFigures",
    "accept_line",
    "partner_figures",
    "recommend",
    "reject_line",
]

TRAILING_QUARTERS = 4
# A partner's ROI is low below half the tenant's, high at or above the tenant's.
LOW_ROI_SHARE = Decimal("0.5")
# Used (committed, claimed or paid) at least this share of its funds: it needs more.
HIGH_UTILISATION = Decimal(80)
# A target with high use and no request beyond its balance is offered this share of its funds.
TOP_UP_SHARE = Decimal("0.25")
OPEN = (RequestState.SUBMITTED, RequestState.RETURNED)
CENT = Decimal("0.01")


@dataclass
class PartnerFigures:
    """One partner's figures for the quarter, as a line shows them."""

    partner_id: int
    name: str
    available: Decimal = ZERO
    funded: Decimal = ZERO
    used: Decimal = ZERO
    requests: int = 0
    open_requests: Decimal = ZERO
    roi: RoiRow | None = None

    @property
    def utilisation(self) -> Decimal | None:
        """Committed, claimed and paid, per 100 of what it received for the quarter."""
        if self.funded <= 0:
            return None
        return (self.used * 100 / self.funded).quantize(Decimal("0.1"))

    @property
    def shortfall(self) -> Decimal:
        """What its open requests ask beyond what it has available."""
        return max(self.open_requests - self.available, ZERO)

    @property
    def spare(self) -> Decimal:
        """Available funds its own open requests do not need."""
        return max(self.available - self.open_requests, ZERO)

    def as_dict(self) -> dict[str, Any]:
        roi = self.roi
        return {
            "partner": self.partner_id,
            "name": self.name,
            "available": str(self.available),
            "funded": str(self.funded),
            "utilisation": None if self.utilisation is None else str(self.utilisation),
            "requests": self.requests,
            "open_requests": str(self.open_requests),
            "paid": str(roi.paid) if roi else "0.00",
            "won": str(roi.won) if roi else "0.00",
            "roi": str(roi.roi) if roi and roi.roi is not None else None,
        }


def partner_figures(tenant: Tenant, quarter: Quarter) -> dict[int, PartnerFigures]:
    """Every partner's figures for the quarter: four grouped queries and the ROI's."""
    names = dict(Partner.objects.values_list("pk", "name"))
    found = {pk: PartnerFigures(pk, name) for pk, name in names.items()}
    for row in FundBalance.objects.filter(quarter_start=quarter.start).values(
        "partner_id",
        "available",
        "allocated",
        "accrued",
        "carried",
        "moved",
        "committed",
        "claimed",
        "paid",
    ):
        figures = found[row["partner_id"]]
        figures.available = row["available"]
        figures.funded = row["allocated"] + row["accrued"] + row["carried"] + row["moved"]
        figures.used = row["committed"] + row["claimed"] + row["paid"]
    requests = FundRequest.objects.filter(quarter_start=quarter.start).exclude(
        state=RequestState.DRAFT
    )
    for partner_id, n in _counts(requests):
        found[partner_id].requests = n
    open_sums = (
        requests.filter(state__in=OPEN)
        .values("partner_id")
        .annotate(total=Sum("amount_requested"))
        .order_by()
    )
    for asked in open_sums:
        found[asked["partner_id"]].open_requests = asked["total"] or ZERO
    trailing = partner_roi(tenant, quarter.shifted(1 - TRAILING_QUARTERS), quarter)
    for partner_id, roi_row in trailing.items():
        found[partner_id].roi = roi_row
    return found


def _counts(rows: Any) -> list[tuple[int, int]]:
    return list(rows.values("partner_id").annotate(n=Count("id")).values_list("partner_id", "n"))


def _tenant_roi(figures: dict[int, PartnerFigures]) -> Decimal | None:
    paid = sum((f.roi.paid for f in figures.values() if f.roi), ZERO)
    won = sum((f.roi.won for f in figures.values() if f.roi), ZERO)
    return (won / paid).quantize(CENT) if paid else None


def _roi(f: PartnerFigures) -> Decimal | None:
    return f.roi.roi if f.roi else None


def _source_reason(f: PartnerFigures, tenant: Tenant, name: str) -> str:
    if not f.requests:
        return f"{f.name} has {money(f.spare, tenant)} unused in {name} and no request this quarter"
    return (
        f"{f.name} has {money(f.spare, tenant)} unused in {name} and returned "
        f"{_roi(f) if _roi(f) is not None else 'nothing measurable'} per unit paid over the last "
        f"{TRAILING_QUARTERS} quarters"
    )


def _target_reason(f: PartnerFigures, tenant: Tenant) -> str:
    need = (
        f"asks {money(f.shortfall, tenant)} more than it has available"
        if f.shortfall > 0
        else f"has used {f.utilisation} % of its funds"
    )
    return f"{f.name} returned {_roi(f)} per unit paid and {need}"


def _need(f: PartnerFigures) -> Decimal:
    if f.shortfall > 0:
        return f.shortfall
    return (f.funded * TOP_UP_SHARE).quantize(CENT)


@action
def recommend(tenant: Tenant, quarter: Quarter, *, acting: Acting) -> Reallocation:
    """A recommendation for the quarter. Sources: partners with funds their open requests do not
    need whose trailing ROI is low (below half the tenant's) or who filed no request this quarter.
    Targets: partners whose trailing ROI is at least the tenant's (and above 0) and who need more
    (open requests beyond their balance, or 80 % of their funds used). The best target is served
    first, from the lowest-returning source first (no request at all before a low ROI)."""
    may_decide(acting)
    figures = partner_figures(tenant, quarter)
    overall = _tenant_roi(figures)
    low = overall * LOW_ROI_SHARE if overall is not None else None

    def low_return(f: PartnerFigures) -> bool:
        mine = _roi(f)
        return low is not None and (mine is None or mine < low)

    def high_return(f: PartnerFigures) -> bool:
        mine = _roi(f)
        return overall is not None and mine is not None and mine > 0 and mine >= overall

    def needs_more(f: PartnerFigures) -> bool:
        used = f.utilisation or Decimal(0)
        return (f.shortfall > 0 or used >= HIGH_UTILISATION) and _need(f) > 0

    sources = [f for f in figures.values() if f.spare > 0 and (not f.requests or low_return(f))]
    targets = [f for f in figures.values() if high_return(f) and needs_more(f)]
    sources.sort(key=lambda f: (bool(f.requests), _roi(f) or ZERO, -f.spare, f.name))
    targets.sort(key=lambda f: (-(_roi(f) or ZERO), f.name))
    name = quarter_name(tenant, quarter.start)
    with transaction.atomic():
        reallocation = Reallocation.objects.create(
            tenant=tenant,
            quarter_start=quarter.start,
            created_by=acting.audit_user,
            summary={
                "tenant_roi": None if overall is None else str(overall),
                "low_roi_below": None if low is None else str(low.quantize(CENT)),
                "trailing_quarters": [
                    quarter.shifted(-i).code for i in range(TRAILING_QUARTERS - 1, -1, -1)
                ],
                "partners": len(figures),
                "sources": len(sources),
                "targets": len(targets),
            },
        )
        spare = {f.partner_id: f.spare for f in sources}
        lines = []
        for target in targets:
            need = _need(target)
            for source in sources:
                if need <= 0:
                    break
                if source.partner_id == target.partner_id or spare[source.partner_id] <= 0:
                    continue
                amount = min(need, spare[source.partner_id])
                spare[source.partner_id] -= amount
                need -= amount
                lines.append(
                    ReallocationLine(
                        tenant=tenant,
                        reallocation=reallocation,
                        from_partner_id=source.partner_id,
                        to_partner_id=target.partner_id,
                        proposed_amount=amount,
                        reason=(
                            f"{_source_reason(source, tenant, name)}; "
                            f"{_target_reason(target, tenant)}."
                        )[:500],
                        figures={
                            "from": source.as_dict(),
                            "to": target.as_dict(),
                            "tenant_roi": None if overall is None else str(overall),
                        },
                    )
                )
        ReallocationLine.objects.bulk_create(lines)
    return reallocation


def _decided(line: ReallocationLine) -> None:
    if line.state != LineState.PROPOSED:
        raise ValidationError(
            {
                "line": f"This line was already {line.get_state_display().lower()}; "
                "it is decided once."
            }
        )


def _lock_line(line: ReallocationLine) -> ReallocationLine:
    return (
        ReallocationLine.objects.select_for_update()
        .select_related("reallocation", "from_partner", "to_partner", "tenant")
        .get(pk=line.pk)
    )


@action
def accept_line(
    line: ReallocationLine,
    *,
    acting: Acting,
    amount: Decimal | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> ReallocationLine:
    """Move the line's amount (as proposed, or `amount` edited) from the source's balance to the
    target's for the quarter, in two ledger entries; refused, moving nothing, when the source no
    longer has it available or the quarter's funds are closed."""
    may_decide(acting)
    now = now or timezone.now()
    with transaction.atomic():
        line = _lock_line(line)
        _decided(line)
        tenant = line.tenant
        amount = line.proposed_amount if amount is None else Decimal(amount).quantize(CENT)
        if amount <= 0:
            raise ValidationError({"amount": "Move an amount above zero, or reject the line."})
        start = line.reallocation.quarter_start
        rows = [
            balance_of(tenant, line.from_partner_id, start),
            balance_of(tenant, line.to_partner_id, start),
        ]
        locked = locked_balances(rows)
        source, target = locked[rows[0].pk], locked[rows[1].pk]
        name = quarter_name(tenant, start)
        if source.closed_at is not None or target.closed_at is not None:
            raise ValidationError({"amount": f"{name} has ended; its funds are closed."})
        if source.available < amount:
            raise ValidationError(
                {
                    "amount": f"{line.from_partner.name} has only {money(source.available, tenant)} "
                    f"available in {name} now; {money(amount, tenant)} cannot be moved."
                }
            )
        reason = (
            f"Reallocation line #{line.pk}: {money(amount, tenant)} from "
            f"{line.from_partner.name} to {line.to_partner.name}."
        )
        post(
            source,
            EntryKind.REALLOCATED,
            -amount,
            acting=acting,
            reason=reason,
            line=line,
            at=now,
            what=f"Moving {money(amount, tenant)}",
        )
        post(target, EntryKind.REALLOCATED, amount, acting=acting, reason=reason, line=line, at=now)
        line.state = LineState.ACCEPTED
        line.amount = amount
        line.decided_by = acting.audit_user
        line.decided_at = now
        line.decision_note = note[:500]
        line.save()
    return line


@action
def reject_line(
    line: ReallocationLine, *, acting: Acting, note: str, now: dt.datetime | None = None
) -> ReallocationLine:
    """Turn the line down (with a note); nothing moves."""
    may_decide(acting)
    if not (note or "").strip():
        raise ValidationError({"note": "Say why the line is rejected."})
    with transaction.atomic():
        line = _lock_line(line)
        _decided(line)
        line.state = LineState.REJECTED
        line.decided_by = acting.audit_user
        line.decided_at = now or timezone.now()
        line.decision_note = note.strip()[:500]
        line.save()
    return line
