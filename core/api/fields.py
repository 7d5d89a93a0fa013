"""Relation fields that resolve incoming references inside the caller's tenant and visibility, so
an id from another tenant (or another partner) is a 400 "does not exist", never a cross-tenant
link.

A reference is an id (`"account": 12`) or, where the field allows it, a natural key such as
`{"external_id": "SF-0042"}`, so a CRM can link records by its own ids. Bulk writes resolve all
references of a batch up front and put them in the serializer context (`resolved`), so a
thousand records cost one query per referenced model, not one per record.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from rest_framework import serializers

from core.models import TenantOwned
from core.validators import MAX_ID

__all__ = ["InTenant", "context_membership", "is_id"]


def is_id(data: Any) -> bool:
    """A row id as clients send it: a whole number in range, or its ASCII digits."""
    if isinstance(data, bool):
        return False
    if isinstance(data, str) and data.isascii() and data.isdigit():
        data = int(data)
    return isinstance(data, int) and 1 <= data <= MAX_ID


def context_membership(context: Mapping[str, Any]) -> Any:
    """The membership a serializer acts for: set by the API views, bulk jobs and imports."""
    if context.get("membership") is not None:
        return context["membership"]
    return getattr(context.get("request"), "membership", None)


def context_partner_user(context: Mapping[str, Any]) -> Any:
    """The serializer's membership when it is a partner user's (whose view is redacted), else
    None."""
    membership = context_membership(context)
    return membership if membership is not None and membership.is_partner_user else None


class InTenant(serializers.RelatedField):
    default_error_messages = {
        "does_not_exist": "No {model} with {field} {value!r} that you can see.",
        "incorrect_type": "Give an id, or an object with one of: {keys}.",
    }
    output_key = "pk"  # what responses show: the id (subclasses may show a key instead)

    def __init__(
        self, model: type[TenantOwned], *, natural_keys: tuple[str, ...] = (), **kwargs: Any
    ) -> None:
        self.related_model = model
        self.natural_keys = natural_keys
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", model.objects.none())
        super().__init__(**kwargs)

    def get_queryset(self) -> models.QuerySet:
        membership = context_membership(self.context)
        if membership is None:
            return self.related_model.objects.none()
        return self.related_model.objects.visible_to(membership)

    def parse(self, data: Any) -> tuple[str, Any]:
        """(field, value) that identifies the referenced row. Anything that could not be stored
        in a key column (out-of-range ids, NUL bytes, overlong keys) is an input error here,
        before it reaches a query."""
        if is_id(data):
            return "pk", int(data)
        if isinstance(data, dict) and len(data) == 1:
            ((key, value),) = data.items()
            text = (
                str(value).strip()
                if isinstance(value, str | int) and not isinstance(value, bool)
                else ""
            )
            if key in self.natural_keys and text and len(text) <= 254 and "\x00" not in text:
                return key, text
        self.fail("incorrect_type", keys=", ".join(self.natural_keys) or "none")
        raise AssertionError  # unreachable: fail() raises

    def to_internal_value(self, data: Any) -> models.Model:
        field, value = self.parse(data)
        cache = self.context.get("resolved")
        key = (self.related_model._meta.label, field, value)
        if cache is not None and key in cache:
            obj = cache[key]
        else:
            obj = self.get_queryset().filter(**{field: value}).first()
        if obj is None:
            self.fail(
                "does_not_exist",
                model=self.related_model._meta.verbose_name,
                field=field,
                value=value,
            )
        return obj

    def use_pk_only_optimization(self) -> bool:
        # Output is the id, which the row holds already: no query per row.
        return True

    def to_representation(self, value: Any) -> Any:
        return value.pk
