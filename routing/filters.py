"""Every FilterSet of lead ops (the API's; the console's lead queue filters with a form). Relation
filters are id filters: they narrow the caller's visible rows and match nothing outside them
(core.api.filters)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from core.api.filters import IdFilter, SafeDateTimeFilter, TenantFilterSet
from pipeline.choices import LeadSource, LeadStatus, Priority, Route
from pipeline.models import Lead
from routing.choices import CandidateStatus, EventKind
from routing.models import Assignee, DuplicateCandidate, LeadForm, LeadMerge, Notification

__all__ = [
    "AssigneeFilterSet",
    "DuplicateCandidateFilterSet",
    "LeadFilterSet",
    "LeadFormFilterSet",
    "LeadMergeFilterSet",
    "NotificationFilterSet",
]


class LeadFilterSet(TenantFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=LeadStatus.choices)
    source = django_filters.ChoiceFilter(choices=LeadSource.choices)
    priority = django_filters.ChoiceFilter(choices=Priority.choices)
    route = django_filters.ChoiceFilter(choices=Route.choices)
    assigned_partner = IdFilter("assigned_partner")
    assigned_user = IdFilter("assigned_user")
    assigned_team = IdFilter("assigned_team")
    account = IdFilter("account")
    duplicate_of = IdFilter("duplicate_of")
    campaign = IdFilter("campaign")
    offer = IdFilter("offer")
    created_since = SafeDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = SafeDateTimeFilter(field_name="created_at", lookup_expr="lt")
    processed = django_filters.BooleanFilter(
        field_name="processed_at", lookup_expr="isnull", exclude=True, label="Processed or not"
    )
    email = django_filters.CharFilter(method="by_email", label="Email (any case)")
    q = django_filters.CharFilter(method="search", label="Name, company or email contains")

    class Meta:
        model = Lead
        fields = {"external_id": ["exact"], "territory": ["exact"], "sla_met": ["exact"]}

    def by_email(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()[:254]
        return queryset.filter(Q(email_key=value.lower()) | Q(email__iexact=value))

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()[:100]
        return queryset.filter(
            Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
            | Q(company__icontains=value)
            | Q(email__icontains=value)
        )


class DuplicateCandidateFilterSet(TenantFilterSet):
    status = django_filters.ChoiceFilter(choices=CandidateStatus.choices)
    lead = django_filters.NumberFilter(method="of_lead", label="Either side is this lead")
    min_score = django_filters.NumberFilter(field_name="score", lookup_expr="gte")

    class Meta:
        model = DuplicateCandidate
        fields: list[str] = []

    def of_lead(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.filter(Q(lead_id=value) | Q(other_lead_id=value))


class LeadMergeFilterSet(TenantFilterSet):
    survivor = IdFilter("survivor")
    merged = IdFilter("merged")
    undone = django_filters.BooleanFilter(
        field_name="undone_at", lookup_expr="isnull", exclude=True, label="Undone or not"
    )

    class Meta:
        model = LeadMerge
        fields = {"automatic": ["exact"]}


class LeadFormFilterSet(TenantFilterSet):
    partner = IdFilter("partner")

    class Meta:
        model = LeadForm
        fields = {"is_active": ["exact"]}


class AssigneeFilterSet(TenantFilterSet):
    partner = IdFilter("partner")
    membership = IdFilter("membership")

    class Meta:
        model = Assignee
        fields = {"accepts_leads": ["exact"]}


class NotificationFilterSet(TenantFilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull")
    kind = django_filters.ChoiceFilter(choices=EventKind.choices)
    lead = IdFilter("lead")

    class Meta:
        model = Notification
        fields: list[str] = []
