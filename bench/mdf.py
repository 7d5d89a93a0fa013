"""`make bench`, MDF part: a partner's ledger page and a reallocation recommendation.

One tenant with 500 partners, each with a balance in the current quarter and a paid activity
in each of the last four quarters (2,000 funded activities), 50 campaigns, 20,000 accounts,
50,000 opportunities (half of them the partners' own naming a campaign), 50,000 partner touches
naming a campaign and 20,000 leads; one partner has 10,000 ledger entries in the quarter.

Measured:
- the console's ledger page of that partner and quarter (`console:mdf-ledger`), requested by a
  signed-in RevOps admin through Django's test client (whole request: middleware, queries,
  template); target p95 < 100 ms;
- `reallocation.recommend` for the quarter (500 partners: balances, requests, trailing ROI),
  rolled back each time; target < 5 s; and the ROI table by partner over four quarters.

Runs against MDF_BENCH_DATABASE_URL or DATABASE_URL: a PostgreSQL URL names a database the bench
drops and creates (on the same server); without one, a temporary SQLite file. Sizes can be
lowered: BENCH_MDF_PARTNERS, BENCH_MDF_OPPORTUNITIES.
"""

from __future__ import annotations

import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(ROOT))
from bench.report import latency_row, percentile, write_section  # noqa: E402

PARTNERS = int(os.environ.get("BENCH_MDF_PARTNERS", 500))
OPPORTUNITIES = int(os.environ.get("BENCH_MDF_OPPORTUNITIES", 50_000))
ACCOUNTS = 20_000
CAMPAIGNS = 50
TOUCHES = OPPORTUNITIES
LEADS = 20_000
LEDGER = 10_000
LEDGER_SAMPLES = 300
RECOMMEND_SAMPLES = 5
LEDGER_TARGET_MS = 100.0
RECOMMEND_TARGET_S = 5.0


def database(var_dir: str) -> tuple[str, str]:
    """The database URL to fill and its description."""
    url = os.environ.get("MDF_BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    if url.startswith("postgres"):
        import psycopg2

        base, name = url.rsplit("/", 1)
        admin = psycopg2.connect(f"{base}/postgres")
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            cursor.execute(f"CREATE DATABASE {name}")
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        admin.close()
        return url, f"PostgreSQL {version.split()[0]}"
    import sqlite3

    return f"sqlite:///{var_dir}/bench_mdf.sqlite3", f"SQLite {sqlite3.sqlite_version}"


def setup(url: str, var_dir: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=url,
        VAR_DIR=var_dir,
        DEBUG="0",
        SECURE_HTTPS="0",
        SECRET_KEY="bench-only-secret-key-not-for-production-0123456789",
    )
    os.environ.pop("REDIS_URL", None)
    Path(var_dir, "static").mkdir(exist_ok=True)
    import django

    django.setup()
    import logging

    logging.getLogger("celery").setLevel(logging.WARNING)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the pages need the manifest


def build() -> tuple:
    from accounts.models import Account
    from campaigns.models import Campaign
    from core.acting import SystemActor
    from core.tenancy import tenant_scope
    from mdf.models import FundBalance, FundClaim, FundRequest, LedgerEntry
    from mdf.services.settings import settings_for
    from pipeline.models import Lead, Opportunity, Stage, Touch
    from pipeline.services import ensure_default_stages
    from tenancy.models import Partner, Tenant
    from tenancy.quarters import Quarter

    tenant = Tenant.objects.create(name="Bench MDF", slug="bench-mdf")
    rng = random.Random(16)
    batch = 5000
    with tenant_scope(tenant):
        ensure_default_stages(tenant, acting=SystemActor("bench"))
        settings_for(tenant)
        won = Stage.objects.filter(outcome="won").first()
        open_stage = Stage.objects.filter(outcome="open").first()
        today = datetime.now(UTC).date()
        quarter = Quarter.of(tenant, today)
        quarters = [quarter.shifted(-i) for i in range(3, -1, -1)]
        partners = Partner.objects.bulk_create(
            [Partner(tenant=tenant, name=f"Partner {i:03}") for i in range(PARTNERS)]
        )
        campaigns = Campaign.objects.bulk_create(
            [
                Campaign(
                    tenant=tenant,
                    name=f"Campaign {i}",
                    kind="abm",
                    status="active",
                    starts_on=quarters[0].start,
                    ends_on=quarter.last_day,
                    budget=Decimal(10_000),
                )
                for i in range(CAMPAIGNS)
            ]
        )
        accounts = Account.objects.bulk_create(
            [Account(tenant=tenant, name=f"Account {i}", country="DE") for i in range(ACCOUNTS)],
            batch_size=batch,
        )

        def campaign_of(i: int) -> Campaign:
            return campaigns[i % CAMPAIGNS]

        # Balances of the quarter: funded 20,000; some used.
        balances = []
        for partner in partners:
            paid = Decimal(2_000)
            committed = Decimal(rng.choice([0, 0, 5_000, 12_000, 17_000]))
            balances.append(
                FundBalance(
                    tenant=tenant,
                    partner=partner,
                    quarter_start=quarter.start,
                    allocated=Decimal(20_000),
                    committed=committed,
                    paid=paid,
                    available=Decimal(20_000) - committed - paid,
                )
            )
        FundBalance.objects.bulk_create(balances, batch_size=batch)
        # A paid activity per partner and quarter, and open requests for a third of them.
        requests, claims = [], []
        for i, partner in enumerate(partners):
            for q in quarters:
                starts = q.start + timedelta(days=10 + i % 40)
                requests.append(
                    FundRequest(
                        tenant=tenant,
                        partner=partner,
                        quarter_start=q.start,
                        activity_type=rng.choice(["event", "digital_ads", "training"]),
                        title=f"Activity {i} {q.code}",
                        campaign=campaign_of(i),
                        starts_on=starts,
                        ends_on=starts + timedelta(days=2),
                        total_cost=Decimal(4_000),
                        amount_requested=Decimal(2_000),
                        approved_amount=Decimal(2_000),
                        state="claimed",
                    )
                )
            if i % 3 == 0:
                for _ in range(2):
                    requests.append(
                        FundRequest(
                            tenant=tenant,
                            partner=partner,
                            quarter_start=quarter.start,
                            activity_type="event",
                            title=f"Open {i}",
                            starts_on=today,
                            ends_on=today,
                            total_cost=Decimal(20_000),
                            amount_requested=Decimal(9_000),
                            state="submitted",
                        )
                    )
        FundRequest.objects.bulk_create(requests, batch_size=batch)
        for request in requests:
            if request.state == "claimed":
                claims.append(
                    FundClaim(
                        tenant=tenant,
                        request=request,
                        partner_id=request.partner_id,
                        actual_cost=Decimal(4_000),
                        amount_claimed=Decimal(2_000),
                        approved_amount=Decimal(2_000),
                        state="paid",
                        payment_reference="BENCH",
                        paid_on=request.ends_on,
                    )
                )
        FundClaim.objects.bulk_create(claims, batch_size=batch)
        first_day = quarters[0].start
        span = (today - first_day).days + 1
        Opportunity.objects.bulk_create(
            [
                Opportunity(
                    tenant=tenant,
                    account=accounts[rng.randrange(ACCOUNTS)],
                    name=f"Opportunity {i}",
                    amount=Decimal(rng.randrange(5, 200) * 1000),
                    currency=tenant.currency,
                    stage=won if rng.random() < 0.3 else open_stage,
                    opened_on=first_day + timedelta(days=rng.randrange(span)),
                    route="partner" if i % 2 else "direct",
                    partner=partners[i % PARTNERS] if i % 2 else None,
                    campaign=campaign_of(i % PARTNERS) if i % 2 else None,
                )
                for i in range(OPPORTUNITIES)
            ],
            batch_size=batch,
        )
        Touch.objects.bulk_create(
            [
                Touch(
                    tenant=tenant,
                    account=accounts[rng.randrange(ACCOUNTS)],
                    channel="call",
                    route="partner",
                    actor_partner=partners[i % PARTNERS],
                    campaign=campaign_of(i % PARTNERS),
                    occurred_at=datetime.combine(
                        first_day + timedelta(days=rng.randrange(span)), datetime.min.time(), UTC
                    )
                    + timedelta(hours=12),
                )
                for i in range(TOUCHES)
            ],
            batch_size=batch,
        )
        Lead.objects.bulk_create(
            [
                Lead(
                    tenant=tenant,
                    source="api",
                    last_name=f"Lead {i}",
                    email=f"lead{i}@example.com",
                    company="Bench",
                    campaign=campaign_of(i % PARTNERS),
                    submitted_by_partner=partners[i % PARTNERS],
                )
                for i in range(LEADS)
            ],
            batch_size=batch,
        )
        # The busy partner's ledger: 10,000 entries in the quarter.
        heavy = partners[0]
        balance = FundBalance.objects.get(partner=heavy, quarter_start=quarter.start)
        start = datetime.combine(quarter.start, datetime.min.time(), UTC)
        available = Decimal(0)
        entries = []
        for i in range(LEDGER):
            kind, amount = ("allocated", Decimal(100)) if i % 2 == 0 else ("committed", Decimal(50))
            available += amount if kind == "allocated" else -amount
            entries.append(
                LedgerEntry(
                    tenant=tenant,
                    balance=balance,
                    partner=heavy,
                    quarter_start=quarter.start,
                    kind=kind,
                    amount=amount,
                    available_after=available,
                    actor_label="bench",
                    reason=f"Bench movement {i}",
                    at=start + timedelta(minutes=i),
                )
            )
        LedgerEntry.objects.bulk_create(entries, batch_size=batch)
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    return tenant, quarter, heavy


def ledger_client(tenant, quarter, partner) -> tuple:
    """A RevOps admin's browser on the console's ledger page of the partner and quarter."""
    from django.test import Client
    from django.urls import reverse

    from core.tenancy import tenant_scope
    from tenancy.choices import Role
    from tenancy.models import Membership, User

    user = User.objects.create_user(email="bench-admin@example.com", password="bench-password-1")
    with tenant_scope(tenant):
        Membership.objects.create(tenant=tenant, user=user, role=Role.REVOPS_ADMIN)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    url = reverse("console:mdf-ledger", args=[tenant.slug])
    return client, f"{url}?partner={partner.pk}&quarter={quarter.code}"


def measure(tenant, quarter, heavy) -> dict:
    from django.db import transaction

    from core.acting import SystemActor
    from core.tenancy import tenant_scope
    from mdf.services.reallocation import recommend
    from mdf.services.roi import roi_report

    ledger, recommends, lines, reports = [], [], 0, []
    client, url = ledger_client(tenant, quarter, heavy)
    for _ in range(LEDGER_SAMPLES):
        began = time.perf_counter()
        response = client.get(url)
        ledger.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.status_code
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
    with tenant_scope(tenant):
        for _ in range(RECOMMEND_SAMPLES):
            with transaction.atomic():
                began = time.perf_counter()
                made = recommend(tenant, quarter, acting=SystemActor("bench"))
                recommends.append(time.perf_counter() - began)
                lines = made.lines.count()
                transaction.set_rollback(True)
        for _ in range(RECOMMEND_SAMPLES):
            began = time.perf_counter()
            report = roi_report(tenant, by="partner", first=quarter.shifted(-3), last=quarter)
            reports.append(time.perf_counter() - began)
    return {
        "ledger": ledger,
        "ledger_sql": (len(queries.captured_queries), sql_ms),
        "recommend": recommends,
        "lines": lines,
        "reports": reports,
        "activities": report.total.activities,
        "opportunities": report.total.sourced_n + report.total.influenced_n,
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as var_dir:
        url, engine = database(var_dir)
        setup(url, var_dir)
        began = time.perf_counter()
        data = build()
        built = time.perf_counter() - began
        result = measure(*data)
    ledger, recommends, reports = result["ledger"], result["recommend"], result["reports"]
    ledger_p95 = percentile(ledger, 95)
    worst = max(recommends)
    ledger_verdict = "met" if ledger_p95 < LEDGER_TARGET_MS else "MISSED"
    recommend_verdict = "met" if worst < RECOMMEND_TARGET_S else "MISSED"
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    markdown = f"""## MDF (bench/mdf.py)

{PARTNERS} partners with a balance each and a paid activity in each of the last four quarters
({result["activities"]:,} funded activities), {CAMPAIGNS} campaigns, {ACCOUNTS:,} accounts,
{OPPORTUNITIES:,} opportunities, {TOUCHES:,} partner touches, {LEADS:,} leads; one partner with
{LEDGER:,} ledger entries in the quarter. Data built in {built:.0f} s. {engine}, {machine},
measured {datetime.now(UTC):%Y-%m-%d} on a shared machine.

| Step | Samples | p50 | p95 | max |
| --- | --- | --- | --- | --- |
{latency_row(f"Console ledger page of the partner with {LEDGER:,} entries (whole request)", ledger)}
{latency_row(f"Reallocation recommendation, {PARTNERS} partners (rolled back)", [s * 1000 for s in recommends])}
{latency_row("ROI table by partner, four quarters", [s * 1000 for s in reports])}

The ledger row is the console's ledger page (`console:mdf-ledger`, filtered to the partner and
quarter) fetched by a signed-in RevOps admin through Django's test client: the whole request,
middleware, queries and template, without a network; of one request, its
{result["ledger_sql"][0]} queries took {result["ledger_sql"][1]:.0f} ms (the rest is Python: the
frame's navigation counts and the page's template). Targets: ledger page p95 under {LEDGER_TARGET_MS:.0f} ms: **{ledger_verdict}**; recommendation for {PARTNERS}
partners under {RECOMMEND_TARGET_S:.0f} s (slowest of {len(recommends)}): **{recommend_verdict}**
({result["lines"]} lines proposed; {result["opportunities"]:,} opportunities sourced or
influenced over the four quarters).
"""
    print(markdown)
    write_section("mdf", markdown)


if __name__ == "__main__":
    main()
