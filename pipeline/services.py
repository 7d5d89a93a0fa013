"""Pipeline writes: stage changes kept as history, close dates, line items, default stages."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils import timezone

from core.acting import action
from pipeline.choices import Outcome
from pipeline.models import Opportunity, OpportunityLine, Stage, StageChange
from tenancy.acting import Acting
from tenancy.models import Membership, Tenant

__all__ = [
    "DEFAULT_STAGES",
    "ensure_default_stages",
    "opportunity_defaults",
    "record_stage_change",
    "set_lines",
    "touch_defaults",
]

# (key, name, probability, outcome)
DEFAULT_STAGES = [
    ("qualify", "Qualify", 10, Outcome.OPEN),
    ("discover", "Discover", 20, Outcome.OPEN),
    ("propose", "Propose", 50, Outcome.OPEN),
    ("negotiate", "Negotiate", 75, Outcome.OPEN),
    ("closed-won", "Closed won", 100, Outcome.WON),
    ("closed-lost", "Closed lost", 0, Outcome.LOST),
]


@action
def ensure_default_stages(tenant: Tenant, *, acting: Acting) -> list[Stage]:
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


@action
def record_stage_change(
    opportunity: Opportunity,
    from_stage_id: int | None,
    *,
    at: datetime | None = None,
    acting: Acting,
) -> StageChange | None:
    """Keep the stage the opportunity just entered; set or clear its close date to match.
    The person acting is kept as who changed it (nobody when the system acts)."""
    if from_stage_id == opportunity.stage_id:
        return None
    change = StageChange.objects.create(
        tenant_id=opportunity.tenant_id,
        opportunity=opportunity,
        from_stage_id=from_stage_id,
        to_stage_id=opportunity.stage_id,
        changed_at=at or timezone.now(),
        changed_by=acting.audit_user,
    )
    closed = opportunity.stage.outcome != Outcome.OPEN
    if closed and opportunity.closed_on is None:
        opportunity.closed_on = timezone.localdate()
        opportunity.save(update_fields=["closed_on"])
    elif not closed and opportunity.closed_on is not None:
        opportunity.closed_on = None
        opportunity.save(update_fields=["closed_on"])
    return change


@action
def set_lines(opportunity: Opportunity, lines: Iterable[dict[str, Any]], *, acting: Acting) -> None:
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


def opportunity_defaults(membership: Membership, validated: dict[str, Any]) -> dict[str, Any]:
    """What a new opportunity takes from who creates it (API, bulk upsert or import)."""
    if membership.role == "direct_rep":
        # A rep's new opportunity is theirs (and their team's) unless they name a colleague.
        if validated.get("owner_user") is not None:
            return {}
        return {"owner_user": membership.user, "owner_team": membership.team}
    if membership.is_partner_user:
        return {"route": "partner", "partner": membership.partner}
    return {}


def touch_defaults(membership: Membership, validated: dict[str, Any]) -> dict[str, Any]:
    """Who made a new touch, when the creator logs it themselves."""
    if membership.is_partner_user:
        return {
            "route": "partner",
            "actor_partner": membership.partner,
            "actor_user": membership.user,
        }
    if membership.role in ("direct_rep", "direct_manager"):
        return {"actor_user": membership.user, "actor_team": membership.team}
    return {}
