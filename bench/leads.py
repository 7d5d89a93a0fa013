"""`make bench`, lead-ops part (PostgreSQL and Redis): 100,000 leads bulk-imported into a tenant
that holds 200,000 contacts, processed end to end (enriched, deduplicated, routed, timed) by real
Celery workers; the naive one-lead-at-a-time path beside it; and the latency of one lead posted
to the API until it is routed.

Runs on a scratch database `channel_bench_leads` created next to BENCH_DATABASE_URL /
DATABASE_URL (default: the local PostgreSQL), dropped and recreated each run, and on Redis
database 13 of BENCH_REDIS_URL / REDIS_URL (default: the local Redis), flushed each run. The
import goes through `POST /api/v1/leads/bulk/` in 1,000-record batches from this process
(django.test.Client, in process: no network, no HTTP server); two `celery worker` processes
(solo pool, one task at a time each: the two cores) do the processing. BENCH_CONTACTS and
BENCH_LEADS make it smaller for a try.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import platform
import pstats
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from report import write_section  # noqa: E402
from scratch import scratch_database  # noqa: E402

CONTACTS = int(os.environ.get("BENCH_CONTACTS", 200_000))
LEADS = int(os.environ.get("BENCH_LEADS", 100_000))
WORKERS = int(os.environ.get("BENCH_LEAD_WORKERS", 2))
BATCH = 1000  # records per bulk request (the API's maximum)
NAIVE_SAMPLE = 500  # leads processed one per call, extrapolated
POSTS = 200  # single leads posted for the latency
TARGET_RATE, TARGET_RSS_MB, TARGET_P95_MS = 1000, 1024, 1000
SECRET = "bench-only-secret-key-not-for-production-0123456789"


def scratch_broker() -> str | None:
    base = (
        os.environ.get("BENCH_REDIS_URL")
        or os.environ.get("REDIS_URL")
        or "redis://127.0.0.1:6379/0"
    )
    url = urlunsplit(urlsplit(base)._replace(path="/13"))
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()
    except redis.RedisError:
        return None
    return url


def setup(database: str, broker: str, var_dir: str) -> dict[str, str]:
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database,
        "REDIS_URL": broker,
        "VAR_DIR": var_dir,
        "DEBUG": "0",
        "SECURE_HTTPS": "0",
        "SECRET_KEY": SECRET,
    }
    os.environ.update(env)
    Path(var_dir, "static").mkdir()
    import django

    django.setup()
    from django.core.management import call_command

    from config.celery import app

    call_command("migrate", verbosity=0)
    app.conf.task_always_eager = True  # building the world runs its tasks here
    import logging

    logging.getLogger("celery").setLevel(logging.WARNING)
    logging.getLogger("django.request").setLevel(logging.ERROR)
    return env


# --- workers ---------------------------------------------------------------------------------


class Workers:
    """`celery worker` processes (solo pool: the process that takes a task runs it)."""

    def __init__(self, env: dict[str, str], count: int, log_dir: str) -> None:
        self.env, self.count, self.log_dir = {**os.environ, **env}, count, log_dir
        self.processes: list[subprocess.Popen] = []
        self.peak_sampled: dict[int, float] = {}
        self._stop = threading.Event()

    def start(self) -> None:
        for n in range(self.count):
            log = open(Path(self.log_dir, f"worker-{n}.log"), "ab")  # noqa: SIM115
            command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo"]
            command += ["--without-heartbeat", "--without-mingle", "--without-gossip"]
            command += ["--loglevel", "WARNING", "-n", f"bench-leads-{n}@%h"]
            self.processes.append(
                subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=log)
            )
            log.close()
        threading.Thread(target=self._sample, daemon=True).start()

    def ready(self, timeout: float = 90) -> None:
        from config.celery import app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            replies = app.control.ping(timeout=1.0) or []
            if len(replies) >= self.count:
                return
            if any(p.poll() is not None for p in self.processes):
                break
        raise SystemExit(f"workers did not start; logs in {self.log_dir}:\n{self.logs()}")

    def _sample(self) -> None:
        """Every half second: each worker's memory, and whether a database session waits for a
        lock (two workers queueing for the same row take turns instead of working side by
        side)."""
        import psycopg2

        database = psycopg2.connect(self.env["DATABASE_URL"])
        database.autocommit = True
        self.samples = self.lock_waits = 0
        with database.cursor() as cursor:
            while not self._stop.wait(0.5):
                for process in self.processes:
                    rss = _status_mb(process.pid, "VmRSS")
                    self.peak_sampled[process.pid] = max(self.peak_sampled.get(process.pid, 0), rss)
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'"
                )
                self.samples += 1
                self.lock_waits += 1 if cursor.fetchone()[0] else 0
        database.close()

    def lock_share(self) -> float:
        return self.lock_waits / self.samples if getattr(self, "samples", 0) else 0.0

    def peaks(self) -> list[float]:
        """Each worker's peak resident memory (the kernel's high-water mark)."""
        return [_status_mb(p.pid, "VmHWM") for p in self.processes]

    def stop(self) -> None:
        self._stop.set()
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    def logs(self) -> str:
        return "\n".join(
            p.read_text(errors="replace")[-2000:] for p in sorted(Path(self.log_dir).glob("*.log"))
        )


def _cpu_seconds(pid: int) -> float:
    """User and system CPU a process has used (Linux /proc), 0 when it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _backend_cpu() -> float:
    """CPU used so far by this process's PostgreSQL backend (the server runs on this machine)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return _cpu_seconds(cursor.fetchone()[0])


def _status_mb(pid: int, field: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# --- the measurements -----------------------------------------------------------------------


def unprocessed(tenant) -> int:
    from core.tenancy import tenant_scope
    from pipeline.models import Lead

    with tenant_scope(tenant):
        return Lead.objects.filter(processed_at__isnull=True).count()


def wait_processed(tenant, workers: Workers, timeout: float = 4 * 3600) -> None:
    deadline = time.monotonic() + timeout
    while unprocessed(tenant):
        if time.monotonic() > deadline:
            raise SystemExit(f"leads still unprocessed after {timeout:.0f} s\n{workers.logs()}")
        time.sleep(0.2)


def post_bulk(client, headers: dict, payloads: list[dict]) -> dict:
    created = errors = 0
    first_error = None
    for start in range(0, len(payloads), BATCH):
        body = json.dumps({"records": payloads[start : start + BATCH]})
        response = client.post(
            "/api/v1/leads/bulk/", body, content_type="application/json", headers=headers
        )
        if response.status_code != 200:
            raise SystemExit(f"bulk import failed: {response.status_code} {response.content[:500]}")
        data = response.json()
        created += data["summary"]["created"]
        errors += data["summary"]["error"]
        if first_error is None and data["summary"]["error"]:
            first_error = next(r for r in data["results"] if r.get("status") == "error")
    return {"created": created, "errors": errors, "first_error": first_error}


def import_and_process(world, client, headers, workers: Workers, payloads) -> dict:
    """Also what each side costs in CPU: this process and its database backend for the import,
    the workers for the processing (their database backends are not counted here)."""
    worker_cpu = sum(_cpu_seconds(p.pid) for p in workers.processes)
    cpu, backend = time.process_time(), _backend_cpu()
    began = time.perf_counter()
    result = post_bulk(client, headers, payloads)
    imported = time.perf_counter() - began
    cpu, backend = time.process_time() - cpu, _backend_cpu() - backend
    wait_processed(world.tenant, workers)
    total = time.perf_counter() - began
    worker_cpu = sum(_cpu_seconds(p.pid) for p in workers.processes) - worker_cpu
    return {
        **result,
        "import_seconds": imported,
        "seconds": total,
        "cpu": {"import": cpu, "import_db": backend, "workers": worker_cpu},
    }


def latency(world, client, headers, payloads: list[dict]) -> list[float]:
    """POST one lead, then watch the database until it is processed."""
    from core.tenancy import tenant_scope
    from pipeline.models import Lead

    samples = []
    for payload in payloads:
        began = time.perf_counter()
        response = client.post(
            "/api/v1/leads/", json.dumps(payload), content_type="application/json", headers=headers
        )
        if response.status_code != 201:
            raise SystemExit(
                f"POST /api/v1/leads/ answered {response.status_code}: {response.content}"
            )
        lead_id = response.json()["id"]
        with tenant_scope(world.tenant):
            while not Lead.objects.filter(pk=lead_id, processed_at__isnull=False).exists():
                if time.perf_counter() - began > 30:
                    raise SystemExit(f"lead {lead_id} not processed after 30 s")
                time.sleep(0.002)
        samples.append((time.perf_counter() - began) * 1000)
    return samples


def naive(world, payloads: list[dict]) -> dict:
    """The sample stored without queueing, then processed one lead per `process_batch` call in
    this process; the same for a batched call, for comparison."""
    from collections import Counter, defaultdict

    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from core.sync import change_sequence
    from core.tenancy import tenant_scope
    from pipeline.models import Lead
    from routing import services
    from routing.tasks import PROCESSING

    def store(rows: list[dict]) -> list[int]:
        with transaction.atomic():
            sequence = change_sequence()
            leads = Lead.objects.bulk_create(
                [
                    Lead(tenant=world.tenant, source="api", sync_seq=sequence, **_model_fields(r))
                    for r in rows
                ]
            )
        return [lead.pk for lead in leads]

    half = NAIVE_SAMPLE
    with tenant_scope(world.tenant):
        one_by_one = store(payloads[:half])
        began, cpu = time.perf_counter(), time.process_time()
        for lead_id in one_by_one:
            services.process_batch(world.tenant, [lead_id], acting=PROCESSING)
        single = (time.perf_counter() - began, time.process_time() - cpu, len(one_by_one))
        # The same path again on a few more leads, profiled (apart from the timing above).
        profiled = store(payloads[half : half + 50])
        single_profile = cProfile.Profile()
        with CaptureQueriesContext(connection) as single_queries:
            single_profile.enable()
            for lead_id in profiled:
                services.process_batch(world.tenant, [lead_id], acting=PROCESSING)
            single_profile.disable()
        batched_ids = store(payloads[half + 50 : half + 50 + NAIVE_SAMPLE])
        began, cpu, backend = time.perf_counter(), time.process_time(), _backend_cpu()
        services.process_batch(world.tenant, batched_ids, acting=PROCESSING)
        batched = (time.perf_counter() - began, time.process_time() - cpu, len(batched_ids))
        batched_db = _backend_cpu() - backend
        # The same again on as many more leads, profiled (apart from the timing above).
        profiled_ids = store(payloads[half + 50 + NAIVE_SAMPLE :])
        profile = cProfile.Profile()
        with CaptureQueriesContext(connection) as queries:
            profile.enable()
            services.process_batch(world.tenant, profiled_ids, acting=PROCESSING)
            profile.disable()
    statements = Counter(_statement(q["sql"]) for q in queries.captured_queries)
    slowest = sorted(single_queries.captured_queries, key=lambda q: -float(q["time"]))
    seconds: defaultdict[str, float] = defaultdict(float)
    for q in single_queries.captured_queries:
        seconds[_statement(q["sql"])] += float(q["time"]) / len(profiled)
    return {
        "single": single,
        "batched": batched,
        "batched_db": batched_db,
        "profile": profile,
        "statements": statements,
        "single_profile": single_profile,
        "single_queries": len(single_queries.captured_queries) / len(profiled),
        "single_seconds": seconds,
        "single_slowest": slowest[0]["sql"][:300] if slowest else "",
    }


def _statement(sql: str) -> str:
    """A statement's kind and table: `SELECT pipeline_lead`, `INSERT routing_notification`."""
    words = sql.replace('"', "").split()
    verb = words[0].upper() if words else ""
    keyword = {"SELECT": "FROM", "INSERT": "INTO", "UPDATE": "UPDATE", "DELETE": "FROM"}
    table = ""
    if verb in keyword:
        upper = [w.upper() for w in words]
        if keyword[verb] in upper:
            at = upper.index(keyword[verb])
            table = words[at + 1] if at + 1 < len(words) else ""
    return f"{verb} {table}".strip()


def _model_fields(payload: dict) -> dict:
    fields = {k: v for k, v in payload.items() if k != "estimated_amount"}
    if "estimated_amount" in payload:
        from decimal import Decimal

        fields["estimated_amount"] = Decimal(payload["estimated_amount"])
    return fields


def outcome(world) -> dict:
    from django.db.models import Count

    from core.tenancy import tenant_scope
    from pipeline.models import Lead
    from routing.choices import EventKind
    from routing.models import DuplicateCandidate, LeadEvent, SlaTimer

    with tenant_scope(world.tenant):
        leads = Lead.objects.filter(external_id__startswith="BL-")
        statuses = dict(leads.values_list("status").annotate(n=Count("id")))
        return {
            "statuses": statuses,
            "routes": dict(leads.exclude(route="").values_list("route").annotate(n=Count("id"))),
            "with_account": leads.filter(account__isnull=False).count(),
            "with_contact": leads.filter(contact__isnull=False).count(),
            "routed_events": LeadEvent.objects.filter(
                lead__in=leads, kind=EventKind.ROUTED
            ).count(),
            "timers": SlaTimer.objects.filter(lead__in=leads).count(),
            "review": DuplicateCandidate.objects.filter(lead__in=leads).count(),
            "unprocessed": leads.filter(processed_at__isnull=True).count(),
        }


def top(profile: cProfile.Profile, sort: str, limit: int, *restrict: str) -> str:
    """The head of a profile, with paths relative to the repository or site-packages."""
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats(sort).print_stats(*restrict, limit)
    site = str(Path(pstats.__file__).parent)
    lines = [
        line.replace(sys.prefix + "/lib/python3.11/site-packages/", "")
        .replace(str(ROOT) + "/", "")
        .replace(site + "/", "")
        for line in out.getvalue().splitlines()
        if line.strip()
    ]
    return "\n".join(lines)


def machine(load_before: tuple) -> dict:
    from django.db import connection

    version = connection.cursor().connection.server_version
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    import django

    return {
        "date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "cpus": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgres": f"{version // 10000}.{version % 10000}",
        "load": (load_before, os.getloadavg()),
    }


def _budget(m: dict, run: dict, slow: dict, n: int) -> str:
    """CPU per lead on each side, and the rate those costs allow on this machine's cores."""
    batch_n = slow["batched"][2]
    costs = {
        "the import (this process)": run["cpu"]["import"] / n,
        "its database backend": run["cpu"]["import_db"] / n,
        "processing (the workers)": run["cpu"]["workers"] / n,
        "a batch's database backend (the batched call below)": slow["batched_db"] / batch_n,
    }
    total = sum(costs.values())
    if not costs["its database backend"]:
        return "- CPU per lead: the database backend's CPU could not be read (not on this machine)."
    parts = ", ".join(f"{k} {v * 1000:.2f} ms" for k, v in costs.items())
    return (
        f"- CPU per lead: {parts}; in all {total * 1000:.2f} ms, so {m['cpus']} CPUs allow at"
        f" most {m['cpus'] / total:,.0f} leads/s however well the processes overlap."
    )


def render(m: dict, world, run: dict, lat: list[float], peaks, sampled, slow, result) -> str:
    n = run["created"]
    rate = n / run["seconds"]
    single_s, single_cpu, single_n = slow["single"]
    batch_s, batch_cpu, batch_n = slow["batched"]
    single_rate = single_n / single_s
    p50, p95 = statistics.median(lat), statistics.quantiles(lat, n=100, method="inclusive")[94]
    peak = max(peaks) if peaks else 0
    verdict = lambda ok: "met" if ok else "**missed**"  # noqa: E731
    load = ", ".join(f"{x:.1f}" for x in m["load"][0]), ", ".join(f"{x:.1f}" for x in m["load"][1])
    statuses = ", ".join(f"{k} {v:,}" for k, v in sorted(result["statuses"].items()))
    lines = [
        "## Lead processing (bench/leads.py)",
        "",
        f"A tenant with {world.contacts:,} contacts at {world.accounts:,} accounts (generated by",
        "`bench/dedupe_data.py`: people at companies in eleven countries) and the demo rulebook of",
        "`acme` (its territories, authorizations and rules; the default rule sends strangers to",
        f"inside sales). {n:,} leads, about a fifth of them people among the contacts and a tenth",
        "repeats of an earlier lead, all with typos, missing fields and reformatted values, are",
        f"imported through `POST /api/v1/leads/bulk/` ({BATCH:,} per request, from one process,",
        f"in process) while {WORKERS} `celery worker` processes (solo pool) enrich, deduplicate,",
        "route and time them. End to end is from the first request until the last lead is",
        "processed. Workers were warmed up first (their dedupe index of the contacts built), and",
        "so was this process's before the naive sample.",
        "",
        f"- Date: {m['date']}; {m['cpus']} CPUs ({m['cpu']}); Python {m['python']}, Django"
        f" {m['django']}, PostgreSQL {m['postgres']}, Redis broker",
        f"- Load average {load[0]} at the start, {load[1]} at the end (other work on the machine"
        " slows every figure)",
        "",
        "| What | Leads | Seconds | Leads/s | Target |",
        "| --- | ---: | ---: | ---: | --- |",
        f"| End to end: import, enrich, deduplicate, route, time ({WORKERS} workers) | {n:,} |"
        f" {run['seconds']:.1f} | {rate:,.0f} | ≥ {TARGET_RATE:,}/s: {verdict(rate >= TARGET_RATE)} |",
        f"| … of which the import requests alone | {n:,} | {run['import_seconds']:.1f} |"
        f" {n / run['import_seconds']:,.0f} |  |",
        f"| Naive: `process_batch` with one lead per call, in one process (sample, extrapolated"
        f" to {n:,}) | {single_n:,} | {single_s:.1f} ({n / single_rate:,.0f} for {n:,}) |"
        f" {single_rate:,.1f} |  |",
        f"| Batched: one `process_batch` call for the same number, in one process | {batch_n:,} |"
        f" {batch_s:.1f} | {batch_n / batch_s:,.0f} |  |",
        "",
        _budget(m, run, slow, n),
        f"- A database session was waiting for a row lock in {run['lock_share']:.0%} of the"
        " half-second samples taken while the workers ran (the round-robin pointer row is"
        " locked from a batch's first assignment until it commits).",
        f"- Peak resident memory per worker (VmHWM): {', '.join(f'{p:.0f}' for p in peaks)} MB"
        f" (target ≤ {TARGET_RSS_MB:,} MB: {verdict(0 < peak <= TARGET_RSS_MB)}); sampled"
        f" every 0.5 s: {', '.join(f'{p:.0f}' for p in sampled)} MB. This process (import, API):"
        f" {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB.",
        f"- One lead posted to `POST /api/v1/leads/` with the workers idle, until it is"
        f" processed (polling the database every 2 ms), {len(lat)} posts: median {p50:.0f} ms,"
        f" p95 {p95:.0f} ms, max {max(lat):.0f} ms (target p95 < {TARGET_P95_MS:,} ms:"
        f" {verdict(p95 < TARGET_P95_MS)}).",
        f"- CPU of the naive path: {single_cpu / single_n * 1000:.1f} ms per lead in this process"
        f" (the rest of the wall time is the database); batched: {batch_cpu / batch_n * 1000:.2f}"
        " ms per lead.",
        f"- Outcome of the import: {statuses}; routes {result['routes']}; {result['with_account']:,}"
        f" matched to an account, {result['with_contact']:,} to a contact;"
        f" {result['routed_events']:,} routed events, {result['timers']:,} SLA timers,"
        f" {result['review']:,} pairs for review; {run['errors']:,} records refused by the API"
        f" ({world.true_pairs:,} true duplicate pairs in the generated data).",
        f"- Building the world: generating {world.seconds['generate']:.0f} s, accounts and"
        f" contacts {world.seconds['customers']:.0f} s, territories, rulebook and stored decisions"
        f" {world.seconds['rulebook']:.0f} s, the duplicate weights learned as the nightly run"
        f" would have {world.seconds['learning']:.0f} s.",
    ]
    if rate < TARGET_RATE or p95 >= TARGET_P95_MS:
        lines += [
            "",
            f"Below target. Where one batched `process_batch` call of {batch_n:,} leads spends its"
            " time (cProfile, in this process; the workers run the same code):",
            "",
            "```",
            slow["top_own"],
            "```",
            "",
            "```",
            slow["top_cumulative"],
            "```",
            "",
            f"SQL statements of that call ({sum(slow['statements'].values()):,} for"
            f" {batch_n:,} leads), most frequent first: "
            + ", ".join(f"`{k}` {v:,}" for k, v in slow["statements"].most_common(14))
            + ".",
            "",
            f"The one-lead call (the naive path, and what a worker does for a lead posted alone),"
            f" profiled over 50 more leads: {slow['single_queries']:.0f} SQL statements per call;"
            " database time per call by statement: "
            + ", ".join(
                f"`{k}` {v * 1000:.1f} ms"
                for k, v in sorted(slow["single_seconds"].items(), key=lambda kv: -kv[1])[:6]
            )
            + f". The slowest statement: `{slow['single_slowest']}`",
            "",
            "```",
            slow["top_single"],
            "```",
        ]
    return "\n".join(lines)


def main() -> None:
    database, broker = scratch_database("channel_bench_leads"), scratch_broker()
    if database is None or broker is None:
        missing = "PostgreSQL" if database is None else "Redis"
        write_section("leads", f"## Lead processing (bench/leads.py)\n\nSkipped: needs {missing}.")
        print(f"Skipped: needs {missing}")
        return
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="channel-balance-bench-leads-") as var_dir:
        env = setup(database, broker, var_dir)
        from django.db import connection, connections
        from django.test import Client
        from leads_world import build_world, lead_payloads

        from config.celery import app
        from core.acting import SystemActor
        from core.tenancy import tenant_scope
        from routing import dedupe_service
        from tenancy.services import issue_api_token

        print(f"building the world: {CONTACTS:,} contacts, {LEADS:,} leads", flush=True)
        # A twentieth of the generated leads give no way to reach them (the API refuses those):
        # generate a few more and import the first LEADS that can be reached.
        world = build_world(CONTACTS, int(LEADS * 1.06) + 10)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would have by now, after the bulk load
        _, key = issue_api_token(
            tenant=world.tenant, user=world.admin.user, name="bench", acting=SystemActor("bench")
        )
        client, headers = Client(HTTP_HOST="127.0.0.1"), {"Authorization": f"Token {key}"}
        payloads = [p for p in lead_payloads(world.leads) if reachable(p)][:LEADS]
        extra = lead_payloads(_more_leads(world, 40 + POSTS + NAIVE_SAMPLE * 3 + 50), prefix="BX")
        warm, posts, sample = extra[:40], extra[40 : 40 + POSTS], extra[40 + POSTS :]

        app.conf.task_always_eager = False
        import redis

        redis.Redis.from_url(broker).flushdb()  # nothing queued while building the world
        connections.close_all()
        workers = Workers(env, WORKERS, var_dir)
        workers.start()
        try:
            workers.ready()
            print("warming up the workers", flush=True)
            for start in range(0, len(warm), 10):
                post_bulk(client, headers, warm[start : start + 10])
            wait_processed(world.tenant, workers)
            print(f"importing {len(payloads):,} leads", flush=True)
            run = import_and_process(world, client, headers, workers, payloads)
            print(f"end to end: {run['created'] / run['seconds']:,.0f} leads/s", flush=True)
            lat = latency(world, client, headers, posts)
            print(f"latency p95: {statistics.quantiles(lat, n=100)[94]:.0f} ms", flush=True)
            peaks = workers.peaks()
            sampled = list(workers.peak_sampled.values())
            run["lock_share"] = workers.lock_share()
        finally:
            workers.stop()
        result = outcome(world)
        print("the naive path", flush=True)
        with tenant_scope(world.tenant):
            dedupe_service.tenant_index(world.tenant)  # warm, like the workers' (not timed)
        slow = naive(world, sample)
        slow["top_own"] = top(slow["profile"], "tottime", 20)
        slow["top_single"] = top(
            slow["single_profile"], "cumulative", 25, "routing/|guardrails/|core/|accounts/"
        )
        slow["top_cumulative"] = top(
            slow["profile"], "cumulative", 30, "routing/|guardrails/|core/|accounts/|pipeline/"
        )
        markdown = render(machine(load_before), world, run, lat, peaks, sampled, slow, result)
        connections.close_all()
    write_section("leads", markdown)
    print(markdown)


def _valid_email(email: str) -> str:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    try:
        validate_email(email)
    except ValidationError:
        return ""
    return email


def reachable(record: dict) -> bool:
    name = record["first_name"] or record["last_name"]
    return bool(record["email"] or record["phone"] or (name and record["company"]))


def _more_leads(world, count: int) -> list[dict]:
    """Leads beyond the import, for the warm-up, the latency and the naive sample: new people
    (names and mailboxes of their own) at the import's companies and places."""
    records = []
    for n in range(count):
        record = dict(world.leads[(n * 7919) % len(world.leads)])
        domain = record["email"].partition("@")[2]
        record.update(
            key=f"x{n}",
            first_name=f"{record['first_name']} {chr(65 + n % 26)}.",
            last_name=f"{record['last_name']}-Extra{n}",
            email=_valid_email(f"extra.lead{n}@{domain}") or f"extra.lead{n}@example.net",
            phone="",
        )
        records.append(record)
    return records


if __name__ == "__main__":
    main()
