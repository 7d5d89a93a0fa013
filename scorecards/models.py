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
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.models import TenantOwned
from core.tenancy import TenantManager, TenantQuerySet
from scorecards.choices import MODEL_CHOICES, OverlapKind, OverlapStatus, PartyRoute, SourcedBy
from tenancy.choices import PartnerTier

__all__ = [
    "CELL_KEY",
    "Cell",
    "Credit",
    "CreditCell",
    "ExchangeRate",
    "FactProductLine",
    "LeadFact",
    "OpportunityFact",
    "OverlapFlag",
    "OverlapParty",
    "PipelineCell",
    "RefreshCursor",
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
