"""Channel-neutral measurement: the tenant's settings, exchange rates and partner-tier
requirements, and the rollup tables the scorecards read (docs/metrics.md defines every figure).

The rollups (`OpportunityFact` and the rows that hang off it) are derived data: one fact per
opportunity, kept current from the change feed by scorecards.rollup and rebuilt from scratch by
`manage.py rebuild_scorecards`. Pages and the API read only these, never the raw touches.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.models import TenantOwned
from core.tenancy import TenantManager, TenantQuerySet
from scorecards.choices import (
    MODEL_CHOICES,
    Capability,
    DecisionKind,
    DecisionStatus,
    JobStatus,
    MaturityLevel,
    OverlapKind,
    OverlapStatus,
    PartyRoute,
    ReviewStatus,
    SourcedBy,
)
from tenancy.choices import PartnerTier, Role

__all__ = [
    "CELL_KEY",
    "Cell",
    "Credit",
    "CreditCell",
    "ExchangeRate",
    "FactProductLine",
    "GovernanceReview",
    "LeadFact",
    "MaturityAssessment",
    "MaturityScore",
    "OpportunityFact",
    "OverlapFlag",
    "OverlapParty",
    "PipelineCell",
    "RefreshCursor",
    "ReviewDecision",
    "ScorecardSettings",
    "StageDuration",
    "TierRequirement",
]


class ScorecardSettings(TenantOwned):
    """How the tenant measures: the influence window and the time-decay half-life."""

    lookback_days = models.PositiveSmallIntegerField(
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text="A touch this many days before an opportunity was created still influences it.",
    )
    half_life_days = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        default=Decimal(7),
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal(365))],
        help_text="Time decay: a touch this many days older earns half the credit.",
    )
    default_model = models.CharField(max_length=16, choices=MODEL_CHOICES, default="w_shaped")

    class Meta:
        base_manager_name = "all_tenants"
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="scorecardsettings_tenant_uniq")
        ]

    def __str__(self) -> str:
        return f"Scorecard settings of tenant {self.tenant_id}"


class ExchangeRate(TenantOwned):
    """One unit of `currency` is worth `rate` units of the tenant's currency from `valid_from`
    on (until the next rate of that currency)."""

    currency = models.CharField(max_length=3)
    valid_from = models.DateField()
    rate = models.DecimalField(
        max_digits=18, decimal_places=8, validators=[MinValueValidator(Decimal("0.00000001"))]
    )

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "currency", "valid_from"], name="exchangerate_tenant_day_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate} from {self.valid_from}"


class TierRequirement(TenantOwned):
    """What a partner needs in a quarter for a tier: the metric at least `minimum`."""

    tier = models.CharField(max_length=20, choices=PartnerTier.choices)
    metric = models.CharField(max_length=40, help_text="A scorecard metric's key.")
    minimum = models.DecimalField(max_digits=18, decimal_places=4)

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["tier", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "tier", "metric"], name="tierrequirement_tenant_tier_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.tier}: {self.metric} ≥ {self.minimum}"


class OpportunityFact(TenantOwned):
    """One opportunity as the scorecards count it: its quarters, its amount in the tenant's
    currency, who owns it, who sourced it (and on what basis), and which routes touched it."""

    opportunity = models.ForeignKey(
        "pipeline.Opportunity", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    opened_on = models.DateField()
    closed_on = models.DateField(null=True)
    created_quarter = models.DateField(help_text="First day of the fiscal quarter it was opened.")
    closed_quarter = models.DateField(null=True)
    outcome = models.CharField(max_length=4)
    stage = models.ForeignKey("pipeline.Stage", on_delete=models.CASCADE, related_name="+")
    # In the tenant's currency at the rate of the day it was opened; None: no rate for it.
    amount = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    currency = models.CharField(max_length=3)
    # Who owns it now.
    route = models.CharField(max_length=10)
    partner = models.ForeignKey(
        "tenancy.Partner", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner_team = models.ForeignKey(
        "tenancy.Team", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who sourced it.
    sourced_route = models.CharField(max_length=10, choices=PartyRoute.choices)
    sourced_by = models.CharField(max_length=12, choices=SourcedBy.choices)
    sourced_partner = models.ForeignKey(
        "tenancy.Partner", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    sourced_team = models.ForeignKey(
        "tenancy.Team", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    sourced_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    territory = models.CharField(max_length=50, blank=True)
    segment = models.ForeignKey(
        "accounts.Segment", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    cycle_days = models.PositiveIntegerField(null=True)
    touched_direct = models.BooleanField(default=False)
    touched_partner = models.BooleanField(default=False)
    touched_marketing = models.BooleanField(default=False)
    # The campaign and offer it came from (the opportunity's own: a lead records no opportunity
    # it became), and whether a touch naming a campaign influenced it (docs/metrics.md).
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    offer = models.ForeignKey(
        "campaigns.Offer", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    campaign_touched = models.BooleanField(default=False)
    refreshed_at = models.DateTimeField()

    audit_skip = True  # derived from audited rows: every refresh and rebuild rewrites it

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "opportunity"], name="fact_opportunity_uniq")
        ]
        indexes = [
            models.Index(fields=["tenant", "created_quarter", "route"], name="fact_created"),
            models.Index(fields=["tenant", "closed_quarter", "route"], name="fact_closed"),
            models.Index(fields=["tenant", "partner", "created_quarter"], name="fact_partner"),
            models.Index(
                fields=["tenant", "sourced_partner", "created_quarter"], name="fact_sourced_partner"
            ),
            models.Index(fields=["tenant", "owner_team", "created_quarter"], name="fact_team"),
            models.Index(fields=["tenant", "owner_user", "created_quarter"], name="fact_user"),
        ]

    def __str__(self) -> str:
        return f"Fact of opportunity {self.opportunity_id}"

    @property
    def co_sold(self) -> bool:
        """Both routes touched it (marketing aside)."""
        return self.touched_direct and self.touched_partner


class FactProductLine(TenantOwned):
    """A product line an opportunity's lines sell (the product-line filter)."""

    fact = models.ForeignKey(OpportunityFact, on_delete=models.CASCADE, related_name="lines")
    product_line = models.ForeignKey(
        "accounts.ProductLine", on_delete=models.CASCADE, related_name="+"
    )

    audit_skip = True  # derived from audited rows: every refresh and rebuild rewrites it

    class Meta:
        base_manager_name = "all_tenants"
        indexes = [
            models.Index(fields=["tenant", "product_line", "fact"], name="factline_line"),
            models.Index(fields=["tenant", "fact"], name="factline_fact"),
        ]


class Credit(TenantOwned):
    """An attribution model's share of an opportunity for one party that touched it (a partner,
    a direct rep or team, or marketing). One model's credits of an opportunity sum to its
    amount; the "collaboration" model lists every party that touched it (influence)."""

    fact = models.ForeignKey(OpportunityFact, on_delete=models.CASCADE, related_name="credits")
    model = models.CharField(max_length=16, choices=MODEL_CHOICES)
    route = models.CharField(max_length=10, choices=PartyRoute.choices)
    partner = models.ForeignKey(
        "tenancy.Partner", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey("tenancy.Team", null=True, on_delete=models.SET_NULL, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    touches = models.PositiveIntegerField(default=0)
    # The fact's, copied so a quarter's credits are read without a join.
    created_quarter = models.DateField()

    audit_skip = True  # derived from audited rows: every refresh and rebuild rewrites it

    class Meta:
        base_manager_name = "all_tenants"
        indexes = [
            models.Index(fields=["tenant", "model", "created_quarter"], name="credit_quarter"),
            models.Index(
                fields=["tenant", "partner", "model", "created_quarter"], name="credit_partner"
            ),
            models.Index(fields=["tenant", "fact"], name="credit_fact"),
        ]


class StageDuration(TenantOwned):
    """Days an opportunity spent in a stage it has left (from its stage history)."""

    fact = models.ForeignKey(OpportunityFact, on_delete=models.CASCADE, related_name="stages")
    stage = models.ForeignKey("pipeline.Stage", on_delete=models.CASCADE, related_name="+")
    days = models.DecimalField(max_digits=8, decimal_places=2)
    left_quarter = models.DateField(help_text="The fiscal quarter it left the stage.")

    audit_skip = True  # derived from audited rows: every refresh and rebuild rewrites it

    class Meta:
        base_manager_name = "all_tenants"
        indexes = [
            models.Index(fields=["tenant", "left_quarter", "stage"], name="stageduration_quarter"),
            models.Index(fields=["tenant", "fact"], name="stageduration_fact"),
        ]


class LeadFact(TenantOwned):
    """A routed lead as the scorecards count it: who it was assigned to, in which quarter, how
    many business hours until its first touch, and whether its SLA was met."""

    lead = models.ForeignKey(
        "pipeline.Lead", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    assigned_quarter = models.DateField()
    route = models.CharField(max_length=10)
    partner = models.ForeignKey(
        "tenancy.Partner", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey("tenancy.Team", null=True, on_delete=models.SET_NULL, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    territory = models.CharField(max_length=50, blank=True)
    # Business hours (the tenant's calendar) from arrival to first touch; None: not touched.
    speed_hours = models.DecimalField(max_digits=9, decimal_places=2, null=True)
    sla_met = models.BooleanField(null=True)

    audit_skip = True  # derived from audited rows: every refresh and rebuild rewrites it

    class Meta:
        base_manager_name = "all_tenants"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "lead"], name="leadfact_lead_uniq")
        ]
        indexes = [
            models.Index(fields=["tenant", "assigned_quarter", "route"], name="leadfact_quarter"),
            models.Index(fields=["tenant", "partner", "assigned_quarter"], name="leadfact_partner"),
        ]


class RefreshCursor(TenantOwned):
    """How far the rollups have read one model's change feed (core.sync), and when."""

    source = models.CharField(max_length=60)
    seq = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True)

    audit_skip = True  # bookkeeping: moved by every refresh, once a minute

    class Meta:
        base_manager_name = "all_tenants"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "source"], name="refreshcursor_source_uniq")
        ]


# --- the second level: sums of the facts, read by the pages ------------------------------------

CELL_KEY = (
    "tenant",
    "quarter",
    "product_line",
    "detailed",
    "scope_kind",
    "scope_key",
    "territory",
    "segment",
    "owner_route",
    "owner_partner",
    "owner_team",
)


class Cell(TenantOwned):
    """Sums of the opportunity facts of one quarter and one scope (scorecards.cells keeps them).

    Two grains: `detailed` False is one row per scope, quarter and product line (0: every line)
    with the filter values blank, what an unfiltered page reads; `detailed` True splits it by
    the filter values (territory, segment, the owning route, partner and team), summed by a
    filtered page. Ids are plain integers (0: none) so that the key is unique without NULLs.
    Money is in cents of the tenant's currency: sums stay exact on every database."""

    quarter = models.DateField()
    product_line = models.BigIntegerField(default=0)
    detailed = models.BooleanField(default=False)
    scope_kind = models.CharField(max_length=8)  # tenant | route | team | user | partner
    scope_key = models.CharField(max_length=20, blank=True)  # a route, or an id as text
    territory = models.CharField(max_length=50, blank=True)
    segment = models.BigIntegerField(default=0)
    owner_route = models.CharField(max_length=10, blank=True)
    owner_partner = models.BigIntegerField(default=0)
    owner_team = models.BigIntegerField(default=0)

    audit_skip = True  # derived from the facts, in the transaction that writes them

    class Meta:
        abstract = True


class PipelineCell(Cell):
    """Per scope: what it sourced and influenced (opened in the quarter; the part of each that
    came from a campaign, or that a campaign touch influenced), its own book opened in the
    quarter, and its own book closed in the quarter."""

    sourced_n = models.BigIntegerField(default=0)
    sourced_cents = models.BigIntegerField(default=0)
    influenced_n = models.BigIntegerField(default=0)
    influenced_cents = models.BigIntegerField(default=0)
    book_n = models.BigIntegerField(default=0)  # with or without an amount
    unconverted_n = models.BigIntegerField(default=0)  # no rate for the currency
    book_cents = models.BigIntegerField(default=0)
    partner_sourced_cents = models.BigIntegerField(default=0)
    co_sold_n = models.BigIntegerField(default=0)
    offer_n = models.BigIntegerField(default=0)  # its book with an offer set
    campaign_sourced_n = models.BigIntegerField(default=0)
    campaign_sourced_cents = models.BigIntegerField(default=0)
    campaign_influenced_n = models.BigIntegerField(default=0)
    campaign_influenced_cents = models.BigIntegerField(default=0)
    closed_n = models.BigIntegerField(default=0)
    closed_cents = models.BigIntegerField(default=0)
    won_n = models.BigIntegerField(default=0)
    won_cents = models.BigIntegerField(default=0)
    won_days = models.BigIntegerField(default=0)

    class Meta:
        base_manager_name = "all_tenants"
        constraints = [models.UniqueConstraint(fields=CELL_KEY, name="pipelinecell_key")]


class CreditCell(Cell):
    """Per scope: the credits its parties earned under each attribution model (`<model>_cents`)
    and how many credits that is (`<model>_n`; a party credited 0.00 still counts: it touched).
    One row for all the models: a fact's parties are the same under each, so the cells are
    summed once per party rather than once per party and model."""

    first_touch_n = models.BigIntegerField(default=0)
    first_touch_cents = models.BigIntegerField(default=0)
    last_touch_n = models.BigIntegerField(default=0)
    last_touch_cents = models.BigIntegerField(default=0)
    linear_n = models.BigIntegerField(default=0)
    linear_cents = models.BigIntegerField(default=0)
    u_shaped_n = models.BigIntegerField(default=0)
    u_shaped_cents = models.BigIntegerField(default=0)
    w_shaped_n = models.BigIntegerField(default=0)
    w_shaped_cents = models.BigIntegerField(default=0)
    time_decay_n = models.BigIntegerField(default=0)
    time_decay_cents = models.BigIntegerField(default=0)
    collaboration_n = models.BigIntegerField(default=0)
    collaboration_cents = models.BigIntegerField(default=0)

    class Meta:
        base_manager_name = "all_tenants"
        constraints = [models.UniqueConstraint(fields=CELL_KEY, name="creditcell_key")]


# --- overlap: one account worked by several parties in one campaign ---------------------------


class OverlapFlagQuerySet(TenantQuerySet):
    def visible_to(self, membership: Any) -> OverlapFlagQuerySet:
        # Who works an account beside whom is for RevOps to settle; a party learns only that
        # someone else works it too (scorecards.overlap.others_working), never who.
        return self if membership.is_admin else self.none()


class OverlapFlag(TenantOwned):
    """An account worked in one campaign by direct sales and a partner, or by several partners:
    flagged so it is settled in the governance review before it becomes a conflict. Kept by
    scorecards.overlap from the touches that name a campaign."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=OverlapKind.choices)
    on_target_list = models.BooleanField(
        default=False, help_text="The account is on the campaign's target list."
    )
    first_seen_at = models.DateTimeField(help_text="When the second party's first touch was.")
    last_touch_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=OverlapStatus.choices, default=OverlapStatus.OPEN
    )
    settled_at = models.DateTimeField(null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.TextField(blank=True)

    objects: ClassVar = TenantManager.from_queryset(OverlapFlagQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-last_touch_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "campaign", "account"], name="overlapflag_campaign_account"
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "last_touch_at"], name="overlapflag_status"),
            models.Index(fields=["tenant", "account"], name="overlapflag_account"),
        ]

    def __str__(self) -> str:
        return f"Overlap on account {self.account_id} in campaign {self.campaign_id}"


class OverlapParty(TenantOwned):
    """One party working a flagged account: direct sales (partner None), or a partner; with
    when, how often and what its latest touch was."""

    flag = models.ForeignKey(OverlapFlag, on_delete=models.CASCADE, related_name="parties")
    route = models.CharField(max_length=10, choices=PartyRoute.choices)
    partner = models.ForeignKey(
        "tenancy.Partner", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(
        "tenancy.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    touches = models.PositiveIntegerField(default=0)
    first_touch_at = models.DateTimeField()
    last_touch_at = models.DateTimeField()
    last_channel = models.CharField(max_length=10, blank=True)
    last_subject = models.CharField(max_length=300, blank=True)

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["first_touch_at", "id"]
        indexes = [
            models.Index(fields=["tenant", "flag"], name="overlapparty_flag"),
            models.Index(fields=["tenant", "partner"], name="overlapparty_partner"),
        ]

    def __str__(self) -> str:
        return f"{self.route} party of overlap {self.flag_id}"


# --- the quarterly governance review (scorecards/review/, docs/governance.md) -----------------


def _sees_extracts(membership: Any) -> bool:
    """Partner admins and direct sales managers receive the extract of a signed-off review meant
    for them; reps receive none."""
    return membership.role in (Role.PARTNER_ADMIN, Role.DIRECT_MANAGER)


class GovernanceReviewQuerySet(TenantQuerySet):
    def visible_to(self, membership: Any) -> GovernanceReviewQuerySet:
        # The workspace is RevOps'; the others see only what was signed off, and only through
        # their own extract (scorecards.review.extract).
        if membership.is_admin:
            return self
        if _sees_extracts(membership):
            return self.filter(status=ReviewStatus.SIGNED_OFF)
        return self.none()


class GovernanceReview(TenantOwned):
    """One quarter's governance review. `data` holds its sections as last prepared from live data
    (scorecards.review.prepare, a background job whose progress is `job_*`); at sign-off the
    review is frozen: `data` and `decisions_at_sign_off` never change again, whatever the data
    they were taken from does."""

    quarter_start = models.DateField(help_text="The first day of the fiscal quarter reviewed.")
    status = models.CharField(
        max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    data = models.JSONField(default=dict, blank=True)
    prepared_at = models.DateTimeField(null=True, blank=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    job_status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.IDLE)
    job_step = models.CharField(max_length=200, blank=True, help_text="What is being gathered.")
    job_total = models.PositiveIntegerField(default=0)
    job_done = models.PositiveIntegerField(default=0)
    job_error = models.TextField(blank=True)
    job_started_at = models.DateTimeField(null=True, blank=True)
    job_finished_at = models.DateTimeField(null=True, blank=True)
    signed_off_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sign_off_note = models.TextField(blank=True)
    decisions_at_sign_off = models.JSONField(default=list, blank=True)

    objects: ClassVar = TenantManager.from_queryset(GovernanceReviewQuerySet)()

    audit_exclude = ("data", "decisions_at_sign_off", "job_step", "job_done", "job_total")

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-quarter_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "quarter_start"], name="governancereview_quarter"
            ),
            models.CheckConstraint(
                name="governancereview_signed_off_when",
                condition=~models.Q(status=ReviewStatus.SIGNED_OFF)
                | models.Q(signed_off_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return (
            f"Governance review of {self.data.get('quarter', {}).get('code') or self.quarter_start}"
        )

    @property
    def is_frozen(self) -> bool:
        return self.status == ReviewStatus.SIGNED_OFF

    @property
    def progress_percent(self) -> int:
        if self.job_status == JobStatus.DONE:
            return 100
        if not self.job_total:
            return 0
        return min(100, self.job_done * 100 // self.job_total)

    def refuse_if_frozen(self, what: str = "review") -> None:
        """A signed-off review is a snapshot: refuse any change to it, saying when it froze."""
        if self.is_frozen:
            when = self.signed_off_at.date().isoformat() if self.signed_off_at else "earlier"
            raise ValidationError(
                {
                    what: f"This review was signed off on {when} and is frozen; "
                    "record new decisions in an open quarter's review."
                }
            )


class ReviewDecisionQuerySet(TenantQuerySet):
    def visible_to(self, membership: Any) -> ReviewDecisionQuerySet:
        if membership.is_admin:
            return self
        mine = models.Q(owner__user_id=membership.user_id)
        if membership.is_partner_user:
            concerns = models.Q(partner_id=membership.partner_id)
        elif membership.role == Role.DIRECT_MANAGER:
            concerns = models.Q(team_id=membership.team_id)
        else:
            return self.filter(mine)
        signed = models.Q(review__status=ReviewStatus.SIGNED_OFF)
        return self.filter(mine | (concerns & signed))


class ReviewDecision(TenantOwned):
    """A decision recorded in a governance review: what, who owns it, by when. Open decisions are
    carried into every later review until they are done or dropped, and show on their owner's
    home page. The applicable kinds (`DecisionKind.applicable`) are carried out through the owning
    app's service (scorecards.review.decisions.apply_decision), never by hand; `payload` names
    what they act on (target list and account, reallocation line and amount, overlap flag)."""

    review = models.ForeignKey(GovernanceReview, on_delete=models.CASCADE, related_name="decisions")
    kind = models.CharField(
        max_length=12, choices=DecisionKind.choices, default=DecisionKind.GENERAL
    )
    title = models.CharField(max_length=200)
    detail = models.TextField(blank=True)
    owner = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    due_on = models.DateField()
    partner = models.ForeignKey(
        "tenancy.Partner",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The partner the decision concerns, if any: it appears in that partner's extract.",
    )
    team = models.ForeignKey(
        "tenancy.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The direct team the decision concerns, if any.",
    )
    payload = models.JSONField(default=dict, blank=True)
    source = models.CharField(
        max_length=100,
        blank=True,
        help_text="The review item it answers, e.g. target_lists:12:345.",
    )
    status = models.CharField(
        max_length=10, choices=DecisionStatus.choices, default=DecisionStatus.OPEN
    )
    outcome = models.TextField(blank=True, help_text="What was done, or why it was dropped.")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects: ClassVar = TenantManager.from_queryset(ReviewDecisionQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["tenant", "review"], name="reviewdecision_review"),
            models.Index(fields=["tenant", "owner", "status"], name="reviewdecision_owner"),
            models.Index(fields=["tenant", "status", "due_on"], name="reviewdecision_open"),
            models.Index(fields=["tenant", "partner"], name="reviewdecision_partner"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == DecisionStatus.OPEN

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not (self.title or "").strip():
            errors["title"] = "Say what was decided."
        if not self.owner_id:
            errors["owner"] = "Every decision needs an owner: choose who carries it out."
        elif self.tenant_id and self.owner.tenant_id != self.tenant_id:
            errors["owner"] = "That person belongs to another tenant."
        elif not self.owner.is_active:
            errors["owner"] = "That person's membership is inactive; choose an active owner."
        if not self.due_on:
            errors["due_on"] = "Every decision needs a due date."
        elif not 2000 <= self.due_on.year <= 2999:
            errors["due_on"] = "Give a due date between the years 2000 and 2999."
        for field in ("partner", "team"):
            related = getattr(self, field) if getattr(self, f"{field}_id") else None
            if related is not None and self.tenant_id and related.tenant_id != self.tenant_id:
                errors[field] = f"That {field} belongs to another tenant."
        if errors:
            raise ValidationError(errors)


# --- the channel-balance maturity assessment (scorecards/maturity/, docs/maturity.md) ----------


class MaturityAssessmentQuerySet(TenantQuerySet):
    def visible_to(self, membership: Any) -> MaturityAssessmentQuerySet:
        # How mature the manufacturer's own operating model is: RevOps' self-assessment.
        return self if membership.is_admin else self.none()


class MaturityAssessment(TenantOwned):
    """A quarter's maturity assessment: the questionnaire's answers (`answers`: question key to
    the level chosen, 1 to 4) and, per capability, a `MaturityScore` from the answers beside one
    from live data. One per quarter; the trend is the assessments in quarter order."""

    quarter_start = models.DateField(help_text="The first day of the fiscal quarter assessed.")
    answers = models.JSONField(default=dict, blank=True)
    assessed_at = models.DateTimeField(null=True, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data_computed_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)

    objects: ClassVar = TenantManager.from_queryset(MaturityAssessmentQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-quarter_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "quarter_start"], name="maturityassessment_quarter"
            )
        ]

    def __str__(self) -> str:
        return f"Maturity assessment of {self.quarter_start}"


class MaturityScore(TenantOwned):
    """One capability's scores in an assessment: from the questionnaire (the mean of its answers,
    1 to 4) and from live data (a measure with its thresholds, docs/maturity.md), each with its
    level; `evidence` holds the data measure's inputs, `recommendations` what to do next (text and
    the page where it is acted on)."""

    assessment = models.ForeignKey(
        MaturityAssessment, on_delete=models.CASCADE, related_name="scores"
    )
    capability = models.CharField(max_length=16, choices=Capability.choices)
    questionnaire_score = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    questionnaire_level = models.PositiveSmallIntegerField(
        choices=MaturityLevel.choices, null=True, blank=True
    )
    data_value = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The live-data measure (a percentage or a count, docs/maturity.md).",
    )
    data_level = models.PositiveSmallIntegerField(
        choices=MaturityLevel.choices, null=True, blank=True
    )
    evidence = models.JSONField(default=dict, blank=True)
    recommendations = models.JSONField(default=list, blank=True)

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["assessment", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "assessment", "capability"], name="maturityscore_capability"
            )
        ]

    def __str__(self) -> str:
        return f"{self.capability} in assessment {self.assessment_id}"
