"""Every FilterSet of campaigns (the API's list filters). Filters narrow the caller's visible rows
only, so no filter reveals an offer, campaign or profile the caller may not see."""

from __future__ import annotations

import datetime

import django_filters
from django.db.models import QuerySet

from campaigns.choices import CampaignKind, CampaignStatus, OfferKind, OfferStatus, PartnerMode
from campaigns.models import Campaign, CoBrandProfile, Offer
from core.api.filters import IdFilter, TenantFilterSet

__all__ = ["CampaignFilterSet", "CoBrandProfileFilterSet", "OfferFilterSet"]


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
