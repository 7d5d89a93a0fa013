"""The table of CSV import jobs: the uploaded file, its mapping, progress and report (core.imports)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.models.base import TenantOwned

__all__ = ["ImportJob"]


class ImportJob(TenantOwned):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    resource = models.CharField(max_length=50)
    filename = models.CharField(max_length=255)
    content = models.TextField()
    mapping = models.JSONField(default=dict, blank=True)  # CSV header -> field ("" ignores it)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)  # created/updated/unchanged/error
    errors = models.JSONField(default=list, blank=True)  # [{"row", "column", "message"}]
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    audit_exclude = ("content", "errors", "counts", "processed_rows")

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "-created_at"], name="importjob_recent")]

    def __str__(self) -> str:
        return f"{self.filename} → {self.resource}"

    @property
    def progress(self) -> int:
        return round(100 * self.processed_rows / self.total_rows) if self.total_rows else 0

    def _count(self, *keys: str) -> int:
        counts = self.counts or {}
        return sum(counts.get(key, 0) for key in keys)

    @property
    def valid_rows(self) -> int:
        """Rows the last check (or run) found valid: created, updated or unchanged."""
        return self._count("created", "updated", "unchanged")

    @property
    def rows_to_write(self) -> int:
        """Rows the last check found would change something: created or updated."""
        return self._count("created", "updated")
