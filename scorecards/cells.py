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
from scorecards.choices import INFLUENCE_MODEL, MODEL_KEYS
from scorecards.models import CELL_KEY, CreditCell, PipelineCell
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
    "offer_n": ("book", "CASE WHEN f.offer_id IS NOT NULL THEN 1 ELSE 0 END"),
    # The part of "sourced" and "influenced" that came from a campaign, or that a touch naming
    # a campaign influenced (within the same window as every influence).
    "campaign_sourced_n": (
        "sourced",
        "CASE WHEN f.campaign_id IS NOT NULL AND f.amount IS NOT NULL THEN 1 ELSE 0 END",
    ),
    "campaign_sourced_cents": (
        "sourced",
        f"CASE WHEN f.campaign_id IS NOT NULL THEN COALESCE({CENTS}, 0) ELSE 0 END",
    ),
    "campaign_influenced_n": (
        "influenced",
        "CASE WHEN f.campaign_touched AND f.amount IS NOT NULL THEN 1 ELSE 0 END",
    ),
    "campaign_influenced_cents": (
        "influenced",
        f"CASE WHEN f.campaign_touched THEN COALESCE({CENTS}, 0) ELSE 0 END",
    ),
    "closed_n": ("closed", "1"),
    "closed_cents": ("closed", f"COALESCE({CENTS}, 0)"),
    "won_n": ("closed", "CASE WHEN f.outcome = 'won' THEN 1 ELSE 0 END"),
    "won_cents": ("closed", f"CASE WHEN f.outcome = 'won' THEN COALESCE({CENTS}, 0) ELSE 0 END"),
    "won_days": ("closed", "CASE WHEN f.outcome = 'won' THEN COALESCE(f.cycle_days, 0) ELSE 0 END"),
}
# Each measure of a credit cell: per model, how many credits and their cents.
CREDIT_MEASURES = {
    f"{model}_{what}": (model, value)
    for model in MODEL_KEYS
    for what, value in (("n", "1"), ("cents", "CAST(ROUND(c.amount * 100) AS BIGINT)"))
}

# The key's columns, as the unique constraints list them.
KEY_COLUMNS = tuple(f"{name}_id" if name == "tenant" else name for name in CELL_KEY)
# The filter values of the detailed grain, from the fact; blank in the totals' grain.
FILTER_VALUES = {
    "territory": ("f.territory", "''"),
    "segment": ("COALESCE(f.segment_id, 0)", "0"),
    "owner_route": ("f.route", "''"),
    "owner_partner": ("COALESCE(f.partner_id, 0)", "0"),
    "owner_team": ("COALESCE(f.owner_team_id, 0)", "0"),
}
FACT_COLUMNS = (
    "id, created_quarter, closed_quarter, outcome, amount, cycle_days, route, partner_id,"
    " owner_team_id, owner_user_id, sourced_route, sourced_partner_id, sourced_team_id,"
    " sourced_user_id, territory, segment_id, touched_direct, touched_partner, campaign_id,"
    " offer_id, campaign_touched"
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
            f"SELECT f.id AS fact_id, '{role}' AS role, 'tenant' AS kind, '' AS scope_key"
            " FROM facts f"
        )
        for kind, column in SCOPE_COLUMNS[columns].items():
            parts.append(
                f"SELECT f.id, '{role}', '{kind}', {_as_key(column, 'f')} FROM facts f"
                f" WHERE f.{column} IS NOT NULL"
            )
    influence = (
        "FROM scorecards_credit c JOIN facts f ON f.id = c.fact_id AND c.tenant_id = %(tenant)s"
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
    """(fact, kind, key, per model: credits and cents) for every scope a credited party counts
    for: the party's credits of a fact first summed into one row for all the models."""
    sums = ", ".join(
        f"SUM(CASE WHEN c.model = '{model}' THEN {value} ELSE 0 END) AS {name}"
        for name, (model, value) in CREDIT_MEASURES.items()
    )
    party = "c.fact_id, c.route, c.partner_id, c.team_id, c.user_id"
    parties = (
        f"SELECT {party}, {sums} FROM scorecards_credit c"
        " JOIN facts f ON f.id = c.fact_id AND c.tenant_id = %(tenant)s"
        f" GROUP BY {party}"
    )
    measures = ", ".join(CREDIT_MEASURES)
    parts = [f"SELECT p.fact_id, 'tenant' AS kind, '' AS scope_key, {measures} FROM parties p"]
    for kind, column in CREDIT_SCOPE_COLUMNS.items():
        parts.append(
            f"SELECT p.fact_id, '{kind}', {_as_key(column, 'p')}, {measures} FROM parties p"
            f" WHERE p.{column} IS NOT NULL"
        )
    return f"parties AS ({parties}), members AS ({' UNION ALL '.join(parts)})"


def _statement(
    table: str,
    members: str,
    quarter: str,
    sums: dict[str, str],
    where: str,
    *,
    counted: str = "TRUE",
) -> str:
    """The upsert of `table`'s cells for the facts `where` picks: `members` (a CTE list ending
    in `members`: one row per fact and scope it counts for; those `counted` says) summed by
    `sums` per quarter, scope, product line and filter values (the detailed grain), then those
    summed again without the filter values (the totals)."""
    keys = {
        "quarter": quarter,
        "product_line": "l.product_line",
        "scope_kind": "m.kind",
        "scope_key": "m.scope_key",
        **{name: value for name, (value, _) in FILTER_VALUES.items()},
    }
    detailed = (
        f"SELECT {', '.join(f'{value} AS {name}' for name, value in keys.items())},"
        f" {', '.join(f'{total} AS {name}' for name, total in sums.items())}"
        " FROM members m JOIN facts f ON f.id = m.fact_id JOIN lines l ON l.fact_id = f.id"
        f" WHERE {counted} GROUP BY {', '.join(keys.values())}"
    )
    stamps = "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP"
    signed = ", ".join(f"%(sign)s * d.{name}" for name in sums)
    totals = ", ".join(f"%(sign)s * SUM(d.{name})" for name in sums)
    blanks = ", ".join(blank for _, blank in FILTER_VALUES.values())
    scope = "d.quarter, d.product_line"
    select = (
        f"WITH facts AS (SELECT {FACT_COLUMNS} FROM {FACTS} WHERE {where}),"
        " lines AS (SELECT f.id AS fact_id, 0 AS product_line FROM facts f"
        " UNION ALL SELECT pl.fact_id, pl.product_line_id FROM scorecards_factproductline pl"
        " JOIN facts f ON f.id = pl.fact_id AND pl.tenant_id = %(tenant)s),"
        f" {members}, detailed AS ({detailed})"
        f" SELECT %(tenant)s, {scope}, (1 = 1), d.scope_kind, d.scope_key,"
        f" {', '.join(f'd.{name}' for name in FILTER_VALUES)}, {signed}, {stamps} FROM detailed d"
        f" UNION ALL SELECT %(tenant)s, {scope}, (1 = 0), d.scope_kind, d.scope_key, {blanks},"
        f" {totals}, {stamps} FROM detailed d"
        f" GROUP BY d.quarter, d.product_line, d.scope_kind, d.scope_key"
    )
    columns = [*KEY_COLUMNS, *sums, "created_at", "updated_at"]
    added = ", ".join(f"{m} = {table}.{m} + excluded.{m}" for m in sums)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) {select}"
        f" ON CONFLICT ({', '.join(KEY_COLUMNS)})"
        f" DO UPDATE SET {added}, updated_at = excluded.updated_at"
    )


def _pipeline_sql(where: str) -> str:
    sums = {
        name: f"SUM(CASE WHEN m.role = '{role}' THEN {value} ELSE 0 END)"
        for name, (role, value) in PIPELINE_MEASURES.items()
    }
    return _statement(
        PipelineCell._meta.db_table,
        f"members AS ({_fact_members()})",
        "CASE WHEN m.role = 'closed' THEN f.closed_quarter ELSE f.created_quarter END",
        sums,
        where,
        counted="m.role <> 'closed' OR f.closed_quarter IS NOT NULL",
    )


def _credit_sql(where: str) -> str:
    sums = {name: f"SUM(m.{name})" for name in CREDIT_MEASURES}
    return _statement(
        CreditCell._meta.db_table, _credit_members(), "f.created_quarter", sums, where
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
