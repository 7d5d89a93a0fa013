"""Filterset base: every list endpoint gets `updated_since` (ISO 8601, inclusive) and, where the
model has one, `external_id`.

Relation filters are plain id filters (`IdFilter`): a ModelChoiceFilter would build its queryset
when the class is defined, outside any tenant scope; an id matches nothing outside the
caller's visible rows anyway, since filters narrow the already-scoped queryset."""

import django_filters

__all__ = ["IdFilter", "TenantFilterSet"]


class IdFilter(django_filters.NumberFilter):
    def __init__(self, field_name: str, **kwargs):
        super().__init__(field_name=f"{field_name}_id", **kwargs)


class TenantFilterSet(django_filters.FilterSet):
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label="Only rows changed at or after this ISO 8601 time, e.g. 2026-11-01T00:00:00Z.",
    )
