"""/healthz, the task base and both task runners: the embedded one (no broker) and a real Celery
worker against Redis (CI always runs the latter; it needs REDIS_URL)."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from celery import shared_task
from django.conf import settings
from django.utils import timezone

from config.celery import app
from core.embedded import EmbeddedScheduler
from core.models import AuditEvent, SchedulerHeartbeat
from core.tasks import TenantTask
from tenancy.models import Partner


@shared_task(base=TenantTask, name="tests.rename_partner")
def rename_partner(*, tenant_id: int, partner_id: int, name: str) -> None:
    partner = Partner.objects.filter(pk=partner_id).first()
    if partner is not None and partner.name != name:
        partner.name = name
        partner.save()


def wait_for(condition, seconds: float = 20.0) -> bool:
    """Poll until `condition()` holds; background work has no completion signal to wait on."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db
def test_healthz_reports_every_check(client):
    body = client.get("/healthz").json()
    assert set(body["checks"]) == {"database", "broker", "worker", "scheduler"}
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["scheduler"]["status"] == "pending"  # no beat yet: not a failure
    if not settings.REDIS_URL:
        assert client.get("/healthz").status_code == 200
        assert body["checks"]["broker"]["mode"] == "embedded"


@pytest.mark.django_db
def test_healthz_fails_when_the_scheduler_stopped_beating(client, settings):
    settings.REDIS_URL = ""
    SchedulerHeartbeat.objects.create(name="beat", beat_at=timezone.now() - timedelta(minutes=10))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["scheduler"]["status"] == "failing"
    SchedulerHeartbeat.objects.filter(name="beat").update(beat_at=timezone.now())
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_healthz_fails_when_the_broker_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["status"] == "failing"


@pytest.mark.django_db
def test_tenant_tasks_run_inside_their_tenants_scope(world, django_capture_on_commit_callbacks):
    own, foreign = world.partner, world.orgs["b_partner"]
    with django_capture_on_commit_callbacks(execute=True) as published:
        rename_partner.delay_on_commit(
            tenant_id=world.tenant.pk, partner_id=own.pk, name="Renamed by task"
        )
        rename_partner.delay_on_commit(
            tenant_id=world.tenant.pk, partner_id=foreign.pk, name="Hijacked"
        )
        own.refresh_from_db()
        assert own.name != "Renamed by task"  # nothing runs before the commit
    # Both tasks were published on commit (a rename also moves cache generations on commit).
    tasks = [c for c in published if getattr(c, "func", None) == rename_partner.delay]
    assert len(tasks) == 2
    own.refresh_from_db()
    foreign.refresh_from_db()
    assert own.name == "Renamed by task"
    assert foreign.name.startswith("Beta Partner")
    assert AuditEvent.all_tenants.filter(
        tenant=world.tenant, object_id=str(own.pk), source="task"
    ).exists()


def test_tenant_tasks_insist_on_a_tenant_id():
    with pytest.raises(TypeError):
        rename_partner.apply(kwargs={"partner_id": 1, "name": "x"}, throw=True)


def test_every_scheduled_and_published_task_is_registered_under_its_name():
    """Beat's schedule and messages already queued name tasks: code that moves must keep the
    name, and the module holding it must be imported on setup (core's webhook and import tasks
    live outside core.tasks, which is all Celery's autodiscovery imports)."""
    published = {
        "core.tasks.deliver_webhook",
        "core.tasks.sweep_webhook_deliveries",
        "core.imports.run_import",
    }
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    app.loader.import_default_modules()  # what a worker does on start: autodiscovery included
    assert published | scheduled <= set(app.tasks)


@pytest.mark.django_db(transaction=True)
def test_the_embedded_scheduler_fires_periodic_jobs():
    runner = EmbeddedScheduler()
    runner.start()
    try:
        assert wait_for(lambda: SchedulerHeartbeat.objects.filter(name="beat").exists())
    finally:
        runner.stop()
        runner.join(timeout=5)


def test_the_embedded_scheduler_leaves_nightly_jobs_to_their_hour(monkeypatch):
    """Interval jobs (the scorecards' refresh among them) fire at start-up; the nightly ones do
    not: a scorecards rebuild at every `make run` would empty the dashboards while it runs."""
    fired: list[str] = []
    monkeypatch.setattr(
        EmbeddedScheduler, "_fire", staticmethod(lambda app, name, entry: fired.append(name))
    )
    runner = EmbeddedScheduler()
    runner.start()
    try:
        assert wait_for(lambda: "scorecards-refresh" in fired)
    finally:
        runner.stop()
        runner.join(timeout=5)
    assert {"scheduler-heartbeat", "routing-sweep", "scorecards-refresh"} <= set(fired)
    assert not {"scorecards-rebuild", "dedupe-weights"} & set(fired)


@pytest.fixture
def celery_worker():
    if not settings.REDIS_URL:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the real Celery path: REDIS_URL is not set")
        pytest.skip("REDIS_URL not set: the real Celery worker test needs Redis")
    from celery.contrib.testing.worker import start_worker

    app.conf.task_always_eager = False
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10
        ):
            yield
    finally:
        app.conf.task_always_eager = True


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_tasks_from_redis_and_healthz_sees_it(world, client, celery_worker):
    own = world.partner
    rename_partner.delay_on_commit(
        tenant_id=world.tenant.pk, partner_id=own.pk, name="Renamed by worker"
    )
    assert wait_for(lambda: Partner.all_tenants.get(pk=own.pk).name == "Renamed by worker")
    report = client.get("/healthz")
    assert report.json()["checks"]["worker"]["status"] == "ok", report.json()
    assert report.json()["checks"]["broker"] == {"status": "ok", "mode": "redis"}
