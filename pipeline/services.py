"""Pipeline writes: stage changes kept as history, close dates, line items, default stages."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils import timezone

from pipeline.choices import Outcome
from pipeline.models import Opportunity, OpportunityLine, Stage, StageChange

__all__ = ["DEFAULT_STAGES", "ensure_default_stages", "record_stage_change", "set_lines"]

# (key, name, probability, outcome)
DEFAULT_STAGES = [
    ("qualify", "Qualify", 10, Outcome.OPEN),
    ("discover", "Discover", 20, Outcome.OPEN),
    ("propose", "Propose", 50, Outcome.OPEN),
    ("negotiate", "Negotiate", 75, Outcome.OPEN),
    ("closed-won", "Closed won", 100, Outcome.WON),
    ("closed-lost", "Closed lost", 0, Outcome.LOST),
]


def ensure_default_stages(tenant: Any) -> list[Stage]:
    """Give a tenant the default sales stages unless it has its own."""
    if not Stage.objects.exists():
        Stage.objects.bulk_create(
            [
                Stage(
                    tenant=tenant,
                    key=key,
                    name=name,
                    order=index,
                    probability=probability,
                    outcome=outcome,
                )
                for index, (key, name, probability, outcome) in enumerate(DEFAULT_STAGES, start=1)
            ]
        )
    return list(Stage.objects.all())


def record_stage_change(
    opportunity: Opportunity,
    from_stage_id: int | None,
    *,
    at: datetime | None = None,
    by: Any = None,
) -> StageChange | None:
    """Keep the stage the opportunity just entered; set or clear its close date to match."""
    if from_stage_id == opportunity.stage_id:
        return None
    change = StageChange.objects.create(
        tenant_id=opportunity.tenant_id,
        opportunity=opportunity,
        from_stage_id=from_stage_id,
        to_stage_id=opportunity.stage_id,
        changed_at=at or timezone.now(),
        changed_by=by if getattr(by, "is_authenticated", False) else None,
    )
    closed = opportunity.stage.outcome != Outcome.OPEN
    if closed and opportunity.closed_on is None:
        opportunity.closed_on = timezone.localdate()
        opportunity.save(update_fields=["closed_on"])
    elif not closed and opportunity.closed_on is not None:
        opportunity.closed_on = None
        opportunity.save(update_fields=["closed_on"])
    return change


def set_lines(opportunity: Opportunity, lines: Iterable[dict[str, Any]]) -> None:
    """Replace the opportunity's line items. A line without a list price takes the product's."""
    opportunity.lines.all().delete()
    OpportunityLine.objects.bulk_create(
        [
            OpportunityLine(
                tenant_id=opportunity.tenant_id,
                opportunity=opportunity,
                product=line["product"],
                quantity=line["quantity"],
                list_price=line.get("list_price", line["product"].list_price),
                discount_pct=line.get("discount_pct", 0),
            )
            for line in lines
        ]
    )
