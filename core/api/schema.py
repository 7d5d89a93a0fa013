"""OpenAPI descriptions of our own field types (loaded from CoreConfig.ready)."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes


class InTenantFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "core.api.fields.InTenant"

    def map_serializer_field(self, auto_schema, direction):
        ref = build_basic_type(OpenApiTypes.INT)
        keys = self.target.natural_keys
        if direction == "response" or not keys:
            return {
                **ref,
                "description": f"Id of the {self.target.related_model._meta.verbose_name}.",
            }
        by_key = {
            "type": "object",
            "properties": {key: {"type": "string"} for key in keys},
            "minProperties": 1,
            "maxProperties": 1,
        }
        return {
            "oneOf": [ref, by_key],
            "description": f"Id of the {self.target.related_model._meta.verbose_name}, or one of "
            + ", ".join(f'{{"{k}": ...}}' for k in keys),
        }
