"""What /healthz reports: the database, the broker, the workers and the periodic scheduler."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.models import SchedulerHeartbeat

__all__ = ["health_report"]

OK, FAILING = "ok", "failing"


def check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"status": FAILING, "error": exc.__class__.__name__}
    return {"status": OK, "vendor": connection.vendor}


def check_broker() -> dict[str, Any]:
    if not settings.REDIS_URL:
        return {"status": OK, "mode": "embedded"}
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
    except Exception as exc:
        return {"status": FAILING, "mode": "redis", "error": exc.__class__.__name__}
    return {"status": OK, "mode": "redis"}


def check_worker() -> dict[str, Any]:
    if not settings.REDIS_URL:
        return {"status": OK, "mode": "in-process"}
    from config.celery import app

    try:
        replies = app.control.ping(timeout=1.0)
    except Exception as exc:
        return {"status": FAILING, "error": exc.__class__.__name__, "workers": 0}
    if not replies:
        return {"status": FAILING, "error": "no worker answered", "workers": 0}
    return {"status": OK, "workers": len(replies)}


def check_scheduler() -> dict[str, Any]:
    """Stale heartbeats fail the check; none yet (just started) does not."""
    try:
        beat = SchedulerHeartbeat.objects.filter(name="beat").first()
    except Exception as exc:
        return {"status": FAILING, "error": exc.__class__.__name__}
    if beat is None:
        return {"status": "pending", "last_beat": None}
    age = timezone.now() - beat.beat_at
    status = OK if age <= settings.SCHEDULER_STALE_AFTER else FAILING
    return {
        "status": status,
        "last_beat": beat.beat_at.isoformat(),
        "age_seconds": int(age.total_seconds()),
    }


def health_report() -> tuple[bool, dict[str, Any]]:
    checks = {
        "database": check_database(),
        "broker": check_broker(),
        "worker": check_worker(),
        "scheduler": check_scheduler(),
    }
    healthy = all(c["status"] != FAILING for c in checks.values())
    return healthy, {"status": OK if healthy else FAILING, "checks": checks}
