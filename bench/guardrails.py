"""`make bench`, guardrails part (PostgreSQL): how fast the route rulebook decides.

One tenant with 100,000 accounts across 16 countries (regions, postal codes, segments, tiers,
bands, product lines, service needs, named and target-listed accounts, direct and partner owners)
and 60,000 open opportunities with their lines; a rulebook of 200 rules (the default last)
published through the services. Measured, in one process:

- evaluating the active version for every account with `guardrails.engine` (rules compiled once),
  separately from loading the accounts' facts;
- simulating a draft on every account and its open pipeline (`run_simulation`, what the
  background job runs);
- recomputing every stored decision (`recompute_routes`), lint over all accounts and
  recording discount leakage.

Runs on a scratch database `channel_bench_guardrails` created next to BENCH_DATABASE_URL /
DATABASE_URL (default: the local PostgreSQL), created each run and dropped at the end
(BENCH_GUARDRAILS_KEEP_DB=1 keeps it for a closer look). Sizes can be lowered for a quick try:
BENCH_GUARDRAILS_ACCOUNTS, BENCH_GUARDRAILS_OPPORTUNITIES, BENCH_GUARDRAILS_RULES. Where a target is
missed, the top of a cProfile of that step is written under the figures.
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
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# This file is named like the app it measures: keep its folder off the path, or `import guardrails`
# (Django's included) would find it instead of the app.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(ROOT))
from bench.report import write_section  # noqa: E402
from bench.scratch import drop_database, scratch_database  # noqa: E402

ACCOUNTS = int(os.environ.get("BENCH_GUARDRAILS_ACCOUNTS", 100_000))
OPPORTUNITIES = int(os.environ.get("BENCH_GUARDRAILS_OPPORTUNITIES", 60_000))
RULES = int(os.environ.get("BENCH_GUARDRAILS_RULES", 200))
DATABASE = "channel_bench_guardrails"
EVALUATION_RUNS = 3
TARGET_RATE = 20_000  # accounts per second, from the issue
TARGET_SIMULATION = 30.0  # seconds


def setup(url: str, var_dir: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=url,
        VAR_DIR=var_dir,
        DEBUG="0",
        SECURE_HTTPS="0",
        SECRET_KEY="bench-only-secret-key-not-for-production-0123456789",
    )
    # No broker: tasks queued on commit (the recompute after publishing) run in process.
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("REDIS_URL_FILE", None)
    Path(var_dir, "static").mkdir()
    import django

    django.setup()
    import logging

    logging.getLogger("celery").setLevel(logging.WARNING)
    logging.getLogger("kombu").setLevel(logging.ERROR)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def timed(fn, *args, **kwargs):
    began = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - began


def timed_cpu(fn, *args, **kwargs):
    """Wall-clock and this process's CPU seconds: on a busy machine the two part ways."""
    began, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - began, time.process_time() - cpu


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def profile_top(fn, limit: int = 15) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(limit)
    text = out.getvalue().replace(f"{ROOT}/", "")
    return re.sub(r"\S*/(site-packages|lib/python3\.\d+)/", "", text)


def corridor_specs() -> list[dict]:
    from bench.guardrails_data import PRODUCT_LINES

    specs = []
    for code, _, heavy, _ in PRODUCT_LINES:
        specs.append(
            {"product_line": code, "route": "direct", "min_discount": 0, "max_discount": 12}
        )
        specs.append(
            {
                "product_line": code,
                "route": "partner",
                "min_discount": 0,
                "max_discount": 25 if heavy else 18,
            }
        )
        specs.append(
            {
                "product_line": code,
                "route": "direct",
                "tier": "strategic",
                "min_discount": 5,
                "max_discount": 22,
            }
        )
        specs.append(
            {
                "product_line": code,
                "route": "partner",
                "partner_tier": "platinum",
                "min_discount": 0,
                "max_discount": 30,
            }
        )
    return specs


def publish_rulebook(world) -> dict:
    from bench.guardrails_data import rule_specs
    from core.acting import SystemActor
    from guardrails.models import RouteRule
    from guardrails.services.lint import lint
    from guardrails.services.pricing import save_corridor
    from guardrails.services.publish import publish
    from guardrails.services.registration import save_criteria
    from guardrails.services.rules import replace_rules
    from guardrails.services.versions import create_draft

    actor = SystemActor("guardrails bench")
    timings = {}
    specs = rule_specs(world, RULES)
    draft = create_draft(world.tenant, acting=actor, summary="Bench rulebook")
    _, timings["replace_rules"] = timed(replace_rules, draft, specs, acting=actor)
    for spec in corridor_specs():
        save_corridor(draft, spec, acting=actor)
    save_criteria(draft, {"min_amount": "25000", "protection_days": 90}, acting=actor)
    report, timings["lint"] = timed(lint, draft)
    if not report.ok:
        raise SystemExit(
            "the bench rulebook has lint errors:\n" + "\n".join(f.message for f in report.errors)
        )
    timings["lint_findings"] = len(report.findings)
    timings["fallthrough"] = report.fallthrough_count
    # Publishing activates the version; with no broker, the recompute of every stored decision
    # and of leakage then runs in process as the transaction commits.
    _, timings["publish"] = timed(publish, draft, acting=actor)
    timings["rules"] = RouteRule.objects.filter(version=draft).count()
    draft.refresh_from_db()
    timings["version"] = draft
    return timings


def evaluate(version) -> dict:
    from guardrails.engine import CompiledRulebook, iter_account_facts

    facts, load_seconds, load_cpu = timed_cpu(
        lambda: [f for chunk in iter_account_facts() for f in chunk.values()]
    )
    compiled, compile_seconds = timed(CompiledRulebook.for_version, version)
    runs, cpu_runs, decisions = [], [], []
    for _ in range(EVALUATION_RUNS):
        decide = compiled.decide
        decisions, wall, cpu = timed_cpu(lambda decide=decide: [decide(f) for f in facts])
        runs.append(wall)
        cpu_runs.append(cpu)
    # Matching alone, without resolving the targets.
    match = compiled.match
    _, match_seconds, match_cpu = timed_cpu(lambda: [match(f) for f in facts])
    positions = [d.rule_position or 0 for d in decisions]
    outcomes = Counter(d.outcome for d in decisions)
    result = {
        "accounts": len(facts),
        "load": load_seconds,
        "load_cpu": load_cpu,
        "compile": compile_seconds,
        "runs": runs,
        "best": min(runs),
        "median": statistics.median(runs),
        "match": match_seconds,
        "match_cpu": match_cpu,
        "cpu": statistics.median(cpu_runs),
        "cpu_rate": len(facts) / statistics.median(cpu_runs) if cpu_runs else 0,
        "mean_position": statistics.fmean(positions) if positions else 0,
        "default_hits": sum(1 for d in decisions if d.rule_position == len(compiled.rules)),
        "outcomes": outcomes,
        "rate": len(facts) / statistics.median(runs) if runs else 0,
    }
    if min(result["rate"], result["cpu_rate"]) < TARGET_RATE:
        result["profile"] = profile_top(lambda: [compiled.decide(f) for f in facts])
    return result


def simulate(world, version) -> dict:
    from bench.guardrails_data import draft_changes, rule_specs
    from core.acting import SystemActor
    from guardrails.models import RouteRule, Simulation
    from guardrails.services.rules import replace_rules
    from guardrails.services.simulation import run_simulation
    from guardrails.services.versions import create_draft

    actor = SystemActor("guardrails bench")
    draft = create_draft(world.tenant, acting=actor, summary="Bench draft")
    rules = draft_changes(world, rule_specs(world, RULES))
    replace_rules(draft, rules, acting=actor)
    changed = RouteRule.objects.filter(version=draft).count()
    simulation = Simulation.objects.create(
        tenant=world.tenant, version=draft, requested_by=world.admin
    )
    rss_before = rss_mb()
    simulation, seconds, cpu = timed_cpu(run_simulation, simulation.pk, acting=actor)
    result = {
        "seconds": seconds,
        "cpu": cpu,
        "rules": changed,
        "summary": simulation.summary,
        "status": simulation.status,
        "rss_before": rss_before,
        "rss_after": rss_mb(),
    }
    if seconds > TARGET_SIMULATION:
        again = Simulation.objects.create(
            tenant=world.tenant, version=draft, requested_by=world.admin
        )
        result["profile"] = profile_top(lambda: run_simulation(again.pk, acting=actor))
    return result


def recompute(world) -> dict:
    from core.acting import SystemActor
    from guardrails.models import AccountRoute
    from guardrails.services.decisions import recompute_routes
    from guardrails.services.pricing import record_leakage

    actor = SystemActor("guardrails bench")
    written, update_seconds, update_cpu = timed_cpu(recompute_routes, world.tenant, acting=actor)
    AccountRoute.objects.all().delete()
    _, insert_seconds, insert_cpu = timed_cpu(recompute_routes, world.tenant, acting=actor)
    leaks, leakage_seconds, leakage_cpu = timed_cpu(record_leakage, world.tenant, acting=actor)
    return {
        "written": written,
        "update": update_seconds,
        "update_cpu": update_cpu,
        "insert": insert_seconds,
        "insert_cpu": insert_cpu,
        "leakage": leakage_seconds,
        "leakage_cpu": leakage_cpu,
        "leaks": leaks,
    }


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
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": cpu or platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": f"PostgreSQL {version // 10000}.{version % 10000}",
    }


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def render(machine, data_seconds, counts, published, evaluation, simulation, recomputed) -> str:
    summary = simulation["summary"]
    n = evaluation["accounts"]
    flows = "; ".join(
        f"{f['from']} → {f['to']}: {f['accounts']:,} accounts, {f['opportunities']:,} deals"
        for f in summary.get("flows", [])
    )
    outcomes = ", ".join(f"{k} {v:,}" for k, v in sorted(evaluation["outcomes"].items()))

    def row(what, wall, cpu=None, rate="", target=""):
        cpu_text = f"{cpu:.2f}" if cpu is not None else ""
        return f"| {what} | {wall:.2f} | {cpu_text} | {rate} | {target} |"

    rate_ok = evaluation["rate"] >= TARGET_RATE
    cpu_rate_ok = evaluation["cpu_rate"] >= TARGET_RATE
    lines = [
        "## Guardrails rulebook (bench/guardrails.py)",
        "",
        f"One tenant with {counts['accounts']:,} accounts in {counts['countries']} countries"
        f" ({counts['account_product_lines']:,} account product lines,"
        f" {counts['target_list_members']:,} target-list memberships, {counts['territories']}"
        f" territories by country, region and postal range, {counts['authorizations']:,} partner"
        f" authorizations) and {counts['open_opportunities']:,} open opportunities"
        f" ({counts['opportunities']:,} in all, {counts['opportunity_lines']:,} lines), generated"
        f" with bulk_create in {data_seconds:.0f} s. A rulebook of {published['rules']} rules"
        " (default last; conditions on territory, country, segment, tier, bands, product lines"
        " and mix, deal size, service needs, named account, target lists, owner) is saved with"
        " `replace_rules` and published with `publish`. The simulated draft"
        " flips a tenth of the territory rules and lowers a service-mix threshold. One process;"
        " no broker, so the recompute queued by publishing runs in process. CPU is this"
        " process's time (not the database server's); when the machine is busy the wall clock"
        " runs ahead of it.",
        "",
        f"- Date: {machine['date']}",
        f"- Machine: {machine['nproc']} CPUs (`nproc`), {machine['cpu']}; load average"
        f" {machine['load_before']} at the start, {machine['load_after']} at the end",
        f"- Python {machine['python']}, Django {machine['django']}",
        f"- Database: {machine['database']}",
        "",
        "| What | Wall s | CPU s | Rate | Target |",
        "| --- | ---: | ---: | ---: | --- |",
        row(
            f"Evaluate the active version for every account (`CompiledRulebook.decide`,"
            f" median of {EVALUATION_RUNS})",
            evaluation["median"],
            evaluation["cpu"],
            f"{evaluation['rate']:,.0f} accounts/s ({evaluation['cpu_rate']:,.0f} per CPU s)",
            f"≥ {TARGET_RATE:,}/s: wall {verdict(rate_ok)}, CPU {verdict(cpu_rate_ok)}",
        ),
        row(
            "… matching only (`CompiledRulebook.match`, no target resolution)",
            evaluation["match"],
            evaluation["match_cpu"],
            f"{n / evaluation['match']:,.0f} accounts/s",
        ),
        row(
            "Load every account's facts (`engine.iter_account_facts`)",
            evaluation["load"],
            evaluation["load_cpu"],
            f"{n / evaluation['load']:,.0f} accounts/s",
        ),
        row("Compile the version (`CompiledRulebook.for_version`)", evaluation["compile"]),
        row(
            "Simulate the draft on every account and all open pipeline (`run_simulation`)",
            simulation["seconds"],
            simulation["cpu"],
            f"{summary.get('accounts', 0) / simulation['seconds']:,.0f} accounts/s",
            f"< {TARGET_SIMULATION:.0f} s: {verdict(simulation['seconds'] < TARGET_SIMULATION)}",
        ),
        row(
            "Recompute every stored decision (`recompute_routes`, rows exist)",
            recomputed["update"],
            recomputed["update_cpu"],
            f"{recomputed['written'] / recomputed['update']:,.0f} accounts/s",
        ),
        row(
            "… the same into an empty table",
            recomputed["insert"],
            recomputed["insert_cpu"],
            f"{recomputed['written'] / recomputed['insert']:,.0f} accounts/s",
        ),
        row(
            f"Record discount leakage on every line (`record_leakage`,"
            f" {recomputed['leaks']:,} found)",
            recomputed["leakage"],
            recomputed["leakage_cpu"],
        ),
        row(
            "Lint the draft, with its pass over every account (`lint`)",
            published["lint"],
        ),
        row(
            f"Save the {published['rules']} rules in one call (`replace_rules`)",
            published["replace_rules"],
        ),
        row(
            "Publish (lint, activate, then recompute decisions and leakage in process)",
            published["publish"],
        ),
        "",
        f"Decisions: {outcomes}. The deciding rule is on average number"
        f" {evaluation['mean_position']:.0f} of {published['rules']};"
        f" {evaluation['default_hits']:,} accounts fall through to the default.",
        f"The simulated draft moves {summary.get('moved_accounts', 0):,} accounts; it compared"
        f" {summary.get('open_opportunities', 0):,} open opportunities ({flows or 'no flows'}).",
        f"Resident memory: {simulation['rss_before']:.0f} MB before the simulation,"
        f" {simulation['rss_after']:.0f} MB after; peak"
        f" {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB.",
    ]
    for label, part in (("Evaluation", evaluation), ("Simulation", simulation)):
        if part.get("profile"):
            lines += [
                "",
                f"{label} missed its target; the top of its profile (cProfile, by own time):",
                "",
                "```",
                part["profile"].strip(),
                "```",
            ]
    return "\n".join(lines)


def main() -> None:
    url = scratch_database(DATABASE)
    if url is None:
        write_section(
            "guardrails",
            "## Guardrails rulebook (bench/guardrails.py)\n\nSkipped: needs PostgreSQL.",
        )
        return
    try:
        with tempfile.TemporaryDirectory(prefix="channel-balance-bench-") as var_dir:
            setup(url, var_dir)
            from django.db import connections

            from bench.guardrails_data import generate
            from core.audit import audit_context
            from core.tenancy import tenant_scope

            load_before = load_average()
            world, data_seconds = timed(generate, "bench-guardrails", ACCOUNTS, OPPORTUNITIES)
            print(f"data: {world.counts} in {data_seconds:.0f} s", flush=True)
            with tenant_scope(world.tenant), audit_context(actor=world.admin, source="command"):
                published = publish_rulebook(world)
                print(
                    f"published: { {k: v for k, v in published.items() if k != 'version'} }",
                    flush=True,
                )
                evaluation = evaluate(published["version"])
                print(f"evaluated: {evaluation['rate']:,.0f} accounts/s", flush=True)
                simulation = simulate(world, published["version"])
                print(f"simulated in {simulation['seconds']:.1f} s", flush=True)
                recomputed = recompute(world)
                print(f"recomputed: {recomputed}", flush=True)
            machine = describe_machine()
            machine.update(load_before=load_before, load_after=load_average())
            connections.close_all()
    finally:
        if not os.environ.get("BENCH_GUARDRAILS_KEEP_DB"):
            drop_database(DATABASE)
    markdown = render(
        machine, data_seconds, world.counts, published, evaluation, simulation, recomputed
    )
    write_section("guardrails", markdown)
    print(markdown)


if __name__ == "__main__":
    main()
