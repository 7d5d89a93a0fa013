"""CSV downloads of what a list page shows: streamed, tenant-scoped, safe to open in a spreadsheet.

Plumbing only: the pages decide which rows (their filtered, `visible_to()` queryset) and which
columns; this module turns them into a streamed download. A report's small table, computed in
the view, goes out whole through `table_response()` with the same cells.

Why the rows are fetched the way they are: a `StreamingHttpResponse` is iterated *after* the view
has returned, when the request's tenant scope (a context variable entered by the middleware) has
already been exited. A lazy queryset evaluated there would raise `ScopeError`, and so would its
`prefetch_related()` lookups and `.iterator()`, which query chunk by chunk. So:

1. `csv_response()`, called in the view inside the scope, reads the primary keys of the exact rows,
   in the page's order: one query, and the snapshot of what the user asked for;
2. the generator then fetches the rows `CHUNK_SIZE` at a time, each chunk inside a fresh
   `tenant_scope()` of the captured tenant that is exited *before* the chunk is yielded, so no
   scope is ever held across a `yield` (a WSGI server may resume the generator anywhere).

Cells are protected against CSV (formula) injection: a text cell starting with `=`, `+`, `-`,
`@`, a tab or a carriage return is prefixed with `'`, so a spreadsheet shows it as text instead of
running it (OWASP's recommendation). Date-times are written in UTC, like the API's
(tenancy/clock.py: pages show local time, machine-readable files UTC).
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

from core.tenancy import ScopeError, current_tenant, tenant_scope

__all__ = ["CHUNK_SIZE", "Column", "csv_response", "safe_cell", "table_response"]

CHUNK_SIZE = 2000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# A column: its header and how to get the cell from a row (called inside the tenant scope, so it
# may follow select_related/prefetch_related relations).
Column = tuple[str, Callable[[Any], Any]]


def safe_cell(value: Any) -> str:
    """The text of one cell: empty for None, ISO 8601 for dates (date-times in UTC, whatever zone
    the page runs in: machine-readable), text neutralised if formula-like."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    text = str(value).replace("\x00", "")
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Line:
    """A file-like object whose write() hands back the line csv.writer produced."""

    def write(self, value: str) -> str:
        return value


def csv_response(
    queryset: QuerySet,
    columns: Sequence[Column],
    filename: str,
    *,
    chunk_size: int = CHUNK_SIZE,
) -> StreamingHttpResponse:
    """Stream `queryset`'s rows, in its order, as a CSV attachment named `filename`.

    Call it from a view inside the request's tenant scope with the same queryset the page lists
    (filters applied, not paginated)."""
    tenant = current_tenant()
    if tenant is None:
        raise ScopeError("csv_response() needs an active tenant scope")
    ids = list(queryset.values_list("pk", flat=True))
    rows = queryset.order_by()  # each chunk is put back in the order of `ids`
    writer = csv.writer(_Line())

    def lines() -> Iterator[str]:
        # A byte order mark, so spreadsheet programs read the file as UTF-8.
        yield "\ufeff" + writer.writerow([header for header, _ in columns])
        for start in range(0, len(ids), chunk_size):
            chunk = ids[start : start + chunk_size]
            with tenant_scope(tenant):
                by_pk = {row.pk: row for row in rows.filter(pk__in=chunk)}
                text = "".join(
                    writer.writerow([safe_cell(cell(by_pk[pk])) for _, cell in columns])
                    for pk in chunk
                    if pk in by_pk  # deleted since the click: left out
                )
            yield text

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


def table_response(
    header: Sequence[str], rows: Iterable[Sequence[Any]], filename: str
) -> HttpResponse:
    """A small table the view has already computed (a report's rows, not a queryset) as a CSV
    attachment: the same cells, byte order mark and headers as `csv_response`, not streamed."""
    writer = csv.writer(_Line())
    text = "\ufeff" + writer.writerow(list(header))
    text += "".join(writer.writerow([safe_cell(cell) for cell in row]) for row in rows)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response
