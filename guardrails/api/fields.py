"""A choice field whose OpenAPI enum has a fixed component name.

Several resources share field names with different choice sets (`route` of a corridor vs of a
touch, `outcome` of a rule vs of a sales stage, `status` of a version vs of a delivery), which
drf-spectacular can only name with a hash. Naming the set here keeps the schema stable without a
project-wide override list.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers

__all__ = ["NamedChoiceField"]


class NamedChoiceField(serializers.ChoiceField):
    def __init__(self, choices: type[models.TextChoices], enum_name: str, **kwargs: Any) -> None:
        self.enum_name = enum_name
        self.enum_values = list(choices.values)
        super().__init__(choices.choices, **kwargs)


class NamedChoiceFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "guardrails.api.fields.NamedChoiceField"

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        field = self.target
        component = ResolvedComponent(
            name=field.enum_name,
            type=ResolvedComponent.SCHEMA,
            object=field.enum_name,
            schema={
                "type": "string",
                "enum": field.enum_values,
                "description": "\n".join(f"* `{k}` - {v}" for k, v in field.choices.items()),
            },
        )
        auto_schema.registry.register_on_missing(component)
        if field.allow_blank:
            return {"oneOf": [component.ref, {"type": "string", "enum": [""]}]}
        return component.ref
