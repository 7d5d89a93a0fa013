"""Every FilterSet of campaigns: the API's list filters and the list pages' (`OfferFilter`,
`CampaignFilter`, on accounts' `PageFilterSet`). Filters narrow the caller's visible rows only, so
no filter reveals an offer, campaign or profile the caller may not see."""

from __future__ import annotations

import datetime

import django_filters
from django.db.models import Q, QuerySet

from accounts.filters import ANY, PageFilterSet, search_input, search_terms
from campaigns.choices import (
    CampaignKind,
    CampaignStatus,
    OfferKind,
    OfferStatus,
    PartnerMode,
    Route,
)
from campaigns.models import Campaign, CoBrandProfile, Offer
from core.api.filters import IdFilter, TenantFilterSet

__all__ = [
    "CampaignFilter",
    "CampaignFilterSet",
    "CoBrandProfileFilterSet",
    "OfferFilter",
    "OfferFilterSet",
]


class OfferFilterSet(TenantFilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=OfferKind.choices)
    status = django_filters.MultipleChoiceFilter(choices=OfferStatus.choices)
    external_id = django_filters.CharFilter()
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Offer
        fields: list[str] = []


class CampaignFilterSet(TenantFilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=CampaignKind.choices)
    status = django_filters.MultipleChoiceFilter(choices=CampaignStatus.choices)
    partner_mode = django_filters.ChoiceFilter(choices=PartnerMode.choices)
    external_id = django_filters.CharFilter()
    name = django_filters.CharFilter(lookup_expr="icontains")
    running_on = django_filters.DateFilter(
        method="running", label="Only campaigns running on this date (YYYY-MM-DD)."
    )

    class Meta:
        model = Campaign
        fields: list[str] = []

    def running(self, queryset: QuerySet, name: str, value: datetime.date) -> QuerySet:
        return queryset.filter(starts_on__lte=value, ends_on__gte=value)


class CoBrandProfileFilterSet(TenantFilterSet):
    partner = IdFilter("partner")

    class Meta:
        model = CoBrandProfile
        fields: list[str] = []


# --- the list pages' filters ---------------------------------------------------------------------


class OfferFilter(PageFilterSet):
    q = django_filters.CharFilter(
        method="search", label="Search", widget=search_input("Name or summary")
    )
    kind = django_filters.ChoiceFilter(choices=OfferKind.choices, label="Kind", empty_label=ANY)
    status = django_filters.ChoiceFilter(
        choices=OfferStatus.choices, label="Status", empty_label=ANY
    )
    route = django_filters.ChoiceFilter(
        choices=Route.choices, label="Route", empty_label=ANY, method="open_to"
    )

    class Meta:
        model = Offer
        fields: list[str] = []

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for term in search_terms(value):
            queryset = queryset.filter(Q(name__icontains=term) | Q(summary__icontains=term))
        return queryset

    def open_to(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # The routes are a JSON list of plain keys: its text holds the quoted key (as
        # OfferQuerySet.available_to tests it, on SQLite and PostgreSQL alike).
        return queryset.filter(routes__icontains=f'"{value}"')


class CampaignFilter(PageFilterSet):
    q = django_filters.CharFilter(method="search", label="Search", widget=search_input("Name"))
    kind = django_filters.ChoiceFilter(choices=CampaignKind.choices, label="Type", empty_label=ANY)
    status = django_filters.ChoiceFilter(
        choices=CampaignStatus.choices, label="Status", empty_label=ANY
    )

    class Meta:
        model = Campaign
        fields: list[str] = []

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for term in search_terms(value):
            queryset = queryset.filter(name__icontains=term)
        return queryset
