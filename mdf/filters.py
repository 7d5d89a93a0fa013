"""Every FilterSet of MDF, for pages and the API alike. Filters narrow the caller's visible rows
only, so a filter can never reveal another partner's funds."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms

from core.api.filters import IdFilter, TenantFilterSet
from core.tenancy import current_tenant
from mdf.choices import AllocationKind, ClaimState, EntryKind, RequestState
from mdf.models import Allocation, FundBalance, FundClaim, FundRequest, LedgerEntry, MdfBudget
from tenancy.quarters import parse_quarter

__all__ = [
    "AllocationFilterSet",
    "BudgetFilterSet",
    "FundBalanceFilterSet",
    "FundClaimFilterSet",
    "FundRequestFilterSet",
    "LedgerEntryFilterSet",
]


class QuarterFilter(django_filters.CharFilter):
    """A fiscal quarter by its code ("FY2027-Q1", "2026-Q4"); a bad one says how to write it."""

    def __init__(self, field_name: str = "quarter_start", **kwargs: Any) -> None:
        kwargs.setdefault("label", "Fiscal quarter, e.g. 2026-Q4 or FY2027-Q1.")
        kwargs.setdefault("max_length", 20)
        super().__init__(field_name=field_name, **kwargs)

    def filter(self, qs: Any, value: Any) -> Any:
        if not value:
            return qs
        try:
            quarter = parse_quarter(current_tenant(), str(value))
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        return qs.filter(**{self.field_name: quarter.start})


class BudgetFilterSet(TenantFilterSet):
    quarter = QuarterFilter()
    external_id = django_filters.CharFilter()

    class Meta:
        model = MdfBudget
        fields: list[str] = []


class AllocationFilterSet(TenantFilterSet):
    budget = IdFilter("budget")
    partner = IdFilter("partner")
    kind = django_filters.ChoiceFilter(choices=AllocationKind.choices)
    quarter = QuarterFilter("budget__quarter_start")
    external_id = django_filters.CharFilter()

    class Meta:
        model = Allocation
        fields: list[str] = []


class FundRequestFilterSet(TenantFilterSet):
    state = django_filters.MultipleChoiceFilter(choices=RequestState.choices)
    partner = IdFilter("partner")
    campaign = IdFilter("campaign")
    offer = IdFilter("offer")
    activity_type = django_filters.CharFilter(max_length=30)
    quarter = QuarterFilter()
    external_id = django_filters.CharFilter()

    class Meta:
        model = FundRequest
        fields: list[str] = []


class FundClaimFilterSet(TenantFilterSet):
    state = django_filters.MultipleChoiceFilter(choices=ClaimState.choices)
    partner = IdFilter("partner")
    request = IdFilter("request")
    quarter = QuarterFilter("request__quarter_start")
    external_id = django_filters.CharFilter()

    class Meta:
        model = FundClaim
        fields: list[str] = []


class LedgerEntryFilterSet(TenantFilterSet):
    partner = IdFilter("partner")
    kind = django_filters.MultipleChoiceFilter(choices=EntryKind.choices)
    quarter = QuarterFilter()
    request = IdFilter("request")
    claim = IdFilter("claim")

    class Meta:
        model = LedgerEntry
        fields: list[str] = []


class FundBalanceFilterSet(TenantFilterSet):
    partner = IdFilter("partner")
    quarter = QuarterFilter()

    class Meta:
        model = FundBalance
        fields: list[str] = []
