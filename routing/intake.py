"""Lead intake: one validation path and one hand-off to processing for every channel.

The API (single and bulk upsert), CSV imports, the public web-to-lead form (routing.public) and
the submit pages of the portal and the sales door all validate with `LeadSerializer` and store
through it, so a lead is accepted or refused the same way whichever way it comes.

Storing first, then queueing: a new lead is written with status "new" in the intake's own
transaction, and the serializer's `after_save` hook (which the bulk engine also calls for the rows
its fast path inserts with bulk_create) hands its id to `queue_new_lead`, which calls
`routing.services.queue_processing` once that transaction commits, one call for all the leads
of a batch. If the broker is down, the lead is stored all the same and the sweeper
(`routing.services.sweep_unprocessed`) processes it later: no lead is lost between intake and
routing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core.api.errors import flatten_errors
from core.tenancy import tenant_scope
from pipeline.choices import LeadSource
from pipeline.models import Lead

__all__ = [
    "api_defaults",
    "import_defaults",
    "queue_new_lead",
    "submit_lead",
    "submit_lead_as",
    "submitter_defaults",
]

# Keys of the submitted data the channel decides, not the submitter.
CHANNEL_KEYS = ("source",)


class _Queue:
    """The new leads of one serializer context (a request, a bulk batch, an import batch),
    handed to processing in one call when the storing transaction commits.

    Each new lead registers the flush again: a callback registered inside a savepoint that rolls
    back is dropped with it (the bulk engine retries failed batches record by record), so the
    flush of a later, committed record still carries every id. Ids of rows that were rolled back
    cost nothing: processing skips ids it does not find."""

    def __init__(self, tenant_id: int) -> None:
        self.tenant_id = tenant_id
        self.ids: list[int] = []

    def add(self, lead_id: int) -> None:
        self.ids.append(lead_id)
        transaction.on_commit(self.flush)

    def flush(self) -> None:
        from routing.services import queue_processing

        ids, self.ids = self.ids, []
        if ids:
            queue_processing(self.tenant_id, ids)


def queue_new_lead(context: dict[str, Any], lead: Lead) -> None:
    """Queue `lead` (just stored) for processing after the storing transaction commits."""
    queue = context.get("_new_leads")
    if queue is None or queue.tenant_id != lead.tenant_id:
        queue = context["_new_leads"] = _Queue(lead.tenant_id)
    queue.add(lead.pk)


def submitter_defaults(membership: Any) -> dict[str, Any]:
    """Who submitted: the person, and for partner users their partner (never from the body)."""
    if membership is None:
        return {}
    partner = membership.partner if membership.is_partner_user else None
    return {"submitted_by_user": membership.user, "submitted_by_partner": partner}


def api_defaults(membership: Any, validated: Mapping[str, Any]) -> dict[str, Any]:
    """Values a lead created through the API takes from its creator: partner users' leads are
    portal submissions of their partner; direct sales people's are sales leads; an integration
    (RevOps admin token) sends API leads unless it names the source."""
    if membership is not None and membership.is_partner_user:
        source = LeadSource.PORTAL
    elif membership is not None and membership.is_direct_user:
        source = LeadSource.SALES
    else:
        source = validated.get("source") or LeadSource.API
    return {**submitter_defaults(membership), "source": source}


def import_defaults(membership: Any, validated: Mapping[str, Any]) -> dict[str, Any]:
    """Values a lead created by a CSV import takes: source "csv" unless the file names one."""
    return {**submitter_defaults(membership), "source": validated.get("source") or LeadSource.CSV}


def submit_lead(
    tenant: Any,
    data: Mapping[str, Any],
    *,
    source: str,
    user: Any = None,
    partner: Any = None,
    source_detail: str = "",
) -> Lead:
    """Validate and store one lead from a channel that is not the API (a form, a page), and queue
    it for processing. `data` is in the API's shape (`first_name`, `email`, `product_interest`
    as a list of codes...). Raises django's ValidationError with a message per field."""
    if source not in LeadSource.values:
        raise ValueError(f"unknown lead source {source!r}")
    from routing.api.serializers import LeadSerializer

    payload = {k: v for k, v in data.items() if k not in CHANNEL_KEYS}
    if source_detail:
        payload["source_detail"] = source_detail
    with tenant_scope(tenant):
        serializer = LeadSerializer(data=payload, context={"tenant": tenant, "membership": None})
        if not serializer.is_valid():
            raise ValidationError(flatten_errors(serializer.errors))
        with transaction.atomic():
            return serializer.save(
                tenant=tenant,
                source=source,
                submitted_by_user=user,
                submitted_by_partner=partner,
            )


def submit_lead_as(membership: Any, data: Mapping[str, Any], *, source_detail: str = "") -> Lead:
    """A signed-in person submits a lead in a front door (portal: their partner's lead; sales
    door or the console: a sales lead). The tenant and the submitter come from the membership."""
    defaults = submitter_defaults(membership)
    return submit_lead(
        membership.tenant,
        data,
        source=LeadSource.PORTAL if membership.is_partner_user else LeadSource.SALES,
        user=defaults["submitted_by_user"],
        partner=defaults["submitted_by_partner"],
        source_detail=source_detail,
    )
