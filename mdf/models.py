"""Market development funds: the tenant's quarterly budgets and their allocations to partners,
fund requests (pre-approval), claims with proof of performance, SLA clocks on both sides, and
the append-only ledger every amount moves through.

Money never overspends, by the database's word rather than Python's alone:
- each partner and quarter has one `FundBalance` row; every movement locks it (SELECT ... FOR
  UPDATE) before it writes a `LedgerEntry`, so two approvals take turns and the second sees the
  first one's commitment;
- the balance row carries CHECK constraints: its available amount equals the formula over its
  buckets and is never negative, so a write that would overspend fails even if a check were
  missed;
- a claim has at most one payment entry (a partial unique index), so it cannot be paid twice.

The ledger is append-only: `LedgerEntry.save()` refuses to update, delete() refuses, and on
PostgreSQL a trigger refuses UPDATE and DELETE from any client (migration 0002).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from accounts.models import Account
from campaigns.models import Campaign, Offer
from core.models import TenantOwned
from core.sync import Synced
from core.tenancy import TenantManager, TenantQuerySet
from guardrails.models import PartnerAuthorization, TerritoryArea
from mdf.choices import (
    DEFAULT_ACTIVITY_TYPES,
    AllocationKind,
    ClaimState,
    ClockKind,
    ClockSide,
    ClockState,
    EntryKind,
    LineState,
    ProofType,
    RequestState,
    UnusedFunds,
)
from pipeline.models import check_campaign_offer
from tenancy.choices import Role

__all__ = [
    "Allocation",
    "FundBalance",
    "FundClaim",
    "FundRequest",
    "LedgerEntry",
    "MdfBudget",
    "MdfClock",
    "MdfEvent",
    "MdfSettings",
    "ProofFile",
    "Reallocation",
    "ReallocationLine",
    "partners_in_territory",
    "sees_all_funds",
]

# Every amount: up to 12 digits before the point and two after, in the tenant's currency.
MONEY_DIGITS = 14
ZERO = Decimal("0.00")
NOT_NEGATIVE = [MinValueValidator(ZERO, "The amount cannot be negative.")]
PERCENT = [
    MinValueValidator(Decimal(0), "The rate cannot be negative."),
    MaxValueValidator(Decimal(100), "The rate is at most 100%."),
]


def sees_all_funds(membership: Any) -> bool:
    """RevOps admins (and webhooks, with no membership) see every partner's funds."""
    return membership is None or membership.role == Role.REVOPS_ADMIN


def _partner_scope(qs: TenantQuerySet, membership: Any, field: str = "partner_id") -> Any:
    """Rows of funds: RevOps sees all, a partner only its own, direct sales none (they read
    activity, not money: see `FundRequest.objects.visible_to`)."""
    if sees_all_funds(membership):
        return qs
    if membership.is_partner_user:
        return qs.filter(**{field: membership.partner_id})
    return qs.none()


def _default_activity_types() -> list[dict[str, object]]:
    return [dict(item) for item in DEFAULT_ACTIVITY_TYPES]


def _default_notice_days() -> list[int]:
    return [30, 7]


class MdfSettings(TenantOwned):
    """The tenant's MDF settings (one row per tenant, made on first use)."""

    activity_types = models.JSONField(
        default=_default_activity_types,
        help_text='Activity types: {"code", "label", "proof": [proof types a claim needs]}.',
    )
    unused_funds = models.CharField(
        max_length=12, choices=UnusedFunds.choices, default=UnusedFunds.CARRY_OVER
    )
    expiry_notice_days = models.JSONField(
        default=_default_notice_days, help_text="Days before quarter end to warn of unused funds."
    )
    decide_request_hours = models.PositiveIntegerField(
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text="Business hours to decide a submitted request.",
    )
    decide_claim_hours = models.PositiveIntegerField(
        default=40,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text="Business hours to decide a submitted claim.",
    )
    pay_claim_hours = models.PositiveIntegerField(
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 90)],
        help_text="Business hours to pay an approved claim.",
    )
    claim_window_days = models.PositiveIntegerField(
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="A claim is due within these days of the activity's end.",
    )
    answer_days = models.PositiveIntegerField(
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="The partner answers a return for information within these days.",
    )
    sales_see_activity = models.BooleanField(
        default=True,
        help_text="Direct sales see partner MDF activity (requests and claims) in their territory.",
    )

    class Meta:
        base_manager_name = "all_tenants"
        verbose_name_plural = "MDF settings"
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="mdfsettings_one_per_tenant")
        ]

    def __str__(self) -> str:
        return f"MDF settings of {self.tenant_id}"

    def activity_type(self, code: str) -> dict[str, Any] | None:
        return next((t for t in self.activity_types if t.get("code") == code), None)

    def activity_label(self, code: str) -> str:
        found = self.activity_type(code)
        return str(found["label"]) if found else code

    def clean(self) -> None:
        errors: dict[str, str] = {}
        problem = _activity_types_error(self.activity_types)
        if problem:
            errors["activity_types"] = problem
        days = self.expiry_notice_days
        if not isinstance(days, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 90 for d in days
        ):
            errors["expiry_notice_days"] = "A list of whole days between 1 and 90."
        if errors:
            raise ValidationError(errors)


def _activity_types_error(types: Any) -> str:
    if not isinstance(types, list) or not 1 <= len(types) <= 30:
        return "A list of 1 to 30 activity types."
    seen: set[str] = set()
    for index, item in enumerate(types, start=1):
        if not isinstance(item, dict):
            return f"Activity type {index}: an object with code, label and proof."
        code, label, proof = item.get("code"), item.get("label"), item.get("proof", [])
        if not isinstance(code, str) or not code.replace("_", "").isalnum() or len(code) > 30:
            return f"Activity type {index}: a code of letters, digits and _ (up to 30)."
        if code in seen:
            return f"Activity type {index}: the code {code} is used twice."
        seen.add(code)
        if not isinstance(label, str) or not label.strip() or len(label) > 100:
            return f"Activity type {index}: a label of up to 100 characters."
        if not isinstance(proof, list) or any(p not in ProofType.values for p in proof):
            return f"Activity type {index}: proof is a list of {', '.join(ProofType.values)}."
    return ""


def partners_in_territory(membership: Any) -> Any:
    """Partner ids (a subquery) whose MDF activity a direct member may read: the partners
    authorized in a territory covering a country where the member's team owns accounts (teams
    have no territory of their own, so the accounts they own stand for it); none when the
    tenant keeps MDF activity from direct sales or the member has no team."""
    team_id = getattr(membership, "team_id", None)
    allowed = (
        MdfSettings.objects.filter(tenant_id=membership.tenant_id)
        .values_list("sales_see_activity", flat=True)
        .first()
    )
    if team_id is None or allowed is False:
        return PartnerAuthorization.objects.none().values("partner_id")
    countries = Account.objects.filter(owner_team_id=team_id).exclude(country="").values("country")
    territories = TerritoryArea.objects.filter(country__in=countries).values("territory_id")
    today = dt.date.today()
    return (
        PartnerAuthorization.objects.filter(territory_id__in=territories, valid_from__lte=today)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .values("partner_id")
    )


class MdfBudget(Synced):
    """The funds of one fiscal quarter, in the tenant's currency, allocated to partners."""

    quarter_start = models.DateField(help_text="The fiscal quarter's first day.")
    amount = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2, validators=NOT_NEGATIVE)
    currency = models.CharField(max_length=3)
    notes = models.CharField(max_length=500, blank=True)
    # Fixed allocations plus accruals posted: what the budget has handed out.
    allocated_total = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=2, default=ZERO, editable=False
    )

    objects: ClassVar = TenantManager.from_queryset(TenantQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-quarter_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "quarter_start"], name="mdfbudget_one_per_quarter"
            ),
            models.CheckConstraint(
                name="mdfbudget_amount_not_negative", condition=Q(amount__gte=0)
            ),
        ]
        indexes = [models.Index(fields=["tenant", "updated_at"], name="mdfbudget_updated")]

    def __str__(self) -> str:
        return f"MDF budget {self.quarter_start:%Y-%m}"

    @property
    def unallocated(self) -> Decimal:
        return self.amount - self.allocated_total


class AllocationQuerySet(TenantQuerySet):
    def visible_to(self, membership: Any) -> AllocationQuerySet:
        return _partner_scope(self, membership)


class Allocation(Synced):
    """A partner's share of a budget: a fixed amount, or an accrual (a rate of the partner's won
    revenue in a period, recomputed when revenue changes and posted as ledger entries)."""

    budget = models.ForeignKey(MdfBudget, on_delete=models.PROTECT, related_name="allocations")
    partner = models.ForeignKey("tenancy.Partner", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=AllocationKind.choices)
    amount = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=ZERO,
        validators=NOT_NEGATIVE,
        help_text="Fixed: the amount allocated.",
    )
    rate = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENT,
        help_text="Accrual: percent of won revenue.",
    )
    period_start = models.DateField(null=True, blank=True, help_text="Accrual: revenue from.")
    period_end = models.DateField(null=True, blank=True, help_text="Accrual: revenue to (incl.).")
    cap = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
        help_text="Accrual: at most.",
    )
    # Accrual: the won revenue last counted and what has been posted for it.
    revenue = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=2, default=ZERO, editable=False
    )
    accrued = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=2, default=ZERO, editable=False
    )
    computed_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects: ClassVar = TenantManager.from_queryset(AllocationQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["budget", "partner__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "budget", "partner", "kind"], name="allocation_one_per_kind"
            ),
            models.CheckConstraint(
                name="allocation_accrual_has_rate",
                condition=~Q(kind=AllocationKind.ACCRUAL)
                | Q(rate__isnull=False, period_start__isnull=False, period_end__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "partner"], name="allocation_partner"),
            models.Index(fields=["tenant", "updated_at"], name="allocation_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.partner_id}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == AllocationKind.ACCRUAL:
            if self.rate is None:
                errors["rate"] = "An accrual needs a rate (percent of won revenue)."
            if self.period_start is None or self.period_end is None:
                errors["period_start"] = "An accrual needs the revenue period (from and to)."
            elif self.period_end < self.period_start:
                errors["period_end"] = "The period ends before it starts."
        elif self.kind == AllocationKind.FIXED and (self.rate is not None or self.cap is not None):
            errors["rate"] = "A fixed allocation has an amount, not a rate or cap."
        if errors:
            raise ValidationError(errors)


class FundBalanceQuerySet(TenantQuerySet):
    def visible_to(self, membership: Any) -> FundBalanceQuerySet:
        return _partner_scope(self, membership)


BALANCE_FORMULA = (
    F("allocated")
    + F("accrued")
    + F("carried")
    + F("moved")
    - F("committed")
    - F("claimed")
    - F("paid")
    - F("expired")
)


class FundBalance(TenantOwned):
    """A partner's funds in one quarter: the ledger's running totals by bucket, locked by every
    movement. `available` = allocated + accrued + carried over + moved by reallocation -
    committed (approved, not yet claimed) - claimed (approved claims, not yet paid) - paid -
    expired; the database checks the sum and that it is never negative."""

    partner = models.ForeignKey("tenancy.Partner", on_delete=models.PROTECT, related_name="+")
    quarter_start = models.DateField()
    allocated = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2, default=ZERO)
    accrued = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2, default=ZERO)
    carried = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2, default=ZERO)
    moved = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2, default=ZERO)
    committed = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2, default=ZERO)
    claimed = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2, default=ZERO)
    paid = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2, default=ZERO)
    expired = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2, default=ZERO)
    available = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2, default=ZERO)
    closed_at = models.DateTimeField(
        null=True, blank=True, help_text="The quarter ended: unused funds carried over or expired."
    )
    # The quarter-end timer: the next notice of unused funds, then the close itself.
    next_action_at = models.DateTimeField(null=True, blank=True)
    notices_sent = models.PositiveSmallIntegerField(default=0)

    objects: ClassVar = TenantManager.from_queryset(FundBalanceQuerySet)()

    audit_skip = True  # its changes are ledger entries

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-quarter_start", "partner__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "partner", "quarter_start"], name="fundbalance_one_per_quarter"
            ),
            models.CheckConstraint(
                name="fundbalance_never_negative", condition=Q(available__gte=0)
            ),
            models.CheckConstraint(name="fundbalance_sum", condition=Q(available=BALANCE_FORMULA)),
            models.CheckConstraint(
                name="fundbalance_buckets_not_negative",
                condition=Q(committed__gte=0, claimed__gte=0, paid__gte=0, expired__gte=0),
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "quarter_start"], name="fundbalance_quarter"),
            models.Index(
                fields=["tenant", "next_action_at"],
                name="fundbalance_due",
                condition=Q(next_action_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Funds of {self.partner_id} in {self.quarter_start:%Y-%m}"

    @property
    def outstanding(self) -> Decimal:
        """Committed to approved requests and claims, not yet paid."""
        return self.committed + self.claimed

    @property
    def funded(self) -> Decimal:
        """What the partner received for the quarter: allocated, accrued, carried and moved."""
        return self.allocated + self.accrued + self.carried + self.moved


class FundRequestQuerySet(TenantQuerySet):
    def visible_to(self, membership: Any) -> FundRequestQuerySet:
        if sees_all_funds(membership):
            return self
        if membership.is_partner_user:
            return self.filter(partner_id=membership.partner_id)
        return self.filter(partner_id__in=partners_in_territory(membership))


class FundRequest(Synced):
    """A partner's request for funds ahead of an activity: what, when, what it costs, the
    partner's own share, what is asked and what it should bring. Approval commits funds in the
    ledger; rejection, partial approval, withdrawal and expiry release them."""

    partner = models.ForeignKey("tenancy.Partner", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    quarter_start = models.DateField(help_text="The budget quarter the funds come from.")
    activity_type = models.CharField(max_length=30)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    offer = models.ForeignKey(
        Offer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    starts_on = models.DateField()
    ends_on = models.DateField()
    total_cost = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=2, validators=NOT_NEGATIVE
    )
    partner_share = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=2, default=ZERO, validators=NOT_NEGATIVE
    )
    amount_requested = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=2, validators=NOT_NEGATIVE
    )
    expected_leads = models.PositiveIntegerField(default=0)
    expected_pipeline = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=2, default=ZERO, validators=NOT_NEGATIVE
    )
    state = models.CharField(
        max_length=10, choices=RequestState.choices, default=RequestState.DRAFT
    )
    approved_amount = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=2, null=True, blank=True, editable=False
    )
    decision_reason = models.TextField(blank=True, max_length=2000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    claim_due_at = models.DateTimeField(
        null=True, blank=True, help_text="Approved: the claim must be submitted by then."
    )

    objects: ClassVar = TenantManager.from_queryset(FundRequestQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="fundrequest_dates_ordered", condition=Q(ends_on__gte=F("starts_on"))
            ),
            models.CheckConstraint(
                name="fundrequest_approved_within_requested",
                condition=Q(approved_amount__isnull=True)
                | Q(approved_amount__lte=F("amount_requested"), approved_amount__gte=0),
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "partner", "state"], name="fundrequest_partner"),
            models.Index(fields=["tenant", "state"], name="fundrequest_state"),
            models.Index(fields=["tenant", "updated_at"], name="fundrequest_updated"),
            models.Index(fields=["tenant", "campaign"], name="fundrequest_campaign"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_partial(self) -> bool:
        return self.approved_amount is not None and self.approved_amount < self.amount_requested

    def clean(self) -> None:
        errors: dict[str, str] = {}
        # Deadlines are counted from these days: a year past 2999 would overflow them.
        for name in ("starts_on", "ends_on"):
            day = getattr(self, name)
            if day and not dt.date(2000, 1, 1) <= day <= dt.date(2999, 12, 31):
                errors[name] = "Give a date between 2000 and 2999."
        if not errors and self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "The activity ends before it starts."
        if self.total_cost is not None and self.partner_share is not None:
            if self.partner_share > self.total_cost:
                errors["partner_share"] = "The partner's share is more than the total cost."
            elif (
                self.amount_requested is not None
                and self.amount_requested > self.total_cost - self.partner_share
            ):
                errors["amount_requested"] = (
                    f"The amount requested ({self.amount_requested:,.2f}) is more than the "
                    f"total cost less the partner's share "
                    f"({self.total_cost - self.partner_share:,.2f})."
                )
        if self.amount_requested is not None and self.amount_requested <= 0:
            errors["amount_requested"] = "Request an amount above zero."
        try:
            check_campaign_offer(self.campaign, self.offer)
        except ValidationError as refused:
            errors.update({k: v[0] for k, v in refused.message_dict.items()})
        if errors:
            raise ValidationError(errors)


class FundClaimQuerySet(TenantQuerySet):
    def visible_to(self, membership: Any) -> FundClaimQuerySet:
        return self.filter(request__in=FundRequest.objects.visible_to(membership))


class FundClaim(Synced):
    """The claim against an approved request: the actual cost, proof of performance and results;
    decided in full or in part, then paid with a reference and date."""

    # One claim per request (the unique constraint below, led by the tenant as every unique key).
    request = models.ForeignKey(
        FundRequest,
        on_delete=models.PROTECT,
        related_name="claims",
        related_query_name="claim",
        db_index=False,
    )
    partner = models.ForeignKey("tenancy.Partner", on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actual_cost = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=2, validators=NOT_NEGATIVE
    )
    amount_claimed = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=2, validators=NOT_NEGATIVE
    )
    leads_delivered = models.PositiveIntegerField(
        default=0, help_text="Leads the partner reports; those through the campaign count too."
    )
    linked_leads = models.PositiveIntegerField(default=0, editable=False)
    results = models.TextField(blank=True, max_length=5000)
    state = models.CharField(max_length=10, choices=ClaimState.choices, default=ClaimState.DRAFT)
    approved_amount = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=2, null=True, blank=True, editable=False
    )
    decision_reason = models.TextField(blank=True, max_length=2000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    payment_reference = models.CharField(max_length=100, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar = TenantManager.from_queryset(FundClaimQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "request"], name="fundclaim_one_per_request"),
            models.CheckConstraint(
                name="fundclaim_paid_has_reference",
                condition=~Q(state=ClaimState.PAID)
                | (Q(paid_on__isnull=False) & ~Q(payment_reference="")),
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "partner", "state"], name="fundclaim_partner"),
            models.Index(fields=["tenant", "state"], name="fundclaim_state"),
            models.Index(fields=["tenant", "updated_at"], name="fundclaim_updated"),
        ]

    def __str__(self) -> str:
        return f"Claim on #{self.request_id}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.amount_claimed is not None and self.amount_claimed <= 0:
            errors["amount_claimed"] = "Claim an amount above zero."
        elif (
            self.amount_claimed is not None
            and self.actual_cost is not None
            and self.amount_claimed > self.actual_cost
        ):
            errors["amount_claimed"] = (
                f"The amount claimed ({self.amount_claimed:,.2f}) is more than the actual cost "
                f"({self.actual_cost:,.2f})."
            )
        if errors:
            raise ValidationError(errors)


def _proof_path(instance: ProofFile, filename: str) -> str:
    import uuid

    return f"mdf/{instance.tenant_id}/{uuid.uuid4().hex}"


class ProofFileQuerySet(TenantQuerySet):
    def visible_to(self, membership: Any) -> ProofFileQuerySet:
        if sees_all_funds(membership):
            return self
        if membership.is_partner_user:
            return self.filter(claim__partner_id=membership.partner_id)
        return self.none()  # proof (invoices, attendee lists) is between the partner and RevOps


class ProofFile(TenantOwned):
    """A proof-of-performance file of a claim, of one of the tenant's proof types."""

    claim = models.ForeignKey(FundClaim, on_delete=models.CASCADE, related_name="proofs")
    proof_type = models.CharField(max_length=16, choices=ProofType.choices)
    file = models.FileField(upload_to=_proof_path, max_length=200)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects: ClassVar = TenantManager.from_queryset(ProofFileQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["created_at"]
        indexes = [models.Index(fields=["tenant", "claim"], name="prooffile_claim")]

    def __str__(self) -> str:
        return self.filename


class LedgerEntryQuerySet(TenantQuerySet):
    def visible_to(self, membership: Any) -> LedgerEntryQuerySet:
        return _partner_scope(self, membership)


class LedgerEntry(Synced):
    """One movement of a partner's funds in a quarter, with who, when and why. Append-only."""

    balance = models.ForeignKey(FundBalance, on_delete=models.PROTECT, related_name="entries")
    partner = models.ForeignKey("tenancy.Partner", on_delete=models.PROTECT, related_name="+")
    quarter_start = models.DateField()
    kind = models.CharField(max_length=12, choices=EntryKind.choices)
    amount = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2)
    available_after = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2)
    allocation = models.ForeignKey(
        Allocation, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    request = models.ForeignKey(
        FundRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    claim = models.ForeignKey(
        FundClaim, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    line = models.ForeignKey(
        "ReallocationLine", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revenue = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Accrual: the won revenue behind it.",
    )
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField()

    objects: ClassVar = TenantManager.from_queryset(LedgerEntryQuerySet)()

    audit_skip = True  # the ledger is its own audit trail

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-at", "-pk"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "claim"],
                condition=Q(kind=EntryKind.PAID),
                name="ledgerentry_claim_paid_once",
            ),
            models.UniqueConstraint(
                fields=["tenant", "request"],
                condition=Q(kind=EntryKind.COMMITTED),
                name="ledgerentry_request_committed_once",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "partner", "-at"], name="ledgerentry_partner"),
            models.Index(fields=["tenant", "balance", "-at"], name="ledgerentry_balance"),
            models.Index(fields=["tenant", "updated_at"], name="ledgerentry_updated"),
            models.Index(fields=["tenant", "sync_seq"], name="ledgerentry_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Ledger entries are append-only: post a new entry instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("Ledger entries are append-only and are never deleted.")


class MdfClockQuerySet(TenantQuerySet):
    def visible_to(self, membership: Any) -> MdfClockQuerySet:
        return _partner_scope(self, membership)


class MdfClock(TenantOwned):
    """An SLA clock on a request or claim: the manufacturer's (decide, pay; business hours, with
    escalation) or the partner's (claim within the window, answer a return; calendar days).
    `next_action_at` is its next step for the sweep: a reminder, then the deadline."""

    partner = models.ForeignKey("tenancy.Partner", on_delete=models.CASCADE, related_name="+")
    request = models.ForeignKey(
        FundRequest, on_delete=models.CASCADE, related_name="clocks", db_index=False
    )
    claim = models.ForeignKey(
        FundClaim, null=True, blank=True, on_delete=models.CASCADE, related_name="clocks"
    )
    side = models.CharField(max_length=8, choices=ClockSide.choices)
    kind = models.CharField(max_length=16, choices=ClockKind.choices)
    state = models.CharField(max_length=10, choices=ClockState.choices, default=ClockState.RUNNING)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    remind_at = models.DateTimeField(null=True, blank=True)
    next_action_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar = TenantManager.from_queryset(MdfClockQuerySet)()

    audit_skip = True

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["due_at"]
        indexes = [
            models.Index(fields=["tenant", "request"], name="mdfclock_request"),
            models.Index(
                fields=["tenant", "next_action_at"],
                name="mdfclock_due",
                condition=Q(state="running"),
            ),
            models.Index(fields=["tenant", "partner", "kind"], name="mdfclock_partner"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on #{self.request_id}"

    @property
    def running(self) -> bool:
        return self.state == ClockState.RUNNING

    def remaining(self, now: dt.datetime) -> dt.timedelta:
        return self.due_at - now


class MdfEventQuerySet(TenantQuerySet):
    def visible_to(self, membership: Any) -> MdfEventQuerySet:
        return self.filter(request__in=FundRequest.objects.visible_to(membership))


class MdfEvent(TenantOwned):
    """The timeline of a request and its claim: every transition (who, when, from → to, why),
    reminders, escalations and breaches."""

    request = models.ForeignKey(
        FundRequest, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    claim = models.ForeignKey(
        FundClaim, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(max_length=20)
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10, blank=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    reason = models.TextField(blank=True)
    at = models.DateTimeField()

    objects: ClassVar = TenantManager.from_queryset(MdfEventQuerySet)()

    audit_skip = True

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["tenant", "request", "at"], name="mdfevent_request")]

    def __str__(self) -> str:
        return f"{self.action} on #{self.request_id}"


class ReallocationQuerySet(TenantQuerySet):
    def visible_to(self, membership: Any) -> ReallocationQuerySet:
        return self if sees_all_funds(membership) else self.none()


class Reallocation(TenantOwned):
    """A quarter's reallocation recommendation: lines moving unused or low-ROI funds to
    high-ROI partners. Nothing moves until an admin accepts a line."""

    quarter_start = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.JSONField(default=dict, help_text="The figures the recommendation used.")

    objects: ClassVar = TenantManager.from_queryset(ReallocationQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "quarter_start"], name="reallocation_quarter")]

    def __str__(self) -> str:
        return f"Reallocation of {self.quarter_start:%Y-%m}"


class ReallocationLineQuerySet(TenantQuerySet):
    def visible_to(self, membership: Any) -> ReallocationLineQuerySet:
        return self if sees_all_funds(membership) else self.none()


class ReallocationLine(TenantOwned):
    """One recommended move of funds from one partner to another, with the figures behind it."""

    reallocation = models.ForeignKey(Reallocation, on_delete=models.CASCADE, related_name="lines")
    from_partner = models.ForeignKey("tenancy.Partner", on_delete=models.PROTECT, related_name="+")
    to_partner = models.ForeignKey("tenancy.Partner", on_delete=models.PROTECT, related_name="+")
    proposed_amount = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=2, validators=NOT_NEGATIVE
    )
    amount = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="What the admin accepted (edited or as proposed).",
    )
    reason = models.CharField(max_length=500)
    figures = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=LineState.choices, default=LineState.PROPOSED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)

    objects: ClassVar = TenantManager.from_queryset(ReallocationLineQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["reallocation", "pk"]
        indexes = [models.Index(fields=["tenant", "reallocation"], name="realloc_line_parent")]

    def __str__(self) -> str:
        return f"{self.from_partner_id} → {self.to_partner_id}: {self.proposed_amount}"
