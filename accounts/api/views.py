from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from accounts.api.serializers import (
    AccountSerializer,
    ContactSerializer,
    ProductLineSerializer,
    ProductSerializer,
    SegmentSerializer,
    TargetListSerializer,
    TierSerializer,
)
from accounts.models import Account, Contact, Product, ProductLine, Segment, TargetList, Tier
from core.api.filters import IdFilter, TenantFilterSet
from core.api.sync import SyncActionsMixin
from core.api.views import TenantModelViewSet
from tenancy.choices import Role

ADMINS = frozenset({Role.REVOPS_ADMIN})
MANAGERS = frozenset({Role.REVOPS_ADMIN, Role.DIRECT_MANAGER})
EVERYONE = frozenset(Role.values)


class TierViewSet(TenantModelViewSet):
    """The tenant's strategic tiers."""

    model = Tier
    queryset = Tier.objects.none()
    serializer_class = TierSerializer
    write_roles = ADMINS


class SegmentViewSet(TenantModelViewSet):
    """The tenant's industry segments."""

    model = Segment
    queryset = Segment.objects.none()
    serializer_class = SegmentSerializer
    write_roles = ADMINS


class ProductLineFilterSet(TenantFilterSet):
    class Meta:
        model = ProductLine
        fields = {"code": ["exact"], "external_id": ["exact"], "service_heavy": ["exact"]}


class ProductLineViewSet(SyncActionsMixin, TenantModelViewSet):
    """The tenant's product lines."""

    model = ProductLine
    sync_roles = ADMINS  # the CRM integration's feed
    queryset = ProductLine.objects.none()
    serializer_class = ProductLineSerializer
    filterset_class = ProductLineFilterSet
    write_roles = ADMINS


class ProductFilterSet(TenantFilterSet):
    product_line = IdFilter("product_line")

    class Meta:
        model = Product
        fields = {
            "sku": ["exact"],
            "external_id": ["exact"],
            "active": ["exact"],
            "currency": ["exact"],
        }


class ProductViewSet(SyncActionsMixin, TenantModelViewSet):
    """The tenant's products (SKUs with list prices)."""

    model = Product
    sync_roles = ADMINS  # the CRM integration's feed
    queryset = Product.objects.none()
    serializer_class = ProductSerializer
    filterset_class = ProductFilterSet
    write_roles = ADMINS


class AccountFilterSet(TenantFilterSet):
    q = django_filters.CharFilter(method="search", label="Name, legal name or domain contains")
    tier = django_filters.CharFilter(field_name="tier__key", label="Tier key")
    segment = django_filters.CharFilter(field_name="segment__key", label="Segment key")
    owner_user = IdFilter("owner_user")
    owner_team = IdFilter("owner_team")
    owner_partner = IdFilter("owner_partner")
    domain = django_filters.CharFilter(field_name="domains__domain", label="Has this exact domain")

    class Meta:
        model = Account
        fields = {
            "country": ["exact"],
            "region": ["exact"],
            "lifecycle": ["exact"],
            "named_account": ["exact"],
            "employee_band": ["exact"],
            "revenue_band": ["exact"],
            "external_id": ["exact"],
        }

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()[:100]
        matching = (
            Q(name__icontains=value)
            | Q(legal_name__icontains=value)
            | Q(domains__domain__icontains=value)
        )
        return queryset.filter(pk__in=Account.objects.filter(matching).values("pk"))


class AccountViewSet(SyncActionsMixin, TenantModelViewSet):
    """Customer accounts. Reps see their own and their team's; partners the accounts assigned to them."""

    model = Account
    sync_roles = ADMINS  # the CRM integration's feed
    queryset = Account.objects.none()
    serializer_class = AccountSerializer
    filterset_class = AccountFilterSet
    write_roles = MANAGERS

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("tier", "segment").prefetch_related(
            "domains", "product_lines"
        )


class ContactFilterSet(TenantFilterSet):
    account = IdFilter("account")
    email = django_filters.CharFilter(method="by_email")

    class Meta:
        model = Contact
        fields = {"external_id": ["exact"], "buying_role": ["exact"], "opted_out": ["exact"]}

    def by_email(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(email=value.strip().lower())


class ContactViewSet(SyncActionsMixin, TenantModelViewSet):
    """Contacts at accounts; everyone may write contacts of the accounts they can see."""

    model = Contact
    sync_roles = ADMINS  # the CRM integration's feed
    queryset = Contact.objects.none()
    serializer_class = ContactSerializer
    filterset_class = ContactFilterSet
    write_roles = EVERYONE


class TargetListFilterSet(TenantFilterSet):
    class Meta:
        model = TargetList
        fields = {"external_id": ["exact"], "name": ["icontains"]}


class TargetListViewSet(SyncActionsMixin, TenantModelViewSet):
    """Named account lists for ABM and campaigns, with why each account is on them."""

    model = TargetList
    sync_roles = ADMINS  # the CRM integration's feed
    queryset = TargetList.objects.none()
    serializer_class = TargetListSerializer
    filterset_class = TargetListFilterSet
    write_roles = MANAGERS

    def scope_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.prefetch_related("members")
