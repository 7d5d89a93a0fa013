"""The two CRM-sync actions every synced resource has.

`POST /<resource>/bulk/`: upsert up to 1,000 records keyed by external id (core.api.bulk).

`GET /<resource>/sync/?cursor=`: every change since the cursor, rows and deletions (tombstones)
in one commit-safe order (core.sync), so a connector that stores the returned cursor and comes
back later mirrors the tenant exactly, even when writers commit out of order. Start without a
cursor for the initial load; the response always carries the cursor to resume from.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any, ClassVar, cast

from django.db import connection
from django.db.models import BooleanField, Field, Model
from django.db.models.expressions import RawSQL
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.bulk import CREATED, ERROR, MAX_RECORDS, UNCHANGED, UPDATED, BulkUpsert
from core.api.schema import ErrorSerializer
from core.api.serializers import SyncedModelSerializer
from core.models import Tombstone
from core.sync import safe_horizon
from core.validators import MAX_ID

if TYPE_CHECKING:
    # Mixed into a TenantModelViewSet (same package): written against what it provides.
    from core.api.views import TenantModelViewSet as _ViewSetBase
else:
    _ViewSetBase = object

__all__ = ["SyncActionsMixin", "SyncFeedMixin"]

DEFAULT_PAGE, MAX_PAGE = 500, 1000
ROW, DELETION = 0, 1


class TooManyRecords(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_many_records"


def encode_cursor(position: tuple[int, int, int]) -> str:
    return base64.urlsafe_b64encode(":".join(map(str, position)).encode()).decode()


def decode_cursor(raw: str) -> tuple[int, int, int]:
    try:
        seq, kind, pk = (
            int(part) for part in base64.urlsafe_b64decode(raw.encode()).decode().split(":")
        )
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise exceptions.ValidationError(
            {"cursor": ["This cursor is not one we gave out."]}
        ) from None
    if kind not in (ROW, DELETION) or min(seq, pk) < 0 or max(seq, pk) >= 2**63:
        raise exceptions.ValidationError({"cursor": ["This cursor is not one we gave out."]})
    return seq, kind, pk


def _after(model: type[Model], position: tuple[int, int, int], kind: int, id_field: str) -> RawSQL:
    """Rows of `kind` strictly after `position` in (sequence, kind, id) order, written as a row
    comparison, `(sync_seq, id) > (s, i)`, which the (tenant, sync_seq, id) index answers directly
    (an OR of two conditions would scan the tenant's rows from the start on every page)."""
    seq, at_kind, pk = position
    if kind < at_kind:
        bound = (seq, MAX_ID)  # everything of this kind at `seq` came before the position
    elif kind > at_kind:
        bound = (seq, -1)  # everything of this kind at `seq` comes after it
    else:
        bound = (seq, pk)
    table = connection.ops.quote_name(model._meta.db_table)
    id_column = cast(Field, model._meta.get_field(id_field)).column
    assert id_column is not None  # an id field is a concrete column
    column = connection.ops.quote_name(id_column)
    return RawSQL(
        f'({table}."sync_seq", {table}.{column}) > (%s, %s)', bound, output_field=BooleanField()
    )


class BulkRecordResultSerializer(serializers.Serializer):
    """What happened to one record of a bulk upsert (core.api.bulk.RecordResult)."""

    index = serializers.IntegerField(help_text="0-based position of the record in the request.")
    external_id = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField([CREATED, UPDATED, UNCHANGED, ERROR])
    id = serializers.IntegerField(allow_null=True, help_text="The row's id; null on an error.")
    # The result's key is "errors", which shadows Serializer.errors for the type checker only:
    # this serializer describes the response and is never bound to data.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Only on an error: each invalid field with its messages.",
    )

    class Meta:
        ref_name = "BulkRecordResult"


class BulkResultSerializer(serializers.Serializer):
    summary = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="How many records were created, updated, unchanged and refused (error).",
    )
    results = BulkRecordResultSerializer(many=True)

    class Meta:
        ref_name = "BulkResult"


def bulk_request_schema(resource: str, serializer_class: Any) -> serializers.Serializer:
    """`{"records": [...]}`, each record in the resource's own request shape."""
    return inline_serializer(
        f"{resource}Bulk",
        {"records": serializer_class(many=True, max_length=MAX_RECORDS)},
    )


def sync_page_schema(resource: str, serializer_class: Any) -> serializers.Serializer:
    """A page of the sync feed, each upsert carrying the row in the resource's response shape."""
    change = inline_serializer(
        f"{resource}Change",
        {
            "op": serializers.ChoiceField(["upsert", "delete"]),
            "id": serializers.IntegerField(),
            "external_id": serializers.CharField(allow_blank=True),
            "version": serializers.IntegerField(required=False, help_text="Upserts only."),
            "data": serializer_class(required=False, help_text="Upserts only: the row."),
        },
    )
    return inline_serializer(
        f"{resource}SyncPage",
        {
            "results": serializers.ListField(child=change),
            "cursor": serializers.CharField(help_text="Where to resume: send it as `?cursor=`."),
            "has_more": serializers.BooleanField(),
        },
    )


class SyncFeedMixin(_ViewSetBase):
    """Adds `sync` to a viewset of a `Synced` model; it needs one of `sync_roles` (empty:
    nobody). Read-only resources (an append-only ledger) have the feed without `bulk`."""

    sync_roles: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Describe the feed's rows in the resource's own shape."""
        super().__init_subclass__(**kwargs)
        if getattr(cls, "model", None) is None:
            return  # a mixin built on this one: its viewsets are described
        resource = cls.model.__name__
        extend_schema_view(
            sync=extend_schema(responses={200: sync_page_schema(resource, cls.serializer_class)}),
        )(cls)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "cursor", str, description="The cursor of the previous response; omit to start."
            ),
            OpenApiParameter(
                "page_size", int, description=f"Up to {MAX_PAGE} changes (default {DEFAULT_PAGE})."
            ),
        ],
        examples=[
            OpenApiExample(
                "A page of changes",
                response_only=True,
                value={
                    "results": [
                        {
                            "op": "upsert",
                            "id": 12,
                            "external_id": "SF-2",
                            "version": 3,
                            "data": {"id": 12},
                        },
                        {"op": "delete", "id": 9, "external_id": "SF-9"},
                    ],
                    "cursor": "MTIzNDU6MTo5",
                    "has_more": False,
                },
            )
        ],
        description='Changes since `cursor` in commit-safe order: `{"op": "upsert", "data": {...}}` for '
        'created or updated rows and `{"op": "delete", "id", "external_id"}` for deleted ones. Store '
        "the returned `cursor` and call again; `has_more` says whether to call again now. RevOps admins only.",
    )
    @action(detail=False, methods=["get"], url_path="sync")
    def sync(self, request: Any) -> Response:
        if request.membership.role not in self.sync_roles:
            raise exceptions.PermissionDenied("The sync feed is for RevOps admins' integrations.")
        size = self._page_size(request)
        position = (
            decode_cursor(request.query_params["cursor"])
            if request.query_params.get("cursor")
            else (0, ROW, 0)
        )
        horizon = safe_horizon()
        rows = list(
            self.get_queryset()
            .filter(
                _after(self.model, position, ROW, "id"),
                sync_seq__gte=position[0],
                sync_seq__lt=horizon,
            )
            .order_by("sync_seq", "pk")[: size + 1]
        )
        deletions = list(
            Tombstone.objects.filter(
                _after(Tombstone, position, DELETION, "object_id"),
                sync_seq__gte=position[0],
                resource=self.model._meta.label,
                sync_seq__lt=horizon,
            ).order_by("sync_seq", "object_id")[: size + 1]
        )
        merged = sorted(
            [((r.sync_seq, ROW, r.pk), r) for r in rows]
            + [((t.sync_seq, DELETION, t.object_id), t) for t in deletions],
            key=lambda pair: pair[0],
        )
        page, has_more = merged[:size], len(merged) > size
        serialized = self.get_serializer(
            [item for key, item in page if key[1] == ROW], many=True
        ).data
        upserts = iter(serialized)
        results = []
        for key, item in page:
            if key[1] == ROW:
                results.append(
                    {
                        "op": "upsert",
                        "id": item.pk,
                        "external_id": item.external_id,
                        "version": item.version,
                        "data": next(upserts),
                    }
                )
            else:
                results.append(
                    {"op": "delete", "id": item.object_id, "external_id": item.external_id}
                )
        cursor = encode_cursor(page[-1][0] if page else position)
        return Response({"results": results, "cursor": cursor, "has_more": has_more})

    @staticmethod
    def _page_size(request: Any) -> int:
        raw = request.query_params.get("page_size", DEFAULT_PAGE)
        try:
            size = int(raw)
        except (TypeError, ValueError):
            raise exceptions.ValidationError({"page_size": ["Send a whole number."]}) from None
        if not 1 <= size <= MAX_PAGE:
            raise exceptions.ValidationError({"page_size": [f"Use 1 to {MAX_PAGE}."]})
        return size


class SyncActionsMixin(SyncFeedMixin):
    """Adds `bulk` and `sync` to a TenantModelViewSet of a `Synced` model. Bulk writes need the
    viewset's `write_roles`; the sync feed needs one of `sync_roles` (empty: nobody)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Describe the bodies in the resource's own shapes, so a generated client can build the
        records it sends and read the rows it gets."""
        super().__init_subclass__(**kwargs)
        if getattr(cls, "model", None) is None:
            return  # a mixin built on this one: its viewsets are described
        resource = cls.model.__name__
        extend_schema_view(
            bulk=extend_schema(
                request=bulk_request_schema(resource, cls.serializer_class),
                responses={200: BulkResultSerializer, 413: ErrorSerializer},
            ),
        )(cls)

    @extend_schema(
        examples=[
            OpenApiExample(
                "Two records, one bad",
                request_only=True,
                value={
                    "records": [
                        {"external_id": "SF-1", "name": "Ok"},
                        {"external_id": "SF-2", "name": ""},
                    ]
                },
            ),
            OpenApiExample(
                "Per-record results",
                response_only=True,
                value={
                    "summary": {"created": 1, "updated": 0, "unchanged": 0, "error": 1},
                    "results": [
                        {"index": 0, "external_id": "SF-1", "status": "created", "id": 41},
                        {
                            "index": 1,
                            "external_id": "SF-2",
                            "status": "error",
                            "id": None,
                            "errors": {"name": ["This field may not be blank."]},
                        },
                    ],
                },
            ),
        ],
        description=f"Create or update up to {MAX_RECORDS} records keyed by `external_id`. Each record gets its "
        "own result; a bad record never blocks or half-writes the others. References may be given by "
        'external id, e.g. `"account": {"external_id": "SF-0042"}`.',
    )
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
        # A synced resource's serializer (the mixin's contract): bulk writes go through its hooks.
        serializer_class = cast(type[SyncedModelSerializer[Any]], self.get_serializer_class())
        results = BulkUpsert(
            serializer_class,
            tenant=request.tenant,
            membership=request.membership,
            field_roles=self.field_roles,
            creation_defaults=self.creation_defaults,
        ).run(records)
        summary = dict.fromkeys((CREATED, UPDATED, UNCHANGED, ERROR), 0)
        for result in results:
            summary[result.status] += 1
        return Response({"summary": summary, "results": [r.as_dict() for r in results]})
