"""Bulk upsert keyed by external id: the engine behind `POST /api/v1/<resource>/bulk/` and CSV
imports.

A batch is validated record by record with the resource's own serializer, so a bulk write accepts
exactly what a single write accepts; then every valid record is written in one transaction with
`bulk_create` / `bulk_update`, one change sequence, and audit events written in bulk. Each record
gets its own result (created, updated, unchanged, or error with field messages); a bad record
never blocks the others and is never half-written. If the batch write itself fails (a concurrent
writer took an external id meanwhile), the valid records are retried one by one, each in its own
savepoint.

References are resolved for the whole batch up front (one query per referenced model and key), so
a thousand contacts naming their account by external id cost one lookup, not a thousand.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from rest_framework import exceptions, serializers

from core.acting import Member
from core.api.errors import flatten_errors
from core.api.fields import InTenant
from core.api.serializers import SyncedModelSerializer
from core.audit import record_many
from core.gcpause import collector_paused
from core.rows import insert_rows
from core.sync import Synced, change_sequence
from core.webhooks.emit import emit_events

__all__ = ["MAX_RECORDS", "BulkUpsert", "RecordResult"]

MAX_RECORDS = 1000
CREATED, UPDATED, UNCHANGED, ERROR = "created", "updated", "unchanged", "error"


@dataclass
class RecordResult:
    index: int
    external_id: str = ""
    status: str = ERROR
    id: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = {
            "index": self.index,
            "external_id": self.external_id,
            "status": self.status,
            "id": self.id,
        }
        if self.errors:
            data["errors"] = self.errors
        return data


@dataclass
class _Pending:
    result: RecordResult
    record: dict[str, Any]
    instance: Synced | None  # None until a new record's row is built
    fields: dict[str, Any]
    nested: dict[str, Any]
    changed: set[str] = field(default_factory=set)
    before: dict[str, Any] = field(default_factory=dict)
    memo: Any = None  # what the serializer's before_update() noted
    existing_pk: int | None = None  # the row matched at validation time (None: a new record)

    @property
    def row(self) -> Synced:
        """The record's row once it exists: matched at validation, or built by the batch write."""
        assert self.instance is not None
        return self.instance


class BulkUpsert:
    """Upsert `records` (dicts in the resource's API shape, each with an `external_id`)."""

    def __init__(
        self,
        serializer_class: type[SyncedModelSerializer[Any]],
        *,
        tenant: Any,
        membership: Member,
        field_roles: dict[str, frozenset[str]] | None = None,
        creation_defaults: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        self.serializer_class = serializer_class
        self.model: type[Synced] = serializer_class.Meta.model
        self.tenant = tenant
        self.membership = membership
        self.field_roles = field_roles or {}
        self.creation_defaults: Callable[[dict[str, Any]], dict[str, Any]] = creation_defaults or (
            lambda validated: {}
        )
        self.context: dict[str, Any] = {
            "tenant": tenant,
            "membership": membership,
            "resolved": {},
            "skip_unique_checks": True,
        }
        # One serializer validates the whole batch: building a ModelSerializer's fields costs more
        # than validating a record, so it is done once, not per record.
        self.serializer = serializer_class(context=self.context)
        self.columns = self.model._meta.concrete_fields

    # --- validation --------------------------------------------------------------------------

    def run(
        self, records: list[Any], *, dry_run: bool = False, labels: list[str] | None = None
    ) -> list[RecordResult]:
        """One result per record. A dry run validates and reports what would happen, writing nothing."""
        with collector_paused():  # bounded: at most MAX_RECORDS
            self.labels = labels or [f"record {i}" for i in range(len(records))]
            return self._run(records, dry_run=dry_run)

    def _run(self, records: list[Any], *, dry_run: bool) -> list[RecordResult]:
        results = [RecordResult(index=i) for i in range(len(records))]
        keyed = self._check_keys(records, results)
        existing = self._existing([key for key, _ in keyed.values()])
        self._resolve_references([records[i] for i in keyed])
        pending = [
            p for i in keyed if (p := self._validate(records[i], results[i], existing)) is not None
        ]
        pending = self._check_unique(pending)
        if dry_run:
            for item in pending:
                would_update = item.changed or item.nested
                item.result.id = getattr(item.instance, "pk", None)
                item.result.status = (
                    CREATED if item.instance is None else UPDATED if would_update else UNCHANGED
                )
        elif pending:
            self._write(pending)
        return results

    def _check_keys(
        self, records: list[Any], results: list[RecordResult]
    ) -> dict[int, tuple[str, Any]]:
        """index -> (external_id, record) for records that can be processed at all."""
        seen: dict[str, int] = {}
        keyed = {}
        for index, record in enumerate(records):
            result = results[index]
            if not isinstance(record, dict):
                result.errors = {"non_field_errors": ["Each record must be a JSON object."]}
                continue
            key = record.get("external_id")
            if not isinstance(key, str | int) or not str(key).strip():
                result.errors = {"external_id": ["Every record needs an external_id."]}
                continue
            key = str(key).strip()
            result.external_id = key
            if len(key) > 100 or "\x00" in key:
                result.errors = {"external_id": ["Use at most 100 characters, without NUL bytes."]}
                continue
            if key in seen:
                result.errors = {"external_id": [f"Also used by {self.labels[seen[key]]}."]}
                continue
            refused = sorted(
                f
                for f, roles in self.field_roles.items()
                if f in record and self.membership.role not in roles
            )
            if refused:
                result.errors = {name: ["Your role may not set this field."] for name in refused}
                continue
            seen[key] = index
            keyed[index] = (key, {**record, "external_id": key})
            records[index] = keyed[index][1]
        return keyed

    def _existing(self, keys: list[str]) -> dict[str, models.Model | None]:
        """external id -> the caller's visible row, or None when the row exists but is hidden."""
        # The non-empty condition lets PostgreSQL use the partial unique index on
        # (tenant, external_id); with a long IN list it cannot infer it from the keys.
        found = self.model.objects.filter(external_id__in=keys).exclude(external_id="")
        if self.serializer_class.nested_prefetch:
            found = found.prefetch_related(*self.serializer_class.nested_prefetch)
        rows = {obj.external_id: obj for obj in found}
        visible = set(
            self.model.objects.visible_to(self.membership)
            .filter(pk__in=[o.pk for o in rows.values()])
            .values_list("pk", flat=True)
        )
        return {key: (obj if obj.pk in visible else None) for key, obj in rows.items()}

    def _resolve_references(self, records: list[dict]) -> None:
        """Look up every reference of the batch at once into context["resolved"]."""
        wanted: dict[tuple[InTenant, str], set] = defaultdict(set)
        probe = self.serializer_class(context=self.context)
        for name, fld in probe.fields.items():
            target = fld.child if isinstance(fld, serializers.ListField) else fld
            if not isinstance(target, InTenant) or fld.read_only:
                continue
            for record in records:
                values = record.get(name)
                for value in values if isinstance(values, list) else [values]:
                    if value is None:
                        continue
                    try:
                        key, parsed = target.parse(value)
                    except serializers.ValidationError:
                        continue  # the record's own validation reports it
                    wanted[(target, key)].add(parsed)
        resolved = self.context["resolved"]
        for (target, key), values in wanted.items():
            found = {
                getattr(obj, key): obj
                for obj in target.get_queryset().filter(**{f"{key}__in": values})
            }
            label = target.related_model._meta.label
            for value in values:
                resolved[(label, key, value)] = found.get(value)

    def _validate(self, record: dict, result: RecordResult, existing: dict) -> _Pending | None:
        key = result.external_id
        if key in existing and existing[key] is None:
            message = "A record with this external id exists but you may not change it."
            result.errors = {"external_id": [message]}
            return None
        instance = existing.get(key)
        serializer = self.serializer
        serializer.instance, serializer.partial = instance, instance is not None
        serializer.initial_data = record
        try:
            validated = serializer.run_validation(record)
        except serializers.ValidationError as exc:
            result.errors = flatten_errors(exc.detail)
            return None
        fields, nested = serializer.split(dict(validated))
        pending = _Pending(
            result, record, instance, fields, nested, existing_pk=getattr(instance, "pk", None)
        )
        if instance is not None:
            pending.before = {name: self._current(instance, name) for name in fields}
            pending.changed = {n for n, v in fields.items() if pending.before[n] != _key(v)}
            if nested and not serializer.nested_differs(instance, nested):
                pending.nested = {}  # the same nested parts again: nothing to write
        return pending

    def _new_row(self, values: dict[str, Any]) -> Synced:
        """A new model instance from column values, built positionally (Django's fast path)."""
        ordered = [
            values[f.attname] if f.attname in values else f.get_default() for f in self.columns
        ]
        # The stubs type a model's constructor by keyword only; positional is Django's fast path.
        row: Synced = self.model(*ordered)  # type: ignore[misc]
        return row

    def _field(self, name: str) -> models.Field:
        """A field the serializer writes: always a concrete field of the row, never a reverse
        relation, so it has an attname."""
        return cast(models.Field, self.model._meta.get_field(name))

    def _by_attname(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Foreign keys as ids (`account_id=4`): building a thousand rows through the relation
        descriptors costs more than inserting them."""
        values = {}
        for name, value in fields.items():
            model_field = self._field(name)
            if model_field.many_to_one and isinstance(value, models.Model):
                values[model_field.attname] = value.pk
            else:
                values[name] = value
        return values

    def _check_unique(self, pending: list[_Pending]) -> list[_Pending]:
        """The tenant's other unique constraints (a product's sku, a list's name), for the whole
        batch at once: within the batch, and against rows already stored."""
        keep = pending
        for constraint in self.model._meta.constraints:
            if (
                not isinstance(constraint, models.UniqueConstraint)
                or constraint.fields[0] != "tenant"
            ):
                continue
            others = [f for f in constraint.fields if f != "tenant"]
            if others == ["external_id"]:
                continue  # the upsert key itself
            keep = self._check_constraint(keep, constraint, others)
        return keep

    def _check_constraint(
        self, pending: list[_Pending], constraint: models.UniqueConstraint, names: list[str]
    ) -> list[_Pending]:
        def value_of(item: _Pending) -> tuple:
            return tuple(
                _key(item.fields[n])
                if n in item.fields
                else self._current(item.instance, n)
                if item.instance
                else None
                for n in names
            )

        touched = [p for p in pending if any(n in p.fields for n in names)]
        if not touched:
            return pending
        stored = self.model.objects.filter(
            **{
                f"{self._field(n).attname}__in": {value_of(p)[i] for p in touched}
                for i, n in enumerate(names)
            }
        )
        if constraint.condition is not None:
            stored = stored.filter(constraint.condition)
        holders = {
            tuple(getattr(row, self._field(n).attname) for n in names): row.pk for row in stored
        }
        label, keep = self.model._meta.verbose_name, []
        seen: dict[Any, int] = {}
        touched_ids = {id(p) for p in touched}
        for item in pending:
            if id(item) not in touched_ids:
                keep.append(item)
                continue
            value = value_of(item)
            holder = holders.get(value)
            clash = holder is not None and holder != item.existing_pk
            if clash or value in seen:
                where = "already exists" if clash else f"is also used by {self.labels[seen[value]]}"
                item.result.errors = {
                    names[0]: [f"A {label} with this {names[0].replace('_', ' ')} {where}."]
                }
                continue
            seen.setdefault(value, item.result.index)
            keep.append(item)
        return keep

    def _current(self, instance: models.Model, name: str) -> Any:
        """A field's stored value; for a foreign key its id, so comparing costs no query."""
        model_field = self._field(name)
        return getattr(instance, model_field.attname if model_field.many_to_one else name)

    # --- writing -----------------------------------------------------------------------------

    def _write(self, pending: list[_Pending]) -> None:
        try:
            with transaction.atomic():
                self._write_batch(pending)
        except IntegrityError:
            for item in pending:
                self._write_one(item)

    def _write_batch(self, pending: list[_Pending]) -> None:
        now, sequence = timezone.now(), change_sequence()
        new = [p for p in pending if p.instance is None]
        changed = [p for p in pending if p.instance is not None and (p.changed or p.nested)]
        for item in new:
            item.fields.update(self.creation_defaults(item.fields))
            item.instance = self._new_row(
                {**self._by_attname(item.fields), "tenant_id": self.tenant.pk, "sync_seq": sequence}
            )
        insert_rows(self.model, [p.row for p in new])
        update_fields = {"sync_seq", "version", "updated_at"}
        for item in changed:
            row = item.row
            item.memo = self.serializer.before_update(row, item.fields)
            for name in item.changed:
                setattr(row, name, item.fields[name])
            row.sync_seq, row.updated_at = sequence, now
            row.version += 1
            update_fields |= {self._field(name).attname for name in item.changed}
        if changed:
            rows = [p.row for p in changed]
            self.model.objects.bulk_update(rows, sorted(update_fields), batch_size=500)
        created, updated = {id(p) for p in new}, {id(p) for p in changed}
        has_hook = self.serializer_class.after_save is not SyncedModelSerializer.after_save
        for item in new + changed:
            if item.nested or has_hook:
                is_new = id(item) in created
                self.serializer.after_save(item.row, item.nested, created=is_new, before=item.memo)
        self._audit(new, changed)
        emit_events("created", [p.row for p in new])
        emit_events("updated", [p.row for p in changed])
        for item in pending:
            item.result.id = item.row.pk
            if id(item) in created:
                item.result.status = CREATED
            else:
                item.result.status = UPDATED if id(item) in updated else UNCHANGED

    def _write_one(self, item: _Pending) -> None:
        """Fallback after a failed batch: this record alone, in its own savepoint, from the row as
        it is in the database (the failed batch may have changed the instance in memory)."""
        is_new = item.existing_pk is None
        instance = None if is_new else self.model.objects.filter(pk=item.existing_pk).first()
        if not is_new and instance is None:
            item.result.errors = {"external_id": ["The record was deleted meanwhile."]}
            item.result.status = ERROR
            return
        serializer = self.serializer_class(
            instance, data=item.record, partial=not is_new, context=self.context
        )
        try:
            with transaction.atomic():
                serializer.is_valid(raise_exception=True)
                if is_new:
                    defaults = self.creation_defaults(serializer.validated_data)
                    obj = serializer.save(tenant=self.tenant, **defaults)
                else:
                    obj = serializer.save()
        except IntegrityError:
            message = "Another request wrote this record at the same time; retry it."
            item.result.errors = {"external_id": [message]}
            item.result.status = ERROR
            return
        except exceptions.ValidationError as exc:
            item.result.errors = flatten_errors(exc.detail)
            item.result.status = ERROR
            return
        item.result.id = obj.pk
        item.result.status = CREATED if is_new else UPDATED

    def _audit(self, new: list[_Pending], changed: list[_Pending]) -> None:
        """One event per written record; nested parts (domains, lines, members) are logged with
        their new value, since they are replaced as a whole."""
        entries = []
        for p in new:
            values = {**p.fields, **p.nested}
            entries.append(
                (
                    "create",
                    p.row,
                    {k: [None, _plain(v)] for k, v in values.items() if v not in (None, "", [])},
                )
            )
        for p in changed:
            diff = {k: [_plain(p.before[k]), _plain(p.fields[k])] for k in sorted(p.changed)}
            diff.update({k: [None, _plain(v)] for k, v in p.nested.items()})
            entries.append(("update", p.row, diff))
        record_many(entries, tenant=self.tenant, detail="bulk upsert")


def _key(value: Any) -> Any:
    """What a validated value is compared by: a row by its id, anything else as it is."""
    return value.pk if isinstance(value, models.Model) else value


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)
