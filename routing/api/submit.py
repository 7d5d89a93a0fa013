"""Leads from the channels that are not the API: the public web-to-lead form (routing.public)
and the submit pages of the portal, the sales door and the console (routing.views.submit).

They validate with the API's `LeadSerializer` and store through it, so they accept exactly what
the API accepts and queue the lead for processing the same way (routing.intake).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from campaigns.models import Campaign, Offer
from core.acting import action
from core.api.errors import flatten_errors
from core.tenancy import tenant_scope
from pipeline.choices import LeadSource
from pipeline.models import Lead
from routing.api.serializers import LeadSerializer
from routing.intake import submitter_defaults
from tenancy.acting import Acting
from tenancy.models import Membership, Partner, Tenant

__all__ = ["submit_lead", "submit_lead_as"]

# Keys of the submitted data the channel decides, not the submitter.
CHANNEL_KEYS = ("source",)


@action
def submit_lead(
    tenant: Tenant,
    data: Mapping[str, Any],
    *,
    acting: Acting,
    source: str,
    partner: Partner | None = None,
    source_detail: str = "",
    campaign: Campaign | None = None,
    offer: Offer | None = None,
) -> Lead:
    """Validate and store one lead from a channel that is not the API (a form, a page), and queue
    it for processing. `data` is in the API's shape (`first_name`, `email`, `product_interest`
    as a list of codes...). The lead counts as submitted by the acting person (nobody for a public
    form, which acts as the system) and `partner`; a channel that knows the campaign and the
    offer answered (an offer's landing page) records them. Raises django's ValidationError with a message
    per field."""
    if source not in LeadSource.values:
        raise ValueError(f"unknown lead source {source!r}")
    payload = {k: v for k, v in data.items() if k not in CHANNEL_KEYS}
    if source_detail:
        payload["source_detail"] = source_detail
    with tenant_scope(tenant):
        serializer = LeadSerializer(data=payload, context={"tenant": tenant, "membership": None})
        if not serializer.is_valid():
            raise ValidationError(flatten_errors(serializer.errors))
        with transaction.atomic():
            lead: Lead = serializer.save(
                tenant=tenant,
                source=source,
                submitted_by_user=acting.audit_user,
                submitted_by_partner=partner,
                **({"campaign": campaign} if campaign is not None else {}),
                **({"offer": offer} if offer is not None else {}),
            )
            return lead


@action
def submit_lead_as(data: Mapping[str, Any], *, acting: Membership, source_detail: str = "") -> Lead:
    """A signed-in person submits a lead in a front door (portal: their partner's lead; sales
    door or the console: a sales lead). The tenant and the submitter come from the membership."""
    return submit_lead(
        acting.tenant,
        data,
        acting=acting,
        source=LeadSource.PORTAL if acting.is_partner_user else LeadSource.SALES,
        partner=submitter_defaults(acting)["submitted_by_partner"],
        source_detail=source_detail,
    )
