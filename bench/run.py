"""`make bench`: latency and SQL queries per request of a few endpoints; writes docs/benchmarks.md.

Runs on its own fresh SQLite database in a temporary VAR_DIR, or on DATABASE_URL when that is set
(which it then migrates and seeds: point it at a scratch database). Requests go through the whole
Django stack in process with django.test.Client, so the figures leave out the network and the
HTTP server. Nothing here asserts a time: the figures are for reading and comparing, on one
machine, before and after a change.
"""

from __future__ import annotations

import io
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "benchmarks.md"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import percentile, write_section  # noqa: E402

if TYPE_CHECKING:
    from tenancy.models import ApiToken

REQUESTS = 200  # timed requests per endpoint
WARMUP = 20  # untimed requests first (imports, caches, the token's last_used_at write)
QUERY_SAMPLES = 20  # requests whose SQL queries are counted (separately, to not slow the timing)


def configure(var_dir: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["VAR_DIR"] = var_dir
    Path(var_dir, "static").mkdir()  # STATIC_ROOT, which WhiteNoise expects to exist
    # Production-like request handling: no DEBUG, but plain http (no redirect to https).
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECURE_HTTPS", "0")
    if os.environ.get("DATABASE_URL"):
        os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
    # Embedded broker: with REDIS_URL, /healthz would wait for Celery workers to answer a ping.
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("REDIS_URL_FILE", None)
    sys.path.insert(0, str(ROOT))


def measure(client, path: str, headers: dict[str, str]) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def get() -> None:
        response = client.get(path, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}: {response.content!r}")

    for _ in range(WARMUP):
        get()
    timings = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        get()
        timings.append((time.perf_counter() - start) * 1000)
    queries = []
    for _ in range(QUERY_SAMPLES):
        with CaptureQueriesContext(connection) as captured:
            get()
        queries.append(len(captured.captured_queries))
    return {
        "path": path,
        "median": statistics.median(timings),
        "p95": percentile(timings, 95),
        "queries": (min(queries), max(queries)),
    }


def seed_and_issue_token() -> tuple[ApiToken, str]:
    from django.core.management import call_command

    from core.acting import SystemActor
    from core.audit import audit_context
    from tenancy.models import Tenant, User
    from tenancy.services import issue_api_token

    call_command("migrate", interactive=False, verbosity=0)
    call_command("seed_demo", quiet_logins=True, stdout=io.StringIO())
    with audit_context(source="command"):
        token, key = issue_api_token(
            tenant=Tenant.objects.get(slug="acme"),
            user=User.objects.get(email="admin@acme.example"),
            name="bench",
            acting=SystemActor("bench"),
        )
    return token, key


def describe_machine() -> dict[str, str]:
    import django
    from django.db import connection

    connection.ensure_connection()
    database: Any = connection  # the backend's own attributes, which the stubs do not declare
    version = ""
    if connection.vendor == "sqlite":
        version = database.Database.sqlite_version
    elif connection.vendor == "postgresql":
        version = f"{database.pg_version // 10000}.{database.pg_version % 10000}"
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
        "database": f"{connection.vendor} {version}",
    }


def render(machine: dict[str, str], results: list[dict]) -> str:
    rows = []
    for r in results:
        low, high = r["queries"]
        queries = str(low) if low == high else f"{low}-{high}"
        rows.append(f"| `GET {r['path']}` | {r['median']:.2f} | {r['p95']:.2f} | {queries} |")
    return "\n".join(
        [
            "## Request latency (bench/run.py)",
            "",
            f"Each endpoint gets {WARMUP} untimed requests, then {REQUESTS} timed ones through the whole",
            "Django stack in process (django.test.Client: no network, no HTTP server), as the",
            "RevOps admin of the demo tenant `acme` with an API token where the endpoint needs one.",
            f"SQL queries are counted over {QUERY_SAMPLES} further requests (a range if they vary).",
            "The broker is the embedded one, so `/healthz` checks the database and the scheduler",
            "heartbeat only. Compare figures from the same machine only; nothing asserts a time.",
            "",
            f"- Date: {machine['date']}",
            f"- Machine: {machine['nproc']} CPUs (`nproc`), {machine['cpu']}",
            f"- Python {machine['python']}, Django {machine['django']}",
            f"- Database: {machine['database']}",
            "",
            "| Request | Median ms | p95 ms | SQL queries per request |",
            "| --- | ---: | ---: | ---: |",
            *rows,
            "",
        ]
    )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="channel-balance-bench-") as var_dir:
        configure(var_dir)
        import django

        django.setup()
        from django.db import connections
        from django.test import Client

        from core.acting import SystemActor
        from tenancy.services import revoke_api_token

        api_token, key = seed_and_issue_token()
        client = Client(HTTP_HOST="127.0.0.1")
        token = {"Authorization": f"Token {key}"}
        results = [
            measure(client, "/api/v1/partners/", token),
            measure(client, "/api/v1/accounts/?page_size=100", token),
            measure(client, "/api/v1/opportunities/?page_size=100", token),
            measure(client, "/api/v1/touches/?page_size=100", token),
            measure(client, "/api/v1/me/", token),
            measure(client, "/healthz", {}),
        ]
        markdown = render(describe_machine(), results)
        revoke_api_token(
            api_token, acting=SystemActor("bench")
        )  # matters when DATABASE_URL is a database that stays
        connections.close_all()
    write_section("latency", markdown)
    print(markdown)
    print(f"Written to {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
