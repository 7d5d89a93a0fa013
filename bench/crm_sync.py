"""`make bench`, CRM-sync part (PostgreSQL): bulk-upsert throughput through the API beside a plain
bulk_create of the same rows, and an incremental pull of 1,000,000 touches with its memory.

Runs on a scratch database `channel_bench` created next to BENCH_DATABASE_URL / DATABASE_URL
(default: the local PostgreSQL), dropped and recreated each run. Requests go through the whole
Django stack in one process with django.test.Client (no network, no HTTP server).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from report import write_section  # noqa: E402
from scratch import scratch_database  # noqa: E402

CONTACTS = int(os.environ.get("BENCH_CONTACTS", 100_000))
TOUCHES = int(os.environ.get("BENCH_TOUCHES", 1_000_000))
BATCH = 1000
ACCOUNTS = 1000


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def setup(url: str, var_dir: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=url,
        VAR_DIR=var_dir,
        DEBUG="0",
        SECURE_HTTPS="0",
        SECRET_KEY="bench-only-secret-key-not-for-production-0123456789",
    )
    os.environ.pop("REDIS_URL", None)  # tasks in process: the benchmark measures the web process
    Path(var_dir, "static").mkdir()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def world() -> tuple:
    from accounts.models import Account
    from core.acting import SystemActor
    from core.tenancy import tenant_scope
    from tenancy.models import Membership, Tenant, User
    from tenancy.services import issue_api_token

    tenant = Tenant.objects.create(name="Bench", slug="bench")
    plain = Tenant.objects.create(name="Bench plain", slug="bench-plain")
    admin = User.objects.create_user("bench@example.com", "bench-password-1")
    with tenant_scope(tenant):
        Membership.objects.create(tenant=tenant, user=admin, role="revops_admin")
        Account.objects.bulk_create(
            [
                Account(tenant=tenant, name=f"Account {i}", external_id=f"A{i}")
                for i in range(ACCOUNTS)
            ]
        )
    _, key = issue_api_token(tenant=tenant, user=admin, name="bench", acting=SystemActor("bench"))
    return tenant, plain, key


def records(start: int) -> list[dict]:
    return [
        {
            "external_id": f"C{n}",
            "first_name": "Ada",
            "last_name": f"Buyer {n}",
            "email": f"buyer{n}@customer{n % ACCOUNTS}.example",
            "title": "Fleet manager",
            "buying_role": "technical_evaluator",
            "account": {"external_id": f"A{n % ACCOUNTS}"},
        }
        for n in range(start, start + BATCH)
    ]


def bulk_through_api(client, headers: dict) -> dict:
    timings = {}
    for label in ("create", "unchanged"):
        began = time.perf_counter()
        for start in range(0, CONTACTS, BATCH):
            body = json.dumps({"records": records(start)})
            response = client.post(
                "/api/v1/contacts/bulk/", body, content_type="application/json", headers=headers
            )
            summary = response.json()["summary"]
            expected = "created" if label == "create" else "unchanged"
            if response.status_code != 200 or summary[expected] != BATCH:
                raise SystemExit(f"bulk {label} failed: {response.status_code} {summary}")
        timings[label] = time.perf_counter() - began
    return timings


def plain_bulk_create(tenant) -> float:
    from accounts.models import Account, Contact
    from core.tenancy import tenant_scope

    with tenant_scope(tenant):
        Account.objects.bulk_create(
            [
                Account(tenant=tenant, name=f"Account {i}", external_id=f"A{i}")
                for i in range(ACCOUNTS)
            ]
        )
        accounts = dict(Account.objects.values_list("external_id", "id"))
        began = time.perf_counter()
        for start in range(0, CONTACTS, BATCH):
            Contact.objects.bulk_create(
                [
                    Contact(
                        tenant=tenant,
                        external_id=r["external_id"],
                        first_name=r["first_name"],
                        last_name=r["last_name"],
                        email=r["email"],
                        title=r["title"],
                        buying_role=r["buying_role"],
                        account_id=accounts[r["account"]["external_id"]],
                    )
                    for r in records(start)
                ]
            )
        return time.perf_counter() - began


def load_touches(tenant) -> float:
    from django.db import transaction

    from accounts.models import Account
    from core.sync import change_sequence
    from core.tenancy import tenant_scope
    from pipeline.models import Touch

    began = time.perf_counter()
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    with tenant_scope(tenant):
        accounts = list(Account.objects.values_list("id", flat=True))
        for start in range(0, TOUCHES, 10_000):
            with transaction.atomic():
                sequence = change_sequence()
                Touch.objects.bulk_create(
                    [
                        Touch(
                            tenant=tenant,
                            account_id=accounts[n % len(accounts)],
                            channel="email",
                            route="marketing",
                            occurred_at=moment + timedelta(minutes=n),
                            external_id=f"T{n}",
                            sync_seq=sequence,
                        )
                        for n in range(start, min(start + 10_000, TOUCHES))
                    ],
                    batch_size=2000,
                )
    return time.perf_counter() - began


def pull_touches(client, headers: dict) -> dict:
    cursor, pages, rows, samples = "", 0, 0, []
    began = time.perf_counter()
    while True:
        response = client.get(
            f"/api/v1/touches/sync/?page_size=1000&cursor={cursor}", headers=headers
        )
        page = response.json()
        rows += len(page["results"])
        cursor, pages = page["cursor"], pages + 1
        if pages % 50 == 1:
            samples.append(rss_mb())
        if not page["has_more"]:
            break
    return {"seconds": time.perf_counter() - began, "rows": rows, "pages": pages, "rss": samples}


def main() -> None:
    url = scratch_database("channel_bench")
    if url is None:
        write_section("crm-sync", "## CRM sync (bench/crm_sync.py)\n\nSkipped: needs PostgreSQL.")
        return
    with tempfile.TemporaryDirectory(prefix="channel-balance-bench-") as var_dir:
        setup(url, var_dir)
        from django.db import connection
        from django.test import Client

        tenant, plain, key = world()
        client, headers = Client(HTTP_HOST="127.0.0.1"), {"Authorization": f"Token {key}"}
        bulk = bulk_through_api(client, headers)
        plain_seconds = plain_bulk_create(plain)
        load_seconds = load_touches(tenant)
        rss_before_pull = rss_mb()
        pull = pull_touches(client, headers)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        version = connection.cursor().connection.server_version
    rate = lambda seconds, n=CONTACTS: f"{n / seconds:,.0f}"  # noqa: E731
    markdown = "\n".join(
        [
            "## CRM sync (bench/crm_sync.py)",
            "",
            f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPUs; Python {platform.python_version()};"
            f" PostgreSQL {version // 10000}.{version % 10000}; one process, requests in process.",
            "",
            f"Bulk upsert of {CONTACTS:,} contacts through `POST /api/v1/contacts/bulk/` in {BATCH:,}-record batches",
            "(each record validated by the API serializer, its account given by external id, audited):",
            "",
            "| What | Seconds | Records/s |",
            "| --- | ---: | ---: |",
            f"| API bulk upsert, all new | {bulk['create']:.1f} | {rate(bulk['create'])} |",
            f"| API bulk upsert, same records again (all unchanged) | {bulk['unchanged']:.1f} | {rate(bulk['unchanged'])} |",
            f"| Plain `bulk_create` of the same rows (no validation, no audit) | {plain_seconds:.1f} | {rate(plain_seconds)} |",
            "",
            f"Incremental pull of {TOUCHES:,} touches (loaded with bulk_create in {load_seconds:.0f} s) through",
            f"`GET /api/v1/touches/sync/?page_size=1000`: {pull['pages']:,} pages, {pull['rows']:,} rows in {pull['seconds']:.0f} s",
            f"({pull['rows'] / pull['seconds']:,.0f} rows/s).",
            "",
            f"- Resident memory before the pull: {rss_before_pull:.0f} MB; sampled every 50 pages during it:"
            f" {', '.join(f'{m:.0f}' for m in pull['rss'])} MB.",
            f"- Peak RSS of the process (ru_maxrss, including the load): {peak:.0f} MB.",
        ]
    )
    write_section("crm-sync", markdown)
    print(markdown)


if __name__ == "__main__":
    main()
