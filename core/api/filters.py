"""Filterset base: every list endpoint gets `updated_since` (ISO 8601, inclusive).

Relation filters are plain id filters (`IdFilter`): a ModelChoiceFilter would build its queryset
when the class is defined, outside any tenant scope; and an id matches nothing outside the
caller's visible rows anyway, since filters narrow the already-scoped queryset."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django import forms

from core.validators import MAX_ID

__all__ = ["IdFilter", "SafeDateTimeFilter", "TenantFilterSet"]


class IdField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


class IdFilter(django_filters.NumberFilter):
    field_class = IdField

    def __init__(self, field_name: str, **kwargs: Any) -> None:
        super().__init__(field_name=f"{field_name}_id", **kwargs)


class SafeDateTimeField(django_filters.fields.IsoDateTimeField):
    """ISO 8601 date-time that the database can store (years 1 to 9999 once in UTC)."""

    def to_python(self, value: Any) -> datetime.datetime | None:
        parsed = super().to_python(value)
        try:
            if parsed is not None and parsed.tzinfo is not None:
                parsed.astimezone(datetime.UTC)
        except OverflowError:
            raise forms.ValidationError("This time is out of range.") from None
        return parsed


class SafeDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = SafeDateTimeField


class TenantFilterSet(django_filters.FilterSet):
    updated_since = SafeDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label="Only rows changed at or after this ISO 8601 time, e.g. 2026-11-01T00:00:00Z.",
    )
