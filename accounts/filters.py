"""Every filter set of accounts: the account and contact list pages (and the base the pipeline
pages build on), and the API's lists.

A filter set is built per request, inside the tenant scope, from the page's
`visible_to(membership)` queryset: it can only narrow what the viewer may already see. Relation
filters are plain id filters (`core.api.filters.IdFilter`), because a ModelChoiceFilter would
build its queryset when the class is defined, outside any scope; their drop-down options are
filled in per request from the viewer's visible rows. A value that does not validate (junk id,
unknown tier, NUL byte, impossible date) makes the filter set invalid, and the page answers 400
with the errors instead of silently showing unfiltered rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import django_filters
import pycountry
from django import forms
from django.db.models import Q, QuerySet

from accounts.choices import BuyingRole, Lifecycle
from accounts.models import Account, Contact, Product, ProductLine, Segment, TargetList, Tier
from core.api.filters import IdFilter, TenantFilterSet
from tenancy.models import Membership, Partner, Team, User

__all__ = [
    "ANY",
    "AccountFilter",
    "AccountFilterSet",
    "ContactFilter",
    "ContactFilterSet",
    "PageFilterSet",
    "ProductFilterSet",
    "ProductLineFilterSet",
    "TargetListFilterSet",
    "date_input",
    "owner_user_choices",
    "search_input",
    "search_terms",
]

ANY = "Any"
SEARCH_MAX = 100
# Filters about who owns a row: pointless for partner users, who only see their partner's rows.
OWNER_FILTERS = ("owner_user", "owner_team", "owner_partner", "partner")


def search_terms(value: str) -> list[str]:
    """The words of a search box, at most SEARCH_MAX characters of it."""
    return value.strip()[:SEARCH_MAX].split()


def search_input(placeholder: str) -> forms.TextInput:
    return forms.TextInput(attrs={"type": "search", "placeholder": placeholder})


def yes_no_any() -> forms.Select:
    return forms.Select(choices=[("", ANY), ("true", "Yes"), ("false", "No")])


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"})


def country_label(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return f"{country.name} ({code})" if country else code


class PageFilterSet(django_filters.FilterSet):
    """Base of the list pages' filter sets: bound to the request's query string, with choices that
    depend on the tenant and the viewer filled in by `configure()`."""

    def __init__(self, data: Any, queryset: QuerySet, *, membership: Membership) -> None:
        super().__init__(data=data, queryset=queryset)
        self.membership = membership
        if membership.is_partner_user:
            for name in OWNER_FILTERS:
                self.filters.pop(name, None)
        self.configure(queryset, membership)

    def configure(self, queryset: QuerySet, membership: Membership) -> None:
        """Set per-request choices with `set_choices()`; called once the filters are copied."""

    def set_choices(
        self,
        name: str,
        choices: Callable[[], Iterable[tuple[Any, str]]] | Iterable[tuple[Any, str]],
    ) -> None:
        """Offer `choices` (or what the callable returns, queried only if the filter is shown)."""
        if name not in self.filters:
            return
        choices = list(choices() if callable(choices) else choices)
        flt = self.filters[name]
        if isinstance(flt, django_filters.ChoiceFilter):
            flt.extra["choices"] = choices
        else:  # an id filter: validated as an id, shown as a drop-down
            flt.extra["widget"] = forms.Select(choices=[("", ANY), *choices])

    @property
    def active(self) -> bool:
        """Whether any filter narrows the rows."""
        return self.is_valid() and any(
            value not in (None, "", [], ()) for value in self.form.cleaned_data.values()
        )


def owner_user_choices(rows: QuerySet, field: str = "owner_user") -> list[tuple[int, str]]:
    """The people who own at least one of `rows` (the viewer's visible rows)."""
    owners = User.objects.filter(pk__in=rows.values(field)).order_by("full_name", "email")
    return [(u.pk, u.get_full_name()) for u in owners]


class AccountFilter(PageFilterSet):
    q = django_filters.CharFilter(
        method="search", label="Search", widget=search_input("Name, legal name or domain")
    )
    tier = django_filters.ChoiceFilter(field_name="tier__key", label="Tier", empty_label=ANY)
    segment = django_filters.ChoiceFilter(
        field_name="segment__key", label="Segment", empty_label=ANY
    )
    country = django_filters.ChoiceFilter(label="Country", empty_label=ANY)
    region = django_filters.ChoiceFilter(label="Region", empty_label=ANY)
    lifecycle = django_filters.ChoiceFilter(
        choices=Lifecycle.choices, label="Lifecycle", empty_label=ANY
    )
    named_account = django_filters.BooleanFilter(label="Named account", widget=yes_no_any())
    owner_user = IdFilter("owner_user", label="Owner")
    owner_team = IdFilter("owner_team", label="Team")
    owner_partner = IdFilter("owner_partner", label="Partner")

    class Meta:
        model = Account
        fields: list[str] = []

    def configure(self, queryset: QuerySet, membership: Membership) -> None:
        self.set_choices("tier", Tier.objects.visible_to(membership).values_list("key", "name"))
        self.set_choices(
            "segment", Segment.objects.visible_to(membership).values_list("key", "name")
        )
        countries = queryset.exclude(country="").order_by("country").values_list("country")
        self.set_choices("country", [(c, country_label(c)) for (c,) in countries.distinct()])
        regions = queryset.exclude(region="").order_by("region").values_list("region")
        self.set_choices("region", [(r, r) for (r,) in regions.distinct()])
        self.set_choices("owner_user", owner_user_choices(queryset))
        self.set_choices(
            "owner_team", Team.objects.visible_to(membership).values_list("pk", "name")
        )
        self.set_choices(
            "owner_partner", Partner.objects.visible_to(membership).values_list("pk", "name")
        )

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for term in search_terms(value):
            matching = (
                Q(name__icontains=term)
                | Q(legal_name__icontains=term)
                | Q(domains__domain__icontains=term)
            )
            # A subquery, so an account with several matching domains is listed once.
            queryset = queryset.filter(pk__in=Account.objects.filter(matching).values("pk"))
        return queryset


class ContactFilter(PageFilterSet):
    q = django_filters.CharFilter(
        method="search", label="Search", widget=search_input("Name or email")
    )
    buying_role = django_filters.ChoiceFilter(
        choices=BuyingRole.choices, label="Buying role", empty_label=ANY
    )
    # Set from an account's page ("all contacts"); shown as a removable chip, not a drop-down.
    account = IdFilter("account", label="Account", widget=forms.HiddenInput)

    class Meta:
        model = Contact
        fields: list[str] = []

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for term in search_terms(value):
            queryset = queryset.filter(
                Q(first_name__icontains=term)
                | Q(last_name__icontains=term)
                | Q(email__icontains=term)
            )
        return queryset


# --- the API's filter sets (query parameters of /api/v1/ lists) ---------------------------


class ProductLineFilterSet(TenantFilterSet):
    class Meta:
        model = ProductLine
        fields = {"code": ["exact"], "external_id": ["exact"], "service_heavy": ["exact"]}


class ProductFilterSet(TenantFilterSet):
    product_line = IdFilter("product_line")

    class Meta:
        model = Product
        fields = {
            "sku": ["exact"],
            "external_id": ["exact"],
            "active": ["exact"],
            "currency": ["exact"],
        }


class AccountFilterSet(TenantFilterSet):
    q = django_filters.CharFilter(method="search", label="Name, legal name or domain contains")
    tier = django_filters.CharFilter(field_name="tier__key", label="Tier key")
    segment = django_filters.CharFilter(field_name="segment__key", label="Segment key")
    owner_user = IdFilter("owner_user")
    owner_team = IdFilter("owner_team")
    owner_partner = IdFilter("owner_partner")
    domain = django_filters.CharFilter(field_name="domains__domain", label="Has this exact domain")

    class Meta:
        model = Account
        fields = {
            "country": ["exact"],
            "region": ["exact"],
            "lifecycle": ["exact"],
            "named_account": ["exact"],
            "employee_band": ["exact"],
            "revenue_band": ["exact"],
            "external_id": ["exact"],
        }

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()[:100]
        matching = (
            Q(name__icontains=value)
            | Q(legal_name__icontains=value)
            | Q(domains__domain__icontains=value)
        )
        return queryset.filter(pk__in=Account.objects.filter(matching).values("pk"))


class ContactFilterSet(TenantFilterSet):
    account = IdFilter("account")
    email = django_filters.CharFilter(method="by_email")

    class Meta:
        model = Contact
        fields = {"external_id": ["exact"], "buying_role": ["exact"], "opted_out": ["exact"]}

    def by_email(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(email=value.strip().lower())


class TargetListFilterSet(TenantFilterSet):
    class Meta:
        model = TargetList
        fields = {"external_id": ["exact"], "name": ["icontains"]}
