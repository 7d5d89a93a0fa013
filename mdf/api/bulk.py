"""Bulk upsert for MDF's resources, record by record through the services.

The shared engine (core.api.bulk) writes a batch with `bulk_create`/`bulk_update`, which would
skip what MDF's services do on every write: lock the budget or the balance, post the ledger
entries, check the state machine and write the timeline. Budgets, allocations, requests and
claims are few (hundreds a quarter, not a CRM's millions), so here each record is validated by
the resource's own serializer and saved through it (and so through its service) in a savepoint
of its own: the same request and response shapes as every other `bulk/`, and a bad record never
blocks or half-writes the others."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.bulk import CREATED, ERROR, MAX_RECORDS, UNCHANGED, UPDATED, RecordResult
from core.api.errors import flatten_errors
from core.api.schema import ErrorSerializer
from core.api.sync import BulkResultSerializer, TooManyRecords, bulk_request_schema
from mdf.services.state import TransitionRefused

if TYPE_CHECKING:
    from core.api.views import TenantModelViewSet as _ViewSetBase
else:
    _ViewSetBase = object

__all__ = ["ServiceBulkMixin"]


def _errors(exc: Exception) -> dict[str, list[str]]:
    if isinstance(exc, serializers.ValidationError):
        return flatten_errors(exc.detail)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return {k: list(v) for k, v in exc.message_dict.items()}
        return {"non_field_errors": exc.messages}
    if isinstance(exc, TransitionRefused):
        return {"state": [exc.detail]}
    return {"non_field_errors": [str(exc) or "You may not change this record."]}


class ServiceBulkMixin(_ViewSetBase):
    """`POST bulk/`: upsert up to 1,000 records keyed by `external_id`, each through the
    resource's serializer and service. Needs the viewset's `write_roles`."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if getattr(cls, "model", None) is not None:
            extend_schema_view(
                bulk=extend_schema(
                    request=bulk_request_schema(cls.model.__name__, cls.serializer_class),
                    responses={200: BulkResultSerializer, 413: ErrorSerializer},
                    description=f"Create or update up to {MAX_RECORDS} records keyed by "
                    "`external_id`, each through the same rules as a single write. Each record "
                    "gets its own result; a bad record never blocks or half-writes the others.",
                )
            )(cls)

    @action(detail=False, methods=["post"], url_path="bulk")
    def bulk(self, request: Any) -> Response:
        records = request.data.get("records") if isinstance(request.data, dict) else request.data
        if not isinstance(records, list):
            raise exceptions.ValidationError(
                {"records": ['Send a JSON list of records, or {"records": [...]}.']}
            )
        if len(records) > MAX_RECORDS:
            raise TooManyRecords(
                f"At most {MAX_RECORDS} records per request; this one has {len(records)}."
            )
        seen: dict[str, int] = {}
        results = []
        for index, record in enumerate(records):
            result = RecordResult(index=index)
            key = self._key(record, result, seen)
            if key is not None:
                self._upsert(key, record, result)
            results.append(result)
        summary = dict.fromkeys((CREATED, UPDATED, UNCHANGED, ERROR), 0)
        for result in results:
            summary[result.status] += 1
        return Response({"summary": summary, "results": [r.as_dict() for r in results]})

    def _key(self, record: Any, result: RecordResult, seen: dict[str, int]) -> str | None:
        if not isinstance(record, dict):
            result.errors = {"non_field_errors": ["Each record must be a JSON object."]}
            return None
        raw = record.get("external_id")
        if not isinstance(raw, str | int) or isinstance(raw, bool) or not str(raw).strip():
            result.errors = {"external_id": ["Every record needs an external_id."]}
            return None
        key = str(raw).strip()
        result.external_id = key
        if len(key) > 100 or "\x00" in key:
            result.errors = {"external_id": ["Use at most 100 characters, without NUL bytes."]}
            return None
        if key in seen:
            result.errors = {"external_id": [f"Also used by record {seen[key]}."]}
            return None
        seen[key] = result.index
        refused = sorted(
            f for f, roles in self.field_roles.items() if f in record and self._role not in roles
        )
        if refused:
            result.errors = {name: ["Your role may not set this field."] for name in refused}
            return None
        return key

    @property
    def _role(self) -> str:
        return str(self.request.membership.role)

    def _upsert(self, key: str, record: dict[str, Any], result: RecordResult) -> None:
        record = {**record, "external_id": key}
        model: Any = self.model  # a Synced model: it has external ids
        existing = model.objects.filter(external_id=key).order_by("pk").first()
        if existing is not None and not self.get_queryset().filter(pk=existing.pk).exists():
            message = "A record with this external id exists but you may not change it."
            result.errors = {"external_id": [message]}
            return
        serializer = self.get_serializer(existing, data=record, partial=existing is not None)
        try:
            with transaction.atomic():
                serializer.is_valid(raise_exception=True)
                if existing is not None and not self._differs(existing, serializer.validated_data):
                    result.status, result.id = UNCHANGED, existing.pk
                    return
                if existing is None:
                    defaults = self.creation_defaults(serializer.validated_data)
                    row = serializer.save(tenant=self.request.tenant, **defaults)
                else:
                    row = serializer.save()
        except (
            serializers.ValidationError,
            exceptions.PermissionDenied,
            DjangoValidationError,
            DjangoPermissionDenied,
            TransitionRefused,
        ) as exc:
            result.errors = _errors(exc)
            return
        result.id = row.pk
        result.status = CREATED if existing is None else UPDATED

    @staticmethod
    def _differs(row: models.Model, validated: dict[str, Any]) -> bool:
        """Whether writing `validated` would change the row: a CRM that sends the same record
        again gets "unchanged", not a new version and a webhook."""
        return any(
            name != "external_id" and getattr(row, name, value) != value
            for name, value in validated.items()
        )
