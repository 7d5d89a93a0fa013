from __future__ import annotations

from django.db.models import QuerySet

from accounts.api.serializers import (
    AccountSerializer,
    ContactSerializer,
    ProductLineSerializer,
    ProductSerializer,
    SegmentSerializer,
    TargetListSerializer,
    TierSerializer,
)
from accounts.filters import (
    AccountFilterSet,
    ContactFilterSet,
    ProductFilterSet,
    ProductLineFilterSet,
    TargetListFilterSet,
)
from accounts.models import Account, Contact, Product, ProductLine, Segment, TargetList, Tier
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


class ProductLineViewSet(SyncActionsMixin, TenantModelViewSet):
    """The tenant's product lines."""

    model = ProductLine
    sync_roles = ADMINS  # the CRM integration's feed
    queryset = ProductLine.objects.none()
    serializer_class = ProductLineSerializer
    filterset_class = ProductLineFilterSet
    write_roles = ADMINS


class ProductViewSet(SyncActionsMixin, TenantModelViewSet):
    """The tenant's products (SKUs with list prices)."""

    model = Product
    sync_roles = ADMINS  # the CRM integration's feed
    queryset = Product.objects.none()
    serializer_class = ProductSerializer
    filterset_class = ProductFilterSet
    write_roles = ADMINS


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


class ContactViewSet(SyncActionsMixin, TenantModelViewSet):
    """Contacts at accounts; everyone may write contacts of the accounts they can see."""

    model = Contact
    sync_roles = ADMINS  # the CRM integration's feed
    queryset = Contact.objects.none()
    serializer_class = ContactSerializer
    filterset_class = ContactFilterSet
    write_roles = EVERYONE


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
