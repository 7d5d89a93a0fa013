"""Fast writers for rows made by the thousand: build, INSERT and UPDATE many rows of a model in
one statement each, skipping the ORM's per-row and per-value work where it costs most.

Used by the bulk-upsert engine (core.api.bulk) and by lead processing (routing's journal, timers,
notifications and lead saves). No validation, signals or audit: callers do what they need of
those themselves. On databases other than PostgreSQL they fall back to `bulk_create` and
`bulk_update`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar, cast

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.utils import timezone

from core.models import TenantOwned
from core.sync import Synced, change_sequence

__all__ = [
    "chunked",
    "delete_rows",
    "insert_rows",
    "lock_row",
    "new_row",
    "save_rows",
    "update_rows",
]


T = TypeVar("T")
M = TypeVar("M", bound=models.Model)


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """`items` in lists of `size` (the last one shorter): batches of ids or rows to write."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def lock_row(row: M) -> M:
    """The row, locked (SELECT ... FOR UPDATE) for the rest of the caller's transaction and read
    fresh into the caller's instance: two people acting on it at once take turns, and the second
    sees what the first one wrote."""
    type(row)._default_manager.select_for_update().filter(pk=row.pk).values_list(
        "pk", flat=True
    ).get()
    row.refresh_from_db()
    return row


# Field types whose Python value is already what psycopg2 sends to PostgreSQL.
_RAW_FIELDS = (
    models.CharField,
    models.TextField,
    models.BooleanField,
    models.IntegerField,
    models.DecimalField,
    models.DateField,  # and DateTimeField: aware datetimes go as they are
    models.ForeignKey,
)


_DEFAULTS: dict[type, tuple[dict[str, Any], list[tuple[str, Any]]]] = {}


def new_row(model: type[M], /, **values: Any) -> M:
    """A new, unsaved row from attribute names (`lead_id`, not `lead`), built without
    `Model.__init__`'s per-field work: for rows made by the thousand and written by
    `insert_rows`. Fields not given take their defaults, as with the constructor."""
    if model not in _DEFAULTS:
        fixed, per_row = {}, []
        for f in model._meta.concrete_fields:
            if callable(f.default) and f.default is not models.NOT_PROVIDED:
                per_row.append((f.attname, f.default))
            else:
                fixed[f.attname] = f.get_default()
        _DEFAULTS[model] = fixed, per_row
    fixed, per_row = _DEFAULTS[model]
    row = model.__new__(model)
    state = row.__dict__
    state.update(fixed)
    for attname, default in per_row:
        if attname not in values:
            state[attname] = default()
    state.update(values)
    row._state = models.base.ModelState()
    return row


def insert_rows(model: type[TenantOwned], rows: Sequence[TenantOwned]) -> None:
    """INSERT new rows and set their ids. On PostgreSQL one multi-row statement built without the
    ORM's per-value compilation, which is most of the cost of a thousand-row bulk_create."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(rows, batch_size=500)
        return
    from psycopg2.extras import execute_values

    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    stamped = {
        f.attname
        for f in fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }
    db = _database()
    # (attname, the field when its value needs preparing): no Field hashing per value
    prepare = [
        (f.attname, None if f.attname in stamped or isinstance(f, _RAW_FIELDS) else f)
        for f in fields
    ]
    values = []
    for row in rows:
        state = row.__dict__
        for attname in stamped:
            state[attname] = now
        values.append(
            tuple(
                state[name] if f is None else f.get_db_prep_save(state[name], db)
                for name, f in prepare
            )
        )
    quote = connection.ops.quote_name
    columns = ", ".join(_column(f) for f in fields)
    returning = _column(_pk(model))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES %s RETURNING {returning}"
    with connection.cursor() as cursor:
        ids = execute_values(cursor.cursor, sql, values, page_size=len(values), fetch=True)
    for row, (pk,) in zip(rows, ids, strict=True):
        row.pk = pk
        row._state.adding, row._state.db = False, connection.alias


def delete_rows(rows: models.QuerySet) -> int:
    """DELETE the rows in one statement, without loading them or sending signals: for derived
    rows (rollups) that no receiver needs to hear of. `QuerySet.delete` would fetch every row
    (and its cascaded rows) to send the audit, sync and webhook receivers' signals, which
    listen to every model. Cascades are the caller's: delete the children first. How many went."""
    return rows._raw_delete(rows.db)


def _pk(model: type[models.Model]) -> models.Field:
    """The primary key field: every concrete model has one (the stubs allow None for abstract)."""
    pk = model._meta.pk
    assert pk is not None
    return pk


def _column(field: models.Field) -> str:
    """A concrete field's quoted column (the stubs allow None, for fields without a column)."""
    assert field.column is not None
    return connection.ops.quote_name(field.column)


def _database() -> Any:
    """The connection itself: `connection` is a proxy that looks the connection up (through a
    context-local) on every attribute read, which costs more than preparing a value."""
    return connections[DEFAULT_DB_ALIAS]


def update_rows(model: type[TenantOwned], rows: Sequence[TenantOwned], names: list[str]) -> None:
    """UPDATE the named fields of existing rows. On PostgreSQL one `UPDATE … FROM (VALUES …)`
    statement, where `bulk_update` would compile a CASE expression per field and row (most of its
    cost on wide updates); elsewhere `bulk_update`."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(rows, names, batch_size=500)
        return
    from psycopg2.extras import execute_values

    meta = model._meta
    # Named columns of the row itself (never reverse relations), so each has a column and attname.
    fields = [cast(models.Field, meta.get_field(name)) for name in names]
    now = timezone.now()
    for row in rows:
        for f in fields:
            if getattr(f, "auto_now", False):
                setattr(row, f.attname, now)
    quote = connection.ops.quote_name
    pk = _pk(model)
    columns = [pk, *fields]
    template = "(" + ", ".join(f"%s::{c.db_type(connection)}" for c in columns) + ")"
    assignments = ", ".join(f"{_column(f)} = v.{_column(f)}" for f in fields)
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET {assignments} FROM (VALUES %s) AS "
        f"v({', '.join(_column(c) for c in columns)}) "
        f"WHERE t.{_column(pk)} = v.{_column(pk)}"
    )
    db = _database()
    prepare = [(f.attname, None if isinstance(f, _RAW_FIELDS) else f) for f in fields]
    values = [
        (
            row.pk,
            *(
                getattr(row, name) if f is None else f.get_db_prep_save(getattr(row, name), db)
                for name, f in prepare
            ),
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        execute_values(cursor.cursor, sql, values, template=template, page_size=len(values))


def save_rows(model: type[Synced], rows: Sequence[Synced], names: list[str]) -> int | None:
    """Bulk-save the named fields of existing `Synced` rows as `save()` would: the next version
    and the transaction's change sequence, so the sync feed hands them out again. Returns that
    sequence (None when there was nothing to save)."""
    if not rows:
        return None
    sequence = change_sequence()
    for row in rows:
        row.sync_seq = sequence
        row.version += 1
    update_rows(model, rows, [*dict.fromkeys([*names, "sync_seq", "version"])])
    return sequence
