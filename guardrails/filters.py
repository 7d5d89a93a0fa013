"""Every FilterSet of guardrails: the query parameters of its API lists (and of any page list
that filters the same rows). Filters only narrow what `visible_to(membership)` already allows."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.api.filters import IdFilter, SafeDateTimeFilter, TenantFilterSet
from guardrails.models import (
    AccountRoute,
    DiscountLeakage,
    PartnerAuthorization,
    RulebookVersion,
    RuleException,
    SimulatedMove,
    Simulation,
    Territory,
    TerritoryArea,
)

__all__ = [
    "AccountRouteFilterSet",
    "DiscountLeakageFilterSet",
    "PartnerAuthorizationFilterSet",
    "RuleExceptionFilterSet",
    "RulebookVersionFilterSet",
    "SimulatedMoveFilterSet",
    "SimulationFilterSet",
    "TerritoryFilterSet",
]


class TerritoryFilterSet(TenantFilterSet):
    archived = django_filters.BooleanFilter(
        field_name="archived_at", lookup_expr="isnull", exclude=True, label="Archived or not"
    )
    country = django_filters.CharFilter(
        method="in_country", label="Has an area in this country (ISO 3166-1)"
    )

    class Meta:
        model = Territory
        fields = {"code": ["exact"], "name": ["icontains"]}

    def in_country(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        areas = TerritoryArea.objects.filter(country=value.strip().upper()[:2])
        return queryset.filter(pk__in=areas.values("territory_id"))


class PartnerAuthorizationFilterSet(TenantFilterSet):
    partner = IdFilter("partner")
    territory = IdFilter("territory")
    product_line = IdFilter("product_line")
    current = django_filters.BooleanFilter(method="is_current", label="In force today or not")

    class Meta:
        model = PartnerAuthorization
        fields = {"valid_from": ["gte", "lte"], "valid_until": ["gte", "lte"]}

    def is_current(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        today = timezone.localdate()
        current = Q(valid_from__lte=today) & (
            Q(valid_until__isnull=True) | Q(valid_until__gte=today)
        )
        return queryset.filter(current) if value else queryset.exclude(current)


class RulebookVersionFilterSet(TenantFilterSet):
    class Meta:
        model = RulebookVersion
        fields = {"status": ["exact", "in"], "number": ["exact"]}


class RuleExceptionFilterSet(TenantFilterSet):
    account = IdFilter("account")
    opportunity = IdFilter("opportunity")
    partner = IdFilter("partner")
    escalated = django_filters.BooleanFilter(
        field_name="escalated_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = RuleException
        fields = {"status": ["exact", "in"], "kind": ["exact"], "ends_on": ["gte", "lte"]}


class AccountRouteFilterSet(TenantFilterSet):
    account = IdFilter("account")
    target_partner = IdFilter("target_partner")
    target_team = IdFilter("target_team")
    version = IdFilter("version")
    rule = IdFilter("rule")
    with_exception = django_filters.BooleanFilter(
        field_name="exception", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = AccountRoute
        fields = {"outcome": ["exact", "in"]}


class DiscountLeakageFilterSet(TenantFilterSet):
    opportunity = IdFilter("opportunity")
    version = IdFilter("version")
    recorded_since = SafeDateTimeFilter(field_name="recorded_at", lookup_expr="gte")

    class Meta:
        model = DiscountLeakage
        fields = {"route": ["exact"], "currency": ["exact"], "amount": ["gte"]}


class SimulationFilterSet(TenantFilterSet):
    version = IdFilter("version")

    class Meta:
        model = Simulation
        fields = {"status": ["exact", "in"]}


class SimulatedMoveFilterSet(TenantFilterSet):
    account = IdFilter("account")

    class Meta:
        model = SimulatedMove
        fields = {"from_outcome": ["exact"], "to_outcome": ["exact"]}
