"""The route-to-market rulebook: territories, partner authorizations, versioned rules, pricing
corridors, deal-registration criteria, exceptions, and what the rules decided.

A tenant has one `Rulebook` and a sequence of `RulebookVersion`s. A draft is edited, linted,
simulated and published; once published a version, its rules, corridors and criteria never change
(`services.assert_editable` refuses it and the API has no door to them). The active version is the
published one in force; `Rulebook.active_version` points at it and a partial unique constraint
allows one active version per tenant.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.models import Account
from core.models import TenantOwned
from core.tenancy import TenantManager, TenantQuerySet
from guardrails.choices import (
    ExceptionKind,
    ExceptionStatus,
    Outcome,
    SimulationStatus,
    TargetKind,
    VersionStatus,
)
from pipeline.choices import Route
from tenancy.choices import PartnerTier

__all__ = [
    "REVIEW_HOURS",
    "ROUTE_DECISION_FIELDS",
    "SIMULATED_DEAL_KEYS",
    "AccountRoute",
    "DiscountLeakage",
    "PartnerAuthorization",
    "PricingCorridor",
    "RegistrationCriteria",
    "RouteRule",
    "RuleException",
    "Rulebook",
    "RulebookVersion",
    "SimulatedMove",
    "Simulation",
    "Territory",
    "TerritoryArea",
]

PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]
# How long an exception request may wait for review before it is escalated: up to 90 days.
REVIEW_HOURS = [MinValueValidator(1), MaxValueValidator(24 * 90)]
# A registration's protection, and each extension, lasts from a day to ten years.
PROTECTION_DAYS = [MinValueValidator(1), MaxValueValidator(3650)]


class TerritoryQuerySet(TenantQuerySet):
    def visible_to(self, membership) -> TerritoryQuerySet:
        # A partner sees the territories it is authorized in, not the whole map.
        if membership.is_partner_user:
            return self.filter(
                pk__in=PartnerAuthorization.objects.filter(partner_id=membership.partner_id).values(
                    "territory_id"
                )
            )
        return self


class Territory(TenantOwned):
    """A named sales territory: the union of its areas (countries, regions, postal codes)."""

    code = models.SlugField(max_length=50, help_text="Used by rules and the API.")
    name = models.CharField(max_length=200)
    description = models.CharField(max_length=300, blank=True)
    archived_at = models.DateTimeField(
        null=True, blank=True, help_text="Archived territories no longer match any account."
    )

    objects: ClassVar = TenantManager.from_queryset(TerritoryQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="territory_tenant_code_uniq")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.archived_at is None


class TerritoryArea(TenantOwned):
    """One piece of a territory. A country, optionally narrowed to a region (ISO 3166-2) and to
    postal codes: `postal_from` alone is a prefix ("80" is 80000 to 80999…); with `postal_to` it is an
    inclusive range compared on as many leading characters as the bounds have ("80" to "87")."""

    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="areas")
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    region = models.CharField(max_length=10, blank=True, help_text="ISO 3166-2, e.g. DE-BY")
    postal_from = models.CharField(max_length=20, blank=True)
    postal_to = models.CharField(max_length=20, blank=True)

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["country", "region", "postal_from"]
        indexes = [models.Index(fields=["tenant", "territory"], name="territoryarea_territory")]

    def __str__(self) -> str:
        parts = [self.region or self.country]
        if self.postal_from:
            parts.append(
                f"{self.postal_from}–{self.postal_to}" if self.postal_to else f"{self.postal_from}*"
            )
        return " ".join(parts)


class PartnerAuthorizationQuerySet(TenantQuerySet):
    def visible_to(self, membership) -> PartnerAuthorizationQuerySet:
        if membership.is_partner_user:
            return self.filter(partner_id=membership.partner_id)
        return self


class PartnerAuthorization(TenantOwned):
    """A partner may sell a product line (or every line) in a territory, between two dates."""

    partner = models.ForeignKey(
        "tenancy.Partner", on_delete=models.CASCADE, related_name="authorizations"
    )
    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="+")
    product_line = models.ForeignKey(
        "accounts.ProductLine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty: every product line.",
    )
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True, help_text="Empty: open-ended.")

    objects: ClassVar = TenantManager.from_queryset(PartnerAuthorizationQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["partner__name", "territory__name"]
        indexes = [
            models.Index(fields=["tenant", "partner"], name="partnerauth_partner"),
            models.Index(fields=["tenant", "territory"], name="partnerauth_territory"),
        ]
        constraints = [
            models.CheckConstraint(
                name="partnerauth_dates_ordered",
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} in {self.territory_id}"


class Rulebook(TenantOwned):
    """The tenant's route-to-market rulebook (one per tenant) and its settings."""

    active_version = models.ForeignKey(
        "RulebookVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    exception_review_hours = models.PositiveIntegerField(
        default=48,
        validators=REVIEW_HOURS,
        help_text="Exception requests not reviewed within this time are escalated.",
    )
    # Accounts and opportunities whose change sequence is at or below these have stored
    # decisions and leakage computed from their current data (see services.sweep_changes).
    accounts_swept_seq = models.BigIntegerField(default=0)
    opportunities_swept_seq = models.BigIntegerField(default=0)

    audit_exclude = ("accounts_swept_seq", "opportunities_swept_seq")

    class Meta:
        base_manager_name = "all_tenants"
        constraints = [models.UniqueConstraint(fields=["tenant"], name="rulebook_one_per_tenant")]

    def __str__(self) -> str:
        return f"Rulebook of {self.tenant_id}"


class RulebookVersionQuerySet(TenantQuerySet):
    def visible_to(self, membership) -> RulebookVersionQuerySet:
        # Drafts are the admins' work in progress.
        if membership.is_admin:
            return self
        return self.exclude(status=VersionStatus.DRAFT)

    def published(self) -> RulebookVersionQuerySet:
        return self.exclude(status=VersionStatus.DRAFT)


class RulebookVersion(TenantOwned):
    rulebook = models.ForeignKey(Rulebook, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    summary = models.CharField(max_length=300, blank=True, help_text="What changed and why.")
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    effective_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects: ClassVar = TenantManager.from_queryset(RulebookVersionQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="rulebookversion_number"),
            models.UniqueConstraint(
                fields=["tenant"],
                condition=Q(status=VersionStatus.ACTIVE),
                name="rulebookversion_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"Version {self.number}"

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT


class RouteRule(TenantOwned):
    """One ordered rule: when every condition holds, the outcome applies. The default rule has no
    conditions and comes last."""

    version = models.ForeignKey(RulebookVersion, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    conditions = models.JSONField(default=list, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    target_kind = models.CharField(
        max_length=10, choices=TargetKind.choices, default=TargetKind.NONE
    )
    target_team = models.ForeignKey(
        "tenancy.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_partner = models.ForeignKey(
        "tenancy.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rationale = models.CharField(max_length=300, help_text="One line users will read.")
    is_default = models.BooleanField(default=False)

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "version", "position"], name="routerule_position_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.position} {self.name}"


class PricingCorridor(TenantOwned):
    """The discount range allowed on a product line for a route and strategic tier (any tier when
    empty), optionally for one partner tier. The most specific corridor applies."""

    version = models.ForeignKey(RulebookVersion, on_delete=models.CASCADE, related_name="corridors")
    product_line = models.ForeignKey(
        "accounts.ProductLine", on_delete=models.PROTECT, related_name="+"
    )
    route = models.CharField(max_length=10, choices=Route.choices)
    tier = models.ForeignKey(
        "accounts.Tier", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    partner_tier = models.CharField(max_length=20, choices=PartnerTier.choices, blank=True)
    min_discount = models.DecimalField(max_digits=5, decimal_places=2, validators=PERCENT)
    max_discount = models.DecimalField(max_digits=5, decimal_places=2, validators=PERCENT)

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["product_line__name", "route", "tier__rank", "partner_tier"]
        indexes = [models.Index(fields=["tenant", "version"], name="corridor_version")]
        constraints = [
            models.CheckConstraint(
                name="corridor_min_le_max", condition=Q(min_discount__lte=models.F("max_discount"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.min_discount}–{self.max_discount}%"

    def clean(self) -> None:
        errors = {}
        low, high = self.min_discount, self.max_discount
        if low is not None and high is not None and low > high:
            errors["max_discount"] = "The maximum discount is below the minimum."
        if self.partner_tier and self.route != Route.PARTNER:
            errors["partner_tier"] = "A partner tier only applies to the partner route."
        if errors:
            raise ValidationError(errors)


class RegistrationCriteria(TenantOwned):
    """What a deal registration must satisfy, as of one rulebook version."""

    version = models.ForeignKey(
        RulebookVersion, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    min_amount = models.DecimalField(
        max_digits=16, decimal_places=2, default=Decimal(0), validators=[MinValueValidator(0)]
    )
    eligible_product_lines = models.JSONField(
        default=list, blank=True, help_text="Product line codes; empty: every line."
    )
    required_fields = models.JSONField(default=list, blank=True)
    require_authorization = models.BooleanField(
        default=True, help_text="The partner must be authorized for the territory and line."
    )
    min_partner_tier = models.CharField(max_length=20, choices=PartnerTier.choices, blank=True)
    exclude_named_accounts = models.BooleanField(default=True)
    protection_days = models.PositiveIntegerField(default=90, validators=PROTECTION_DAYS)
    max_extensions = models.PositiveSmallIntegerField(default=1, validators=[MaxValueValidator(20)])
    extension_days = models.PositiveIntegerField(default=30, validators=PROTECTION_DAYS)

    class Meta:
        base_manager_name = "all_tenants"
        verbose_name_plural = "registration criteria"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "version"], name="criteria_version_uniq")
        ]

    def __str__(self) -> str:
        return f"Criteria of {self.version_id}"


class RuleExceptionQuerySet(TenantQuerySet):
    def visible_to(self, membership) -> RuleExceptionQuerySet:
        if membership.is_admin:
            return self
        if membership.is_partner_user:
            return self.filter(partner_id=membership.partner_id)
        if membership.role == "direct_manager":
            return self.filter(partner__isnull=True)
        return self.filter(requested_by_id=membership.user_id)


class RuleException(TenantOwned):
    """A request to step outside the rules for one account or opportunity, and its review."""

    kind = models.CharField(max_length=20, choices=ExceptionKind.choices)
    status = models.CharField(
        max_length=10, choices=ExceptionStatus.choices, default=ExceptionStatus.PENDING
    )
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    opportunity = models.ForeignKey(
        "pipeline.Opportunity",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    product_line = models.ForeignKey(
        "accounts.ProductLine", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_discount = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    rule_name = models.CharField(
        max_length=200, blank=True, help_text="The rule in force when it was requested."
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The requester's organisation: the partner that would work the account, or the direct team.
    partner = models.ForeignKey(
        "tenancy.Partner", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(
        "tenancy.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    justification = models.TextField()
    ends_on = models.DateField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar = TenantManager.from_queryset(RuleExceptionQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "status", "created_at"], name="ruleexception_queue"),
            models.Index(fields=["tenant", "account"], name="ruleexception_account"),
            models.Index(fields=["tenant", "opportunity"], name="ruleexception_opportunity"),
            models.Index(fields=["tenant", "partner"], name="ruleexception_partner"),
        ]
        constraints = [
            models.CheckConstraint(
                name="ruleexception_discount_has_line",
                condition=~Q(kind=ExceptionKind.DISCOUNT)
                | Q(product_line__isnull=False, requested_discount__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"Exception #{self.pk}"


class AccountRouteQuerySet(TenantQuerySet):
    def visible_to(self, membership) -> AccountRouteQuerySet:
        return self.filter(account__in=Account.objects.visible_to(membership))


# What the rules decided for an account: written by every recompute, read by the API.
ROUTE_DECISION_FIELDS = (
    "version",
    "rule",
    "outcome",
    "target_team",
    "target_partner",
    "eligible_partners",
    "rationale",
    "exception",
    "decided_at",
)


class AccountRoute(TenantOwned):
    """What the active rulebook decides for an account, kept up to date in the background."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    version = models.ForeignKey(RulebookVersion, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(RouteRule, null=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    target_team = models.ForeignKey(
        "tenancy.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_partner = models.ForeignKey(
        "tenancy.Partner", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    eligible_partners = models.JSONField(
        default=list, blank=True, help_text="Partner ids in ranked order."
    )
    rationale = models.CharField(max_length=300)
    exception = models.ForeignKey(
        RuleException, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField()

    objects: ClassVar = TenantManager.from_queryset(AccountRouteQuerySet)()
    audit_skip = True  # derived from audited rules and accounts; recomputed in bulk

    class Meta:
        base_manager_name = "all_tenants"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "account"], name="accountroute_account_uniq")
        ]
        indexes = [
            models.Index(fields=["tenant", "outcome"], name="accountroute_outcome"),
            models.Index(fields=["tenant", "target_partner"], name="accountroute_partner"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} → {self.outcome}"


class DiscountLeakageQuerySet(TenantQuerySet):
    def visible_to(self, membership) -> DiscountLeakageQuerySet:
        if membership.is_partner_user:
            return self.none()  # the manufacturer's margin analysis
        if membership.role in ("revops_admin", "direct_manager"):
            return self
        return self.filter(opportunity__owner_user_id=membership.user_id)


class DiscountLeakage(TenantOwned):
    """An opportunity line discounted beyond its corridor without an approved exception."""

    opportunity = models.ForeignKey(
        "pipeline.Opportunity", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    line = models.ForeignKey(
        "pipeline.OpportunityLine", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    version = models.ForeignKey(RulebookVersion, on_delete=models.CASCADE, related_name="+")
    corridor = models.ForeignKey(
        PricingCorridor, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    route = models.CharField(max_length=10, choices=Route.choices)
    discount_pct = models.DecimalField(max_digits=5, decimal_places=2)
    max_discount = models.DecimalField(max_digits=5, decimal_places=2)
    amount = models.DecimalField(max_digits=16, decimal_places=2, help_text="Revenue given away.")
    currency = models.CharField(max_length=3)
    recorded_at = models.DateTimeField()

    objects: ClassVar = TenantManager.from_queryset(DiscountLeakageQuerySet)()
    audit_skip = True  # derived; recomputed when lines or corridors change

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-amount"]
        constraints = [models.UniqueConstraint(fields=["tenant", "line"], name="leakage_line_uniq")]
        indexes = [models.Index(fields=["tenant", "opportunity"], name="leakage_opportunity")]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} on line {self.line_id}"


class Simulation(TenantOwned):
    """A draft run against every account and all open pipeline, compared with the active rules."""

    version = models.ForeignKey(
        RulebookVersion, on_delete=models.CASCADE, related_name="simulations"
    )
    status = models.CharField(
        max_length=10, choices=SimulationStatus.choices, default=SimulationStatus.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    audit_exclude = ("processed", "summary")

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "version"], name="simulation_version")]

    def __str__(self) -> str:
        return f"Simulation #{self.pk}"


# One entry of `SimulatedMove.opportunity_moves`: the opportunity (id, name, open amount as a
# string) and the route, target and rule before and after.
SIMULATED_DEAL_KEYS = (
    "opportunity",
    "name",
    "amount",
    "from_outcome",
    "from_target",
    "from_rule",
    "to_outcome",
    "to_target",
    "to_rule",
)


class SimulatedMove(TenantOwned):
    """One account that the simulated draft moves: its own route or target changes
    (`account_moves`; `from_*` and `to_*` are the account's decisions either way), or some of its
    open opportunities change route or target (`opportunity_moves`: one entry per opportunity,
    `SIMULATED_DEAL_KEYS`; `open_pipeline` and `open_opportunities` are their totals)."""

    simulation = models.ForeignKey(Simulation, on_delete=models.CASCADE, related_name="moves")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    from_outcome = models.CharField(max_length=10, choices=Outcome.choices)
    to_outcome = models.CharField(max_length=10, choices=Outcome.choices)
    from_target = models.CharField(max_length=200, blank=True)
    to_target = models.CharField(max_length=200, blank=True)
    from_rule = models.CharField(max_length=200, blank=True)
    to_rule = models.CharField(max_length=200, blank=True)
    open_pipeline = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal(0))
    open_opportunities = models.PositiveIntegerField(default=0)
    account_moves = models.BooleanField(default=True)
    opportunity_moves = models.JSONField(default=list, blank=True)

    audit_skip = True

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-open_pipeline", "id"]
        indexes = [models.Index(fields=["tenant", "simulation"], name="simulatedmove_simulation")]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.from_outcome} → {self.to_outcome}"
