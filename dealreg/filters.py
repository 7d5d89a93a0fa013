"""Every FilterSet of deal registration (the API's list filters). Filters narrow the caller's
visible rows only, so a filter can never reveal another party's registration."""

from __future__ import annotations

import django_filters

from core.api.filters import IdFilter, TenantFilterSet
from dealreg.choices import AdjudicationDecision, ConflictKind, ConflictStatus, RegState
from dealreg.models import Adjudication, DealRegistration, RegistrationConflict
from pipeline.choices import Route

__all__ = [
    "AdjudicationFilterSet",
    "DealRegistrationFilterSet",
    "PrecedentFilterSet",
    "RegistrationConflictFilterSet",
]


class DealRegistrationFilterSet(TenantFilterSet):
    state = django_filters.MultipleChoiceFilter(choices=RegState.choices)
    route = django_filters.ChoiceFilter(choices=Route.choices)
    end_customer = IdFilter("end_customer")
    registrant_partner = IdFilter("registrant_partner")
    registrant_team = IdFilter("registrant_team")
    opportunity = IdFilter("opportunity")
    has_conflict = django_filters.BooleanFilter()
    external_id = django_filters.CharFilter()
    submitted_since = django_filters.IsoDateTimeFilter(field_name="submitted_at", lookup_expr="gte")
    protection_ends_before = django_filters.IsoDateTimeFilter(
        field_name="protection_ends_at", lookup_expr="lt"
    )

    class Meta:
        model = DealRegistration
        fields: list[str] = []


class RegistrationConflictFilterSet(TenantFilterSet):
    registration = IdFilter("registration")
    kind = django_filters.ChoiceFilter(choices=ConflictKind.choices)
    status = django_filters.ChoiceFilter(choices=ConflictStatus.choices)
    needs_adjudication = django_filters.BooleanFilter()

    class Meta:
        model = RegistrationConflict
        fields: list[str] = []


class AdjudicationFilterSet(TenantFilterSet):
    account = IdFilter("account")
    product_line = IdFilter("product_line")
    decision = django_filters.ChoiceFilter(choices=AdjudicationDecision.choices)
    conflict_kind = django_filters.ChoiceFilter(choices=ConflictKind.choices)
    q = django_filters.CharFilter(method="search", label="Words of the reason (precedent search).")

    class Meta:
        model = Adjudication
        fields: list[str] = []

    def search(self, queryset, name, value):
        for word in str(value).split()[:5]:
            queryset = queryset.filter(reason__icontains=word[:100])
        return queryset


class PrecedentFilterSet(AdjudicationFilterSet):
    """The console's precedent search: the API's filters and the customer's name."""

    account_name = django_filters.CharFilter(
        field_name="account__name", lookup_expr="icontains", max_length=200, label="Customer"
    )
