"""How the API describes itself (drf-spectacular): our own field types, and the error responses
every operation can give, so that the published schema covers every response a client can see.

Loaded from CoreConfig.ready (the field extensions) and REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"].
"""

from __future__ import annotations

import re
from typing import Any, Literal

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

__all__ = ["ApiAutoSchema", "ErrorSerializer"]


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


class ErrorSerializer(serializers.Serializer):
    """The one error body of the API (core.api.errors); some refusals add keys of their own
    (`current_version` on a stale write, `findings` on a refused rulebook publish)."""

    code = serializers.CharField(help_text="Stable, machine-readable, e.g. `invalid`, `not_found`.")
    detail = serializers.CharField(help_text="A sentence for people.")
    # The body's key is "fields", which shadows Serializer.fields for the type checker only: this
    # serializer describes the error body and is never bound to data.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Each invalid input (dotted path for nested data) with its messages.",
    )
    current_version = serializers.IntegerField(
        required=False, help_text="On a 409 for a stale version: the version the record is at."
    )

    class Meta:
        ref_name = "Error"


def source_may_be_null(field: serializers.Field) -> bool:
    """Whether a read-only field of a model serializer can answer null whatever type it declares:
    its column is nullable, or (`source="rule.position"`, `default=None`) a relation on the way is.
    (Without a default, DRF leaves a field out when a relation on the way is null.)"""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.source or field.source == "*":
        return False
    *relations, name = field.source.split(".")
    through_null = False
    for relation in relations:
        model_field = _concrete_field(model, relation)
        if model_field is None or not model_field.is_relation:
            return False
        through_null = through_null or model_field.null
        model = model_field.related_model
    column = _concrete_field(model, name)
    if column is not None and column.null:
        return True
    return through_null and field.default is None


def _concrete_field(model: Any, name: str) -> Any:
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return model_field if getattr(model_field, "concrete", False) else None


def _note(schema: dict[str, Any], sentence: str) -> None:
    description = schema.get("description", "")
    schema["description"] = f"{description} {sentence}".strip()


BLANK = {"type": "string", "maxLength": 0}


def collapse_redundant_blank(schema: dict[str, Any]) -> None:
    """drf-spectacular describes a blank-allowed string with a pattern as `oneOf: [the string,
    the empty string]`. When the pattern itself admits "" (ours refuse control characters, not
    emptiness), "" matches both alternatives and breaks `oneOf`: keep the one schema that says it
    all. Otherwise (a format, a minimum length) "" matches only the second, which stays."""
    alternatives = schema.get("oneOf")
    if not alternatives or len(alternatives) != 2 or alternatives[1] != BLANK:
        return
    string = alternatives[0]
    if string.get("type") != "string" or "format" in string or string.get("minLength", 0) > 0:
        return
    if re.search(string.get("pattern", ""), ""):
        del schema["oneOf"]
        schema.update(string)


ERROR_REASONS = {
    "400": "The input is not valid: `fields` says which and why.",
    "401": "No valid credential.",
    "403": "The caller's role may not do this.",
    "404": "No such object that the caller can see (on a list: a `cursor` we did not give out).",
    "409": "The request conflicts with the current state (a stale version, a row still in use, "
    "a concurrent write).",
    "415": "The body is not `application/json`.",
    "422": "The `Idempotency-Key` was used before with another request.",
}


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's schema, made to describe every response a client can get: the error
    responses an operation can give (all with the one error body), null where a read-only field
    can be null, no `required` for fields partner users are not shown, and blank-allowed strings
    that `""` matches once. tests/test_schema_conformance.py holds the API to it."""

    def _get_response_bodies(
        self, direction: Literal["request", "response"] = "response"
    ) -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                reason = OpenApiResponse(ErrorSerializer, description=ERROR_REASONS[code])
                responses[code] = self._get_response_for_code(reason, code, direction=direction)
        return dict(sorted(responses.items()))

    def _map_basic_serializer(self, serializer: Any, direction: str) -> dict[str, Any]:
        schema = super()._map_basic_serializer(serializer, direction)
        hidden = getattr(serializer, "direct_only_fields", ())
        if direction == "response" and hidden:
            # Left out of what partner users are shown (core.api.serializers): never required.
            schema["required"] = [name for name in schema.get("required", []) if name not in hidden]
            if not schema["required"]:
                del schema["required"]
            for name in hidden:
                if name in schema["properties"]:
                    _note(schema["properties"][name], "Not shown to partner users.")
        return schema

    def _get_serializer_field_meta(self, field: Any, direction: str) -> dict[str, Any]:
        meta = super()._get_serializer_field_meta(field, direction)
        if getattr(field, "read_only", False) and source_may_be_null(field):
            meta["nullable"] = True
        return meta

    def _insert_field_validators(self, field: Any, schema: dict[str, Any]) -> None:
        super()._insert_field_validators(field, schema)
        collapse_redundant_blank(schema)

    def _error_codes(self) -> list[str]:
        codes = ["401", "403"]
        if self.method in ("POST", "PUT", "PATCH") or self._takes_query_parameters():
            codes.append("400")
        if "{" in self.path or (self._is_list_view() and self._get_paginator()):
            codes.append("404")  # no such object; or a page cursor that is not one we gave out
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes.append("409")
        if self.method in ("POST", "PATCH"):
            codes.append("422")
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("415")  # a body that is not JSON
        return codes

    def _takes_query_parameters(self) -> bool:
        return self.method == "GET" and any(p["in"] == "query" for p in self._get_parameters())
