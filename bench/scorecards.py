"""`make bench`, scorecards part (PostgreSQL): how fast the scorecards answer from their rollups
in a tenant with 1,000,000 opportunities and 10,000,000 touches, the same figures computed
straight from the raw tables beside them, the rollups' full rebuild and an incremental refresh
after 10,000 new touches.

Measured in one process, as the services the pages call (no view, template or HTTP around
them; the page adds its rendering):

- the console dashboard: what the console page computes for the current quarter,
  `services.dashboard` + `services.scorecard` for the whole tenant + `services.league_table`
  + `services.stage_medians`;
- a partner's scorecard: `services.scorecard` for the partner with the most opportunities
  (its tier's average and the previous quarter included, as the portal shows them);
- beside them, plain SQL on the raw tables (opportunities, touches, registrations, rates) for
  a part of the same figures: sourced pipeline by route (the trend's eight quarters for the
  console), influenced pipeline by route or of the partner (touches in each opportunity's
  window) and win rates; checked equal to the rollups' figures;
- `rollup.rebuild` (all facts from scratch) and `rollup.refresh` after 10,000 touches written
  the way core.sync stamps them (their transaction's id as change sequence).

Runs on a scratch database `channel_bench_scorecards` created next to BENCH_DATABASE_URL /
DATABASE_URL (default: the local PostgreSQL), created each run and dropped at the end
(BENCH_SCORECARDS_KEEP_DB=1 keeps it; BENCH_SCORECARDS_REUSE=1 then measures a kept one again
without building it). Sizes for a quick try: BENCH_OPPORTUNITIES, BENCH_TOUCHES,
BENCH_ACCOUNTS (default a tenth of the opportunities), BENCH_COPIES (the world is one base of
1/BENCH_COPIES of those sizes copied in SQL, default 20). The world: bench/scorecards_world.py.
"""

from __future__ import annotations

import cProfile
import io
import os
import platform
import pstats
import re
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# This file is named like the app it measures: keep its folder off the path, or `import
# scorecards` would find it instead of the app.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(ROOT))
from bench.report import percentile, write_section  # noqa: E402
from bench.scratch import drop_database, scratch_database  # noqa: E402

OPPORTUNITIES = int(os.environ.get("BENCH_OPPORTUNITIES", 1_000_000))
TOUCHES = int(os.environ.get("BENCH_TOUCHES", 10_000_000))
ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", max(OPPORTUNITIES // 10, 100)))
# The world is built as one base of 1/COPIES of every size (its rollups by `rollup.rebuild`),
# then copied in SQL: see bench/scorecards_world.replicate.
COPIES = int(os.environ.get("BENCH_COPIES", 20))
SHARE = {1: "all", 2: "a half", 5: "a fifth", 10: "a tenth", 20: "a twentieth"}
DATABASE = "channel_bench_scorecards"
KEEP = bool(os.environ.get("BENCH_SCORECARDS_KEEP_DB"))
REUSE = bool(os.environ.get("BENCH_SCORECARDS_REUSE"))
REQUESTS, WARMUP = 30, 3
READ_BUDGET = 180.0  # seconds of timed calls per page at most (fewer calls when slower)
RAW_REQUESTS, RAW_BUDGET = 10, 120.0  # the raw queries: at most this many, or seconds
NEW_TOUCHES = 10_000
PROFILED = 2000  # opportunities built under cProfile
TARGET_CONSOLE, TARGET_PARTNER = 300.0, 150.0  # p95, ms


def setup(url: str, var_dir: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=url,
        VAR_DIR=var_dir,
        DEBUG="0",
        SECURE_HTTPS="0",
        SECRET_KEY="bench-only-secret-key-not-for-production-0123456789",
    )
    os.environ.pop("REDIS_URL", None)  # no broker: nothing queued leaves this process
    os.environ.pop("REDIS_URL_FILE", None)
    Path(var_dir, "static").mkdir()
    import django

    django.setup()
    import logging

    logging.getLogger("celery").setLevel(logging.WARNING)
    logging.getLogger("kombu").setLevel(logging.ERROR)
    from django.core.management import call_command

    if not REUSE:
        call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the pages name their assets


def log(text: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {text}", flush=True)


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """The result, wall seconds and this process's CPU seconds."""
    began, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - began, time.process_time() - cpu


def sample(fn: Callable[[], Any], requests: int, warmup: int, budget: float | None = None):
    """Milliseconds of `requests` calls after `warmup` untimed ones (fewer when `budget`
    seconds run out), with the last result."""
    result = None
    for _ in range(warmup):
        began = time.perf_counter()
        result = fn()
        if time.perf_counter() - began > 5:
            break  # a slow call warms as well as three
    times: list[float] = []
    began = time.perf_counter()
    while len(times) < requests:
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
        if budget is not None and time.perf_counter() - began > budget:
            break
    return times, result


def stats(times: list[float]) -> dict[str, float]:
    return {
        "n": len(times),
        "p50": statistics.median(times),
        "p95": percentile(times, 95),
        "max": max(times),
    }


def _top(profiler: cProfile.Profile, sort: str, limit: int) -> str:
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(limit)
    text = out.getvalue().replace(f"{ROOT}/", "")
    text = re.sub(r"\S*/(site-packages|lib/python3\.\d+)/", "", text)
    lines = [line for line in text.splitlines() if line.strip()]
    # Drop pstats' preamble (the file name and "Ordered by"), keep the totals and the table.
    keep = [line for line in lines if "function calls" in line or re.match(r"\s+(ncalls|\d)", line)]
    return "\n".join(keep)


# --- the pages, from the rollups ---------------------------------------------------------------


def console(tenant, quarter) -> dict:
    from core.metrics import Scope
    from scorecards import services

    return {
        "dashboard": services.dashboard(tenant, quarter),
        "scorecard": services.scorecard(tenant, Scope("tenant"), quarter),
        "league": services.league_table(tenant, quarter),
        "stages": services.stage_medians(tenant, quarter),
    }


def page_clients(tenant, partner: int) -> tuple[Any, Any]:
    """Signed-in clients of the console (a RevOps admin) and of the partner's portal (an admin
    of that partner, added when it has none), as a browser sends requests."""
    from django.test import Client

    from tenancy.choices import Role
    from tenancy.models import Membership, User

    admin = Membership.objects.filter(role=Role.REVOPS_ADMIN).first()
    assert admin is not None, "no RevOps admin"
    member = Membership.objects.filter(partner_id=partner, role=Role.PARTNER_ADMIN).first()
    if member is None:
        user = User.objects.create_user(
            email=f"bench-partner-{partner}@acme.example", password=None, full_name="Bench"
        )
        member = Membership.objects.create(
            tenant=tenant, user=user, role=Role.PARTNER_ADMIN, partner_id=partner
        )
    clients = []
    for who in (admin, member):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(who.user)
        clients.append(client)
    return clients[0], clients[1]


def get_page(client, path: str, *, cold: bool = False) -> int:
    """One GET; `cold`: with nothing remembered (scorecards.rollup.remembered), as the first
    view of a filter."""
    if cold:
        from django.core.cache import cache

        cache.clear()  # this process's memory cache (no Redis here): sessions live in the database
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(response.content)


def partner_card(tenant, quarter, partner: int):
    from core.metrics import Scope
    from scorecards import services

    return services.scorecard(tenant, Scope("partner", partner), quarter)


def console_parts(tenant, quarter) -> dict[str, float]:
    """Median milliseconds of each part of the console, over three calls."""
    from core.metrics import Scope
    from scorecards import services

    parts: dict[str, Callable[[], Any]] = {
        "services.dashboard": lambda: services.dashboard(tenant, quarter),
        "services.scorecard (tenant)": lambda: services.scorecard(tenant, Scope("tenant"), quarter),
        "services.league_table": lambda: services.league_table(tenant, quarter),
        "services.stage_medians": lambda: services.stage_medians(tenant, quarter),
    }
    return {name: statistics.median(sample(fn, 3, 1, 60)[0]) for name, fn in parts.items()}


def metric_costs(tenant, quarter) -> list[tuple[str, float, int]]:
    """Each registered metric computed for the league table's scopes (every partner) and for
    the whole tenant: (metric, ms, SQL statements), the costliest first."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.metrics import MetricQuery, Scope, metrics
    from tenancy.models import Partner

    scopes = [Scope("partner", pk) for pk in Partner.objects.values_list("pk", flat=True)]

    def query() -> MetricQuery:
        # A new query each time: metrics of one query share their reads (MetricQuery.shared),
        # so each is measured as if it were the first of its query.
        return MetricQuery(tenant, quarter.start, quarter.following, [Scope("tenant"), *scopes])

    found = []
    for item in metrics():
        item.compute(query())  # warm
        fresh = query()
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            item.compute(fresh)
            ms = (time.perf_counter() - began) * 1000
        found.append((item.key, ms, len(captured.captured_queries)))
    return sorted(found, key=lambda f: -f[1])


def slowest_queries(fn: Callable[[], Any], limit: int = 6) -> tuple[int, list[tuple[float, str]]]:
    """How many SQL statements one call runs, and the slowest of them (ms, SQL shortened)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    found = sorted(
        ((float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries), reverse=True
    )
    return len(captured.captured_queries), [
        (ms, re.sub(r"\s+", " ", sql)[:400]) for ms, sql in found[:limit]
    ]


# --- the same figures, straight from the raw tables ---------------------------------------------

# Each opportunity's amount in the tenant's currency (rate in force on the day it was opened,
# the earliest one before every rate; rounded half to even, as Decimal does), its influence
# window, and the end of its opening day.
OPPORTUNITIES_SQL = """
SELECT o.id, o.account_id, o.route, o.partner_id, o.source, o.opened_on, o.closed_on, s.outcome,
  CASE WHEN c.exact * 100 - TRUNC(c.exact * 100) = 0.5 AND MOD(TRUNC(c.exact * 100), 2) = 0
    THEN TRUNC(c.exact * 100) / 100 ELSE ROUND(c.exact, 2) END AS amount,
  (o.opened_on::timestamp AT TIME ZONE %(zone)s) - make_interval(days => %(lookback)s) AS low,
  CASE WHEN s.outcome <> 'open' THEN ((o.closed_on + 1)::timestamp AT TIME ZONE %(zone)s)
    ELSE now() END AS high,
  ((o.opened_on + 1)::timestamp AT TIME ZONE %(zone)s) AS opening_end
FROM pipeline_opportunity o JOIN pipeline_stage s ON s.id = o.stage_id
CROSS JOIN LATERAL (SELECT o.amount * CASE WHEN o.currency = %(currency)s THEN 1 ELSE COALESCE(
    (SELECT r.rate FROM scorecards_exchangerate r WHERE r.tenant_id = o.tenant_id
      AND r.currency = o.currency AND r.valid_from <= o.opened_on
      ORDER BY r.valid_from DESC LIMIT 1),
    (SELECT r.rate FROM scorecards_exchangerate r WHERE r.tenant_id = o.tenant_id
      AND r.currency = o.currency ORDER BY r.valid_from LIMIT 1)) END AS exact) c
WHERE o.tenant_id = %(tenant)s AND {where}
"""
# Touches that influenced opportunity `o`: on it, or on its account and no other opportunity,
# inside its window.
IN_WINDOW = """t.tenant_id = %(tenant)s AND t.account_id = o.account_id
  AND (t.opportunity_id = o.id OR t.opportunity_id IS NULL)
  AND t.occurred_at >= o.low AND t.occurred_at < o.high"""
# Who sourced it: the first approved registration, else the opportunity's own source, else the
# first touch before the end of its opening day.
SOURCED_SQL = f"""
SELECT o.*,
  COALESCE(
    (SELECT ARRAY[d.route, d.registrant_partner_id::text] FROM dealreg_dealregistration d
      WHERE d.tenant_id = %(tenant)s AND d.opportunity_id = o.id
        AND d.state IN ('approved', 'won', 'lost') ORDER BY d.submitted_at, d.id LIMIT 1),
    CASE WHEN o.source = 'partner' AND o.partner_id IS NOT NULL
           THEN ARRAY['partner', o.partner_id::text]
         WHEN o.source IN ('direct', 'marketing') THEN ARRAY[o.source, NULL] END,
    (SELECT ARRAY[t.route, t.actor_partner_id::text] FROM pipeline_touch t
      WHERE {IN_WINDOW} AND t.occurred_at < o.opening_end ORDER BY t.occurred_at, t.id LIMIT 1),
    ARRAY['unknown', NULL]) AS sourced
FROM ({OPPORTUNITIES_SQL}) o
"""


def _params(tenant, quarter) -> dict:
    from scorecards import rollup

    return {
        "tenant": tenant.pk,
        "currency": tenant.currency,
        "zone": tenant.timezone,
        "lookback": rollup.settings_of(tenant).lookback_days,
        "start": quarter.start,
        "following": quarter.following,
    }


def _rows(sql: str, params: dict) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def raw_console(tenant, quarter, quarters) -> dict:
    """Sourced pipeline by route over the trend's quarters, influenced pipeline by route and
    win rates (count and value) by route in the quarter."""
    params = _params(tenant, quarter)
    params["first"] = quarters[0].start
    sourced = _rows(
        f"""SELECT date_trunc('quarter', opened_on)::date, sourced[1], SUM(amount)
        FROM ({SOURCED_SQL.format(where="o.opened_on >= %(first)s AND o.opened_on < %(following)s")}) x
        WHERE amount IS NOT NULL AND sourced[1] IN ('direct', 'partner') GROUP BY 1, 2""",
        params,
    )
    # Influenced: touched by the route inside the window, or sourced by it (docs/metrics.md:
    # the party that sourced an opportunity influenced it, touches or not).
    influenced = _rows(
        f"""SELECT r.route, SUM(o.amount) FROM (
          {SOURCED_SQL.format(where="o.opened_on >= %(start)s AND o.opened_on < %(following)s")}
        ) o CROSS JOIN (VALUES ('direct'), ('partner')) r(route)
        WHERE o.amount IS NOT NULL AND (o.sourced[1] = r.route OR EXISTS (
          SELECT 1 FROM pipeline_touch t WHERE {IN_WINDOW} AND t.route = r.route))
        GROUP BY r.route""",
        params,
    )
    won = _rows(
        f"""SELECT route, COUNT(*), COUNT(*) FILTER (WHERE outcome = 'won'), SUM(amount),
          SUM(amount) FILTER (WHERE outcome = 'won')
        FROM ({OPPORTUNITIES_SQL.format(where="o.closed_on >= %(start)s AND o.closed_on < %(following)s")}) o
        WHERE outcome <> 'open' GROUP BY route""",
        params,
    )
    return _raw_figures(sourced, influenced, won)


def _raw_figures(sourced, influenced, won) -> dict:
    from decimal import Decimal

    influence: dict = {route: total for route, total in influenced}
    rates = {}
    for route, closed, n_won, closed_value, won_value in won:
        rates[route] = (
            (Decimal(n_won) * 100 / closed).quantize(Decimal("0.1")),
            (Decimal(won_value or 0) * 100 / closed_value).quantize(Decimal("0.1"))
            if closed_value
            else None,
        )
    return {
        "sourced": {(q, route): total for q, route, total in sourced},
        "influenced": influence,
        "win_rates": rates,
    }


def raw_partner(tenant, quarter, partner: int) -> dict:
    """The partner's sourced and influenced pipeline and win rates, this quarter and the
    previous one."""
    found = {}
    for q in (quarter, quarter.previous):
        params = {**_params(tenant, q), "partner": partner}
        created = "o.opened_on >= %(start)s AND o.opened_on < %(following)s"
        sourced = _rows(
            f"""SELECT SUM(amount) FROM ({SOURCED_SQL.format(where=created)}) x
            WHERE amount IS NOT NULL AND sourced[1] = 'partner' AND sourced[2] = %(partner)s::text""",
            params,
        )
        influenced = _rows(
            f"""SELECT SUM(o.amount) FROM ({SOURCED_SQL.format(where=created)}) o
            WHERE o.amount IS NOT NULL AND (EXISTS (
              SELECT 1 FROM pipeline_touch t WHERE {IN_WINDOW} AND t.route = 'partner'
                AND t.actor_partner_id = %(partner)s)
              OR (o.sourced[1] = 'partner' AND o.sourced[2] = %(partner)s::text))""",
            params,
        )
        won = _rows(
            f"""SELECT route, COUNT(*), COUNT(*) FILTER (WHERE outcome = 'won'), SUM(amount),
              SUM(amount) FILTER (WHERE outcome = 'won')
            FROM ({OPPORTUNITIES_SQL.format(where="o.closed_on >= %(start)s AND o.closed_on < %(following)s AND o.partner_id = %(partner)s")}) o
            WHERE outcome <> 'open' GROUP BY route""",
            params,
        )
        found[q.code] = _raw_figures([], [], won) | {
            "sourced": _cents(sourced[0][0]),
            "influenced": _cents(influenced[0][0]),
        }
    return found


def _cents(value):
    from decimal import Decimal

    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


def check_raw(cards: dict, raw_c: dict, raw_p: dict, partner_card_now) -> list[str]:
    """Where the raw figures and the rollups' disagree (nothing: they agree)."""
    from decimal import Decimal

    def value(card, key):
        return next((row.value for row in card.rows if row.metric.key == key), None)

    problems = []
    dashboard = cards["dashboard"]
    for route in ("direct", "partner"):
        for q, total in zip(dashboard["quarters"], dashboard["trend"][route], strict=True):
            raw = raw_c["sourced"].get((q.start, route))
            if (raw or Decimal(0)) != (total or Decimal(0)):
                problems.append(f"sourced {route} {q.code}: rollups {total}, raw {raw}")
        rollup_influenced = dashboard["sourced_vs_influenced"][route][1]
        if raw_c["influenced"].get(route) != rollup_influenced:
            problems.append(
                f"influenced {route}: rollups {rollup_influenced}, raw {raw_c['influenced'].get(route)}"
            )
    card = partner_card_now
    now = raw_p[card.quarter.code]
    for key in ("sourced", "influenced"):
        mine = value(card, f"{key}_pipeline")
        if (now[key] or None) != mine:
            problems.append(f"partner {key}: rollups {mine}, raw {now[key]}")
    rates = now["win_rates"].get("partner")
    if rates and (
        rates[0] != value(card, "win_rate_count") or rates[1] != value(card, "win_rate_value")
    ):
        problems.append(
            f"partner win rates: rollups {value(card, 'win_rate_count')},"
            f" {value(card, 'win_rate_value')}; raw {rates}"
        )
    return problems


# --- the rollups: rebuild and refresh -----------------------------------------------------------


def rebuild(tenant) -> dict:
    from scorecards import rollup

    written, wall, cpu = timed(lambda: rollup.rebuild(tenant))
    return {"written": written, "seconds": wall, "cpu": cpu}


def profile_build(tenant) -> dict:
    """build_facts over PROFILED opportunities that have facts (they are deleted and written
    again as they were), timed, then again under cProfile."""
    from pipeline.models import Opportunity
    from scorecards import rollup

    ids = list(Opportunity.objects.order_by("id").values_list("id", flat=True)[:PROFILED])
    _, wall, cpu = timed(lambda: rollup.build_facts(tenant, ids))
    profiler = cProfile.Profile()
    profiler.enable()
    rollup.build_facts(tenant, ids)
    profiler.disable()
    return {
        "n": len(ids),
        "seconds": wall,
        "cpu": cpu,
        "own": _top(profiler, "tottime", 22),
        "cumulative": _top(profiler, "cumulative", 26),
    }


def incremental(tenant) -> dict:
    """NEW_TOUCHES touches written in one transaction with its change sequence (core.sync), then
    one refresh timed; and a refresh with nothing new."""
    from django.db import transaction

    from bench.scorecards_world import new_touches
    from core.sync import change_sequence
    from pipeline.models import Touch
    from scorecards import rollup
    from scorecards.models import OpportunityFact

    touches = new_touches(tenant, NEW_TOUCHES)
    began = time.perf_counter()
    with transaction.atomic():
        sequence = change_sequence()
        for touch in touches:
            touch.sync_seq = sequence
        Touch.objects.bulk_create(touches, batch_size=2000)
    insert = time.perf_counter() - began
    on_opportunities = sum(1 for t in touches if t.opportunity_id)
    written, wall, cpu = timed(lambda: rollup.refresh(tenant))
    _, idle, _ = timed(lambda: rollup.refresh(tenant))
    return {
        "insert": insert,
        "on_opportunities": on_opportunities,
        "written": written,
        "seconds": wall,
        "cpu": cpu,
        "idle": idle,
        "facts": OpportunityFact.objects.count(),
    }


# --- the report ---------------------------------------------------------------------------------


def load_average() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def describe_machine() -> dict[str, str]:
    import django
    from django.db import connection

    connection.ensure_connection()
    version = connection.cursor().connection.server_version
    cpu = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    settings = {}
    with connection.cursor() as cursor:
        for name in ("shared_buffers", "work_mem", "effective_cache_size"):
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": cpu or platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": f"PostgreSQL {version // 10000}.{version % 10000}"
        f" ({', '.join(f'{k} {v}' for k, v in settings.items())}, as installed)",
    }


def table_sizes() -> dict[str, tuple[int, str]]:
    """Rows (estimated by ANALYZE) and size with indexes of the tables that matter here."""
    from django.db import connection

    tables = [
        "pipeline_opportunity",
        "pipeline_touch",
        "pipeline_stagechange",
        "pipeline_opportunityline",
        "dealreg_dealregistration",
        "accounts_account",
        "scorecards_opportunityfact",
        "scorecards_credit",
        "scorecards_stageduration",
        "scorecards_factproductline",
        "scorecards_pipelinecell",
        "scorecards_creditcell",
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname, c.reltuples::bigint, pg_size_pretty(pg_total_relation_size(c.oid))
            FROM pg_class c WHERE c.relname = ANY(%s)""",
            [tables],
        )
        found = {name: (rows, size) for name, rows, size in cursor.fetchall()}
    return {name: found[name] for name in tables if name in found}


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def render(r: dict) -> str:
    m = r["machine"]
    c, p, rc, rp = r["console"], r["partner"], r["raw_console"], r["raw_partner"]
    cp, cc, pp = r["console_page"], r["console_page_cold"], r["portal_page"]
    rb, inc = r["rebuild"], r["refresh"]

    def row(what: str, s: dict, target: str = "") -> str:
        return f"| {what} | {s['n']} | {s['p50']:,.0f} | {s['p95']:,.0f} | {s['max']:,.0f} | {target} |"

    counts = r["counts"]
    lines = [
        "## Scorecards (bench/scorecards.py)",
        "",
        f"One tenant (the demo's `acme`, grown to {r['people']}) with"
        f" {counts['accounts_account']:,} accounts, {counts['pipeline_opportunity']:,}"
        f" opportunities opened over eight fiscal quarters ({r['first_quarter']} to"
        f" {r['quarter']}, the current one, which has {r['quarter_opportunities']:,} so far;"
        " routes, sources, outcomes and stages mixed; amounts in EUR, USD, GBP and SEK with"
        f" five exchange rates), {counts['pipeline_opportunityline']:,} opportunity lines,"
        f" {counts['pipeline_stagechange']:,} stage changes,"
        f" {counts['dealreg_dealregistration']:,} deal registrations and"
        f" {counts['pipeline_touch']:,} touches (six in ten on opportunities, the rest on"
        " accounts; the owner's side, marketing and the other route). Generated by"
        f" `bench/scorecards_world.py` as one base of {SHARE.get(COPIES, f'1/{COPIES}')} of every"
        " size, loaded with COPY"
        " (each table in one transaction stamped with its change sequence, indexes and foreign"
        " keys created after the load, then ANALYZE), whose rollups `rollup.rebuild` builds;"
        f" then the base, rollups included, is copied {COPIES - 1} times in SQL with the ids"
        " shifted, each copy on accounts of its own (same people, dates, amounts and touch"
        " paths), so the copies' rollups are exactly what a rebuild would write for them (the"
        " cells, the sums the pages read, are the base's times the copies); the"
        + (
            f" whole world in {r['world_seconds'] / 60:.0f} min."
            if r["rebuild"]
            else " world built by an earlier run and kept (this run measured it again)."
        )
        + " The rollups:"
        f" {counts.get('scorecards_opportunityfact', 0):,} opportunity facts,"
        f" {counts.get('scorecards_credit', 0):,} credits,"
        f" {counts.get('scorecards_stageduration', 0):,} stage durations,"
        f" {counts.get('scorecards_factproductline', 0):,} fact product lines,"
        f" {counts.get('scorecards_pipelinecell', 0):,} pipeline cells and"
        f" {counts.get('scorecards_creditcell', 0):,} credit cells.",
        "",
        "Measured in one process, on the pages themselves (GET through Django's test client,"
        " signed in: middleware, view, template and charts, no network) and on the services they"
        " call. A page's funnel and stage medians, which cannot be summed from the cells, are"
        " kept until the rollups change (`rollup.remembered`), and the refresh task computes the"
        " unfiltered ones for this quarter as soon as it changed them (`services.warm`), so the"
        ' console\'s first view after a refresh finds them. The rows "nothing remembered" empty'
        " that memory before every call: what the first view of a new filter pays."
        f" Each: {WARMUP} untimed calls (one when a call takes over 5 s), then"
        f" {REQUESTS} timed ones or as many as {READ_BUDGET:.0f} s allow; the raw-table"
        f" queries: one untimed, then up to {RAW_REQUESTS} in {RAW_BUDGET:.0f} s. The console is"
        " what its page computes for the current quarter (`services.dashboard` +"
        " `services.scorecard` for the whole tenant + `services.league_table` +"
        " `services.stage_medians`); the partner's scorecard is `services.scorecard` for the"
        f" partner with the most opportunities ({r['partner_opportunities']:,}), with its tier's"
        " average and the previous quarter. Beside them, plain SQL on the raw tables computes"
        " a part of the same figures (sourced pipeline by route for the trend's eight quarters,"
        " influenced pipeline by route and win rates by route in the quarter; for the partner"
        " its sourced and influenced pipeline and win rates this quarter and the last) —"
        + (
            " the figures are equal to the rollups'."
            if not r["mismatches"]
            else f" **they differ from the rollups'**: {'; '.join(r['mismatches'][:5])}."
        ),
        "",
        f"- Date: {m['date']}",
        f"- Machine: {m['nproc']} CPUs (`nproc`), {m['cpu']}, shared with other work; load"
        f" average {r['load_before']} at the start, {r['load_after']} at the end",
        f"- Python {m['python']}, Django {m['django']}",
        f"- Database: {m['database']}",
        "",
        "| What | Calls | p50 ms | p95 ms | Max ms | Target |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
        row(
            "Console dashboard, from the rollups",
            c,
            f"p95 < {TARGET_CONSOLE:.0f} ms: {verdict(c['p95'] < TARGET_CONSOLE)}",
        ),
        row("… the same figures' part on the raw tables (plain SQL)", rc),
        row(
            "Partner's scorecard, from the rollups",
            p,
            f"p95 < {TARGET_PARTNER:.0f} ms: {verdict(p['p95'] < TARGET_PARTNER)}",
        ),
        row("… the same figures' part on the raw tables (plain SQL)", rp),
        row(
            "Console dashboard page (GET: view, template, charts)",
            r["console_page"],
            f"p95 < {TARGET_CONSOLE:.0f} ms: {verdict(r['console_page']['p95'] < TARGET_CONSOLE)}",
        ),
        row(
            "… the same page with nothing remembered",
            r["console_page_cold"],
        ),
        row("… the same page filtered to the partner route", r["console_page_filtered"]),
        row("… filtered, with nothing remembered", r["console_page_filtered_cold"]),
        row(
            "Partner's scorecard page (portal GET)",
            r["portal_page"],
            f"p95 < {TARGET_PARTNER:.0f} ms: {verdict(r['portal_page']['p95'] < TARGET_PARTNER)}",
        ),
        row("… with nothing remembered", r["portal_page_cold"]),
        "",
        f"The targets are p95 under {TARGET_CONSOLE:.0f} ms for the console and under"
        f" {TARGET_PARTNER:.0f} ms for a partner's scorecard. As pages: the console's is"
        f" {verdict(cp['p95'] < TARGET_CONSOLE)} ({cp['p95']:,.0f} ms; the first view of a new"
        f" filter, with nothing remembered, {cc['p95']:,.0f} ms), the partner's"
        f" {verdict(pp['p95'] < TARGET_PARTNER)} ({pp['p95']:,.0f} ms). Their services alone:"
        f" {c['p95']:,.0f} ms and {p['p95']:,.0f} ms. From the rollups the"
        f" console is {rc['p50'] / c['p50']:,.1f} times as fast as its part computed on the raw"
        f" tables, the partner's scorecard {rp['p50'] / p['p50']:,.1f} times.",
        "",
        "- The console's parts (median of 3 calls each): "
        + ", ".join(f"{k} {v:,.0f} ms" for k, v in r["parts"].items())
        + f"; {r['console_queries']} SQL statements per console call,"
        f" {r['partner_queries']} per partner scorecard.",
        (
            f"- `rollup.rebuild` (every rollup from scratch, one process) of the base:"
            f" {rb['written']:,} opportunities with {rb['touches']:,} touches in"
            f" {rb['seconds']:,.0f} s, {rb['written'] / rb['seconds']:,.0f} opportunities/s"
            f" (this process's CPU {rb['cpu']:,.0f} s; the rest is the database and waiting for"
            f" the machine). At that rate the {OPPORTUNITIES:,} opportunities would take"
            f" {OPPORTUNITIES / (rb['written'] / rb['seconds']) / 60:,.0f} min."
        )
        if rb
        else "- No rebuild at this run (a kept database was measured again).",
        f"- Incremental refresh: {NEW_TOUCHES:,} touches written in one transaction"
        f" ({inc['on_opportunities']:,} on open opportunities, the rest on their accounts;"
        f" {inc['insert']:.1f} s), then `rollup.refresh`: {inc['seconds']:.1f} s, rebuilding"
        f" {inc['written']:,} facts (every opportunity of a touched account whose window may"
        f" hold the touch; CPU {inc['cpu']:.1f} s). A refresh with nothing new:"
        f" {inc['idle'] * 1000:,.0f} ms.",
        "- Each metric computed once for the league table's partners and the whole tenant"
        " (ms, SQL statements), costliest first: "
        + ", ".join(f"`{k}` {ms:,.0f} ms ({n})" for k, ms, n in r["metric_costs"])
        + ".",
        "- Table sizes with indexes: "
        + ", ".join(f"`{k}` {v[1]}" for k, v in r["table_sizes"].items())
        + ".",
        f"- Peak resident memory of this process: {r['rss']:.0f} MB.",
    ]
    lines += r.get("notes", [])
    if r.get("slow"):
        lines += [
            "",
            "The slowest SQL statements of one console call (ms, statement shortened):",
            "",
            *(f"- {ms:,.0f} ms: `{sql}`" for ms, sql in r["slow"]),
        ]
    if r.get("profile"):
        pr = r["profile"]
        lines += [
            "",
            f"Where building facts spends its time: `rollup.build_facts` over {pr['n']:,}"
            f" opportunities takes {pr['seconds']:.1f} s ({pr['n'] / pr['seconds']:,.0f}/s, CPU"
            f" {pr['cpu']:.1f} s) without the profiler; under cProfile, by own time:",
            "",
            "```",
            pr["own"],
            "```",
            "",
            "and by cumulative time:",
            "",
            "```",
            pr["cumulative"],
            "```",
        ]
    return "\n".join(lines)


def measure(tenant, r: dict) -> None:
    from django.db.models import Count

    from core.tenancy import tenant_scope
    from pipeline.models import Opportunity
    from scorecards import services
    from tenancy.models import Membership, Partner, Team

    with tenant_scope(tenant):
        quarter = services.quarter_from(tenant, None)
        quarters = [quarter.shifted(-n) for n in range(services.TREND_QUARTERS - 1, -1, -1)]
        r["quarter"], r["first_quarter"] = quarter.code, quarters[0].code
        r["quarter_opportunities"] = Opportunity.objects.filter(
            opened_on__gte=quarter.start, opened_on__lt=quarter.following
        ).count()
        biggest = (
            Opportunity.objects.filter(partner__isnull=False)
            .values("partner_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        assert biggest is not None, "no partner has an opportunity"
        partner, r["partner_opportunities"] = biggest["partner_id"], biggest["n"]
        r["people"] = (
            f"{Partner.objects.count()} partners, {Team.objects.count()} direct teams and"
            f" {Membership.objects.filter(role='direct_rep').count()} reps"
        )

        def console_call():
            with tenant_scope(tenant):
                return console(tenant, quarter)

        def partner_call():
            with tenant_scope(tenant):
                return partner_card(tenant, quarter, partner)

        from django.urls import reverse

        console_client, portal_client = page_clients(tenant, partner)
        pages = {
            "console_page": (console_client, reverse("console:scorecards", args=[tenant.slug])),
            "portal_page": (portal_client, reverse("portal:scorecard", args=[tenant.slug])),
            "console_page_filtered": (
                console_client,
                reverse("console:scorecards", args=[tenant.slug]) + "?route=partner",
            ),
        }
        for name, (client, path) in pages.items():
            log(f"page {path}")
            times, _ = sample(partial(get_page, client, path), REQUESTS, WARMUP, READ_BUDGET)
            r[name] = stats(times)
            log(f"  p50 {r[name]['p50']:.0f} ms, p95 {r[name]['p95']:.0f} ms")
            name, cold = f"{name}_cold", partial(get_page, client, path, cold=True)
            times, _ = sample(cold, REQUESTS, WARMUP, READ_BUDGET)
            r[name] = stats(times)
            log(f"  p50 {r[name]['p50']:.0f} ms, p95 {r[name]['p95']:.0f} ms")
        log("console dashboard")
        times, cards = sample(console_call, REQUESTS, WARMUP, READ_BUDGET)
        r["console"] = stats(times)
        log(f"  p50 {r['console']['p50']:.0f} ms, p95 {r['console']['p95']:.0f} ms")
        log("partner scorecard")
        times, card = sample(partner_call, REQUESTS, WARMUP, READ_BUDGET)
        r["partner"] = stats(times)
        log(f"  p50 {r['partner']['p50']:.0f} ms, p95 {r['partner']['p95']:.0f} ms")
        r["parts"] = console_parts(tenant, quarter)
        r["metric_costs"] = metric_costs(tenant, quarter)
        r["console_queries"], r["slow"] = slowest_queries(console_call)
        r["partner_queries"], _ = slowest_queries(partner_call)
        log("raw: console figures")
        times, raw_c = sample(
            lambda: raw_console(tenant, quarter, quarters), RAW_REQUESTS, 1, RAW_BUDGET
        )
        r["raw_console"] = stats(times)
        log(f"  p50 {r['raw_console']['p50']:.0f} ms over {len(times)}")
        log("raw: partner figures")
        times, raw_p = sample(
            lambda: raw_partner(tenant, quarter, partner), RAW_REQUESTS, 1, RAW_BUDGET
        )
        r["raw_partner"] = stats(times)
        log(f"  p50 {r['raw_partner']['p50']:.0f} ms over {len(times)}")
        r["mismatches"] = check_raw(cards, raw_c, raw_p, card)
        if r["mismatches"]:
            log(f"  MISMATCH: {r['mismatches']}")


def main() -> None:
    url = scratch_database(DATABASE) if not REUSE else scratch_url()
    if url is None:
        write_section(
            "scorecards", "## Scorecards (bench/scorecards.py)\n\nSkipped: needs PostgreSQL."
        )
        return
    r: dict[str, Any] = {"load_before": load_average(), "notes": []}
    try:
        with tempfile.TemporaryDirectory(prefix="channel-balance-bench-") as var_dir:
            setup(url, var_dir)
            from django.db import connections

            from core.audit import audit_context
            from core.tenancy import tenant_scope
            from tenancy.models import Tenant

            began = time.perf_counter()
            r["rebuild"] = None
            if not REUSE:
                from bench.scorecards_world import Sizes, build_world, replicate

                base = Sizes(OPPORTUNITIES // COPIES, TOUCHES // COPIES, ACCOUNTS // COPIES)
                log(
                    f"building the base world: {base.opportunities:,} opportunities,"
                    f" {base.touches:,} touches, {base.accounts:,} accounts"
                )
                world = build_world(base, log=log)
                r["world"] = {**world.seconds, "total": time.perf_counter() - began}
                tenant = world.tenant
                with tenant_scope(tenant), audit_context(source="command"):
                    log("rebuilding the base's rollups")
                    r["rebuild"] = rebuild(tenant) | {"touches": base.touches}
                    log(f"  {r['rebuild']['written']:,} facts in {r['rebuild']['seconds']:.0f} s")
                log(f"copying the base {COPIES - 1} times")
                r["world"]["copy"] = sum(replicate(COPIES, log=log).values())
            r["world_seconds"] = time.perf_counter() - began
            tenant = Tenant.objects.get(slug="acme")
            with tenant_scope(tenant), audit_context(source="command"):
                measure(tenant, r)
                log("profiling build_facts")
                r["profile"] = profile_build(tenant)
                log("incremental refresh")
                r["refresh"] = incremental(tenant)
                log(f"  {r['refresh']['written']:,} facts in {r['refresh']['seconds']:.1f} s")
            r["table_sizes"] = table_sizes()
            r["counts"] = {k: v[0] for k, v in r["table_sizes"].items()}
            r["machine"] = describe_machine()
            r["load_after"] = load_average()
            r["rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            r["sizes"] = (OPPORTUNITIES, TOUCHES, ACCOUNTS)
            connections.close_all()
    finally:
        if not KEEP:
            drop_database(DATABASE)
    markdown = render(r)
    write_section("scorecards", markdown)
    print(markdown)


def scratch_url() -> str:
    from bench.scratch import BASE_URL

    return BASE_URL.rsplit("/", 1)[0] + f"/{DATABASE}"


if __name__ == "__main__":
    main()
