"""Claims: against an approved request, with the actual cost, proof of performance and results.

- A claim is filed (a draft) and submitted within the claim window; a late one is refused with
  the deadline. Submitting needs every proof type the tenant requires for the activity type.
- A RevOps admin approves in full or in part (the approved amount moves from committed to
  claimed; the rest of the commitment is released), rejects (the whole commitment is released)
  or returns it for information.
- A payment needs an approved claim, a reference and a date; the claim's row lock and a unique
  index on its payment entry make a second payment impossible, even from two clerks at once.

Proof files are judged by their bytes (dealreg's sniffing, the portal's one reader of file
types), limited in size, stored through Django's storage API under a random name, and served
only through permission-checked downloads.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.acting import action
from core.storage import deleted_on_failure
from dealreg.services.files import sniff
from mdf.choices import PROOF_LABELS, ClaimState, ClockKind, EntryKind, ProofType, RequestState
from mdf.models import FundClaim, FundRequest, ProofFile
from mdf.services.clocks import start_clock, stop_clocks
from mdf.services.ledger import locked_balance, post
from mdf.services.requests import release_request
from mdf.services.settings import settings_for
from mdf.services.state import check_allowed, lock, log_event, may_decide, may_file, money
from pipeline.models import Lead
from tenancy.acting import Acting

__all__ = [
    "MAX_PROOF_BYTES",
    "add_proof",
    "approve_claim",
    "create_claim",
    "linked_leads",
    "missing_proof",
    "pay_claim",
    "reject_claim",
    "remove_proof",
    "return_claim",
    "submit_claim",
    "update_claim",
]

MAX_PROOF_BYTES = 15 * 1024 * 1024
MAX_PROOFS = 30
PDF = "application/pdf"
IMAGES = {"image/png", "image/jpeg"}
SHEETS = {
    "text/plain",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ACCEPTED: dict[str, tuple[set[str], str]] = {
    ProofType.INVOICE: ({PDF} | IMAGES, "PDF, PNG or JPEG"),
    ProofType.PHOTOS: (IMAGES, "PNG or JPEG"),
    ProofType.ATTENDEE_LIST: ({PDF} | SHEETS, "PDF, CSV or Excel (.xlsx)"),
    ProofType.AD_SCREENSHOTS: ({PDF} | IMAGES, "PNG, JPEG or PDF"),
    ProofType.OTHER: (
        {PDF}
        | IMAGES
        | SHEETS
        | {"application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
        "PDF, PNG, JPEG, CSV, Excel or Word",
    ),
}
CLAIM_FIELDS = ("actual_cost", "amount_claimed", "leads_delivered", "results")


def _late(request: FundRequest, now: dt.datetime) -> None:
    due = request.claim_due_at
    if due is not None and now >= due:
        last = timezone.localtime(due - dt.timedelta(seconds=1)).date()
        raise ValidationError(
            {
                "request": f"The claim was due by {last:%Y-%m-%d} (the claim window closed "
                f"{(now - due).days} days ago); a late claim is not accepted."
            }
        )


def _check_amounts(claim: FundClaim, request: FundRequest) -> None:
    approved = request.approved_amount or Decimal(0)
    if claim.amount_claimed is not None and claim.amount_claimed > approved:
        raise ValidationError(
            {
                "amount_claimed": f"{money(claim.amount_claimed, request.tenant)} is more than the "
                f"{money(approved, request.tenant)} approved for request #{request.pk}."
            }
        )
    claim.full_clean(exclude=["request", "partner", "submitted_by", "decided_by"])


def _apply(claim: FundClaim, data: dict[str, Any]) -> None:
    unknown = set(data) - set(CLAIM_FIELDS)
    if unknown:
        raise ValidationError({name: "This field cannot be set here." for name in sorted(unknown)})
    for name, value in data.items():
        setattr(claim, name, value)


@action
def create_claim(
    request: FundRequest, data: dict[str, Any], *, acting: Acting, now: dt.datetime | None = None
) -> FundClaim:
    """A draft claim against an approved request (one per request), within the window."""
    may_file(request.partner_id, acting)
    now = now or timezone.now()
    with transaction.atomic():
        lock(request)
        if request.state != RequestState.APPROVED:
            raise ValidationError(
                {
                    "request": f"Request #{request.pk} is {request.get_state_display().lower()}; "
                    "a claim is made against an approved request."
                }
            )
        if FundClaim.objects.filter(request=request).exists():
            raise ValidationError({"request": f"Request #{request.pk} already has a claim."})
        _late(request, now)
        claim = FundClaim(
            tenant_id=request.tenant_id,
            request=request,
            partner_id=request.partner_id,
            submitted_by=acting.audit_user,
        )
        _apply(claim, data)
        _check_amounts(claim, request)
        claim.save()
        log_event(request, "claim_create", acting=acting, claim=claim, to_state=claim.state, at=now)
    return claim


@action
def update_claim(claim: FundClaim, data: dict[str, Any], *, acting: Acting) -> FundClaim:
    may_file(claim.partner_id, acting)
    with transaction.atomic():
        lock(claim)
        if claim.state not in (ClaimState.DRAFT, ClaimState.RETURNED):
            raise ValidationError(
                f"A {claim.get_state_display().lower()} claim cannot be changed; only drafts and "
                "claims returned for information can."
            )
        _apply(claim, data)
        _check_amounts(claim, claim.request)
        claim.save()
    return claim


def required_proof(request: FundRequest) -> list[str]:
    found = settings_for(request.tenant_id).activity_type(request.activity_type)
    return list(found.get("proof", [])) if found else []


def missing_proof(claim: FundClaim) -> list[str]:
    """The proof types the activity type requires that the claim has no file of yet."""
    have = set(ProofFile.objects.filter(claim=claim).values_list("proof_type", flat=True))
    return [p for p in required_proof(claim.request) if p not in have]


def linked_leads(request: FundRequest, until: dt.datetime) -> int:
    """Leads that came through the funded activity: the partner's leads from the request's
    campaign (or its offer, without one) created from the activity's start until `until`."""
    if request.campaign_id is None and request.offer_id is None:
        return 0
    through = (
        Q(campaign_id=request.campaign_id) if request.campaign_id else Q(offer_id=request.offer_id)
    )
    start = dt.datetime.combine(request.starts_on, dt.time(), tzinfo=dt.UTC)
    return Lead.objects.filter(
        through,
        submitted_by_partner_id=request.partner_id,
        created_at__gte=start,
        created_at__lt=until,
    ).count()


@action
def submit_claim(claim: FundClaim, *, acting: Acting, now: dt.datetime | None = None) -> FundClaim:
    """Submit (or resubmit after a return). The first submission must be inside the claim
    window; every submission needs the required proof."""
    may_file(claim.partner_id, acting)
    now = now or timezone.now()
    with transaction.atomic():
        lock(claim)
        request = lock(claim.request)
        target = check_allowed(claim, "submit")
        before = claim.state
        if before == ClaimState.DRAFT:
            if request.state != RequestState.APPROVED:
                raise ValidationError(
                    {
                        "request": f"Request #{request.pk} is {request.get_state_display().lower()}; "
                        "only an approved request is claimed."
                    }
                )
            _late(request, now)
        missing = missing_proof(claim)
        if missing:
            label = settings_for(claim.tenant_id).activity_label(request.activity_type)
            raise ValidationError(
                {
                    "proofs": "Proof missing: "
                    + ", ".join(PROOF_LABELS[p].lower() for p in missing)
                    + f" (required for {label})."
                }
            )
        claim.linked_leads = linked_leads(request, now)
        claim.state = target
        claim.submitted_at = now
        claim.save()
        if before == ClaimState.DRAFT:
            request.state = RequestState.CLAIMED
            request.save()
            stop_clocks(request, (ClockKind.CLAIM_WINDOW,), now=now)
        stop_clocks(request, (ClockKind.ANSWER,), now=now)
        start_clock(request, ClockKind.DECIDE_CLAIM, now=now, claim=claim)
        log_event(
            request,
            "claim_submit" if before == ClaimState.DRAFT else "claim_resubmit",
            acting=acting,
            claim=claim,
            from_state=before,
            to_state=target,
            at=now,
        )
    return claim


@action
def approve_claim(
    claim: FundClaim,
    *,
    acting: Acting,
    amount: Decimal | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> FundClaim:
    """Approve in full or in part: the approved amount moves from committed to claimed (owed to
    the partner) and the rest of the request's commitment is released."""
    may_decide(acting)
    now = now or timezone.now()
    tenant = claim.tenant
    with transaction.atomic():
        lock(claim)
        request = lock(claim.request)
        target = check_allowed(claim, "approve")
        amount = claim.amount_claimed if amount is None else Decimal(amount)
        if amount <= 0:
            raise ValidationError({"amount": "Approve an amount above zero, or reject the claim."})
        if amount > claim.amount_claimed:
            raise ValidationError(
                {
                    "amount": f"{money(amount, tenant)} is more than the "
                    f"{money(claim.amount_claimed, tenant)} claimed."
                }
            )
        if amount < claim.amount_claimed and not reason.strip():
            raise ValidationError({"reason": "Say why only part of the claim is approved."})
        committed = request.approved_amount or Decimal(0)
        balance = locked_balance(tenant, request.partner_id, request.quarter_start)
        post(
            balance,
            EntryKind.CLAIMED,
            amount,
            acting=acting,
            request=request,
            claim=claim,
            reason=f"Claim on request #{request.pk} approved for {money(amount, tenant)}.",
            at=now,
        )
        release_request(
            request,
            committed - amount,
            acting=acting,
            now=now,
            claim=claim,
            reason=f"Unclaimed rest of request #{request.pk} released.",
        )
        before = claim.state
        claim.state = target
        claim.approved_amount = amount
        claim.decision_reason = reason
        claim.decided_by = acting.audit_user
        claim.decided_at = now
        claim.save()
        stop_clocks(request, (ClockKind.DECIDE_CLAIM,), now=now)
        start_clock(request, ClockKind.PAY_CLAIM, now=now, claim=claim)
        log_event(
            request,
            "claim_approve",
            acting=acting,
            claim=claim,
            from_state=before,
            to_state=target,
            reason=reason,
            at=now,
        )
    return claim


@action
def reject_claim(
    claim: FundClaim, *, acting: Acting, reason: str, now: dt.datetime | None = None
) -> FundClaim:
    """Reject: the whole commitment of the request goes back to the partner's balance."""
    may_decide(acting)
    if not reason.strip():
        raise ValidationError({"reason": "Give a reason; the partner sees it."})
    now = now or timezone.now()
    with transaction.atomic():
        lock(claim)
        request = lock(claim.request)
        target = check_allowed(claim, "reject")
        release_request(
            request,
            request.approved_amount or Decimal(0),
            acting=acting,
            now=now,
            claim=claim,
            reason=f"Claim on request #{request.pk} rejected.",
        )
        before = claim.state
        claim.state = target
        claim.decision_reason = reason
        claim.decided_by = acting.audit_user
        claim.decided_at = now
        claim.save()
        stop_clocks(request, (ClockKind.DECIDE_CLAIM,), now=now)
        log_event(
            request,
            "claim_reject",
            acting=acting,
            claim=claim,
            from_state=before,
            to_state=target,
            reason=reason,
            at=now,
        )
    return claim


@action
def return_claim(
    claim: FundClaim, *, acting: Acting, reason: str, now: dt.datetime | None = None
) -> FundClaim:
    may_decide(acting)
    if not reason.strip():
        raise ValidationError({"reason": "Say what is missing; the partner sees it."})
    now = now or timezone.now()
    with transaction.atomic():
        lock(claim)
        target = check_allowed(claim, "return")
        before = claim.state
        claim.state = target
        claim.decision_reason = reason
        claim.save()
        stop_clocks(claim.request, (ClockKind.DECIDE_CLAIM,), now=now)
        start_clock(claim.request, ClockKind.ANSWER, now=now, claim=claim)
        log_event(
            claim.request,
            "claim_return",
            acting=acting,
            claim=claim,
            from_state=before,
            to_state=target,
            reason=reason,
            at=now,
        )
    return claim


@action
def pay_claim(
    claim: FundClaim,
    *,
    acting: Acting,
    reference: str,
    paid_on: dt.date,
    now: dt.datetime | None = None,
) -> FundClaim:
    """Record the payment of an approved claim, once."""
    may_decide(acting)
    now = now or timezone.now()
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError({"reference": "Give the payment reference."})
    if len(reference) > 100:
        raise ValidationError({"reference": "The payment reference is at most 100 characters."})
    if paid_on is None:
        raise ValidationError({"paid_on": "Give the payment date."})
    if paid_on > timezone.localdate() + dt.timedelta(days=1):
        raise ValidationError({"paid_on": "The payment date is in the future."})
    tenant = claim.tenant
    with transaction.atomic():
        lock(claim)
        if claim.state == ClaimState.PAID:
            raise ValidationError(
                {
                    "claim": f"This claim was already paid on {claim.paid_on:%Y-%m-%d} "
                    f"(reference {claim.payment_reference}); it is not paid twice."
                }
            )
        if claim.state != ClaimState.APPROVED:
            raise ValidationError(
                {
                    "claim": f"Only an approved claim is paid; this claim is "
                    f"{claim.get_state_display().lower()}."
                }
            )
        request = claim.request
        balance = locked_balance(tenant, request.partner_id, request.quarter_start)
        post(
            balance,
            EntryKind.PAID,
            claim.approved_amount or Decimal(0),
            acting=acting,
            request=request,
            claim=claim,
            at=now,
            reason=f"Claim on request #{request.pk} paid, reference {reference}.",
        )
        before = claim.state
        claim.state = ClaimState.PAID
        claim.payment_reference = reference
        claim.paid_on = paid_on
        claim.paid_at = now
        claim.save()
        stop_clocks(request, (ClockKind.PAY_CLAIM,), now=now)
        log_event(
            request,
            "claim_pay",
            acting=acting,
            claim=claim,
            from_state=before,
            to_state=claim.state,
            reason=f"Reference {reference}, paid {paid_on:%Y-%m-%d}.",
            at=now,
        )
    return claim


def _check_proof(upload: Any, proof_type: str) -> tuple[str, str]:
    if proof_type not in ProofType.values:
        raise ValidationError(
            {
                "proof_type": f"“{proof_type}” is not a proof type; use {', '.join(ProofType.values)}."
            }
        )
    if not isinstance(upload, UploadedFile):
        raise ValidationError({"file": "Send the file as multipart/form-data in the field 'file'."})
    name = (upload.name or "proof").replace("\\", "/").rsplit("/", 1)[-1][:200]
    if not upload.size:
        raise ValidationError({"file": f"{name}: the file is empty."})
    if upload.size > MAX_PROOF_BYTES:
        raise ValidationError(
            {"file": f"{name}: the file is larger than {MAX_PROOF_BYTES // (1024 * 1024)} MB."}
        )
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    content_type = sniff(head, name)
    accepted, words = ACCEPTED[proof_type]
    if content_type not in accepted:
        raise ValidationError(
            {"file": f"{name}: not accepted as {PROOF_LABELS[proof_type].lower()}; send {words}."}
        )
    return name, content_type or ""


@action
def add_proof(
    claim: FundClaim,
    proof_type: str,
    upload: Any,
    *,
    acting: Acting,
    now: dt.datetime | None = None,
) -> ProofFile:
    """Keep an uploaded proof file on a draft or returned claim; a refused file says why."""
    may_file(claim.partner_id, acting)
    if claim.state not in (ClaimState.DRAFT, ClaimState.RETURNED):
        raise ValidationError(
            {
                "file": f"The claim is {claim.get_state_display().lower()}; proof is added to drafts "
                "and claims returned for information."
            }
        )
    name, content_type = _check_proof(upload, proof_type)
    if ProofFile.objects.filter(claim=claim).count() >= MAX_PROOFS:
        raise ValidationError({"file": f"At most {MAX_PROOFS} files per claim."})
    with deleted_on_failure() as written, transaction.atomic():
        proof = ProofFile(
            tenant_id=claim.tenant_id,
            claim=claim,
            proof_type=proof_type,
            filename=name,
            content_type=content_type,
            size=upload.size,
            uploaded_by=acting.audit_user,
        )
        proof.file.save("proof", upload, save=False)
        written(proof.file)
        proof.save()
        log_event(
            claim.request,
            "proof_add",
            acting=acting,
            claim=claim,
            reason=f"{PROOF_LABELS[proof_type]}: {name}.",
            at=now,
        )
    return proof


@action
def remove_proof(proof: ProofFile, *, acting: Acting) -> None:
    claim = proof.claim
    may_file(claim.partner_id, acting)
    if claim.state not in (ClaimState.DRAFT, ClaimState.RETURNED):
        raise PermissionDenied("Proof of a submitted claim stays as it was submitted.")
    with transaction.atomic():
        log_event(
            claim.request,
            "proof_remove",
            acting=acting,
            claim=claim,
            reason=f"{proof.get_proof_type_display()}: {proof.filename} removed.",
        )
        stored, name = proof.file.storage, proof.file.name or ""
        proof.delete()
        if name:
            transaction.on_commit(lambda: stored.delete(name))
