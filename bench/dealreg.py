"""`make bench`, deal-registration part (PostgreSQL): the conflict check on submit.

One tenant with 20,000 accounts, 8 product lines, 100,000 open registrations (each with a line,
a third of them holding the claim on their customer and line) and 200,000 open opportunities,
plus 100,000 touches. Measured: `find_conflicts` for a random customer and line (what the
engine does on submit, on re-review and for "check before I file"), and a whole `submit` (lock,
customer, version, corridors, chain, engine, claims, clock), each in a transaction rolled back.
Target (issue 12): the conflict check p95 under 50 ms.

Runs against DEALREG_BENCH_DATABASE_URL (a PostgreSQL database it may fill; it is migrated and
its deal-registration bench tenant replaced). Sizes can be lowered for a quick try:
BENCH_DEALREG_REGISTRATIONS, BENCH_DEALREG_OPPORTUNITIES.
"""

from __future__ import annotations

import os
import random
import statistics
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
from bench.report import write_section  # noqa: E402

REGISTRATIONS = int(os.environ.get("BENCH_DEALREG_REGISTRATIONS", 100_000))
OPPORTUNITIES = int(os.environ.get("BENCH_DEALREG_OPPORTUNITIES", 200_000))
ACCOUNTS = max(1000, REGISTRATIONS // 5)
LINES = 8
PARTNERS = 40
SAMPLES = 300
TARGET_MS = 50.0


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
    Path(var_dir, "static").mkdir()
    import django

    django.setup()
    import logging

    logging.getLogger("celery").setLevel(logging.WARNING)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build() -> tuple:
    from accounts.models import Account, ProductLine
    from core.acting import SystemActor
    from core.tenancy import all_tenants_scope, tenant_scope
    from dealreg.models import Claim, DealRegistration, RegistrationLine
    from dealreg.services.state import settings_for
    from pipeline.models import Opportunity, Stage, Touch
    from pipeline.services import ensure_default_stages
    from tenancy.models import Partner, Team, Tenant

    with all_tenants_scope():
        old = Tenant.objects.filter(slug="bench-dealreg").first()
        if old is not None:
            from django.db import connection

            with connection.cursor() as cursor:  # the bench tenant's rows, in dependency order
                for table in (
                    "dealreg_registrationevent",
                    "dealreg_registrationclock",
                    "dealreg_registrationconflict",
                    "dealreg_claim",
                    "dealreg_registrationline",
                    "dealreg_dealregistration",
                    "dealreg_dealregsettings",
                    "pipeline_touch",
                    "pipeline_stagechange",
                    "pipeline_opportunity",
                    "pipeline_stage",
                    "accounts_account",
                    "accounts_productline",
                    "tenancy_partner",
                    "tenancy_team",
                    "core_auditevent",
                    "core_tombstone",
                ):
                    cursor.execute(f"DELETE FROM {table} WHERE tenant_id = %s", [old.pk])
            Tenant.objects.filter(pk=old.pk).delete()
    tenant = Tenant.objects.create(name="Bench dealreg", slug="bench-dealreg")
    rng = random.Random(12)
    with tenant_scope(tenant):
        ensure_default_stages(tenant, acting=SystemActor("bench"))
        settings_for(tenant)
        stage = Stage.objects.get(key="propose")
        team = Team.objects.create(tenant=tenant, name="Direct")
        partners = Partner.objects.bulk_create(
            [Partner(tenant=tenant, name=f"Partner {i}") for i in range(PARTNERS)]
        )
        lines = ProductLine.objects.bulk_create(
            [ProductLine(tenant=tenant, code=f"line-{i}", name=f"Line {i}") for i in range(LINES)]
        )
        accounts = Account.objects.bulk_create(
            [Account(tenant=tenant, name=f"Account {i}", country="DE") for i in range(ACCOUNTS)],
            batch_size=5000,
        )
        now = datetime.now(UTC)
        regs, reg_lines, claims, held = [], [], [], set()
        for i in range(REGISTRATIONS):
            partner = partners[i % PARTNERS]
            regs.append(
                DealRegistration(
                    tenant=tenant,
                    route="partner",
                    registrant_partner=partner,
                    end_customer=accounts[rng.randrange(ACCOUNTS)],
                    title=f"Deal {i}",
                    estimated_amount=Decimal(50000),
                    currency="EUR",
                    state=rng.choice(["submitted", "under_review", "approved"]),
                    submitted_at=now - timedelta(days=rng.randrange(60)),
                )
            )
        DealRegistration.objects.bulk_create(regs, batch_size=5000)
        for registration in regs:
            line = lines[rng.randrange(LINES)]
            reg_lines.append(
                RegistrationLine(tenant=tenant, registration=registration, product_line=line)
            )
            key = (registration.end_customer_id, line.pk)
            if key not in held:
                held.add(key)
                claims.append(
                    Claim(
                        tenant=tenant,
                        registration=registration,
                        account=registration.end_customer,
                        product_line=line,
                    )
                )
        RegistrationLine.objects.bulk_create(reg_lines, batch_size=5000)
        Claim.objects.bulk_create(claims, batch_size=5000)
        opportunities = [
            Opportunity(
                tenant=tenant,
                account=accounts[rng.randrange(ACCOUNTS)],
                name=f"Opportunity {i}",
                amount=Decimal(10000),
                currency="EUR",
                stage=stage,
                opened_on=now.date(),
                route="partner" if i % 2 else "direct",
                partner=partners[i % PARTNERS] if i % 2 else None,
                owner_team=None if i % 2 else team,
            )
            for i in range(OPPORTUNITIES)
        ]
        Opportunity.objects.bulk_create(opportunities, batch_size=5000)
        Touch.objects.bulk_create(
            [
                Touch(
                    tenant=tenant,
                    account=accounts[rng.randrange(ACCOUNTS)],
                    channel="call",
                    route="partner",
                    actor_partner=partners[i % PARTNERS],
                    occurred_at=now - timedelta(days=rng.randrange(90)),
                )
                for i in range(REGISTRATIONS)
            ],
            batch_size=5000,
        )
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return tenant, accounts, lines, partners, team


def measure(tenant, accounts, lines, partners, team) -> dict:
    from django.db import transaction

    from core.acting import SystemActor
    from core.tenancy import tenant_scope
    from dealreg.models import DealRegistration
    from dealreg.services.conflicts import Party, find_conflicts
    from dealreg.services.registrations import set_lines, submit

    rng = random.Random(7)
    checks, submits, found = [], [], 0
    with tenant_scope(tenant):
        for i in range(SAMPLES):
            account, line = accounts[rng.randrange(len(accounts))], lines[rng.randrange(LINES)]
            party = Party("partner", partners[(i + 1) % PARTNERS].pk)
            began = time.perf_counter()
            findings = find_conflicts(account, [line], party)
            checks.append((time.perf_counter() - began) * 1000)
            found += bool(findings)
        for _ in range(SAMPLES // 3):
            account, line = accounts[rng.randrange(len(accounts))], lines[rng.randrange(LINES)]
            with transaction.atomic():
                registration = DealRegistration.objects.create(
                    tenant=tenant,
                    route="direct",
                    registrant_team=team,
                    end_customer=account,
                    title="Bench",
                    estimated_amount=Decimal(50000),
                    currency="EUR",
                )
                set_lines(registration, [{"product_line": line}])
                began = time.perf_counter()
                submit(registration, acting=SystemActor("bench"))
                submits.append((time.perf_counter() - began) * 1000)
                transaction.set_rollback(True)
    return {"checks": checks, "submits": submits, "with_conflicts": found}


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1]


def main() -> None:
    url = os.environ.get("DEALREG_BENCH_DATABASE_URL")
    if not url:
        print("Set DEALREG_BENCH_DATABASE_URL to a PostgreSQL database the bench may fill.")
        return
    with tempfile.TemporaryDirectory() as var_dir:
        setup(url, var_dir)
        began = time.perf_counter()
        data = build()
        built = time.perf_counter() - began
        result = measure(*data)
    checks, submits = result["checks"], result["submits"]
    check_p95 = p(checks, 95)
    verdict = "met" if check_p95 < TARGET_MS else "MISSED"
    markdown = f"""## Deal-registration conflict check (bench/dealreg.py)

{REGISTRATIONS:,} open registrations and {OPPORTUNITIES:,} open opportunities in one tenant
({ACCOUNTS:,} accounts, {LINES} product lines, {REGISTRATIONS:,} touches; data built in
{built:.0f} s), PostgreSQL, measured {datetime.now(UTC):%Y-%m-%d} on a shared machine.

| Step | Samples | p50 | p95 | max |
| --- | --- | --- | --- | --- |
| Conflict check (`find_conflicts`, one customer and line) | {len(checks)} | {p(checks, 50):.1f} ms | {check_p95:.1f} ms | {max(checks):.1f} ms |
| Whole submit (rolled back) | {len(submits)} | {p(submits, 50):.1f} ms | {p(submits, 95):.1f} ms | {max(submits):.1f} ms |

Target: conflict check p95 under {TARGET_MS:.0f} ms: **{verdict}**. {result["with_conflicts"]} of
{len(checks)} checks found something (registrations, opportunities or touches of other parties).
"""
    print(markdown)
    write_section("dealreg", markdown)


if __name__ == "__main__":
    main()
