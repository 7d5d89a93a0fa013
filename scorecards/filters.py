"""Filter sets of the scorecards' list pages (accounts.filters.PageFilterSet: invalid values
answer 400 with the errors, never the unfiltered list)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from accounts.filters import ANY, PageFilterSet, search_input, search_terms, yes_no_any
from campaigns.models import Campaign
from core.api.filters import IdFilter, TenantFilterSet
from core.tenancy import current_tenant
from scorecards.choices import (
    DecisionKind,
    DecisionStatus,
    OverlapKind,
    OverlapStatus,
    ReviewStatus,
)
from scorecards.models import GovernanceReview, OverlapFlag, ReviewDecision
from tenancy.models import Membership, Partner
from tenancy.quarters import parse_quarter

__all__ = ["GovernanceReviewFilterSet", "OverlapFilter", "ReviewDecisionFilterSet"]


class OverlapFilter(PageFilterSet):
    q = django_filters.CharFilter(method="search", label="Search", widget=search_input("Account"))
    status = django_filters.ChoiceFilter(
        choices=OverlapStatus.choices, label="Status", empty_label=ANY
    )
    kind = django_filters.ChoiceFilter(choices=OverlapKind.choices, label="Who", empty_label=ANY)
    campaign = IdFilter("campaign", label="Campaign")
    partner = IdFilter("parties__partner", label="Partner", distinct=True)
    on_target_list = django_filters.BooleanFilter(label="On the target list", widget=yes_no_any())

    class Meta:
        model = OverlapFlag
        fields: list[str] = []

    def __init__(self, data: Any, queryset: QuerySet, *, membership: Membership) -> None:
        if data is not None and "status" not in data:
            data = data.copy()
            data["status"] = OverlapStatus.OPEN  # what is still to settle, unless asked
        super().__init__(data, queryset, membership=membership)

    def configure(self, queryset: QuerySet, membership: Membership) -> None:
        self.set_choices(
            "campaign", lambda: Campaign.objects.order_by("name").values_list("pk", "name")
        )
        self.set_choices(
            "partner", lambda: Partner.objects.order_by("name").values_list("pk", "name")
        )

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for term in search_terms(value):
            queryset = queryset.filter(Q(account__name__icontains=term))
        return queryset


# --- governance reviews and their decisions (the API: scorecards/api/governance.py) ------------


class QuarterField(forms.CharField):
    """A fiscal quarter's code, read as its first day in the tenant in scope; a bad code is the
    parameter's own error ("quarter": "... write it like 2026-Q4.")."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=20, **kwargs)

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        if not text:
            return None
        try:
            return parse_quarter(current_tenant(), text).start
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


class QuarterFilter(django_filters.Filter):
    field_class = QuarterField

    def __init__(self, field_name: str = "quarter_start", **kwargs: Any) -> None:
        kwargs.setdefault("label", "Fiscal quarter, e.g. 2026-Q4 or FY2027-Q1.")
        super().__init__(field_name=field_name, **kwargs)


class GovernanceReviewFilterSet(TenantFilterSet):
    quarter = QuarterFilter()
    status = django_filters.ChoiceFilter(choices=ReviewStatus.choices)

    class Meta:
        model = GovernanceReview
        fields: list[str] = []


class ReviewDecisionFilterSet(TenantFilterSet):
    review = IdFilter("review")
    quarter = QuarterFilter("review__quarter_start", label="Raised in this quarter's review.")
    status = django_filters.ChoiceFilter(choices=DecisionStatus.choices)
    kind = django_filters.ChoiceFilter(choices=DecisionKind.choices)
    owner = IdFilter("owner", label="The owner's membership id (as /api/v1/users/ lists them).")
    partner = IdFilter("partner")
    team = IdFilter("team")
    due_before = django_filters.DateFilter(
        field_name="due_on", lookup_expr="lt", label="Due before this date (YYYY-MM-DD)."
    )

    class Meta:
        model = ReviewDecision
        fields: list[str] = []
