"""Demo data is contributed by each app: an app with a `demo` module exposing `seed(stdout, scale)`
(and optionally `logins()`) takes part in `manage.py seed_demo`, lower layers first. This keeps
core free of imports from the apps above it.

Demo rows are numbered (external ids such as DEMO-A-00042) and generated from their number, so
seeding again creates only what is missing: idempotent, and `--scale 50` tops up to 50 times the
base volume without touching what exists.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

from django.db import connection, transaction

from core.discovery import app_modules
from core.rows import chunked
from core.sync import Synced, change_sequence

__all__ = ["backdate", "demo_logins", "demo_modules", "numbered", "seed_numbered"]


def demo_modules() -> list[ModuleType]:
    return app_modules("demo")


def demo_logins() -> list[tuple[str, str, str, str]]:
    """(role, tenant, email, password) for every demo login."""
    rows: list[tuple[str, str, str, str]] = []
    for module in demo_modules():
        rows.extend(getattr(module, "logins", list)())
    return rows


def numbered(prefix: str, index: int) -> str:
    return f"{prefix}-{index:07d}"


def seed_numbered(
    model: type[Synced],
    prefix: str,
    count: int,
    build: Callable[[int, random.Random], Synced | None],
    *,
    batch: int = 2000,
) -> int:
    """Create the rows numbered 1..count that do not exist yet, `batch` rows per transaction.

    Rows are written with bulk_create: demo data skips the audit log, but each batch gets a change
    sequence so the sync feed sees it like any other write. Returns how many rows were created.
    """
    have = set(
        model.objects.filter(external_id__startswith=f"{prefix}-").values_list(
            "external_id", flat=True
        )
    )
    missing = (i for i in range(1, count + 1) if numbered(prefix, i) not in have)
    created = 0
    for chunk in chunked(missing, batch):
        with transaction.atomic():
            sequence = change_sequence()
            rows = [
                row for i in chunk if (row := build(i, random.Random(f"{prefix}:{i}"))) is not None
            ]
            for row in rows:
                row.sync_seq = sequence
            model.objects.bulk_create(rows, batch_size=batch)
            created += len(rows)
    return created


def backdate(model: Any, rows: Iterable[tuple[int, dt.datetime]]) -> None:
    """Give rows written now the time they were created then (history a demo writes in bulk:
    `auto_now_add` stamped them with the present): created_at and updated_at of each (pk, time).
    One statement run for many rows; bulk_update's CASE per row costs seconds at demo sizes."""
    meta = model._meta
    quote = connection.ops.quote_name
    created, updated = meta.get_field("created_at").column, meta.get_field("updated_at").column
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {quote(created)} = %s, {quote(updated)} = %s "
        f"WHERE {quote(meta.pk.column)} = %s"
    )
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(adapt(at), adapt(at), pk) for pk, at in rows])
