"""Every filter set of pipeline: the opportunity list page, and the API's opportunity, touch and
campaign response lists. See accounts/filters.py for how page filter sets work:
built per request from the viewer's `visible_to()` rows, relation filters as plain ids, and
invalid values answered with a 400 page rather than ignored."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from accounts.filters import (
    ANY,
    PageFilterSet,
    date_input,
    owner_user_choices,
    search_input,
    search_terms,
)
from core.api.filters import IdFilter, SafeDateTimeFilter, TenantFilterSet
from pipeline.choices import Outcome, Route
from pipeline.models import CampaignResponse, Opportunity, Stage, Touch
from tenancy.models import Membership, Partner

__all__ = [
    "CampaignResponseFilterSet",
    "OpportunityFilter",
    "OpportunityFilterSet",
    "TouchFilterSet",
]


class OpportunityFilter(PageFilterSet):
    q = django_filters.CharFilter(
        method="search", label="Search", widget=search_input("Deal or account name")
    )
    stage = django_filters.ChoiceFilter(field_name="stage__key", label="Stage", empty_label=ANY)
    outcome = django_filters.ChoiceFilter(
        field_name="stage__outcome", choices=Outcome.choices, label="Outcome", empty_label=ANY
    )
    route = django_filters.ChoiceFilter(choices=Route.choices, label="Route", empty_label=ANY)
    partner = IdFilter("partner", label="Partner")
    owner_user = IdFilter("owner_user", label="Owner")
    close_from = django_filters.DateFilter(
        field_name="expected_close_on", lookup_expr="gte", label="Closes from", widget=date_input()
    )
    close_to = django_filters.DateFilter(
        field_name="expected_close_on", lookup_expr="lte", label="Closes by", widget=date_input()
    )
    # Set from an account's page ("all opportunities"); shown as a removable chip.
    account = IdFilter("account", label="Account", widget=forms.HiddenInput)

    class Meta:
        model = Opportunity
        fields: list[str] = []

    def configure(self, queryset: QuerySet, membership: Membership) -> None:
        self.set_choices("stage", Stage.objects.visible_to(membership).values_list("key", "name"))
        self.set_choices(
            "partner", lambda: Partner.objects.visible_to(membership).values_list("pk", "name")
        )
        self.set_choices("owner_user", lambda: owner_user_choices(queryset))

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for term in search_terms(value):
            queryset = queryset.filter(Q(name__icontains=term) | Q(account__name__icontains=term))
        return queryset


# --- the API's filter sets (query parameters of /api/v1/ lists) ---------------------------


class OpportunityFilterSet(TenantFilterSet):
    account = IdFilter("account")
    partner = IdFilter("partner")
    owner_user = IdFilter("owner_user")
    owner_team = IdFilter("owner_team")
    campaign = IdFilter("campaign")
    offer = IdFilter("offer")
    stage = django_filters.CharFilter(field_name="stage__key", label="Stage key")
    outcome = django_filters.ChoiceFilter(
        field_name="stage__outcome", choices=[("open", "open"), ("won", "won"), ("lost", "lost")]
    )
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name contains")

    class Meta:
        model = Opportunity
        fields = {
            "route": ["exact"],
            "source": ["exact"],
            "external_id": ["exact"],
            "expected_close_on": ["gte", "lte"],
            "closed_on": ["gte", "lte"],
        }


class TouchFilterSet(TenantFilterSet):
    account = IdFilter("account")
    contact = IdFilter("contact")
    opportunity = IdFilter("opportunity")
    actor_partner = IdFilter("actor_partner")
    campaign = IdFilter("campaign")
    offer = IdFilter("offer")
    occurred_since = SafeDateTimeFilter(field_name="occurred_at", lookup_expr="gte")

    class Meta:
        model = Touch
        fields = {"channel": ["exact"], "route": ["exact"], "external_id": ["exact"]}


class CampaignResponseFilterSet(TenantFilterSet):
    campaign = IdFilter("campaign")
    offer = IdFilter("offer")
    partner = IdFilter("partner")
    lead = IdFilter("lead")
    occurred_since = SafeDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = SafeDateTimeFilter(field_name="occurred_at", lookup_expr="lt")
    direct = django_filters.BooleanFilter(
        field_name="partner", lookup_expr="isnull", label="The manufacturer's own (no partner)"
    )

    class Meta:
        model = CampaignResponse
        fields = {"kind": ["exact"], "external_id": ["exact"]}
