"""Serializer base for tenant-owned models.

The tenant is never a serializer field (it comes from the credential), so DRF does not build
validators for the tenant-first unique constraints. This base checks them inside the tenant,
turning a duplicate into a field error (400) instead of a database error.
"""

from __future__ import annotations

from typing import Any

from django.db.models import UniqueConstraint
from rest_framework import serializers

__all__ = ["TenantModelSerializer"]


class TenantModelSerializer(serializers.ModelSerializer):
    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        model = self.Meta.model
        for constraint in model._meta.constraints:
            if isinstance(constraint, UniqueConstraint) and "tenant" in constraint.fields:
                self._check_unique_in_tenant(model, constraint, attrs)
        return attrs

    def _check_unique_in_tenant(
        self, model: type, constraint: UniqueConstraint, attrs: dict
    ) -> None:
        others = [f for f in constraint.fields if f != "tenant"]
        if not others or not any(f in attrs for f in others):
            return
        instance = self.instance
        lookup = {f: attrs[f] if f in attrs else getattr(instance, f, None) for f in others}
        existing = model.objects.filter(**lookup)
        if constraint.condition is not None:
            # Rows outside the condition (e.g. empty external ids) never conflict.
            existing = existing.filter(constraint.condition)
        if instance is not None:
            existing = existing.exclude(pk=instance.pk)
        if existing.exists():
            field = next(f for f in others if f in attrs)
            label = model._meta.verbose_name
            raise serializers.ValidationError(
                {field: [f"A {label} with this {field.replace('_', ' ')} already exists."]}
            )
