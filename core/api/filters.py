"""Filterset base: every list endpoint gets `updated_since` (ISO 8601, inclusive)."""

import django_filters

__all__ = ["TenantFilterSet"]


class TenantFilterSet(django_filters.FilterSet):
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label="Only rows changed at or after this ISO 8601 time, e.g. 2026-11-01T00:00:00Z.",
    )
