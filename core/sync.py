"""Change tracking for CRM sync: versions, a commit-safe change order, and tombstones.

Every write of a `Synced` row stamps it with a *change sequence*, and every delete leaves a
`Tombstone` with one, so a connector can mirror a tenant by reading changes in sequence order.

Why not `updated_at`: two transactions can commit in the opposite order of their timestamps, and a
reader that has moved past the later timestamp never sees the earlier row. The sequence avoids it:
- PostgreSQL: the sequence is the writing transaction's id (`pg_current_xact_id()`), and readers
  only see rows below the oldest transaction still running (`pg_snapshot_xmin`). Everything below
  that line is final; a row above it waits until every older writer has finished.
- SQLite: write transactions are serialised (BEGIN IMMEDIATE), so commit order is sequence order;
  the sequence is a counter bumped inside the writing transaction and there is nothing in flight.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, models, transaction
from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver
from django.utils import timezone

from core.models import SyncClock, TenantOwned, Tombstone

__all__ = ["Synced", "change_sequence", "safe_horizon"]

UNBOUNDED = 2**63 - 1


def change_sequence() -> int:
    """The sequence number for writes in the current transaction. Call inside `atomic()`."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()::text::bigint")
            return cursor.fetchone()[0]
    updated = SyncClock.objects.filter(pk=1).update(value=models.F("value") + 1)
    if not updated:
        SyncClock.objects.create(pk=1, value=1)
    return SyncClock.objects.get(pk=1).value


def safe_horizon() -> int:
    """Rows with a sequence below this are committed for good; newer ones may still change order."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
            return cursor.fetchone()[0]
    return UNBOUNDED


class Synced(TenantOwned):
    """A tenant-owned row kept in step with a CRM: external id, version and change sequence.

    `version` starts at 1 and grows by one on every save; clients send it back (If-Match or
    `version`) so a stale update is refused instead of overwriting someone else's change.
    """

    external_id = models.CharField(max_length=100, blank=True)
    version = models.PositiveIntegerField(default=1)
    sync_seq = models.BigIntegerField(default=0, editable=False)

    audit_exclude = ("sync_seq", "version")

    class Meta:
        abstract = True
        base_manager_name = "all_tenants"

    def save(self, *args: Any, **kwargs: Any) -> None:
        with transaction.atomic():
            self.sync_seq = change_sequence()
            if not self._state.adding:
                self.version += 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "sync_seq", "version", "updated_at"}
            super().save(*args, **kwargs)


@receiver(post_delete)
def _leave_tombstone(sender: type, instance: Any, **kwargs: Any) -> None:
    # A signal, not delete(): cascades and queryset deletes leave tombstones too. It runs inside
    # the deletion's transaction, so the row and its tombstone go together.
    if isinstance(instance, Synced):
        Tombstone.all_tenants.create(
            tenant_id=instance.tenant_id,
            resource=instance._meta.label,
            object_id=instance.pk,
            external_id=instance.external_id,
            sync_seq=change_sequence(),
        )


@receiver(pre_delete)
def _restamp_orphaned(sender: type, instance: Any, **kwargs: Any) -> None:
    """Rows whose reference to `instance` the database is about to null (on_delete=SET_NULL)
    change too: give them a new version and change sequence, so the sync feed hands them out again.
    Runs inside the deletion's transaction, like the tombstones. Hidden relations too (a foreign
    key with related_name="+", such as a touch's campaign), which `related_objects` leaves out
    but the deletion nulls all the same."""
    for relation in instance._meta.get_fields(include_hidden=True):
        reverse = relation.auto_created and not relation.concrete
        if not reverse or not (relation.one_to_many or relation.one_to_one):
            continue
        model = relation.related_model
        if relation.on_delete is not models.SET_NULL or not issubclass(model, Synced):
            continue
        model.all_tenants.filter(**{relation.field.name: instance}).update(
            sync_seq=change_sequence(), version=models.F("version") + 1, updated_at=timezone.now()
        )
