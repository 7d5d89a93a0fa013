"""Every filter set of tenancy: the audit log page, and the API's partner, team, user, webhook
endpoint and delivery lists.

Relation filters are plain id filters (`core.api.filters.IdFilter`): a ModelChoiceFilter would
build its queryset when the class is defined, outside any tenant scope.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from core.api.filters import IdFilter, TenantFilterSet
from core.models import AuditEvent, WebhookDelivery, WebhookEndpoint
from tenancy.auditlog import audited_types
from tenancy.models import Membership, Partner, Team

__all__ = [
    "AuditEventFilter",
    "PartnerFilterSet",
    "TeamFilterSet",
    "UserFilterSet",
    "WebhookDeliveryFilterSet",
    "WebhookEndpointFilterSet",
]


class PartnerFilterSet(TenantFilterSet):
    class Meta:
        model = Partner
        fields = {
            "tier": ["exact", "in"],
            "status": ["exact", "in"],
            "external_id": ["exact"],
            "name": ["icontains"],
        }


class TeamFilterSet(TenantFilterSet):
    class Meta:
        model = Team
        fields = {"region": ["exact"], "external_id": ["exact"], "name": ["icontains"]}


class UserFilterSet(TenantFilterSet):
    partner = IdFilter("partner")
    team = IdFilter("team")

    class Meta:
        model = Membership
        fields = {"role": ["exact", "in"], "is_active": ["exact"]}


class WebhookEndpointFilterSet(TenantFilterSet):
    class Meta:
        model = WebhookEndpoint
        fields = {"is_active": ["exact"]}


class WebhookDeliveryFilterSet(TenantFilterSet):
    endpoint = IdFilter("endpoint")

    class Meta:
        model = WebhookDelivery
        fields = {"status": ["exact", "in"], "event": ["exact"]}


ANY = "Any"
SEARCH_MAX = 100


class AuditEventFilter(django_filters.FilterSet):
    """The audit log page's filters: who, what action, what kind of object, from and to which day
    (days in the active time zone, the tenant's), and a search of names and details. Choices
    depend on the tenant, so they are filled in per request; a value that does not validate makes
    the page answer 400 with the errors, never the unfiltered log."""

    q = django_filters.CharFilter(
        method="search",
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, object or detail"}),
    )
    actor = IdFilter("actor", label="Who")
    action = django_filters.ChoiceFilter(
        choices=AuditEvent.Action.choices, label="Action", empty_label=ANY
    )
    object_type = django_filters.ChoiceFilter(label="Object type", empty_label=ANY)
    since = django_filters.DateFilter(
        field_name="at",
        lookup_expr="date__gte",
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        field_name="at",
        lookup_expr="date__lte",
        label="To",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def __init__(self, data: Any, queryset: QuerySet, *, membership: Membership) -> None:
        super().__init__(data=data, queryset=queryset)
        people = (
            Membership.objects.visible_to(membership)
            .select_related("user")
            .order_by("user__full_name", "user__email")
        )
        actors = [(m.user_id, m.user.get_full_name()) for m in people]
        self.filters["actor"].extra["widget"] = forms.Select(choices=[("", ANY), *actors])
        self.filters["object_type"].extra["choices"] = audited_types()

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for term in value.replace("\x00", "").strip()[:SEARCH_MAX].split():
            queryset = queryset.filter(
                Q(actor_label__icontains=term)
                | Q(actor__full_name__icontains=term)
                | Q(object_repr__icontains=term)
                | Q(detail__icontains=term)
            )
        return queryset

    @property
    def active(self) -> bool:
        """Whether any filter narrows the log."""
        return self.is_valid() and any(
            value not in (None, "", [], ()) for value in self.form.cleaned_data.values()
        )
