"""Lead intake: what every channel's lead must be, and one hand-off to processing.

Every channel validates with the API's `LeadSerializer` (the API, single and bulk; CSV imports;
the public web-to-lead form and the submit pages through `routing.api.submit`), so a lead is
accepted or refused the same way whichever way it comes. The serializer declares the fields; the
rules are here and on the model (`pipeline.models.Lead.clean`: someone must be able to get back
to the lead): the fields routing owns, the phone a person would type, the tenant's product line
codes, the keys an edit after processing derives again, and who a new lead counts as submitted by.

Storing first, then queueing: a new lead is written with status "new" in the intake's own
transaction, and the serializer's `after_save` hook (which the bulk engine also calls for the rows
its fast path inserts with bulk_create) hands its id to `queue_new_lead`, which calls
`routing.queue.queue_processing` once that transaction commits, one call for all the leads
of a batch. If the broker is down, the lead is stored all the same and the sweeper
(`routing.services.sweep_unprocessed`) processes it later: no lead is lost between intake and
routing.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import ProductLine
from core.tenancy import tenant_scope
from pipeline.choices import LeadSource
from pipeline.models import Lead
from routing import dedupe_weights
from routing.enrich import normalise_lead
from routing.queue import queue_processing
from tenancy.models import Membership, Tenant

__all__ = [
    "ROUTING_FIELDS",
    "api_defaults",
    "derived_keys",
    "import_defaults",
    "known_product_lines",
    "product_line_codes",
    "queue_new_lead",
    "refused_routing_fields",
    "submitter_defaults",
    "validate_phone",
]

# Fields lead ops sets (routing, ownership): a client sending one is told so, rather than having
# it silently ignored.
ROUTING_FIELDS = {
    "status": "Routing sets the status; use the lead's accept, reject or reassign actions.",
    "route": "Routing sets the route; RevOps admins use the lead's reassign action.",
    "assigned_team": "Routing assigns leads; RevOps admins use the lead's reassign action.",
    "assigned_user": "Routing assigns leads; RevOps admins use the lead's reassign action.",
    "assigned_partner": "Routing assigns leads; RevOps admins use the lead's reassign action.",
    "assigned_at": "Set when the lead is assigned.",
    "decision": "The routing decision is recorded by routing.",
    "duplicate_of": "Set by deduplication; RevOps admins merge in the duplicate review.",
    "submitted_by_user": "Taken from who submits the lead.",
    "submitted_by_partner": "Taken from who submits the lead.",
}
# What enrichment derives from the intake fields (routing.enrich.normalise_lead), and from which.
DERIVED_KEYS = ("email_key", "country_code", "region_code", "domain", "phone_e164", "company_key")
KEY_SOURCES = {"email", "country", "region", "website", "phone", "company"}
PHONE = re.compile(r"^\+?[\d\s().\-/]+(?:\s*(?:ext\.?|x|#)\s*\d{1,6})?$", re.IGNORECASE)


def refused_routing_fields(data: Any) -> dict[str, str]:
    """The fields of submitted `data` that routing sets, each with what to do instead."""
    if not isinstance(data, Mapping):
        return {}
    return {name: ROUTING_FIELDS[name] for name in sorted(set(data) & set(ROUTING_FIELDS))}


def validate_phone(value: str) -> str:
    """A phone number as a person types it (enrichment stores it in E.164)."""
    digits = sum(ch.isdigit() for ch in value)
    if value and (not PHONE.match(value) or not 5 <= digits <= 21):
        raise ValidationError(
            "Give a phone number: digits, spaces and + ( ) - . / only, optionally an extension "
            "(e.g. +49 89 1234 5678 ext 12)."
        )
    return value


def known_product_lines() -> dict[str, str]:
    """The tenant's product line codes by their lower-case form."""
    return {code.lower(): code for code in ProductLine.objects.values_list("code", flat=True)}


def product_line_codes(codes: list[str], known: Mapping[str, str]) -> list[str]:
    """`codes` as the tenant writes them, once each; unknown codes are refused by name."""
    unknown = [code for code in codes if code.strip().lower() not in known]
    if unknown:
        listed = ", ".join(sorted(known.values())) or "none yet"
        raise ValidationError(
            f"Unknown product line code{'s' if len(unknown) > 1 else ''}: "
            f"{', '.join(unknown)}. Known codes: {listed}."
        )
    return list(dict.fromkeys(known[code.strip().lower()] for code in codes))


def derived_keys(lead: Lead | None, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The keys enrichment derives, again, for an edit of a processed lead (dedupe and the inboxes
    read them, so they must stay true to the fields); the routing itself stands. Empty for a new
    lead, one not processed yet, or an edit that changes none of their sources."""
    if lead is None or lead.processed_at is None or not KEY_SOURCES & set(changes):
        return {}
    probe = copy.copy(lead)
    for name, value in changes.items():
        setattr(probe, name, value)
    normalise_lead(probe)
    return {key: getattr(probe, key) for key in DERIVED_KEYS}


class _Queue:
    """The new leads of one serializer context (a request, a bulk batch, an import batch),
    handed to processing in one call when the storing transaction commits.

    Each new lead registers the flush again: a callback registered inside a savepoint that rolls
    back is dropped with it (the bulk engine retries failed batches record by record), so the
    flush of a later, committed record still carries every id. Ids of rows that were rolled back
    cost nothing: processing skips ids it does not find."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self.tenant_id = tenant.pk
        self.ids: list[int] = []

    def add(self, lead_id: int) -> None:
        self.ids.append(lead_id)
        transaction.on_commit(self.flush)

    def flush(self) -> None:
        ids, self.ids = self.ids, []
        if not ids:
            return
        # A big import that would be matched with weights learned from far fewer people (or
        # the defaults) is processed once the weights are learned from it too.
        with tenant_scope(self.tenant):  # a callback on commit may run outside the request's
            due = dedupe_weights.learning_due_before(self.tenant_id, len(ids))
        if due:
            if dedupe_weights.request_learning(self.tenant_id, then_process=ids):
                return
            dedupe_weights.learning_finished(self.tenant_id)
        queue_processing(self.tenant_id, ids)


def queue_new_lead(context: dict[str, Any], lead: Lead) -> None:
    """Queue `lead` (just stored) for processing after the storing transaction commits."""
    queue = context.get("_new_leads")
    if queue is None or queue.tenant_id != lead.tenant_id:
        queue = context["_new_leads"] = _Queue(lead.tenant)
    queue.add(lead.pk)


def submitter_defaults(membership: Membership | None) -> dict[str, Any]:
    """Who submitted: the person, and for partner users their partner (never from the body)."""
    if membership is None:
        return {}
    partner = membership.partner if membership.is_partner_user else None
    return {"submitted_by_user": membership.user, "submitted_by_partner": partner}


def api_defaults(membership: Membership | None, validated: Mapping[str, Any]) -> dict[str, Any]:
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


def import_defaults(membership: Membership | None, validated: Mapping[str, Any]) -> dict[str, Any]:
    """Values a lead created by a CSV import takes: source "csv" unless the file names one."""
    return {**submitter_defaults(membership), "source": validated.get("source") or LeadSource.CSV}
