"""What MDF's pages share: the rows a viewer may see, filtered lists, a request's page context
(claim, proof, clocks, timeline) and a service's refusal in words.

Rows start from `visible_to(request.membership)`: another partner's request, claim, proof or
ledger is a 404 (`core.views.row_or_404`), never a 403. Every change calls a service with
`acting=request.membership`; a refusal (a state that does not allow it, bad input, a role that
may only read) is a message on the page, at its field where it names one, never a 500."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import DateTimeField, OuterRef, QuerySet, Subquery
from django.http import FileResponse
from django.utils import timezone

from core.downloads import attachment
from core.views import row_or_404
from mdf.choices import PROOF_LABELS, ClockKind, ClockState
from mdf.filters import FundRequestFilterSet
from mdf.models import FundClaim, FundRequest, MdfClock, MdfEvent, ProofFile
from mdf.services.claims import missing_proof, required_proof
from mdf.services.settings import settings_for
from mdf.services.state import TransitionRefused, allowed_actions, quarter_name
from tenancy.choices import Role
from tenancy.models import Membership, Partner
from tenancy.quarters import Quarter, parse_quarter
from tenancy.requests import DoorRequest

__all__ = [
    "REFUSALS",
    "applied",
    "claim_of",
    "filtered",
    "label_activities",
    "may_file",
    "proof_file",
    "quarter_asked",
    "refusal",
    "request_context",
    "request_rows",
    "with_clocks",
]

REFUSALS = (TransitionRefused, ValidationError, PermissionDenied)
ACTIONS = {
    "create": "Drafted",
    "submit": "Submitted",
    "resubmit": "Submitted again",
    "approve": "Approved",
    "reject": "Rejected",
    "return": "Returned for information",
    "withdraw": "Withdrawn",
    "expire": "Expired: not claimed in time",
    "claim_create": "Claim drafted",
    "claim_submit": "Claim submitted",
    "claim_resubmit": "Claim submitted again",
    "claim_approve": "Claim approved",
    "claim_reject": "Claim rejected",
    "claim_return": "Claim returned for information",
    "claim_pay": "Claim paid",
    "proof_add": "Proof added",
    "proof_remove": "Proof removed",
    "remind": "Reminder sent",
    "breach": "Deadline passed",
    "escalate": "Escalated",
}


def may_file(membership: Membership, partner_id: int) -> bool:
    """Whether to show the filing buttons (the services decide; reps see none)."""
    if membership.role == Role.REVOPS_ADMIN:
        return True
    return membership.role == Role.PARTNER_ADMIN and membership.partner_id == partner_id


def request_rows(membership: Membership) -> QuerySet[FundRequest]:
    return FundRequest.objects.visible_to(membership).select_related("partner", "campaign", "offer")


def _due(request_ref: Any, kinds: tuple[str, ...]) -> Subquery:
    """The first unstopped clock of these kinds on the request: when it is (or was) due."""
    clocks = MdfClock.objects.filter(
        request=request_ref,
        kind__in=kinds,
        stopped_at__isnull=True,
        state__in=[ClockState.RUNNING, ClockState.BREACHED],
    ).order_by("due_at")
    return Subquery(clocks.values("due_at")[:1], output_field=DateTimeField())


def with_clocks(rows: QuerySet[FundRequest]) -> QuerySet[FundRequest]:
    """Each request with the deadlines a list shows: the partner's answer to a return, and the
    manufacturer's decision or payment."""
    return rows.annotate(
        answer_due=_due(OuterRef("pk"), (ClockKind.ANSWER,)),
        vendor_due=_due(
            OuterRef("pk"),
            (ClockKind.DECIDE_REQUEST, ClockKind.DECIDE_CLAIM, ClockKind.PAY_CLAIM),
        ),
    )


def filtered(request: DoorRequest, rows: QuerySet[FundRequest]) -> tuple[Any, QuerySet, int]:
    filters = FundRequestFilterSet(request.GET or None, queryset=rows)
    found, status = applied(filters, rows)
    return filters, found, status


def applied(filters: Any, rows: QuerySet) -> tuple[QuerySet, int]:
    """The filtered rows and the status: a bad filter shows nothing and answers 400. A quarter
    is checked when the filter runs (it needs the tenant), so its refusal is caught here and
    shown at its field."""
    if not filters.is_bound:
        return rows, 200
    if not filters.is_valid():
        return rows.none(), 400
    try:
        return filters.qs, 200
    except ValidationError as error:
        filters.form.add_error("quarter" if "quarter" in filters.form.fields else None, error)
        return rows.none(), 400


def quarter_asked(request: DoorRequest) -> tuple[Quarter, str]:
    """The quarter in `?quarter=` (else the current one) and what was wrong with the one typed."""
    current = Quarter.of(request.tenant, timezone.localdate())
    typed = request.GET.get("quarter", "").strip()[:20]
    if not typed:
        return current, ""
    try:
        return parse_quarter(request.tenant, typed), ""
    except ValueError as exc:
        return current, str(exc)


def label_activities(rows: Any, tenant: Any) -> None:
    """Each request's activity type in words (`activity_label`), for a page of requests."""
    settings = settings_for(tenant)
    for row in rows:
        row.activity_label = settings.activity_label(row.activity_type)


def claim_of(fund_request: FundRequest) -> FundClaim | None:
    return FundClaim.objects.filter(request=fund_request).first()


def request_context(request: DoorRequest, fund_request: FundRequest) -> dict[str, Any]:
    """A request's page: its facts, claim, proof (what is missing, plainly), running clocks and
    timeline. Partner users see the manufacturer's people as "RevOps"."""
    membership = request.membership
    settings = settings_for(request.tenant)
    claim = claim_of(fund_request)
    proofs = list(
        ProofFile.objects.visible_to(membership).filter(claim=claim).order_by("pk") if claim else []
    )
    events = list(MdfEvent.objects.filter(request=fund_request).order_by("at", "pk"))
    own_users = _partner_user_ids(fund_request) if membership.is_partner_user else set()
    for event in events:
        event.label = ACTIONS.get(event.action, event.action.replace("_", " "))  # type: ignore[attr-defined]
        shown = event.actor_label
        if membership.is_partner_user and event.actor_user_id not in own_users:
            shown = "RevOps" if event.actor_user_id else "The system"
        event.shown_actor = shown  # type: ignore[attr-defined]
    clocks = list(
        MdfClock.objects.filter(
            request=fund_request,
            stopped_at__isnull=True,
            state__in=[ClockState.RUNNING, ClockState.BREACHED],
        ).order_by("due_at", "pk")
    )
    required = required_proof(fund_request)
    missing = missing_proof(claim) if claim else required
    return {
        "fr": fund_request,
        "claim": claim,
        "proofs": proofs,
        "required": [(p, PROOF_LABELS[p], p not in missing) for p in required],
        "missing": [PROOF_LABELS[p].lower() for p in missing],
        "events": events,
        "clocks": clocks,
        "now": timezone.now(),
        "activity": settings.activity_label(fund_request.activity_type),
        "quarter_label": quarter_name(request.tenant, fund_request.quarter_start),
        "allowed": allowed_actions(fund_request),
        "claim_allowed": allowed_actions(claim) if claim else [],
        "can_file": may_file(membership, fund_request.partner_id),
        "currency": request.tenant.currency,
    }


def _partner_user_ids(fund_request: FundRequest) -> set[int]:
    return set(
        Membership.objects.filter(partner_id=fund_request.partner_id).values_list(
            "user_id", flat=True
        )
    )


def proof_file(request: DoorRequest, pk: int, proof_id: int) -> FileResponse:
    """Download one proof file: only through a request the viewer can see, and only proof the
    viewer may read (RevOps and the partner's own people)."""
    fund_request = row_or_404(request_rows(request.membership), pk, "No such request.")
    proofs = ProofFile.objects.visible_to(request.membership).filter(claim__request=fund_request)
    row = row_or_404(proofs, proof_id, "No such file.")
    return attachment(row.file, row.filename)


def refusal(error: Exception) -> str:
    """A service's refusal in words, each field's messages after its name."""
    if isinstance(error, TransitionRefused):
        return error.detail
    if isinstance(error, ValidationError):
        if not hasattr(error, "error_dict"):
            return " ".join(error.messages)
        return " ".join(
            " ".join(texts)
            if name in ("__all__", "request", "claim")
            else f"{name.replace('_', ' ').capitalize()}: {' '.join(texts)}"
            for name, texts in error.message_dict.items()
        )
    return str(error) or "You may not do this."


def partner_options(request: DoorRequest) -> list[tuple[int, str, bool]]:
    """The partner filter's choices (id, name, chosen now), read as plain values: the select
    lists every partner, hundreds at some manufacturers."""
    chosen = request.GET.get("partner", "")
    rows = Partner.objects.visible_to(request.membership).order_by("name").values_list("pk", "name")
    return [(pk, name, str(pk) == chosen) for pk, name in rows]
