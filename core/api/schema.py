"""OpenAPI descriptions of our own field types (loaded from CoreConfig.ready)."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes


class InTenantFieldExtension(OpenApiSerializerFieldExtension):
    """References: an id (or a key, for tiers, segments, stages), or on input one natural key."""

    target_class = "core.api.fields.InTenant"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        label = field.related_model._meta.verbose_name
        by_key = field.output_key != "pk"
        plain = build_basic_type(OpenApiTypes.STR if by_key else OpenApiTypes.INT)
        assert plain is not None  # a basic type always has a schema
        plain["description"] = f"{'Key' if by_key else 'Id'} of the {label}."
        if direction == "response" or not field.natural_keys or by_key:
            return plain
        keyed = {
            "type": "object",
            "properties": {key: {"type": "string"} for key in field.natural_keys},
            "minProperties": 1,
            "maxProperties": 1,
        }
        keys = ", ".join(f'{{"{key}": "..."}}' for key in field.natural_keys)
        return {"oneOf": [plain, keyed], "description": f"Id of the {label}, or {keys}."}
