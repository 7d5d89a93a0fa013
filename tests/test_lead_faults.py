"""Lead processing survives faults: a worker killed in the middle of a batch, a broker that is
down when leads arrive, SLA sweeps racing each other. Afterwards every lead is routed exactly
once and every SLA step happens once.

These run a real `celery worker` process against Redis and the PostgreSQL test database (the
only place where SKIP LOCKED, row locks and a separate process are real). They are skipped
without PostgreSQL or Redis, except in CI, where that is a failure.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from config.celery import app
from core.sync import change_sequence
from core.tenancy import tenant_scope
from guardrails.services.publish import publish
from guardrails.services.rules import save_rule
from guardrails.services.versions import create_draft
from pipeline.choices import LeadStatus
from pipeline.models import Lead
from routing import dedupe_service, services
from routing.choices import EventKind, TimerKind, TimerState
from routing.models import BusinessCalendar, LeadEvent, SlaPolicy, SlaTimer
from routing.queue import BATCH, queue_processing
from routing.tasks import PROCESSING, SWEEP, sweep_tenant
from tenancy.choices import Role
from tenancy.services import membership_for
from tenancy.tests.factories import TeamFactory, TenantFactory, member

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parent.parent

LEADS = 4 * BATCH  # four batches: the first commits while the others are in flight
LATE_LEADS = 200

# Time to accept 60 min, first touch 600 min, recall 1000 min after a breach (24/7 calendar), so
# a sweep two hours after routing finds exactly the accept timers overdue.
ACCEPT, FIRST_TOUCH, RECALL = 60, 600, 1000


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the lead fault tests: {reason}")
    pytest.skip(reason)


def _worker_broker_url() -> str:
    """A Redis database of its own, so no other worker takes these tasks and they take no
    one else's."""
    parts = urlsplit(settings.REDIS_URL)
    return urlunsplit(parts._replace(path="/14"))


def _test_database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{db['NAME']}"


@pytest.fixture
def services_up():
    if connection.vendor != "postgresql":
        _unavailable("DATABASE_URL is not PostgreSQL: the fault tests need row locks for real")
    if not settings.REDIS_URL:
        _unavailable("REDIS_URL is not set: the fault tests need a real broker")
    import redis

    broker = _worker_broker_url()
    try:
        redis.Redis.from_url(broker, socket_connect_timeout=2).flushdb()
    except redis.RedisError as exc:
        _unavailable(f"Redis is unreachable at {settings.REDIS_URL}: {exc}")
    return broker


class Worker:
    """`celery worker` in its own process group, so SIGKILL takes the pool children too, like a
    machine or container dying."""

    def __init__(self, broker: str, log: Path) -> None:
        self.broker, self.log = broker, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": _test_database_url(),
            "REDIS_URL": self.broker,
            "SECRET_KEY": "lead-faults-only-secret-key-not-for-production-0123456789",
            "DEBUG": "0",
        }
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "prefork"]
        command += ["--concurrency", "2", "--without-heartbeat", "--without-mingle"]
        command += ["--without-gossip", "--loglevel", "WARNING", "-n", f"faults-{uuid.uuid4()}@%h"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


@pytest.fixture
def worker(services_up, tmp_path):
    process = Worker(services_up, tmp_path / "worker.log")
    try:
        yield process
    finally:
        process.kill()


@contextmanager
def publishing_to(broker: str):
    """Publish this process's tasks to `broker` (and not run them eagerly) for a while."""
    # Celery's settings and its private connection pools: typed read-only or not at all.
    conf: Any = app.conf
    internals: Any = app
    saved = conf.broker_url, conf.task_always_eager
    conf.broker_url, conf.task_always_eager = broker, False
    internals._pool, internals.amqp._producer_pool = None, None
    try:
        yield
    finally:
        conf.broker_url, conf.task_always_eager = saved
        internals._pool, internals.amqp._producer_pool = None, None


def wait_until(condition, what: str, worker: Worker | None = None, seconds: float = 180):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.01)
    log = f"\nworker log:\n{worker.tail()}" if worker else ""
    pytest.fail(f"timed out after {seconds:.0f} s waiting for {what}{log}")


@pytest.fixture
def desk():
    """A tenant whose rulebook sends every lead to a team of three reps."""
    tenant = TenantFactory.create(slug="faults", timezone="Europe/Berlin")
    with tenant_scope(tenant):
        dedupe_service.forget_indexes()
        team = TeamFactory.create(tenant=tenant, name="Inside Sales")
        for _ in range(3):
            member(tenant, Role.DIRECT_REP, team=team)
        member(tenant, Role.DIRECT_MANAGER, team=team)
        admin = member(tenant, Role.REVOPS_ADMIN)
        BusinessCalendar.objects.create(
            tenant=tenant,
            working_days=[0, 1, 2, 3, 4, 5, 6],
            day_starts=dt.time(0, 0),
            day_ends=dt.time(23, 59, 59),
        )
        for priority in ("high", "normal", "low"):
            SlaPolicy.objects.create(
                tenant=tenant,
                route="direct",
                priority=priority,
                accept_minutes=ACCEPT,
                first_touch_minutes=FIRST_TOUCH,
                remind_before_minutes=30,
                recall_after_minutes=RECALL,
            )
        acting = membership_for(admin, tenant)
        assert acting is not None
        draft = create_draft(tenant, acting=acting)
        save_rule(
            draft,
            {
                "name": "Inside Sales takes everything",
                "outcome": "direct",
                "target_kind": "team",
                "target_team": team.pk,
                "rationale": "One team for the test.",
                "is_default": True,
            },
            rule=draft.rules.get(is_default=True),
            acting=acting,
        )
        publish(draft, acting=acting)
        yield tenant


def store_leads(tenant, start: int, count: int) -> list[int]:
    """Intake as the API does it: store, then hand the ids to the queue in the same transaction.
    The leads are dated a few minutes back, so the sweeper counts them as overdue at once."""
    with tenant_scope(tenant), transaction.atomic():
        sequence = change_sequence()
        leads = Lead.objects.bulk_create(
            [
                Lead(
                    tenant=tenant,
                    source="api",
                    external_id=f"F-{n}",
                    first_name=f"Fault{n}",
                    last_name=f"Tester{n}",
                    email=f"fault.tester{n}@company{n}.example",
                    company=f"Company {n} GmbH",
                    country="Germany",
                    postal_code=f"{10000 + n}",
                    sync_seq=sequence,
                )
                for n in range(start, start + count)
            ],
            batch_size=1000,
        )
        ids = [lead.pk for lead in leads]
        Lead.objects.filter(pk__in=ids).update(created_at=timezone.now() - dt.timedelta(minutes=5))
        queue_processing(tenant.pk, ids)
    return ids


def batches_in_flight() -> int:
    """Other sessions of the test database inside a transaction that holds locks or wrote."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
        )
        return cursor.fetchone()[0]


def processed(tenant, ids: list[int]) -> int:
    with tenant_scope(tenant):
        return Lead.objects.filter(pk__in=ids, processed_at__isnull=False).count()


def assert_half_done_batches_left_nothing(tenant, ids: list[int]) -> None:
    with tenant_scope(tenant):
        done = Lead.objects.filter(pk__in=ids, processed_at__isnull=False)
        waiting = Lead.objects.filter(pk__in=ids, processed_at__isnull=True)
        # A batch commits whole or not at all.
        assert done.count() % BATCH == 0, done.count()
        assert not waiting.exclude(status=LeadStatus.NEW, routing_attempts=0).exists()
        assert not LeadEvent.objects.filter(lead__in=waiting).exists()
        assert not SlaTimer.objects.filter(lead__in=waiting).exists()
        assert LeadEvent.objects.filter(lead__in=done, kind=EventKind.ROUTED).count() == (
            done.count()
        )


def assert_routed_exactly_once(tenant, ids: list[int]) -> None:
    with tenant_scope(tenant):
        leads = Lead.objects.filter(pk__in=ids)
        assert leads.count() == len(ids)
        assert not leads.filter(processed_at__isnull=True).exists()
        assert set(leads.values_list("status", flat=True)) == {LeadStatus.ROUTED}
        assert set(leads.values_list("routing_attempts", flat=True)) == {1}
        for kind in (EventKind.RECEIVED, EventKind.ROUTED):
            per_lead = (
                LeadEvent.objects.filter(lead__in=leads, kind=kind)
                .values("lead")
                .annotate(n=Count("id"))
            )
            assert {row["n"] for row in per_lead} == {1}, kind
            assert len(per_lead) == len(ids), kind
        timers = SlaTimer.objects.filter(lead__in=leads).values("lead").annotate(n=Count("id"))
        assert len(timers) == len(ids)
        assert {row["n"] for row in timers} == {2}
        # Three reps share the leads (the round robin pointer survived the kill).
        shares = list(
            leads.values("assigned_user").annotate(n=Count("id")).values_list("n", flat=True)
        )
        assert len(shares) == 3 and max(shares) - min(shares) <= 2, shares


def test_a_worker_killed_mid_batch_or_a_broker_down_loses_and_repeats_nothing(worker, desk):
    broker = worker.broker
    worker.start()
    with publishing_to(broker):
        ids = store_leads(desk, 0, LEADS)
        # Kill the worker (and its pool) once a batch has committed while another is half-way
        # through its transaction (its leads locked, some of its rows written).
        wait_until(
            lambda: processed(desk, ids) >= BATCH and batches_in_flight() > 0,
            "a batch committed and another in flight",
            worker,
        )
        worker.kill()
    at_kill = processed(desk, ids)
    assert 0 < at_kill < LEADS, f"{at_kill} leads processed when the worker died"
    assert_half_done_batches_left_nothing(desk, ids)

    # The broker is down while more leads arrive: intake stores them anyway.
    late = store_leads_with_broker_down(desk)
    assert processed(desk, late) == 0

    # A new worker; the unacknowledged deliveries are not back yet (they return only after
    # the broker's visibility timeout), so the periodic sweep finds every lead left behind.
    worker.start()
    with publishing_to(broker):
        wait_until(lambda: swept(desk, ids + late), "the sweeper", worker)
        # The lost deliveries come back one day (or the sweep runs again): nothing happens twice.
        for start in range(0, LEADS, BATCH):
            app.send_task(
                "routing.tasks.process_leads",
                kwargs={"tenant_id": desk.pk, "lead_ids": ids[start : start + BATCH]},
            )
        sweep_tenant.delay(tenant_id=desk.pk)
        import redis

        queue = redis.Redis.from_url(broker)
        wait_until(lambda: queue.llen("celery") == 0, "the redeliveries to be taken", worker)
    worker.kill()  # and with it whatever it was still doing
    with tenant_scope(desk):
        assert services.process_batch(desk, ids + late, acting=PROCESSING) == 0
    assert_routed_exactly_once(desk, ids + late)

    sweepers_race_and_each_breach_happens_once(desk, ids + late)


def swept(tenant, ids: list[int]) -> bool:
    """Like the periodic job: sweep every few seconds until nothing is left behind (a row the
    dead worker still held locked is skipped by one sweep and taken by the next)."""
    if processed(tenant, ids) == len(ids):
        return True
    now = time.monotonic()
    if now - _last_sweep["at"] > 5:
        sweep_tenant.delay(tenant_id=tenant.pk)
        _last_sweep["at"] = now
    return False


_last_sweep = {"at": 0.0}


def store_leads_with_broker_down(tenant) -> list[int]:
    # Nothing listens on port 1: publishing fails at once, after the leads are committed.
    with publishing_to("redis://127.0.0.1:1/0"):
        return store_leads(tenant, LEADS, LATE_LEADS)


def sweepers_race_and_each_breach_happens_once(tenant, ids: list[int]) -> None:
    """Two sweepers, each with its own database connection, at a moment when every accept
    timer is overdue and nothing else is: each timer is stepped once, by one of them."""
    with tenant_scope(tenant):
        routed_until = Lead.objects.filter(pk__in=ids).aggregate(t=Max("processed_at"))["t"]
    when = routed_until + dt.timedelta(minutes=2 * ACCEPT)
    start, steps, errors = threading.Barrier(2), [], []

    def sweep() -> None:
        try:
            with tenant_scope(tenant):
                start.wait(timeout=30)
                steps.append(services.sweep_timers(tenant, acting=SWEEP, now=when, limit=100_000))
        except Exception as exc:  # reported below: a thread cannot fail the test itself
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert sum(steps) == len(ids), steps
    with tenant_scope(tenant):
        leads = Lead.objects.filter(pk__in=ids)
        for kind in (EventKind.BREACHED, EventKind.ESCALATED):
            per_lead = (
                LeadEvent.objects.filter(lead__in=leads, kind=kind)
                .values("lead")
                .annotate(n=Count("id"))
            )
            assert len(per_lead) == len(ids) and {row["n"] for row in per_lead} == {1}, kind
        accept = SlaTimer.objects.filter(lead__in=leads, kind=TimerKind.ACCEPT)
        assert not accept.filter(breached_at__isnull=True).exists()
        assert set(accept.values_list("state", flat=True)) == {TimerState.RUNNING}  # until recall
        assert not SlaTimer.objects.filter(
            lead__in=leads, kind=TimerKind.FIRST_TOUCH, breached_at__isnull=False
        ).exists()
        assert not LeadEvent.objects.filter(lead__in=leads, kind=EventKind.RECALLED).exists()
        assert (
            services.sweep_timers(tenant, acting=SWEEP, now=when) == 0
        )  # nothing left to do at that time
