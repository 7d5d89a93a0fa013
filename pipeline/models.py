"""Pipeline: opportunities with line items and stage history, and the touch log."""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from typing import Any, ClassVar, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.models import Account, Contact, Product
from campaigns.models import Campaign, CampaignOffer, Offer
from core.models import TenantOwned
from core.requirements import AllOf, RequiredOneOf
from core.sync import Synced
from core.tenancy import TenantManager, TenantQuerySet
from core.validators import tidy_email
from pipeline.choices import (
    Channel,
    LeadSource,
    LeadStatus,
    Outcome,
    Priority,
    ResponseKind,
    Route,
    Source,
    TouchRoute,
)
from tenancy.models import Membership

__all__ = [
    "LEAD_ENRICHED_FIELDS",
    "LEAD_PERSON_FIELDS",
    "LEAD_REACHABLE",
    "CampaignLinked",
    "CampaignResponse",
    "Lead",
    "Opportunity",
    "OpportunityLine",
    "Stage",
    "StageChange",
    "Touch",
    "campaign_offer_ids",
    "check_campaign_offer",
    "check_opportunity_account",
]

WHOLE_TENANT_ROLES = ("revops_admin", "direct_manager")


# --- The campaign and offer a row came from --------------------------------------------------


def campaign_offer_ids(campaign: Campaign) -> frozenset[int]:
    """The ids of the campaign's offers, looked up once per campaign object: a bulk write shares
    one object per referenced campaign, so a thousand touches of one campaign cost one query."""
    ids: frozenset[int] | None = getattr(campaign, "_pipeline_offer_ids", None)
    if ids is None:
        links = CampaignOffer.objects.filter(campaign_id=campaign.pk)
        ids = frozenset(links.values_list("offer_id", flat=True))
        setattr(campaign, "_pipeline_offer_ids", ids)  # noqa: B010 - not a field of Campaign
    return ids


def check_campaign_offer(campaign: Campaign | None, offer: Offer | None) -> None:
    """A row naming both a campaign and an offer names one of the campaign's offers: the one copy
    of the rule, for touches, leads, opportunities and campaign responses alike. Raises a
    ValidationError on `offer`. Nothing to check when either is missing."""
    if campaign is None or offer is None or offer.pk in campaign_offer_ids(campaign):
        return
    raise ValidationError(
        {"offer": f"The offer “{offer}” is not one of the offers of the campaign “{campaign}”."}
    )


class CampaignPairChecked(models.Model):
    """Runs `check_campaign_offer` when a row's campaign and offer are set or changed, not when a
    row is saved again with the pair it was stored with: an offer later taken out of a campaign
    leaves the touches, leads and deals that used it editable, and a bulk update of stored rows
    does not look their campaigns up row by row. Models with `campaign` and `offer` fields."""

    class Meta:
        abstract = True

    def _campaign_pair(self) -> tuple[Any, Any]:
        return self.__dict__.get("campaign_id"), self.__dict__.get("offer_id")

    @classmethod
    def from_db(
        cls, db: str | None, field_names: Collection[str], values: Collection[Any], **kwargs: Any
    ) -> Self:
        row = super().from_db(db, field_names, values, **kwargs)
        row._stored_campaign_pair = row._campaign_pair()
        return row

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        self._stored_campaign_pair = self._campaign_pair()

    def check_campaign_pair(self) -> None:
        pair = self._campaign_pair()
        if None in pair or pair == getattr(self, "_stored_campaign_pair", None):
            return
        check_campaign_offer(getattr(self, "campaign"), getattr(self, "offer"))  # noqa: B009


class CampaignLinked(CampaignPairChecked):
    """The campaign and the offer a touch, lead or opportunity came from (both optional), so a
    campaign's responses, leads, opportunities and won revenue can be counted by route and
    partner. Each model indexes (tenant, campaign) itself: index names are per table."""

    campaign = models.ForeignKey(
        Campaign,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # the model's (tenant, campaign) index serves it
    )
    offer = models.ForeignKey(
        Offer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True


class Stage(TenantOwned):
    """One step of the tenant's sales process, with its win probability."""

    key = models.SlugField(max_length=50)
    name = models.CharField(max_length=100)
    order = models.PositiveSmallIntegerField()
    probability = models.PositiveSmallIntegerField(validators=[MaxValueValidator(100)])
    outcome = models.CharField(max_length=4, choices=Outcome.choices, default=Outcome.OPEN)

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="stage_tenant_key_uniq")
        ]

    def __str__(self) -> str:
        return self.name


class OpportunityQuerySet(TenantQuerySet):
    def visible_to(self, membership) -> OpportunityQuerySet:
        if membership.role in WHOLE_TENANT_ROLES:
            return self
        if membership.is_partner_user:
            return self.filter(partner_id=membership.partner_id)
        return self.filter(
            Q(owner_user_id=membership.user_id) | Q(owner_team_id=membership.team_id)
        )


class Opportunity(Synced, CampaignLinked):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="opportunities")
    name = models.CharField(max_length=200)
    amount = models.DecimalField(
        max_digits=16, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    currency = models.CharField(max_length=3)
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    opened_on = models.DateField(help_text="When the opportunity was created (in the CRM).")
    expected_close_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    route = models.CharField(max_length=10, choices=Route.choices, default=Route.DIRECT)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner_team = models.ForeignKey(
        "tenancy.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    partner = models.ForeignKey(
        "tenancy.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.UNKNOWN)
    source_detail = models.CharField(
        max_length=200, blank=True, help_text="What sourced it (campaign, event…)."
    )
    close_reason = models.CharField(max_length=300, blank=True, help_text="Why it was won or lost.")

    objects: ClassVar = TenantManager.from_queryset(OpportunityQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-opened_on", "-id"]
        verbose_name_plural = "opportunities"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "external_id"],
                condition=~Q(external_id=""),
                name="opportunity_tenant_external_id_uniq",
            ),
            models.CheckConstraint(
                name="opportunity_partner_route_has_partner",
                condition=~Q(route=Route.PARTNER) | Q(partner__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "sync_seq", "id"], name="opportunity_sync_feed"),
            models.Index(fields=["tenant", "account"], name="opportunity_tenant_account"),
            models.Index(fields=["tenant", "partner"], name="opportunity_tenant_partner"),
            models.Index(fields=["tenant", "owner_team"], name="opportunity_tenant_team"),
            models.Index(fields=["tenant", "stage"], name="opportunity_tenant_stage"),
            models.Index(fields=["tenant", "updated_at"], name="opportunity_tenant_updated"),
            models.Index(fields=["tenant", "campaign"], name="opportunity_tenant_campaign"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.check_campaign_pair()

    @property
    def outcome(self) -> str:
        return self.stage.outcome


class OpportunityLine(TenantOwned):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    list_price = models.DecimalField(
        max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    discount_pct = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["tenant", "opportunity"], name="opportunityline_opportunity")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"

    @property
    def net_amount(self) -> Decimal:
        gross = self.quantity * self.list_price
        return (gross * (Decimal(100) - self.discount_pct) / Decimal(100)).quantize(Decimal("0.01"))


class StageChange(TenantOwned):
    """Every stage an opportunity entered, so velocity and stage durations can be measured."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["changed_at", "id"]
        indexes = [
            models.Index(
                fields=["tenant", "opportunity", "changed_at"], name="stagechange_opportunity"
            )
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.from_stage_id} → {self.to_stage_id}"


class LeadQuerySet(TenantQuerySet):
    def visible_to(self, membership) -> LeadQuerySet:
        """Admins and managers: all. Partners: leads assigned to them or that they submitted.
        Reps: leads assigned to them or, unassigned to a person, to their team."""
        if membership.role in WHOLE_TENANT_ROLES:
            return self
        if membership.is_partner_user:
            return self.filter(
                Q(assigned_partner_id=membership.partner_id)
                | Q(submitted_by_partner_id=membership.partner_id)
            )
        return self.filter(
            Q(assigned_user_id=membership.user_id)
            | Q(assigned_team_id=membership.team_id, assigned_user__isnull=True)
        )


# What a person tells us about themselves, as received: merged field by field when two leads are
# the same person, and the fields intake accepts (with source, priority and external id).
LEAD_PERSON_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "title",
    "company",
    "website",
    "street",
    "city",
    "postal_code",
    "region",
    "country",
    "product_interest",
    "service_needs",
    "employee_band",
    "estimated_amount",
    "message",
)
# Someone must be able to get back to the lead, whichever way it came: the one copy of the rule,
# run by `Lead.clean` (so by the API, imports, the public form and the submit page) and read by
# the lead forms, which mark each of these fields "one of these is required" from it.
LEAD_REACHABLE = RequiredOneOf(
    ("email", "phone", AllOf(RequiredOneOf(("first_name", "last_name")), "company")),
    message="Give an email, a phone number, or a name and a company, so someone can get back "
    "to the lead.",
    field="email",
)
# The keys enrichment derives from them, kept consistent with them when two leads merge.
LEAD_DERIVED_KEYS = (
    "email_key",
    "domain",
    "phone_e164",
    "country_code",
    "region_code",
    "company_key",
)
# What enrichment derives from them: those keys and the matches they lead to.
LEAD_ENRICHED_FIELDS = (
    *LEAD_DERIVED_KEYS,
    "territory",
    "account",
    "contact",
    "enriched_at",
    "needs_enrichment",
)
# What routing decides: where the lead went, to whom, and why.
LEAD_ROUTING_FIELDS = (
    "status",
    "route",
    "assigned_team",
    "assigned_user",
    "assigned_partner",
    "assigned_at",
    "decision",
)


class Lead(Synced, CampaignLinked):
    """A person who raised a hand, from intake until someone works it.

    The fields as received stay as received (the email only trimmed, its domain lower-cased); the
    `*_key` and normalised fields are what enrichment derived from them, and what dedupe and
    routing read. The lead-ops engine that fills them lives in the `routing` app; the lead itself
    lives here, beside the touches that record work on it.
    """

    source = models.CharField(max_length=10, choices=LeadSource.choices)
    source_detail = models.CharField(max_length=200, blank=True, help_text="Form, campaign, file…")
    priority = models.CharField(max_length=6, choices=Priority.choices, default=Priority.NORMAL)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    title = models.CharField(max_length=150, blank=True)
    company = models.CharField(max_length=200, blank=True)
    website = models.CharField(max_length=253, blank=True)
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    region = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True)
    product_interest = models.JSONField(default=list, blank=True, help_text="Product line codes")
    service_needs = models.JSONField(default=list, blank=True)
    employee_band = models.CharField(max_length=12, blank=True)
    estimated_amount = models.DecimalField(
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    message = models.TextField(blank=True)
    submitted_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_by_partner = models.ForeignKey(
        "tenancy.Partner", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Enrichment (routing.enrich)
    email_key = models.CharField(max_length=254, blank=True)
    domain = models.CharField(max_length=253, blank=True)
    phone_e164 = models.CharField(max_length=20, blank=True)
    country_code = models.CharField(max_length=2, blank=True)
    region_code = models.CharField(max_length=10, blank=True)
    company_key = models.CharField(max_length=200, blank=True)
    territory = models.CharField(max_length=50, blank=True, help_text="Territory code")
    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        db_index=False,  # lead_account leads with the tenant
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    enriched_at = models.DateTimeField(null=True, blank=True)
    needs_enrichment = models.BooleanField(
        default=False, help_text="A provider failed; enrich again later."
    )

    # Dedupe (routing.dedupe)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )

    # Routing and assignment (routing.assign)
    status = models.CharField(max_length=12, choices=LeadStatus.choices, default=LeadStatus.NEW)
    route = models.CharField(max_length=10, blank=True)  # direct | partner | open
    assigned_team = models.ForeignKey(
        "tenancy.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_partner = models.ForeignKey(
        "tenancy.Partner", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    decision = models.JSONField(default=dict, blank=True, help_text="Why it went where it went.")
    routing_attempts = models.PositiveSmallIntegerField(default=0)
    recalls = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty until enriched, deduplicated and routed."
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    first_touch_at = models.DateTimeField(null=True, blank=True)
    speed_to_lead_seconds = models.PositiveIntegerField(null=True, blank=True)
    sla_met = models.BooleanField(null=True, blank=True)

    objects: ClassVar = TenantManager.from_queryset(LeadQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "external_id"],
                condition=~Q(external_id=""),
                name="lead_tenant_external_id_uniq",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "sync_seq", "id"], name="lead_sync_feed"),
            models.Index(fields=["tenant", "updated_at"], name="lead_tenant_updated"),
            models.Index(fields=["tenant", "status", "created_at"], name="lead_status"),
            models.Index(
                fields=["tenant", "created_at"],
                condition=Q(processed_at__isnull=True),
                name="lead_unprocessed",
            ),
            models.Index(fields=["tenant", "email_key"], name="lead_email"),
            models.Index(fields=["tenant", "phone_e164"], name="lead_phone"),
            models.Index(fields=["tenant", "assigned_partner", "status"], name="lead_partner"),
            models.Index(fields=["tenant", "assigned_user", "status"], name="lead_user"),
            models.Index(fields=["tenant", "assigned_team", "status"], name="lead_team"),
            models.Index(fields=["tenant", "account"], name="lead_account"),
            models.Index(fields=["tenant", "campaign"], name="lead_tenant_campaign"),
        ]

    def __str__(self) -> str:
        person = " ".join(p for p in (self.first_name, self.last_name) if p)
        return person or self.email or self.company or f"Lead {self.pk}"

    def clean(self) -> None:
        """Someone must be able to get back to the lead, whichever way it came; its offer is one
        of its campaign's."""
        LEAD_REACHABLE.check(self)
        self.check_campaign_pair()

    def save(self, *args: Any, **kwargs: Any) -> None:
        # As received, but without the stray spaces and capitals of a domain, so what the API
        # returns is the email address it documents (the API's writes tidy it the same way).
        self.email = tidy_email(self.email)
        super().save(*args, **kwargs)


class TouchQuerySet(TenantQuerySet):
    def visible_to(self, membership) -> TouchQuerySet:
        if membership.role in WHOLE_TENANT_ROLES:
            return self
        if membership.is_partner_user:
            return self.filter(actor_partner_id=membership.partner_id)
        return self.filter(
            Q(actor_user_id=membership.user_id)
            | Q(account__in=Account.objects.visible_to(membership))
            | Q(opportunity__in=Opportunity.objects.visible_to(membership))
        )


def check_opportunity_account(opportunity: Opportunity | None, account: Account | None) -> None:
    """An opportunity named together with an account must be that account's: a touch logged on
    both, a discount checked for both (guardrails). The one copy of the rule; raises a
    ValidationError on `opportunity`. Nothing to check when either is missing."""
    if opportunity is not None and account is not None and opportunity.account_id != account.pk:
        raise ValidationError({"opportunity": "This opportunity belongs to another account."})


class Touch(Synced, CampaignLinked):
    """One interaction with a contact or account, by a person, a partner, a team or marketing."""

    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="touches"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="touches"
    )
    opportunity = models.ForeignKey(
        Opportunity, null=True, blank=True, on_delete=models.SET_NULL, related_name="touches"
    )
    lead = models.ForeignKey(
        Lead,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="touches",
        db_index=False,
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    route = models.CharField(max_length=10, choices=TouchRoute.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_partner = models.ForeignKey(
        "tenancy.Partner", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_team = models.ForeignKey(
        "tenancy.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    occurred_at = models.DateTimeField()
    subject = models.CharField(max_length=300, blank=True)

    objects: ClassVar = TenantManager.from_queryset(TouchQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "touches"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "external_id"],
                condition=~Q(external_id=""),
                name="touch_tenant_external_id_uniq",
            ),
            models.CheckConstraint(
                name="touch_has_subject",
                condition=Q(account__isnull=False)
                | Q(contact__isnull=False)
                | Q(lead__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "sync_seq", "id"], name="touch_sync_feed"),
            models.Index(fields=["tenant", "account", "occurred_at"], name="touch_account_time"),
            models.Index(fields=["tenant", "opportunity"], name="touch_tenant_opportunity"),
            models.Index(fields=["tenant", "lead", "occurred_at"], name="touch_lead_time"),
            models.Index(
                fields=["tenant", "actor_partner", "occurred_at"], name="touch_partner_time"
            ),
            models.Index(fields=["tenant", "updated_at"], name="touch_tenant_updated"),
            models.Index(fields=["tenant", "campaign"], name="touch_tenant_campaign"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.occurred_at:%Y-%m-%d}"

    def clean(self) -> None:
        self.check_campaign_pair()


# --- Campaign responses ----------------------------------------------------------------------

MAX_ROI_INPUTS = 20


def validate_roi_inputs(value: Any) -> None:
    """What a visitor typed into an offer's ROI calculator: input keys to numbers."""
    if not isinstance(value, dict):
        raise ValidationError('Give the ROI inputs as an object of numbers, e.g. {"hours": 40}.')
    if len(value) > MAX_ROI_INPUTS:
        raise ValidationError(f"At most {MAX_ROI_INPUTS} ROI inputs.")
    for key, number in value.items():
        if not isinstance(key, str) or not 0 < len(key) <= 40:
            raise ValidationError("Name each ROI input with at most 40 characters.")
        if isinstance(number, bool) or not isinstance(number, int | float | Decimal):
            raise ValidationError(f"The ROI input “{key}” must be a number.")


class CampaignResponseQuerySet(TenantQuerySet):
    def visible_to(self, membership: Membership) -> CampaignResponseQuerySet:
        """RevOps admins: all. Partner users: their own partner's responses (its co-branded
        pages, its events). Direct users: the manufacturer's own (no partner)."""
        if membership.is_admin:
            return self
        if membership.is_partner_user:
            return self.filter(partner_id=membership.partner_id)
        return self.filter(partner__isnull=True)


class CampaignResponse(Synced, CampaignPairChecked):
    """A person's response to a campaign or an offer: a landing-page form, an event attendance, a
    webinar registration, an email reply... `partner` is whose co-branded page or whose activity
    it was (none: the manufacturer's own). The lead, touch, account and contact it led to or
    came from are optional; `roi_inputs`/`roi_result` keep what an ROI calculator was given and
    answered."""

    campaign = models.ForeignKey(
        Campaign,
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # a measured response is not dropped with its campaign
        related_name="+",
        db_index=False,  # campaignresponse_campaign leads with the tenant
    )
    offer = models.ForeignKey(
        Offer, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    partner = models.ForeignKey(
        "tenancy.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # campaignresponse_partner leads with the tenant
    )
    kind = models.CharField(max_length=20, choices=ResponseKind.choices)
    occurred_at = models.DateTimeField()
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="campaign_responses"
    )
    touch = models.ForeignKey(
        Touch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.CharField(max_length=254, blank=True)
    roi_inputs = models.JSONField(default=dict, blank=True, validators=[validate_roi_inputs])
    roi_result = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)

    objects: ClassVar = TenantManager.from_queryset(CampaignResponseQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "external_id"],
                condition=~Q(external_id=""),
                name="campaignresponse_tenant_external_id_uniq",
            ),
            models.CheckConstraint(
                name="campaignresponse_has_campaign_or_offer",
                condition=Q(campaign__isnull=False) | Q(offer__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "sync_seq", "id"], name="campaignresponse_sync_feed"),
            models.Index(
                fields=["tenant", "campaign", "occurred_at"], name="campaignresponse_campaign"
            ),
            models.Index(
                fields=["tenant", "partner", "occurred_at"], name="campaignresponse_partner"
            ),
            models.Index(fields=["tenant", "occurred_at"], name="campaignresponse_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"

    def clean(self) -> None:
        if self.campaign_id is None and self.offer_id is None:
            raise ValidationError(
                {"campaign": "Name the campaign or the offer this response answers."}
            )
        self.check_campaign_pair()
        contact = self.contact if self.contact_id is not None else None
        if (
            contact is not None
            and self.account_id is not None
            and contact.account_id not in (None, self.account_id)
        ):
            raise ValidationError({"contact": "This contact belongs to another account."})

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = tidy_email(self.email)
        super().save(*args, **kwargs)
