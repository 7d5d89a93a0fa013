"""The manufacturer's customers: accounts, contacts, the product catalog and target lists, plus the
tenant's own taxonomies (strategic tiers, industry segments)."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.choices import (
    BuyingRole,
    ConsentStatus,
    EmployeeBand,
    Lifecycle,
    ProductRelation,
    RevenueBand,
)
from core.models import TenantOwned
from core.sync import Synced
from core.tenancy import TenantManager, TenantQuerySet

__all__ = [
    "Account",
    "AccountDomain",
    "AccountProductLine",
    "Contact",
    "Product",
    "ProductLine",
    "Segment",
    "TargetList",
    "TargetListMember",
    "Tier",
]


def _external_id_unique(model: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["tenant", "external_id"],
        condition=~Q(external_id=""),
        name=f"{model}_tenant_external_id_uniq",
    )


def _sync_index(model: str) -> models.Index:
    return models.Index(fields=["tenant", "sync_seq", "id"], name=f"{model}_sync_feed")


class Term(TenantOwned):
    """One entry of a tenant-configurable list, referred to by its key in the API."""

    key = models.SlugField(max_length=50)
    name = models.CharField(max_length=100)
    rank = models.PositiveSmallIntegerField(default=100, help_text="Lower comes first.")

    class Meta:
        abstract = True
        base_manager_name = "all_tenants"
        ordering = ["rank", "name"]

    def __str__(self) -> str:
        return self.name


class Tier(Term):
    """A strategic tier (e.g. strategic, key, growth, transactional)."""

    class Meta(Term.Meta):
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="tier_tenant_key_uniq")
        ]


class Segment(Term):
    """An industry segment (e.g. mining, construction)."""

    class Meta(Term.Meta):
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="segment_tenant_key_uniq")
        ]


class ProductLine(Synced):
    name = models.CharField(max_length=200)
    code = models.SlugField(max_length=50)
    description = models.TextField(blank=True)
    service_heavy = models.BooleanField(
        default=False,
        help_text="Mostly bought for parts and service (guardrails may send it to partners).",
    )

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="productline_tenant_code_uniq"),
            _external_id_unique("productline"),
        ]
        indexes = [_sync_index("productline")]

    def __str__(self) -> str:
        return self.name


class Product(Synced):
    product_line = models.ForeignKey(ProductLine, on_delete=models.PROTECT, related_name="products")
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    list_price = models.DecimalField(
        max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    currency = models.CharField(max_length=3)
    active = models.BooleanField(default=True)

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["sku"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "sku"], name="product_tenant_sku_uniq"),
            _external_id_unique("product"),
        ]
        indexes = [_sync_index("product")]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class AccountQuerySet(TenantQuerySet):
    def visible_to(self, membership) -> AccountQuerySet:
        """Admins and direct managers: all; reps: their own and their team's; partners: assigned."""
        if membership.role in ("revops_admin", "direct_manager"):
            return self
        if membership.is_partner_user:
            return self.filter(owner_partner_id=membership.partner_id)
        return self.filter(
            Q(owner_user_id=membership.user_id) | Q(owner_team_id=membership.team_id)
        )


class Account(Synced):
    name = models.CharField(max_length=200)
    legal_name = models.CharField(max_length=200, blank=True)
    segment = models.ForeignKey(
        Segment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    employee_band = models.CharField(max_length=12, choices=EmployeeBand.choices, blank=True)
    revenue_band = models.CharField(max_length=12, choices=RevenueBand.choices, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    region = models.CharField(max_length=10, blank=True, help_text="ISO 3166-2, e.g. DE-BY")
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    service_needs = models.JSONField(default=list, blank=True)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner_team = models.ForeignKey(
        "tenancy.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner_partner = models.ForeignKey(
        "tenancy.Partner", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    named_account = models.BooleanField(
        default=False, help_text="Reserved for the direct team by name."
    )
    lifecycle = models.CharField(
        max_length=20, choices=Lifecycle.choices, default=Lifecycle.PROSPECT
    )

    objects: ClassVar = TenantManager.from_queryset(AccountQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["name"]
        constraints = [
            _external_id_unique("account"),
            models.CheckConstraint(
                name="account_one_owner_kind",
                condition=Q(owner_user__isnull=True) | Q(owner_partner__isnull=True),
            ),
        ]
        indexes = [
            _sync_index("account"),
            models.Index(fields=["tenant", "name"], name="account_tenant_name"),
            models.Index(fields=["tenant", "owner_partner"], name="account_tenant_partner"),
            models.Index(fields=["tenant", "owner_team"], name="account_tenant_team"),
            models.Index(fields=["tenant", "country", "region"], name="account_tenant_geo"),
            models.Index(fields=["tenant", "updated_at"], name="account_tenant_updated"),
        ]

    def __str__(self) -> str:
        return self.name


class AccountDomain(TenantOwned):
    """A web domain of an account; several accounts may share one (subsidiaries)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253)

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "account", "domain"], name="accountdomain_uniq"
            )
        ]
        indexes = [models.Index(fields=["tenant", "domain"], name="accountdomain_lookup")]

    def __str__(self) -> str:
        return self.domain


class AccountProductLine(TenantOwned):
    """A product line an account is interested in, or has installed."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="product_lines")
    product_line = models.ForeignKey(ProductLine, on_delete=models.CASCADE, related_name="+")
    relation = models.CharField(max_length=10, choices=ProductRelation.choices)

    class Meta:
        base_manager_name = "all_tenants"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "account", "product_line", "relation"],
                name="accountproductline_uniq",
            )
        ]
        indexes = [
            models.Index(
                fields=["tenant", "product_line", "relation"], name="accountproductline_line"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.relation} {self.product_line_id}"


class ContactQuerySet(TenantQuerySet):
    def visible_to(self, membership) -> ContactQuerySet:
        if membership.role in ("revops_admin", "direct_manager"):
            return self
        return self.filter(account__in=Account.objects.visible_to(membership))


class Contact(Synced):
    # Indexed by contact_tenant_account (tenant first), not on its own.
    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="contacts",
        db_index=False,
    )
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=20, blank=True, help_text="E.164")
    title = models.CharField(max_length=150, blank=True)
    buying_role = models.CharField(max_length=30, choices=BuyingRole.choices, blank=True)
    consent = models.CharField(
        max_length=10, choices=ConsentStatus.choices, default=ConsentStatus.UNKNOWN
    )
    opted_out = models.BooleanField(default=False)
    opted_out_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar = TenantManager.from_queryset(ContactQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["last_name", "first_name"]
        constraints = [_external_id_unique("contact")]
        indexes = [
            _sync_index("contact"),
            models.Index(fields=["tenant", "email"], name="contact_tenant_email"),
            models.Index(fields=["tenant", "account"], name="contact_tenant_account"),
            models.Index(fields=["tenant", "updated_at"], name="contact_tenant_updated"),
        ]

    def __str__(self) -> str:
        return (
            " ".join(p for p in (self.first_name, self.last_name) if p)
            or self.email
            or f"Contact {self.pk}"
        )


class TargetListQuerySet(TenantQuerySet):
    def visible_to(self, membership) -> TargetListQuerySet:
        # ABM target lists are the manufacturer's internal planning.
        return self.none() if membership.is_partner_user else self


class TargetList(Synced):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    refresh_note = models.CharField(
        max_length=500, blank=True, help_text="Why and how it was last refreshed."
    )

    objects: ClassVar = TenantManager.from_queryset(TargetListQuerySet)()

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="targetlist_tenant_name_uniq"),
            _external_id_unique("targetlist"),
        ]
        indexes = [_sync_index("targetlist")]

    def __str__(self) -> str:
        return self.name


class TargetListMember(TenantOwned):
    target_list = models.ForeignKey(TargetList, on_delete=models.CASCADE, related_name="members")
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="target_list_memberships"
    )
    reason = models.CharField(
        max_length=300, blank=True, help_text="Why the account is on the list."
    )

    class Meta:
        base_manager_name = "all_tenants"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "target_list", "account"], name="targetlistmember_uniq"
            )
        ]
        indexes = [models.Index(fields=["tenant", "account"], name="targetlistmember_account")]

    def __str__(self) -> str:
        return f"{self.account_id} on {self.target_list_id}"
