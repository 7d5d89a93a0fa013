"""MDF's enumerations and its two state machines (fund requests and claims): which action is
allowed from which state, and the state it leads to. Every transition service consults the
table, so the API's 409 lists exactly what the services accept."""

from django.db import models

__all__ = [
    "CLAIM_TRANSITIONS",
    "DEFAULT_ACTIVITY_TYPES",
    "OPEN_CLAIM_STATES",
    "OPEN_REQUEST_STATES",
    "PROOF_LABELS",
    "REQUEST_TRANSITIONS",
    "AllocationKind",
    "ClaimState",
    "ClockKind",
    "ClockSide",
    "ClockState",
    "EntryKind",
    "LineState",
    "ProofType",
    "RequestState",
    "UnusedFunds",
]


class EntryKind(models.TextChoices):
    """A ledger entry's movement. `amount` is signed for allocated, accrued, carried over and
    reallocated (a reduction is negative); the others are always positive."""

    ALLOCATED = "allocated", "Allocated"
    ACCRUED = "accrued", "Accrued"
    COMMITTED = "committed", "Committed by approval"
    RELEASED = "released", "Released"
    CLAIMED = "claimed", "Claimed"
    PAID = "paid", "Paid"
    CARRIED_OVER = "carried_over", "Carried over"
    EXPIRED = "expired", "Expired"
    REALLOCATED = "reallocated", "Moved by reallocation"


class AllocationKind(models.TextChoices):
    FIXED = "fixed", "Fixed amount"
    ACCRUAL = "accrual", "Accrual (% of won revenue)"


class UnusedFunds(models.TextChoices):
    CARRY_OVER = "carry_over", "Carry over to the next quarter"
    EXPIRE = "expire", "Expire at quarter end"


class ProofType(models.TextChoices):
    INVOICE = "invoice", "Invoice"
    PHOTOS = "photos", "Photos"
    ATTENDEE_LIST = "attendee_list", "Attendee list"
    AD_SCREENSHOTS = "ad_screenshots", "Ad screenshots"
    OTHER = "other", "Other"


PROOF_LABELS = dict(ProofType.choices)

# The tenant's activity types until it edits them: code, label and the proof a claim needs.
DEFAULT_ACTIVITY_TYPES: list[dict[str, object]] = [
    {"code": "event", "label": "Event", "proof": ["invoice", "photos", "attendee_list"]},
    {"code": "trade_show", "label": "Trade show", "proof": ["invoice", "photos", "attendee_list"]},
    {"code": "digital_ads", "label": "Digital ads", "proof": ["invoice", "ad_screenshots"]},
    {"code": "co_op", "label": "Co-op advertising", "proof": ["invoice", "ad_screenshots"]},
    {"code": "training", "label": "Training", "proof": ["invoice", "attendee_list"]},
    {"code": "demo_equipment", "label": "Demo equipment", "proof": ["invoice", "photos"]},
    {"code": "other", "label": "Other", "proof": ["invoice"]},
]


class RequestState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned for information"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"
    EXPIRED = "expired", "Expired"
    CLAIMED = "claimed", "Claimed"


class ClaimState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned for information"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    PAID = "paid", "Paid"


OPEN_REQUEST_STATES = (RequestState.DRAFT, RequestState.SUBMITTED, RequestState.RETURNED)
OPEN_CLAIM_STATES = (ClaimState.DRAFT, ClaimState.SUBMITTED, ClaimState.RETURNED)

REQUEST_TRANSITIONS: dict[str, dict[str, str]] = {
    RequestState.DRAFT: {"submit": RequestState.SUBMITTED, "withdraw": RequestState.WITHDRAWN},
    RequestState.SUBMITTED: {
        "approve": RequestState.APPROVED,
        "reject": RequestState.REJECTED,
        "return": RequestState.RETURNED,
        "withdraw": RequestState.WITHDRAWN,
    },
    RequestState.RETURNED: {"submit": RequestState.SUBMITTED, "withdraw": RequestState.WITHDRAWN},
    RequestState.APPROVED: {"withdraw": RequestState.WITHDRAWN, "expire": RequestState.EXPIRED},
}

CLAIM_TRANSITIONS: dict[str, dict[str, str]] = {
    ClaimState.DRAFT: {"submit": ClaimState.SUBMITTED},
    ClaimState.SUBMITTED: {
        "approve": ClaimState.APPROVED,
        "reject": ClaimState.REJECTED,
        "return": ClaimState.RETURNED,
    },
    ClaimState.RETURNED: {"submit": ClaimState.SUBMITTED},
    ClaimState.APPROVED: {"pay": ClaimState.PAID},
}


class ClockSide(models.TextChoices):
    VENDOR = "vendor", "Manufacturer"
    PARTNER = "partner", "Partner"


class ClockKind(models.TextChoices):
    DECIDE_REQUEST = "decide_request", "Decide the request"
    DECIDE_CLAIM = "decide_claim", "Decide the claim"
    PAY_CLAIM = "pay_claim", "Pay the claim"
    CLAIM_WINDOW = "claim_window", "Claim within the window"
    ANSWER = "answer", "Answer a return for information"


class ClockState(models.TextChoices):
    RUNNING = "running", "Running"
    MET = "met", "Met"
    BREACHED = "breached", "Breached"
    CANCELLED = "cancelled", "Cancelled"


class LineState(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
