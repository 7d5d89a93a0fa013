"""The scheduler heartbeat's table (written by core.tasks, read by core.health)."""

from __future__ import annotations

from django.db import models

__all__ = ["SchedulerHeartbeat"]


class SchedulerHeartbeat(models.Model):
    """Written by the periodic scheduler (Celery beat or the embedded runner); read by /healthz."""

    name = models.CharField(max_length=50, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
