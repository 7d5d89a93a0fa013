"""The second level of the rollups: the facts summed per quarter, scope and filter values
(scorecards.models.PipelineCell and CreditCell), so that a page sums a few rows instead of a
quarter's facts and their credits.

Kept in step with the facts by deltas in the same transaction that replaces them: before the old
facts of some opportunities are deleted their sums are subtracted (`apply(..., sign=-1)`), after
the new ones are written theirs are added (`sign=1`). Additions commute, so two transactions
touching the same cell serialise on its row and both count; the facts' unique constraint stops two
builds of one opportunity from both landing. A cell emptied by subtraction stays (all zero, which
reads as "no data") until `rebuild` writes every cell afresh (the nightly rebuild ends with it).

Written as SQL: an INSERT ... SELECT ... GROUP BY ... ON CONFLICT DO UPDATE that adds to the
existing sums, which the ORM cannot express (its upsert overwrites). The statements are built
from the tables below, one place for each measure; the same SQL runs on PostgreSQL and SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

from core.rows import delete_rows
from scorecards.choices import INFLUENCE_MODEL
from scorecards.models import CreditCell, PipelineCell
from tenancy.models import Tenant

__all__ = ["CREDIT_MEASURES", "KEY_COLUMNS", "PIPELINE_MEASURES", "apply", "rebuild"]

FACTS = "scorecards_opportunityfact"
CENTS = "CAST(ROUND(f.amount * 100) AS BIGINT)"

# Which scopes a fact counts for, in each role: (kind, the fact's column naming the scope).
SCOPE_COLUMNS = {
    "book": {
        "route": "route",
        "team": "owner_team_id",
        "user": "owner_user_id",
        "partner": "partner_id",
    },
    "sourced": {
        "route": "sourced_route",
        "team": "sourced_team_id",
        "user": "sourced_user_id",
        "partner": "sourced_partner_id",
    },
}
CREDIT_SCOPE_COLUMNS = {
    "route": "route",
    "team": "team_id",
    "user": "user_id",
    "partner": "partner_id",
}

# Each measure of a pipeline cell: (role of the fact for the scope, what it adds).
PIPELINE_MEASURES = {
    "sourced_n": ("sourced", "CASE WHEN f.amount IS NOT NULL THEN 1 ELSE 0 END"),
    "sourced_cents": ("sourced", f"COALESCE({CENTS}, 0)"),
    "influenced_n": ("influenced", "CASE WHEN f.amount IS NOT NULL THEN 1 ELSE 0 END"),
    "influenced_cents": ("influenced", f"COALESCE({CENTS}, 0)"),
    "book_n": ("book", "1"),
    "unconverted_n": ("book", "CASE WHEN f.amount IS NULL THEN 1 ELSE 0 END"),
    "book_cents": ("book", f"COALESCE({CENTS}, 0)"),
    "partner_sourced_cents": (
        "book",
        f"CASE WHEN f.sourced_route = 'partner' THEN COALESCE({CENTS}, 0) ELSE 0 END",
    ),
    "co_sold_n": ("book", "CASE WHEN f.touched_direct AND f.touched_partner THEN 1 ELSE 0 END"),
    "closed_n": ("closed", "1"),
    "closed_cents": ("closed", f"COALESCE({CENTS}, 0)"),
    "won_n": ("closed", "CASE WHEN f.outcome = 'won' THEN 1 ELSE 0 END"),
    "won_cents": ("closed", f"CASE WHEN f.outcome = 'won' THEN COALESCE({CENTS}, 0) ELSE 0 END"),
    "won_days": ("closed", "CASE WHEN f.outcome = 'won' THEN COALESCE(f.cycle_days, 0) ELSE 0 END"),
}
CREDIT_MEASURES = {"credit_n": "1", "credit_cents": "CAST(ROUND(m.amount * 100) AS BIGINT)"}

# The key, as the unique constraints list it; the filter values are blank in the totals' grain.
KEY_COLUMNS = (
    "tenant_id",
    "quarter",
    "product_line",
    "detailed",
    "scope_kind",
    "scope_key",
    "territory",
    "segment",
    "owner_route",
    "owner_partner",
    "owner_team",
)
KEY_VALUES = (
    "f.tenant_id",
    "{quarter}",
    "l.product_line",
    "g.detailed",
    "m.kind",
    "m.scope_key",
    "CASE WHEN g.detailed THEN f.territory ELSE '' END",
    "CASE WHEN g.detailed THEN COALESCE(f.segment_id, 0) ELSE 0 END",
    "CASE WHEN g.detailed THEN f.route ELSE '' END",
    "CASE WHEN g.detailed THEN COALESCE(f.partner_id, 0) ELSE 0 END",
    "CASE WHEN g.detailed THEN COALESCE(f.owner_team_id, 0) ELSE 0 END",
)


def _as_key(column: str, alias: str) -> str:
    return f"CAST({alias}.{column} AS TEXT)" if column.endswith("_id") else f"{alias}.{column}"


def _fact_members() -> str:
    """(fact, role, kind, key) for every scope a fact counts for: its book (opened in the
    quarter, and closed in it), what it sourced, and the parties that influenced it (each once,
    from the collaboration credits)."""
    parts = []
    for role, columns in (("book", "book"), ("closed", "book"), ("sourced", "sourced")):
        parts.append(
            f"SELECT f.id AS fact_id, '{role}' AS role, 'tenant' AS kind, '' AS scope_key FROM facts f"
        )
        for kind, column in SCOPE_COLUMNS[columns].items():
            parts.append(
                f"SELECT f.id, '{role}', '{kind}', {_as_key(column, 'f')} FROM facts f"
                f" WHERE f.{column} IS NOT NULL"
            )
    influence = (
        "FROM scorecards_credit c JOIN facts f ON f.id = c.fact_id"
        f" WHERE c.model = '{INFLUENCE_MODEL}'"
    )
    parts.append(f"SELECT DISTINCT c.fact_id, 'influenced', 'tenant', '' {influence}")
    for kind, column in CREDIT_SCOPE_COLUMNS.items():
        parts.append(
            f"SELECT DISTINCT c.fact_id, 'influenced', '{kind}', {_as_key(column, 'c')}"
            f" {influence} AND c.{column} IS NOT NULL"
        )
    return "\nUNION ALL ".join(parts)


def _credit_members() -> str:
    """(fact, model, kind, key, amount) for every scope a credit counts for."""
    base = "FROM scorecards_credit c JOIN facts f ON f.id = c.fact_id"
    parts = [f"SELECT c.fact_id, c.model, 'tenant' AS kind, '' AS scope_key, c.amount {base}"]
    for kind, column in CREDIT_SCOPE_COLUMNS.items():
        parts.append(
            f"SELECT c.fact_id, c.model, '{kind}', {_as_key(column, 'c')}, c.amount {base}"
            f" WHERE c.{column} IS NOT NULL"
        )
    return "\nUNION ALL ".join(parts)


def _common(where: str) -> str:
    """The facts in question, each once for every line (0: all lines) and both grains."""
    return (
        f"WITH facts AS (SELECT * FROM {FACTS} WHERE {where}),"
        " lines AS (SELECT f.id AS fact_id, 0 AS product_line FROM facts f"
        " UNION ALL SELECT pl.fact_id, pl.product_line_id FROM scorecards_factproductline pl"
        " JOIN facts f ON f.id = pl.fact_id),"
        " grains AS (SELECT (1 = 0) AS detailed UNION ALL SELECT (1 = 1))"
    )


def _upsert(table: str, key: Sequence[str], measures: Sequence[str], select: str) -> str:
    columns = [*key, *measures, "created_at", "updated_at"]
    added = ", ".join(f"{m} = {table}.{m} + excluded.{m}" for m in measures)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) {select}"
        f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {added}, updated_at = excluded.updated_at"
    )


def _pipeline_sql(where: str) -> str:
    quarter = "CASE WHEN m.role = 'closed' THEN f.closed_quarter ELSE f.created_quarter END"
    keys = [v.format(quarter=quarter) for v in KEY_VALUES]
    sums = [
        f"%(sign)s * SUM(CASE WHEN m.role = '{role}' THEN {value} ELSE 0 END)"
        for role, value in PIPELINE_MEASURES.values()
    ]
    select = (
        f"{_common(where)}, members AS ({_fact_members()})"
        f" SELECT {', '.join(keys)}, {', '.join(sums)}, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP"
        " FROM members m JOIN facts f ON f.id = m.fact_id"
        " JOIN lines l ON l.fact_id = f.id CROSS JOIN grains g"
        " WHERE m.role <> 'closed' OR f.closed_quarter IS NOT NULL"
        f" GROUP BY {', '.join(keys)}"
    )
    return _upsert(PipelineCell._meta.db_table, KEY_COLUMNS, list(PIPELINE_MEASURES), select)


def _credit_sql(where: str) -> str:
    keys = [*(v.format(quarter="f.created_quarter") for v in KEY_VALUES), "m.model"]
    sums = [f"%(sign)s * SUM({value})" for value in CREDIT_MEASURES.values()]
    select = (
        f"{_common(where)}, members AS ({_credit_members()})"
        f" SELECT {', '.join(keys)}, {', '.join(sums)}, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP"
        " FROM members m JOIN facts f ON f.id = m.fact_id"
        " JOIN lines l ON l.fact_id = f.id CROSS JOIN grains g"
        " WHERE TRUE"
        f" GROUP BY {', '.join(keys)}"
    )
    return _upsert(
        CreditCell._meta.db_table, [*KEY_COLUMNS, "model"], list(CREDIT_MEASURES), select
    )


def apply(tenant: Tenant, opportunity_ids: Sequence[int] | None, *, sign: int) -> None:
    """Add (`sign` 1) or subtract (-1) the sums of these opportunities' facts as they stand (every
    fact of the tenant when None). Call inside the transaction that replaces them."""
    assert sign in (1, -1)
    where = "tenant_id = %(tenant)s"
    params: dict = {"tenant": tenant.pk, "sign": sign}
    if opportunity_ids is not None:
        if not opportunity_ids:
            return
        names = [f"o{n}" for n in range(len(opportunity_ids))]
        where += f" AND opportunity_id IN ({', '.join(f'%({n})s' for n in names)})"
        params.update(zip(names, opportunity_ids, strict=True))
    with connection.cursor() as cursor:
        for sql in (_pipeline_sql(where), _credit_sql(where)):
            cursor.execute(sql, params)


def rebuild(tenant: Tenant) -> None:
    """Every cell of the tenant again from its facts (one transaction: call inside one)."""
    delete_rows(PipelineCell.objects.filter(tenant=tenant))
    delete_rows(CreditCell.objects.filter(tenant=tenant))
    apply(tenant, None, sign=1)
