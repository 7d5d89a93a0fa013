"""Deal registration: a claim on an end customer and product lines, filed the same way by a
partner or a direct rep, reviewed through an approval chain, protected for a period, and weighed
against every other claim by the conflict engine (dealreg.services.conflicts).

One winner under concurrency: `Claim` has a partial unique index on (tenant, end customer,
product line) over its active rows, so of any number of registrations submitted at the same
moment for the same customer and line exactly one holds the claim; the others record a conflict.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.models import Account, ProductLine
from core.models import TenantOwned
from core.sync import Synced
from core.tenancy import TenantManager, TenantQuerySet
from dealreg.choices import (
    OPEN_STATES,
    AdjudicationDecision,
    ApproverRole,
    ClockKind,
    ClockSide,
    ClockState,
    ConflictKind,
    ConflictStatus,
    RegState,
    StepCondition,
)
from pipeline.choices import Route

__all__ = [
    "Adjudication",
    "AdjudicationParty",
    "Claim",
    "DealRegSettings",
    "DealRegistration",
    "EvidenceFile",
    "RegistrationClock",
    "RegistrationConflict",
    "RegistrationEvent",
    "RegistrationLeakage",
    "RegistrationLine",
    "sees_whole_tenant",
]

PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]
WHOLE_TENANT_ROLES = ("revops_admin", "direct_manager")


def sees_whole_tenant(membership: Any) -> bool:
    """The manufacturer's view (RevOps admins, sales managers), and webhooks (no membership):
    other parties, values and internal reasons. Registrants see only their own side."""
    return membership is None or membership.role in WHOLE_TENANT_ROLES


def _default_reasons() -> list[str]:
    return [
        "Does not meet the registration criteria",
        "Account already engaged by another route",
        "Insufficient evidence of an opportunity",
        "Duplicate registration",
    ]


def _default_splits() -> list[list[int]]:
    return [[70, 30], [50, 50]]


def _default_steps() -> list[dict[str, Any]]:
    return [
        {"name": "Channel review", "condition": "always", "role": "revops_admin", "hours": 16},
        {
            "name": "Second approver",
            "condition": "amount_above",
            "threshold": "250000",
            "role": "revops_admin",
            "hours": 16,
        },
        {"name": "Pricing", "condition": "discount_outside", "role": "revops_admin", "hours": 16},
    ]


def _default_reminders() -> list[int]:
    return [14, 3]


class DealRegSettings(TenantOwned):
    """The tenant's deal-registration settings (one row per tenant, made on first use)."""

    rejection_reasons = models.JSONField(default=_default_reasons)
    split_options = models.JSONField(
        default=_default_splits, help_text="Credit splits, e.g. [[70, 30]] (sourcing, fulfilling)."
    )
    approval_steps = models.JSONField(
        default=_default_steps,
        help_text='Steps in order: {"name", "condition", "threshold"?, "role", "hours"}.',
    )
    review_hours = models.PositiveIntegerField(
        default=16,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text="First review due within these business hours of submission.",
    )
    answer_days = models.PositiveIntegerField(
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="The registrant answers a return for information within these days.",
    )
    idle_days = models.PositiveIntegerField(
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="A protected registrant with no logged touch on the account for this long "
        "loses protection to documented activity.",
    )
    resubmission_cap = models.PositiveSmallIntegerField(
        default=2, validators=[MaxValueValidator(20)]
    )
    reminder_days = models.JSONField(
        default=_default_reminders, help_text="Days before protection ends to remind."
    )
    touch_window_days = models.PositiveIntegerField(
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="Touches by another route within this many days are a conflict hint.",
    )

    class Meta:
        base_manager_name = "all_tenants"
        verbose_name_plural = "deal registration settings"
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="dealregsettings_one_per_tenant")
        ]

    def __str__(self) -> str:
        return f"Deal registration settings of {self.tenant_id}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        reasons = self.rejection_reasons
        if (
            not isinstance(reasons, list)
            or not reasons
            or not all(isinstance(r, str) and r.strip() and len(r) <= 200 for r in reasons)
        ):
            errors["rejection_reasons"] = "A non-empty list of reasons of up to 200 characters."
        splits = self.split_options
        if not isinstance(splits, list) or not all(
            isinstance(s, list)
            and len(s) == 2
            and all(isinstance(p, int) and not isinstance(p, bool) and 0 < p < 100 for p in s)
            and sum(s) == 100
            for s in splits
        ):
            errors["split_options"] = "A list of two-way splits adding up to 100, e.g. [[70, 30]]."
        step_error = _steps_error(self.approval_steps)
        if step_error:
            errors["approval_steps"] = step_error
        days = self.reminder_days
        if not isinstance(days, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 365 for d in days
        ):
            errors["reminder_days"] = "A list of whole days between 1 and 365."
        if errors:
            raise ValidationError(errors)


def _steps_error(steps: Any) -> str:
    if not isinstance(steps, list) or not 1 <= len(steps) <= 10:
        return "A list of 1 to 10 steps."
    for index, step in enumerate(steps, start=1):
        if not isinstance(step, dict):
            return f"Step {index}: an object."
        name = step.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 100:
            return f"Step {index}: a name of up to 100 characters."
        if step.get("condition") not in StepCondition.values:
            return f"Step {index}: condition is one of {', '.join(StepCondition.values)}."
        if step.get("role") not in ApproverRole.values:
            return f"Step {index}: role is one of {', '.join(ApproverRole.values)}."
        hours = step.get("hours")
        if not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= 24 * 60:
            return f"Step {index}: hours between 1 and 1440."
        if step["condition"] == StepCondition.AMOUNT_ABOVE:
            try:
                if Decimal(str(step.get("threshold"))) < 0:
                    raise ValueError
            except Exception:
                return f"Step {index}: a threshold amount of 0 or more."
    return ""


class DealRegistrationQuerySet(TenantQuerySet):
    def visible_to(self, membership: Any) -> DealRegistrationQuerySet:
        """Admins and direct managers: all. Partner admins: their partner's; partner reps: their
        own. Direct reps: their own, their team's, and those on accounts they can see."""
        if membership.role in WHOLE_TENANT_ROLES:
            return self
        if membership.role == "partner_admin":
            return self.filter(registrant_partner_id=membership.partner_id)
        if membership.is_partner_user:
            return self.filter(
                registrant_partner_id=membership.partner_id,
                registrant_user_id=membership.user_id,
            )
        return self.filter(
            Q(registrant_user_id=membership.user_id, route=Route.DIRECT)
            | Q(registrant_team_id=membership.team_id)
            | Q(end_customer__owner_user_id=membership.user_id)
            | Q(end_customer__owner_team_id=membership.team_id)
        )


class DealRegistration(Synced):
    """One claim on a deal, by a partner or a direct rep, and everything decided about it."""

    # Who registers: the person, and the partner (partner route) or team (direct route).
    route = models.CharField(max_length=10, choices=Route.choices)
    registrant_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    registrant_partner = models.ForeignKey(
        "tenancy.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    registrant_team = models.ForeignKey(
        "tenancy.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The three customers of an industrial deal; the conflict check uses the end customer.
    end_customer = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        help_text="Where the equipment runs. Empty until a new customer is created on submit.",
    )
    end_customer_name = models.CharField(max_length=200, blank=True)
    end_customer_country = models.CharField(max_length=2, blank=True)
    end_customer_website = models.CharField(max_length=253, blank=True)
    purchasing_customer = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    purchasing_customer_name = models.CharField(max_length=200, blank=True)
    design_customer = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    design_customer_name = models.CharField(max_length=200, blank=True)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.CharField(max_length=254, blank=True)

    title = models.CharField(max_length=200, help_text="What the deal is, in a few words.")
    estimated_amount = models.DecimalField(
        max_digits=16, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    currency = models.CharField(max_length=3)
    expected_close_on = models.DateField(null=True, blank=True)
    competitor = models.CharField(max_length=200, blank=True)
    incumbent = models.CharField(max_length=200, blank=True)
    how_found = models.CharField(max_length=300, blank=True, help_text="How the deal was found.")
    budget_confirmed = models.BooleanField(default=False)
    notes = models.TextField(blank=True)

    state = models.CharField(max_length=14, choices=RegState.choices, default=RegState.DRAFT)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    rulebook_version = models.ForeignKey(
        "guardrails.RulebookVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The version in force at submission; approval checks its criteria.",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # The approval chain chosen at submission, each step with its approver when passed.
    approval_chain = models.JSONField(default=list, blank=True)
    approval_step = models.PositiveSmallIntegerField(default=0)
    # A return for information: what the reviewer asked, and the only fields then editable.
    return_note = models.TextField(blank=True)
    editable_fields = models.JSONField(default=list, blank=True)
    resubmissions = models.PositiveSmallIntegerField(default=0)
    rejection_reason = models.CharField(max_length=200, blank=True)
    rejection_text = models.TextField(blank=True)
    withdraw_reason = models.TextField(blank=True)
    close_reason = models.CharField(max_length=300, blank=True)
    # Protection
    protection_starts_at = models.DateTimeField(null=True, blank=True)
    protection_ends_at = models.DateTimeField(null=True, blank=True)
    extensions_used = models.PositiveSmallIntegerField(default=0)
    extension_requested_at = models.DateTimeField(null=True, blank=True)
    extension_reason = models.TextField(blank=True)
    opportunity = models.ForeignKey(
        "pipeline.Opportunity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    has_conflict = models.BooleanField(default=False)
    # Split credit from an adjudication (percent of the deal credited to this registrant).
    credit_share = models.PositiveSmallIntegerField(
        default=100, validators=[MaxValueValidator(100)]
    )

    objects: ClassVar = TenantManager.from_queryset(DealRegistrationQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-created_at", "-id"]
        verbose_name = "deal registration"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "external_id"],
                condition=~Q(external_id=""),
                name="dealreg_tenant_external_id_uniq",
            ),
            models.CheckConstraint(
                name="dealreg_partner_route_has_partner",
                condition=~Q(route=Route.PARTNER) | Q(registrant_partner__isnull=False),
            ),
            models.CheckConstraint(
                name="dealreg_direct_route_no_partner",
                condition=~Q(route=Route.DIRECT) | Q(registrant_partner__isnull=True),
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "sync_seq", "id"], name="dealreg_sync_feed"),
            models.Index(fields=["tenant", "state", "submitted_at"], name="dealreg_state"),
            models.Index(fields=["tenant", "end_customer", "state"], name="dealreg_customer"),
            models.Index(fields=["tenant", "registrant_partner"], name="dealreg_partner"),
            models.Index(fields=["tenant", "registrant_team"], name="dealreg_team"),
            models.Index(fields=["tenant", "registrant_user"], name="dealreg_user"),
            models.Index(fields=["tenant", "opportunity"], name="dealreg_opportunity"),
            models.Index(fields=["tenant", "updated_at"], name="dealreg_updated"),
        ]

    def __str__(self) -> str:
        return self.title or f"Registration {self.pk}"

    def clean(self) -> None:
        errors = {}
        if self.expected_close_on and self.expected_close_on.year < 2000:
            errors["expected_close_on"] = "Give a date from 2000 on."
        if self.currency and (len(self.currency) != 3 or not self.currency.isupper()):
            errors["currency"] = "Use an ISO 4217 code such as EUR."
        if self.route == Route.PARTNER and self.registrant_partner_id is None:
            errors["registrant_partner"] = "A partner-route registration names its partner."
        if self.route == Route.DIRECT and self.registrant_partner_id is not None:
            errors["registrant_partner"] = "A direct registration belongs to no partner."
        if errors:
            raise ValidationError(errors)

    @property
    def customer_label(self) -> str:
        return self.end_customer.name if self.end_customer is not None else self.end_customer_name

    @property
    def protected_until(self) -> dt.date | None:
        return self.protection_ends_at.date() if self.protection_ends_at else None


class RegistrationLineQuerySet(TenantQuerySet):
    def visible_to(self, membership: Any) -> RegistrationLineQuerySet:
        return self.filter(registration__in=DealRegistration.objects.visible_to(membership))


class RegistrationLine(TenantOwned):
    registration = models.ForeignKey(
        DealRegistration, on_delete=models.CASCADE, related_name="lines"
    )
    product_line = models.ForeignKey(ProductLine, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal(1), validators=[MinValueValidator(0)]
    )
    amount = models.DecimalField(
        max_digits=16, decimal_places=2, default=Decimal(0), validators=[MinValueValidator(0)]
    )
    requested_discount = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal(0), validators=PERCENT
    )
    approved_discount = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    outside_corridor_by = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal(0), help_text="Points; 0 inside."
    )
    exception_justification = models.TextField(
        blank=True,
        help_text="Why a discount outside the corridor is needed: the exception request that "
        "sends the registration to pricing approval.",
    )

    objects: ClassVar = TenantManager.from_queryset(RegistrationLineQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["id"]
        indexes = [models.Index(fields=["tenant", "registration"], name="regline_registration")]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "registration", "product_line"], name="regline_line_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product_line_id} × {self.quantity}"


class Claim(TenantOwned):
    """Who holds an end customer and product line. At most one active claim per customer and
    line (a partial unique index): the database, not Python, picks the one winner of a race."""

    registration = models.ForeignKey(
        DealRegistration, on_delete=models.CASCADE, related_name="claims", db_index=False
    )
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False)
    product_line = models.ForeignKey(ProductLine, on_delete=models.CASCADE, related_name="+")
    active = models.BooleanField(default=True)
    released_at = models.DateTimeField(null=True, blank=True)

    audit_skip = True  # its changes are registration events

    class Meta:
        base_manager_name = "all_tenants"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "account", "product_line"],
                condition=Q(active=True),
                name="claim_one_active_per_line",
            )
        ]
        indexes = [models.Index(fields=["tenant", "registration"], name="claim_registration")]

    def __str__(self) -> str:
        return f"Claim of {self.registration_id} on {self.account_id}/{self.product_line_id}"


class RegistrationEventQuerySet(TenantQuerySet):
    def visible_to(self, membership: Any) -> RegistrationEventQuerySet:
        return self.filter(registration__in=DealRegistration.objects.visible_to(membership))


class RegistrationEvent(TenantOwned):
    """The registration's timeline: every transition (who, when, from → to, why), reminders,
    escalations, conflicts found and decisions. Reasons are written for the registrant: they
    never name another party."""

    registration = models.ForeignKey(
        DealRegistration, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    action = models.CharField(max_length=20)
    from_state = models.CharField(max_length=14, blank=True)
    to_state = models.CharField(max_length=14, blank=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    reason = models.TextField(blank=True)
    at = models.DateTimeField()

    objects: ClassVar = TenantManager.from_queryset(RegistrationEventQuerySet)()
    audit_skip = True  # the timeline is itself the record; the registration's changes are audited

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["tenant", "registration", "at"], name="regevent_timeline")]

    def __str__(self) -> str:
        return f"{self.action} {self.from_state}→{self.to_state}"

    def actor_shown_to(self, membership: Any) -> str:
        """Who acted, as the viewer may read it: registrants see that the manufacturer acted
        ("reviewer") or the system did, not which of its people; the whole-tenant roles, webhooks
        (no membership) and the actor themself see the name."""
        if sees_whole_tenant(membership) or self.actor_user_id == membership.user_id:
            return self.actor_label
        return "system" if self.actor_user_id is None else "reviewer"


class RegistrationConflictQuerySet(TenantQuerySet):
    def visible_to(self, membership: Any) -> RegistrationConflictQuerySet:
        return self.filter(registration__in=DealRegistration.objects.visible_to(membership))

    def waiting_for_adjudication(self) -> RegistrationConflictQuerySet:
        """Conflicts a person must decide: open, needing adjudication, on an open registration
        (the console's adjudication queue and the home page's count)."""
        return self.filter(
            status=ConflictStatus.OPEN,
            needs_adjudication=True,
            registration__state__in=OPEN_STATES,
        )


class RegistrationConflict(TenantOwned):
    """Something that stands against a registration, as the conflict engine found it. The other
    party (`other_*`, `internal_reason`) is for the manufacturer; the registrant reads `reason`."""

    registration = models.ForeignKey(
        DealRegistration, on_delete=models.CASCADE, related_name="conflicts", db_index=False
    )
    kind = models.CharField(max_length=14, choices=ConflictKind.choices)
    status = models.CharField(
        max_length=10, choices=ConflictStatus.choices, default=ConflictStatus.OPEN
    )
    product_line = models.ForeignKey(
        ProductLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    other_registration = models.ForeignKey(
        DealRegistration, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    other_opportunity = models.ForeignKey(
        "pipeline.Opportunity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    other_partner = models.ForeignKey(
        "tenancy.Partner", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    other_team = models.ForeignKey(
        "tenancy.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    other_until = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=500, help_text="For the registrant: names nobody.")
    internal_reason = models.CharField(max_length=500, help_text="For the manufacturer.")
    tie_break = models.CharField(max_length=300, blank=True, help_text="The written rule applied.")
    registrant_prevails = models.BooleanField(
        null=True, blank=True, help_text="What the tie-break says; empty: a person decides."
    )
    needs_adjudication = models.BooleanField(default=False)
    adjudication = models.ForeignKey(
        "Adjudication", null=True, blank=True, on_delete=models.SET_NULL, related_name="conflicts"
    )

    objects: ClassVar = TenantManager.from_queryset(RegistrationConflictQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "registration", "status"], name="regconflict_reg"),
            models.Index(
                fields=["tenant", "created_at"],
                condition=Q(status="open", needs_adjudication=True),
                name="regconflict_queue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.registration_id}"


class AdjudicationQuerySet(TenantQuerySet):
    def visible_to(self, membership: Any) -> AdjudicationQuerySet:
        if membership.role in WHOLE_TENANT_ROLES:
            return self
        mine = DealRegistration.objects.visible_to(membership)
        return self.filter(parties__registration__in=mine).distinct()


class Adjudication(TenantOwned):
    """A person's decision on conflicting claims, kept as precedent."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    product_line = models.ForeignKey(
        ProductLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField(max_length=12, choices=AdjudicationDecision.choices)
    conflict_kind = models.CharField(max_length=14, choices=ConflictKind.choices, blank=True)
    reason = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField()

    objects: ClassVar = TenantManager.from_queryset(AdjudicationQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-decided_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "account"], name="adjudication_account"),
            models.Index(fields=["tenant", "decided_at"], name="adjudication_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} on {self.account_id}"


class AdjudicationParty(TenantOwned):
    adjudication = models.ForeignKey(Adjudication, on_delete=models.CASCADE, related_name="parties")
    registration = models.ForeignKey(
        DealRegistration, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    share = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    prevails = models.BooleanField(default=False)

    audit_skip = True  # part of the adjudication

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-share", "id"]
        indexes = [models.Index(fields=["tenant", "registration"], name="adjparty_registration")]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "adjudication", "registration"], name="adjparty_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.registration_id}: {self.share}%"


class RegistrationClock(TenantOwned):
    """One SLA clock of a registration, on the manufacturer's side (review, each approval step)
    or the registrant's (answering a return, converting within protection). Like routing's SLA
    timers, the row holds the time: `next_action_at` is the next reminder, escalation, breach or
    expiry, and a periodic sweep acts on due rows (never an ETA task)."""

    registration = models.ForeignKey(
        DealRegistration, on_delete=models.CASCADE, related_name="clocks", db_index=False
    )
    side = models.CharField(max_length=10, choices=ClockSide.choices)
    kind = models.CharField(max_length=10, choices=ClockKind.choices)
    step = models.PositiveSmallIntegerField(default=0)
    state = models.CharField(max_length=10, choices=ClockState.choices, default=ClockState.RUNNING)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    remind_at = models.DateTimeField(null=True, blank=True)
    next_action_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    audit_skip = True  # its steps are registration events

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["started_at", "id"]
        indexes = [
            models.Index(
                fields=["tenant", "next_action_at"],
                condition=Q(state="running"),
                name="regclock_due",
            ),
            models.Index(fields=["tenant", "registration", "state"], name="regclock_reg"),
        ]

    def __str__(self) -> str:
        return f"{self.side}/{self.kind} of {self.registration_id} due {self.due_at:%Y-%m-%d %H:%M}"


def _evidence_path(instance: EvidenceFile, filename: str) -> str:
    # Never the uploaded name: a stored path names no customer and cannot be guessed.
    import uuid

    return f"dealreg/{instance.tenant_id}/{uuid.uuid4().hex}"


class EvidenceFileQuerySet(TenantQuerySet):
    def visible_to(self, membership: Any) -> EvidenceFileQuerySet:
        return self.filter(registration__in=DealRegistration.objects.visible_to(membership))


class EvidenceFile(TenantOwned):
    """A file backing a registration, stored through Django's storage API and served only by
    the permission-checked API action (never a public media URL)."""

    registration = models.ForeignKey(
        DealRegistration, on_delete=models.CASCADE, related_name="files", db_index=False
    )
    file = models.FileField(upload_to=_evidence_path, max_length=200)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects: ClassVar = TenantManager.from_queryset(EvidenceFileQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["tenant", "registration"], name="evidence_registration")]

    def __str__(self) -> str:
        return self.filename


class RegistrationLeakage(TenantOwned):
    """A linked opportunity's line discounted beyond what the registration was approved for."""

    registration = models.ForeignKey(
        DealRegistration, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    opportunity_line = models.ForeignKey(
        "pipeline.OpportunityLine", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    route = models.CharField(max_length=10, choices=Route.choices)
    approved_discount = models.DecimalField(max_digits=5, decimal_places=2)
    actual_discount = models.DecimalField(max_digits=5, decimal_places=2)
    amount = models.DecimalField(max_digits=16, decimal_places=2, help_text="Revenue given away.")
    currency = models.CharField(max_length=3)
    recorded_at = models.DateTimeField()

    audit_skip = True  # derived from the opportunity's lines

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-amount"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "opportunity_line"], name="regleakage_line_uniq"
            )
        ]
        indexes = [models.Index(fields=["tenant", "registration"], name="regleakage_reg")]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} over the approved discount"
