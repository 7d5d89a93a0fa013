"""The embedded task runner: with no broker, tasks run eagerly in process, and this thread fires
the beat schedule so periodic jobs (SLA sweeps, heartbeats, the scorecards' refresh) still run
while `make run` is up."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import cast

from celery import Celery
from celery.schedules import BaseSchedule, crontab, maybe_schedule
from django.db import close_old_connections

logger = logging.getLogger(__name__)

__all__ = ["EmbeddedScheduler", "embedded_scheduler_alive"]

_running: EmbeddedScheduler | None = None


class EmbeddedScheduler(threading.Thread):
    tick_seconds = 1.0

    def __init__(self) -> None:
        super().__init__(name="embedded-scheduler", daemon=True)
        self._stop_event = threading.Event()

    def run(self) -> None:
        from config.celery import app

        app.loader.import_default_modules()  # runs autodiscovery: every app's tasks registered
        # maybe_schedule turns the seconds and timedeltas of the settings into schedules.
        schedules = {
            name: cast(BaseSchedule, maybe_schedule(e["schedule"], app=app))
            for name, e in app.conf.beat_schedule.items()
        }
        # Jobs on an interval (heartbeats, sweeps, the scorecards' refresh) fire once at start-up,
        # then on their interval. Jobs at a time of day (the nightly rebuilds and learning) wait
        # for it: a full scorecards rebuild at every start would empty the dashboards while it
        # runs, right after the demo seeding built them.
        never = datetime(2000, 1, 1, tzinfo=UTC)
        last_run = {
            name: schedule.now() if isinstance(schedule, crontab) else never
            for name, schedule in schedules.items()
        }
        while not self._stop_event.is_set():
            for name, schedule in schedules.items():
                if schedule.is_due(last_run[name]).is_due:
                    last_run[name] = schedule.now()
                    self._fire(app, name, app.conf.beat_schedule[name])
            self._stop_event.wait(self.tick_seconds)

    @staticmethod
    def _fire(app: Celery, name: str, entry: dict) -> None:
        try:
            app.tasks[entry["task"]].apply(
                args=entry.get("args", ()), kwargs=entry.get("kwargs", {})
            )
        except Exception:  # a failing job must not stop the others
            logger.exception("periodic job %s failed", name)
        finally:
            close_old_connections()

    def stop(self) -> None:
        self._stop_event.set()


def start_embedded_scheduler() -> EmbeddedScheduler:
    global _running
    if _running is None or not _running.is_alive():
        _running = EmbeddedScheduler()
        _running.start()
    return _running


def embedded_scheduler_alive() -> bool:
    return _running is not None and _running.is_alive()
