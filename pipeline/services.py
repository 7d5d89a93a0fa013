"""Pipeline writes: stage changes kept as history, close dates, line items, default stages, and
campaign responses with the touch each one logs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from accounts.models import Account, Contact
from campaigns.models import Campaign, Offer
from core.acting import action
from pipeline.choices import Channel, Outcome, ResponseKind, TouchRoute
from pipeline.models import (
    CampaignResponse,
    Lead,
    Opportunity,
    OpportunityLine,
    Stage,
    StageChange,
    Touch,
)
from tenancy.acting import Acting
from tenancy.choices import Role
from tenancy.models import Membership, Partner, Tenant

__all__ = [
    "DEFAULT_STAGES",
    "RESPONSE_CHANNELS",
    "ensure_default_stages",
    "opportunity_defaults",
    "record_response",
    "record_stage_change",
    "response_defaults",
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


# --- campaign responses -----------------------------------------------------------------------

# The touch channel closest to each kind of response.
RESPONSE_CHANNELS = {
    ResponseKind.LANDING_PAGE: Channel.FORM_FILL,
    ResponseKind.FORM: Channel.FORM_FILL,
    ResponseKind.EVENT: Channel.EVENT,
    ResponseKind.WEBINAR: Channel.EVENT,
    ResponseKind.EMAIL: Channel.EMAIL,
    ResponseKind.AD_CLICK: Channel.AD_CLICK,
    ResponseKind.OTHER: Channel.OTHER,
}


def response_defaults(membership: Membership, validated: dict[str, Any]) -> dict[str, Any]:
    """A partner admin's responses are their own partner's (API, bulk upsert)."""
    if membership.is_partner_user:
        return {"partner": membership.partner}
    return {}


def _check_responder(acting: Acting, partner: Partner | None) -> None:
    """Who may record a response: the system (a landing page), RevOps admins, and a partner admin
    for their own partner, as through the API."""
    if not isinstance(acting, Membership) or acting.is_admin:
        return
    if acting.role != Role.PARTNER_ADMIN:
        raise PermissionDenied("Only RevOps admins and partner admins record campaign responses.")
    if partner is None or partner.pk != acting.partner_id:
        raise PermissionDenied("A partner admin records only their own partner's responses.")


def _check_tenant(tenant: Tenant, rows: dict[str, models.Model | None]) -> None:
    """Every row named belongs to `tenant`: a caller's mix-up is refused, never stored."""
    for name, row in rows.items():
        if row is not None and getattr(row, "tenant_id", None) != tenant.pk:
            raise ValidationError({name: f"No such {name.replace('_', ' ')} in this tenant."})


@action
def record_response(
    *,
    tenant: Tenant,
    acting: Acting,
    campaign: Campaign | None,
    offer: Offer | None,
    partner: Partner | None,
    kind: str,
    occurred_at: datetime,
    lead: Lead | None = None,
    account: Account | None = None,
    contact: Contact | None = None,
    email: str = "",
    roi_inputs: dict[str, Any] | None = None,
    roi_result: Decimal | None = None,
) -> CampaignResponse:
    """Store a person's response to a campaign or an offer (`partner`: whose co-branded page or
    activity; None: the manufacturer's own) and log it as a touch (route partner or marketing,
    the campaign and offer on it), in one transaction. The account, contact and email default to
    the lead's; a lead without a campaign or an offer of its own takes the response's. With no
    lead, account or contact there is no one to log a touch on, and only the response is stored.
    Raises ValidationError (the row rules of CampaignResponse: a campaign or an offer, the offer
    one of the campaign's) or PermissionDenied."""
    _check_tenant(
        tenant,
        {
            "campaign": campaign,
            "offer": offer,
            "partner": partner,
            "lead": lead,
            "account": account,
            "contact": contact,
        },
    )
    _check_responder(acting, partner)
    if lead is not None:
        account = account or lead.account
        contact = contact or lead.contact
        email = email or lead.email
    response = CampaignResponse(
        tenant=tenant,
        campaign=campaign,
        offer=offer,
        partner=partner,
        kind=kind,
        occurred_at=occurred_at,
        lead=lead,
        account=account,
        contact=contact,
        email=email,
        roi_inputs=roi_inputs or {},
        roi_result=roi_result,
    )
    response.full_clean(exclude=["tenant"])
    with transaction.atomic():
        if lead is not None or account is not None or contact is not None:
            response.touch = _response_touch(response, acting)
        response.save()
        if lead is not None:
            _link_lead(lead, campaign, offer)
    return response


def _response_touch(response: CampaignResponse, acting: Acting) -> Touch:
    what = response.campaign or response.offer
    touch = Touch(
        tenant_id=response.tenant_id,
        lead=response.lead,
        account=response.account,
        contact=response.contact,
        channel=RESPONSE_CHANNELS[ResponseKind(response.kind)],
        route=TouchRoute.PARTNER if response.partner_id else TouchRoute.MARKETING,
        actor_partner=response.partner,
        actor_user=acting.audit_user,
        occurred_at=response.occurred_at,
        subject=f"{response.get_kind_display()}: {what}"[:300],
        campaign=response.campaign,
        offer=response.offer,
    )
    touch.save()
    return touch


def _link_lead(lead: Lead, campaign: Campaign | None, offer: Offer | None) -> None:
    """A lead that came in through the response counts for its campaign and offer, unless it
    names a campaign or an offer already. The row is locked, as lead ops lock it."""
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if locked.campaign_id is not None or locked.offer_id is not None:
        return
    locked.campaign, locked.offer = campaign, offer
    locked.save(update_fields=["campaign", "offer"])
    lead.campaign, lead.offer, lead.version = campaign, offer, locked.version
