"""Deal registration's enumerations and its state machine: which action is allowed from which
state, and the state it leads to. Every transition service consults `TRANSITIONS`, so the API's
409 lists exactly what the services accept."""

from django.db import models

__all__ = [
    "ACTIVE_STATES",
    "CLOSED_STATES",
    "OPEN_STATES",
    "TRANSITIONS",
    "Action",
    "AdjudicationDecision",
    "ApproverRole",
    "ClockKind",
    "ClockSide",
    "ClockState",
    "ConflictKind",
    "ConflictStatus",
    "RegState",
    "StepCondition",
    "allowed_actions",
]


class RegState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    UNDER_REVIEW = "under_review", "Under review"
    RETURNED = "returned", "Returned for information"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"
    EXPIRED = "expired", "Expired"
    WON = "won", "Won"
    LOST = "lost", "Lost"


class Action(models.TextChoices):
    CREATE = "create", "Created"
    SUBMIT = "submit", "Submitted"
    START_REVIEW = "start_review", "Review started"
    RETURN = "return_for_info", "Returned for information"
    RESUBMIT = "resubmit", "Resubmitted"
    APPROVE = "approve", "Approved"
    APPROVE_STEP = "approve_step", "Approval step passed"
    REJECT = "reject", "Rejected"
    WITHDRAW = "withdraw", "Withdrawn"
    EXPIRE = "expire", "Expired"
    WIN = "win", "Won"
    LOSE = "lose", "Lost"
    REQUEST_EXTENSION = "request_extension", "Extension requested"
    APPROVE_EXTENSION = "approve_extension", "Extension approved"
    DENY_EXTENSION = "deny_extension", "Extension denied"
    CONFLICT = "conflict", "Conflict found"
    ADJUDICATE = "adjudicate", "Conflict adjudicated"
    REMIND = "remind", "Reminder sent"
    ESCALATE = "escalate", "Escalated"
    BREACH = "breach", "Clock ran out"
    FILE = "file", "Evidence added"
    EXCEPTION = "exception", "Discount exception granted"


# Waiting for the manufacturer, or for the registrant's answer: a claim is held meanwhile.
OPEN_STATES = (RegState.SUBMITTED, RegState.UNDER_REVIEW, RegState.RETURNED)
# Open or protected: what the conflict engine weighs against a new claim.
ACTIVE_STATES = (*OPEN_STATES, RegState.APPROVED)
CLOSED_STATES = (
    RegState.REJECTED,
    RegState.WITHDRAWN,
    RegState.EXPIRED,
    RegState.WON,
    RegState.LOST,
)

# state -> {action: the state it leads to}. Approval with steps left stays under review;
# extensions keep the registration approved.
TRANSITIONS: dict[str, dict[str, str]] = {
    RegState.DRAFT: {Action.SUBMIT: RegState.SUBMITTED, Action.WITHDRAW: RegState.WITHDRAWN},
    RegState.SUBMITTED: {
        Action.START_REVIEW: RegState.UNDER_REVIEW,
        Action.RETURN: RegState.RETURNED,
        Action.APPROVE: RegState.APPROVED,
        Action.REJECT: RegState.REJECTED,
        Action.WITHDRAW: RegState.WITHDRAWN,
    },
    RegState.UNDER_REVIEW: {
        Action.RETURN: RegState.RETURNED,
        Action.APPROVE: RegState.APPROVED,
        Action.REJECT: RegState.REJECTED,
        Action.WITHDRAW: RegState.WITHDRAWN,
    },
    RegState.RETURNED: {
        Action.RESUBMIT: RegState.UNDER_REVIEW,
        Action.REJECT: RegState.REJECTED,
        Action.WITHDRAW: RegState.WITHDRAWN,
    },
    RegState.APPROVED: {
        Action.WIN: RegState.WON,
        Action.LOSE: RegState.LOST,
        Action.EXPIRE: RegState.EXPIRED,
        Action.WITHDRAW: RegState.WITHDRAWN,
        Action.REQUEST_EXTENSION: RegState.APPROVED,
        Action.APPROVE_EXTENSION: RegState.APPROVED,
        Action.DENY_EXTENSION: RegState.APPROVED,
    },
    RegState.REJECTED: {},
    RegState.WITHDRAWN: {},
    RegState.EXPIRED: {},
    RegState.WON: {},
    RegState.LOST: {},
}


def allowed_actions(state: str) -> list[str]:
    return sorted(TRANSITIONS.get(state, {}))


class ConflictKind(models.TextChoices):
    REGISTRATION = "registration", "Registered by another route"
    OPPORTUNITY = "opportunity", "Open opportunity of another route"
    NAMED_ACCOUNT = "named_account", "Named account of the direct team"
    RULE_ROUTE = "rule_route", "The rules route this account elsewhere"
    EXCEPTION = "exception", "An approved exception gives this account to another route"
    TOUCHES = "touches", "Recent activity by another route"


class ConflictStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class AdjudicationDecision(models.TextChoices):
    AWARD = "award", "Awarded to one claim"
    SPLIT = "split", "Credit split"
    REJECT_BOTH = "reject_both", "Both claims rejected"


class StepCondition(models.TextChoices):
    ALWAYS = "always", "Every registration"
    AMOUNT_ABOVE = "amount_above", "Estimated amount above a threshold"
    DISCOUNT_OUTSIDE = "discount_outside", "A requested discount outside its pricing corridor"


class ApproverRole(models.TextChoices):
    REVOPS_ADMIN = "revops_admin", "RevOps admin"
    DIRECT_MANAGER = "direct_manager", "Direct sales manager"


class ClockSide(models.TextChoices):
    VENDOR = "vendor", "Manufacturer"
    REGISTRANT = "registrant", "Registrant"


class ClockKind(models.TextChoices):
    REVIEW = "review", "Review"
    STEP = "step", "Approval step"
    ANSWER = "answer", "Answer to a return"
    CONVERSION = "conversion", "Conversion within the protection period"


class ClockState(models.TextChoices):
    RUNNING = "running", "Running"
    MET = "met", "Met"
    BREACHED = "breached", "Breached"
    CANCELLED = "cancelled", "Cancelled"
